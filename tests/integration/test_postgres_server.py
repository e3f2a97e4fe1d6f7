"""The throwaway PostgreSQL server for tests: reachable, and writable."""

import sqlalchemy as sa


def test_postgres_server_runs_queries_and_ddl(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            assert connection.execute(sa.text("select 1")).scalar_one() == 1
            connection.execute(sa.text("create table probe (id integer primary key, name text)"))
            connection.execute(sa.text("insert into probe values (1, 'one')"))
            assert connection.execute(sa.text("select name from probe")).scalar_one() == "one"
            connection.execute(sa.text("drop table probe"))
    finally:
        engine.dispose()

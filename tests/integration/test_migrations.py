"""Alembic migrates an empty database to the newest schema, which matches the tables;
rows stored before a revision are carried over."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from bespoke.services.accounts.tokens import DEFAULT_TOKEN_DAYS
from bespoke.store import connect, now, upgrade
from bespoke.store.database import ours
from bespoke.store.tables import Base


def _empty_postgres(server_url: str, name: str) -> str:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return _empty_postgres(request.getfixturevalue("postgres_url"), "migrations_test")


def test_upgrade_from_empty_to_head_matches_the_tables(empty_database: str) -> None:
    engine = connect(empty_database)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": ours})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    upgrade(engine)  # a second run has nothing to do
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def _shop_and_user(engine: Engine, made: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO shops (id, slug, name, overrides, calendar, created_at, updated_at)"
                " VALUES (1, 'main', 'Main', '{}', '{}', :at, :at)"
            ),
            {"at": made},
        )
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, role, password_hash, shop_id, active,"
                " created_at) VALUES (1, 'a@example.com', 'a', 'maker', 'x', 1, :yes, :at)"
            ),
            {"at": made, "yes": True},
        )


def test_tokens_made_before_expiry_get_the_default_lifetime(empty_database: str) -> None:
    engine = connect(empty_database)
    upgrade(engine, "0004")
    made = datetime(2026, 1, 5, 12, 0)
    _shop_and_user(engine, made)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_tokens (id, user_id, name, token_sha256, created_at, revoked)"
                " VALUES (1, 1, 'old script', :sha, :at, :no)"
            ),
            {"sha": "0" * 64, "at": made, "no": False},
        )
    before = now()
    upgrade(engine)
    with engine.connect() as connection:
        ends = connection.execute(text("SELECT expires_at FROM api_tokens")).scalar_one()
    if isinstance(ends, str):  # SQLite hands back text
        ends = datetime.fromisoformat(ends)
    lifetime = timedelta(days=DEFAULT_TOKEN_DAYS)
    assert before + lifetime - timedelta(minutes=1) <= ends <= now() + lifetime
    engine.dispose()


def test_designs_kept_before_get_their_measurements_without_the_contours(
    empty_database: str,
) -> None:
    engine = connect(empty_database)
    upgrade(engine, "0005")
    made = datetime(2026, 1, 5, 12, 0)
    _shop_and_user(engine, made)
    geometry = {"pierces": 3, "cut_length_mm": 120.5, "contours": [{"kind": "outer"}] * 3}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO designs (id, owner_id, shop_id, filename, kind, sha256, size_bytes,"
                " geometry, created_at) VALUES (1, 1, 1, 'a.dxf', 'dxf', :sha, 10, :g, :at)"
            ),
            {"sha": "0" * 64, "g": json.dumps(geometry), "at": made},
        )
    upgrade(engine)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT geometry, measurements FROM designs")).one()
    stored, measured = (json.loads(v) if isinstance(v, str) else v for v in kept)
    assert stored == geometry
    assert measured == {"pierces": 3, "cut_length_mm": 120.5}
    engine.dispose()

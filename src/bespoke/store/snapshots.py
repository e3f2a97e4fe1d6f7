"""A database as one file and back: SQLite through its online backup API, PostgreSQL
through `pg_dump --format=custom` and `pg_restore`; and what a database holds (its
Alembic revision, whether it has any rows)."""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, inspect, make_url, select, table

from bespoke.model.errors import InputError
from bespoke.store.database import alembic_config, connect

POSTGRES_LIB = Path("/usr/lib/postgresql")
TOOL_TIMEOUT_S = 3600
Backend = Literal["sqlite", "postgresql"]


def backend_of(url: str) -> Backend:
    """'sqlite' or 'postgresql'; InputError for any other database."""
    match name := make_url(url).get_backend_name():
        case "sqlite" | "postgresql":
            return name
    raise InputError(f"database {name!r}: backups know sqlite and postgresql")


def sqlite_file(url: str) -> Path:
    """The file of an SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InputError(f"database {url!r}: a backup needs an SQLite file, not memory")
    return Path(database)


def exists(url: str) -> bool:
    """Whether the database is there to be read (an SQLite file is not made by asking)."""
    return backend_of(url) == "postgresql" or sqlite_file(url).is_file()


def revision(url: str) -> str | None:
    """The Alembic revision the database is at; None before the first migration."""
    engine = connect(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def is_known(revision: str) -> bool:
    """Whether this code's migrations know `revision`."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or malformed names
        return False


def has_rows(url: str) -> bool:
    """Whether any table but Alembic's holds a row."""
    if not exists(url):
        return False
    engine = connect(url)
    try:
        with engine.connect() as connection:
            names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
            return any(
                connection.execute(select(1).select_from(table(n)).limit(1)).first() for n in names
            )
    finally:
        engine.dispose()


def dump(url: str, to: Path) -> None:
    """Write a consistent copy of the database to the file `to`, while it may be in use."""
    if backend_of(url) == "sqlite":
        source = sqlite_file(url)
        if not source.is_file():
            raise InputError(f"no database at {source}: nothing to back up")
        _sqlite_copy(source, to)
    else:
        _postgres_tool("pg_dump", url, "--format=custom", "--no-owner", "--no-acl", f"--file={to}")


def load(url: str, source: Path) -> None:
    """Replace the database's content with the copy `source` made by `dump`, in one
    transaction: a failure leaves the database as it was. PostgreSQL: every table of the
    schema goes first, also those a newer schema added, so the copy migrates again."""
    if backend_of(url) == "sqlite":
        _sqlite_copy(source, sqlite_file(url))
        return
    script = source.with_name(source.name + ".sql")
    _postgres_tool(
        "pg_restore", None, "--clean", "--if-exists", "--no-owner", "--no-acl",
        f"--file={script}", str(source),
    )  # fmt: skip
    _postgres_tool(
        "psql", url, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
        f"--command={_DROP_TABLES}", f"--file={script}",
    )  # fmt: skip


_DROP_TABLES = """DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE %I CASCADE', t.tablename);
  END LOOP;
END $$;"""


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy pages with SQLite's backup API: one transaction on the target, consistent
    with the writers of the source and safe for the readers of the target (WAL)."""
    with (
        closing(sqlite3.connect(source, timeout=30)) as reader,
        closing(sqlite3.connect(target, timeout=30)) as writer,
    ):
        reader.backup(writer)


def _postgres_tool(program: str, url: str | None, *args: str) -> None:
    """Run `program`, against the database of `url` when given (its password goes by the
    environment, not the command line)."""
    env = dict(os.environ)
    command = [str(postgres_tool(program)), *args]
    if url is not None:
        parsed = make_url(url)
        if parsed.password is not None:
            env["PGPASSWORD"] = str(parsed.password)
        command.insert(1, f"--dbname={_libpq(parsed)}")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=TOOL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"{program} did not finish in {TOOL_TIMEOUT_S} s") from None
    if done.returncode != 0:
        raise InputError(f"{program} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _libpq(url: URL) -> str:
    """The URL as libpq takes it: no SQLAlchemy driver, no password."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def postgres_tool(program: str) -> Path:
    """`pg_dump`, `pg_restore` or `psql`: the newest under /usr/lib/postgresql (a newer one reads
    older servers), else the one on PATH."""
    found = sorted(
        POSTGRES_LIB.glob(f"*/bin/{program}"),
        key=lambda p: tuple(int(x) for x in p.parent.parent.name.split(".") if x.isdigit()),
        reverse=True,
    )
    if found:
        return found[0]
    on_path = shutil.which(program)
    if on_path is None:
        raise InputError(
            f"{program} not found in {POSTGRES_LIB}/*/bin nor on PATH: install the "
            "PostgreSQL client programs"
        )
    return Path(on_path)

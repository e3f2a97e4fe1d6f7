"""Connecting to the database: an SQLite file by default, or any URL (PostgreSQL:
`postgresql+psycopg://user@host:port/name`). SQLite runs in WAL mode with foreign keys
enforced and a busy timeout, so several server processes can share one file.
"""

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


def sqlite_url(data_dir: Path) -> str:
    """The embedded database: the SQLite file `bespoke.sqlite3` in `data_dir`."""
    return f"sqlite:///{data_dir / 'bespoke.sqlite3'}"


def connect(url: str) -> Engine:
    """An engine for `url`; SQLite connections get WAL, foreign keys and a busy timeout."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


MIGRATION_LOCK = 0x42E5_0CE
"""The PostgreSQL advisory lock a migration holds: processes starting together (web
processes, workers) migrate one at a time, and the later ones find nothing to do."""


def ours(name: str | None, kind: str, parents: object) -> bool:
    """Whether a schema object is Bespoke's: the job queue's tables are procrastinate's,
    made by its own schema in a migration, and left out of comparisons with the models."""
    return not (name or "").startswith("procrastinate_")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (the newest by default) with Alembic."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def revisions(connection: Connection) -> tuple[str | None, str | None]:
    """The database's Alembic revision (None: never migrated) and the newest there is."""
    current = MigrationContext.configure(connection).get_current_revision()
    return current, _newest_revision()


@functools.cache
def _newest_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def now() -> datetime:
    """The current time in UTC, without a zone: how every time is stored."""
    return datetime.now(UTC).replace(tzinfo=None)

"""Persistence: SQLAlchemy tables, repositories, a unit of work, Alembic migrations, blobs."""

from bespoke.store.blobs import BlobStore
from bespoke.store.database import connect, now, revisions, sqlite_url, upgrade
from bespoke.store.unit_of_work import UnitOfWork, UnitOfWorkFactory, unit_of_work_factory

__all__ = [
    "BlobStore",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "connect",
    "now",
    "revisions",
    "sqlite_url",
    "unit_of_work_factory",
    "upgrade",
]

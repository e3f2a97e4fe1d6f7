"""Alembic's entry point: migrate the connection `bespoke.store.database.upgrade` passes in."""

from alembic import context

from bespoke.store.database import ours
from bespoke.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_name=ours,
)
with context.begin_transaction():
    context.run_migrations()

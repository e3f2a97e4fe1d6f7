"""an order's work frozen when it is placed

Its parts' operations, materials and outlines, and a product's own work, kept with the
order, so that scheduling reads them instead of planning the order again, and a later
catalog change does not change an accepted order. Orders placed before have none: it is
worked out and kept the next time they are scheduled.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("work", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("work")

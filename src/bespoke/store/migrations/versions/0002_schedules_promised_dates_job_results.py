"""schedules, promised dates, job results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("origin", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("makespan_s", sa.Integer(), nullable=False),
        sa.Column("weighted_tardiness", sa.Double(), nullable=False),
        sa.Column("setups", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_shop_id"), ["shop_id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result_url", sa.String(length=200), nullable=True))

    with op.batch_alter_table("quote_prices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quote_prices", schema=None) as batch_op:
        batch_op.drop_column("promised_at")

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("result_url")

    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_shop_id"))

    op.drop_table("schedules")

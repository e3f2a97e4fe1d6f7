"""off-cuts of sheet in stock

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remnants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("thickness_mm", sa.Double(), nullable=False),
        sa.Column("length_mm", sa.Double(), nullable=False),
        sa.Column("width_mm", sa.Double(), nullable=False),
        sa.Column("source_batch", sa.String(length=64), nullable=True),
        sa.Column("source_sheet", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_by", sa.String(length=64), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "source_batch", "source_sheet"),
    )
    with op.batch_alter_table("remnants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remnants_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("remnants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remnants_shop_id"))

    op.drop_table("remnants")

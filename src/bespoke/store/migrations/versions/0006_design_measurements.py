"""a design's measurements apart from its contours

The contours of a drawing (up to tens of thousands) are read only for planning; lists
and answers use the measurements, kept in a column of their own.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

designs = sa.table(
    "designs",
    sa.column("id", sa.Integer()),
    sa.column("geometry", sa.JSON()),
    sa.column("measurements", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("designs") as batch:
        batch.add_column(sa.Column("measurements", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(designs.c.id, designs.c.geometry)).mappings():
        measured = {k: v for k, v in row["geometry"].items() if k != "contours"}
        connection.execute(
            designs.update().where(designs.c.id == row["id"]).values(measurements=measured)
        )
    with op.batch_alter_table("designs") as batch:
        batch.alter_column("measurements", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("designs") as batch:
        batch.drop_column("measurements")

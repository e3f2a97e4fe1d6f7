"""background task runs are called task runs: "job" is the scheduling word

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _rename("jobs", "task_runs")


def downgrade() -> None:
    _rename("task_runs", "jobs")


def _rename(old: str, new: str) -> None:
    with op.batch_alter_table(old) as batch:
        batch.drop_index(f"ix_{old}_owner_id")
        batch.drop_index(f"ix_{old}_shop_id")
    op.rename_table(old, new)
    with op.batch_alter_table(new) as batch:
        batch.create_index(f"ix_{new}_owner_id", ["owner_id"], unique=False)
        batch.create_index(f"ix_{new}_shop_id", ["shop_id"], unique=False)

"""a task run keeps its task and arguments, so that a worker anywhere can run it, how
many times it was started and by which worker; on PostgreSQL, the job queue's own tables
(procrastinate) and the calls a request waits for that a worker makes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task_runs") as batch:
        batch.add_column(sa.Column("task", sa.String(120), nullable=True))
        batch.add_column(sa.Column("arguments", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("worker", sa.String(100), nullable=True))
    op.create_table(
        "calls",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("task", sa.String(120), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_calls_ended_at", "calls", ["ended_at"])
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # The driver reads % as a placeholder's start: the schema has a few in its text.
        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        schema = SchemaManager.get_schema()
        for kind in ("TABLE", "FUNCTION", "TYPE"):
            for name in re.findall(rf"^CREATE {kind} (\w+)", schema, re.MULTILINE):
                op.execute(f"DROP {kind} IF EXISTS {name} CASCADE")
    op.drop_index("ix_calls_ended_at", "calls")
    op.drop_table("calls")
    with op.batch_alter_table("task_runs") as batch:
        batch.drop_column("worker")
        batch.drop_column("attempts")
        batch.drop_column("arguments")
        batch.drop_column("task")

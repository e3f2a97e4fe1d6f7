"""the shop floor: work orders and their events, machine observations, hourly roll-ups
and state timelines

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "machine_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("alarms", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("machine_spans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_machine_spans_machine_start", ["shop_id", "machine", "start"], unique=False
        )

    op.create_table(
        "observation_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("signal", sa.String(length=16), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("least", sa.Double(), nullable=True),
        sa.Column("most", sa.Double(), nullable=True),
        sa.Column("total", sa.Double(), nullable=True),
        sa.Column("last_number", sa.Double(), nullable=True),
        sa.Column("last_text", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "machine", "item", "hour"),
    )
    with op.batch_alter_table("observation_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_observation_hours_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "observations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("signal", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Double(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=True),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observations_machine_at", ["shop_id", "machine", "at"], unique=False
        )

    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("orders", sa.JSON(), nullable=False),
        sa.Column("operation", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("process", sa.String(length=64), nullable=False),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("planned_start", sa.DateTime(), nullable=False),
        sa.Column("planned_end", sa.DateTime(), nullable=False),
        sa.Column("planned_s", sa.Integer(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("scrap", sa.Integer(), nullable=False),
        sa.Column("scrap_by_reason", sa.JSON(), nullable=False),
        sa.Column("per_order", sa.JSON(), nullable=False),
        sa.Column("first_start_at", sa.DateTime(), nullable=True),
        sa.Column("last_event_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("running_s", sa.Double(), nullable=False),
        sa.Column("paused_s", sa.Double(), nullable=False),
        sa.Column("pauses", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_orders_machine"), ["machine"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index("ix_work_orders_shop_key", ["shop_id", "key"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_status"), ["status"], unique=False)

    op.create_table(
        "work_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("scrap", sa.Integer(), nullable=False),
        sa.Column("scrap_reason", sa.String(length=32), nullable=True),
        sa.Column("pause_reason", sa.String(length=32), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_order_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_events_work_order_id"), ["work_order_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("work_order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_events_work_order_id"))

    op.drop_table("work_order_events")
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_orders_status"))
        batch_op.drop_index("ix_work_orders_shop_key")
        batch_op.drop_index(batch_op.f("ix_work_orders_shop_id"))
        batch_op.drop_index(batch_op.f("ix_work_orders_order_id"))
        batch_op.drop_index(batch_op.f("ix_work_orders_machine"))

    op.drop_table("work_orders")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index("ix_observations_machine_at")

    op.drop_table("observations")
    with op.batch_alter_table("observation_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_hours_shop_id"))

    op.drop_table("observation_hours")
    with op.batch_alter_table("machine_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_machine_spans_machine_start")

    op.drop_table("machine_spans")

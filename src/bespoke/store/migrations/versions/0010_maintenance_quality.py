"""maintenance plans and orders, spare parts, meters; measurements and nonconformances

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maintenance_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_plans_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "meter_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("meter", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("reset", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meter_readings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meter_readings_machine", ["shop_id", "machine", "meter", "at"], unique=False
        )

    op.create_table(
        "spare_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("on_hand", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "part"),
    )
    with op.batch_alter_table("spare_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spare_parts_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "maintenance_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("window_start", sa.DateTime(), nullable=True),
        sa.Column("window_end", sa.DateTime(), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("planned_start", sa.DateTime(), nullable=True),
        sa.Column("planned_end", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("parts_used", sa.JSON(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo_sha256", sa.String(length=64), nullable=True),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["maintenance_plans.id"],
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "key"),
    )
    with op.batch_alter_table("maintenance_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_orders_machine"), ["machine"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_maintenance_orders_shop_id"), ["shop_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_maintenance_orders_status"), ["status"], unique=False)

    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("feature_key", sa.String(length=160), nullable=False),
        sa.Column("feature", sa.String(length=120), nullable=False),
        sa.Column("nominal_mm", sa.Double(), nullable=False),
        sa.Column("lower_mm", sa.Double(), nullable=False),
        sa.Column("upper_mm", sa.Double(), nullable=False),
        sa.Column("value_mm", sa.Double(), nullable=False),
        sa.Column("part_number", sa.Integer(), nullable=False),
        sa.Column("subgroup", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measurements_feature", ["shop_id", "feature_key", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_measurements_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_measurements_work_order_id"), ["work_order_id"], unique=False
        )

    op.create_table(
        "nonconformances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("machine", sa.String(length=64), nullable=False),
        sa.Column("feature_key", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=True),
        sa.Column("cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("nonconformances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nonconformances_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nonconformances_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nonconformances_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nonconformances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformances_status"))
        batch_op.drop_index(batch_op.f("ix_nonconformances_shop_id"))
        batch_op.drop_index(batch_op.f("ix_nonconformances_order_id"))

    op.drop_table("nonconformances")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurements_work_order_id"))
        batch_op.drop_index(batch_op.f("ix_measurements_order_id"))
        batch_op.drop_index("ix_measurements_feature")

    op.drop_table("measurements")
    with op.batch_alter_table("maintenance_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_orders_status"))
        batch_op.drop_index(batch_op.f("ix_maintenance_orders_shop_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_orders_machine"))

    op.drop_table("maintenance_orders")
    with op.batch_alter_table("spare_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spare_parts_shop_id"))

    op.drop_table("spare_parts")
    with op.batch_alter_table("meter_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_readings_machine")

    op.drop_table("meter_readings")
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_plans_shop_id"))

    op.drop_table("maintenance_plans")

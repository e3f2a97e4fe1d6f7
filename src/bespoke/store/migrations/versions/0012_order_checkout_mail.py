"""an order's shipping address, notes and purchase order; mail about orders; the audit log
by entity

Orders placed before have no address (None). The outbox keeps each mail about an order,
written with the change it tells of, until a mail server has taken it. An order's
timeline reads its audit entries by entity.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("shipping_address", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch.add_column(sa.Column("purchase_order", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_log") as batch:
        batch.create_index("ix_audit_log_entity", ["entity", "entity_id"], unique=False)
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("gave_up", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mail_outbox") as batch:
        batch.create_index("ix_mail_outbox_order_id", ["order_id"], unique=False)
        batch.create_index("ix_mail_outbox_due", ["sent_at", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_table("mail_outbox")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_entity")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("purchase_order")
        batch.drop_column("notes")
        batch.drop_column("shipping_address")

"""Integrity (issue 14): one act per platform transaction, operational incidents, work leases.

Revision ID: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_transactions_platform_ref", table_name="transactions")
    op.create_index(
        "ix_transactions_platform_ref", "transactions", ["platform_ref"], unique=True
    )
    with op.batch_alter_table("acts") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=True, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("incidents")
    with op.batch_alter_table("acts") as batch:
        batch.drop_column("claimed_until")
    op.drop_index("ix_transactions_platform_ref", table_name="transactions")
    op.create_index("ix_transactions_platform_ref", "transactions", ["platform_ref"])

"""The operators' channel (issue 16): one open operational alert per fault key, and when the
operators were alerted about an act's configuration problem.

Revision ID: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("open_key", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("fix", sa.Text, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notices", sa.Integer, nullable=False, server_default="0"),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("open_key"),
    )
    op.create_index("ix_operator_alerts_key", "operator_alerts", ["key"])
    with op.batch_alter_table("acts") as batch:
        batch.add_column(
            sa.Column("problem_alerted_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("acts") as batch:
        batch.drop_column("problem_alerted_at")
    op.drop_index("ix_operator_alerts_key", table_name="operator_alerts")
    op.drop_table("operator_alerts")

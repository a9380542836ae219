"""Alerts sent: each (act, deadline, horizon, channel) once.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts_sent",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("horizon_days", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("act_id", "kind", "due", "horizon_days", "channel", name="uq_alerts_once"),
    )


def downgrade() -> None:
    op.drop_table("alerts_sent")

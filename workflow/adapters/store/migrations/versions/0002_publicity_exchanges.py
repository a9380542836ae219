"""Publicity of acts and the préfecture's exchanges (courrier, pièces, observations, déféré).

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publicities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False, index=True),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False, index=True),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("platform_ref", sa.String(100), nullable=False),
        sa.Column("answered_on", sa.Date),
        sa.Column("detail", sa.Text, nullable=False),
        sa.UniqueConstraint("act_id", "platform_ref", name="uq_exchanges_once"),
    )


def downgrade() -> None:
    op.drop_table("exchanges")
    op.drop_table("publicities")

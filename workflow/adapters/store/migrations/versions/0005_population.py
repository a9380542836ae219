"""Collectivités: population and the council's publicity choice (LEGAL.md R5–R6).

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collectivites") as batch:
        batch.add_column(sa.Column("population", sa.Integer, nullable=True))
        batch.add_column(sa.Column("publicity_mode", sa.String(20), nullable=True))


def downgrade() -> None:
    # recreating the table (batch mode's default on SQLite) would drop a table the acts
    # reference: with foreign keys on, SQLite refuses; ALTER TABLE DROP COLUMN (SQLite ≥ 3.35)
    with op.batch_alter_table("collectivites", recreate="never") as batch:
        batch.drop_column("publicity_mode")
        batch.drop_column("population")

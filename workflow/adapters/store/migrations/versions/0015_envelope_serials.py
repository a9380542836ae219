"""Envelope serials reserved before packaging: one counter per collectivité and day, so two
packagings of the same collectivité never build and sign an archive with the same serial.

Revision ID: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "envelope_serials",
        sa.Column("siren", sa.String(9), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("envelope_serials")

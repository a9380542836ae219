"""Detached signatures given at intake: ``act_documents.signature_sha256`` names the signature
file (in the content-addressed area) of the act's document or of an annex.

Revision ID: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("act_documents") as batch:
        batch.add_column(sa.Column("signature_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("act_documents") as batch:
        batch.drop_column("signature_sha256")

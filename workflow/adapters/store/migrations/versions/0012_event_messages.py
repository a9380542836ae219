"""Event reasons kept untranslated: ``events.reason_message`` holds the reason's English msgid
and its parameters (JSON), translated for each reader when shown (a clerk reads French, an
operator may read English). ``events.reason`` keeps the English text; older rows have no
message and are shown as written.

Revision ID: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("reason_message", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("reason_message")

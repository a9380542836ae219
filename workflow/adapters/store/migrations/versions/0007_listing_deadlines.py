"""The acts' listing, and deadlines as rows indexed on their date.

Listing: indexes for a page of acts, newest first, per collectivité or state.

``GET /api/acts`` reads one page (``ORDER BY id DESC LIMIT n``) of the caller's collectivités,
optionally in one state: with ``(siren, id)``, ``(siren, state, id)`` and ``(state, id)`` the
database walks an index from the cursor and stops after the page, whatever the number of acts.

Deadlines: ``deadlines`` holds when each acknowledged act's open deadlines fall due (index on
``due``); ``acts.deadlines_stale`` marks the acts whose legal facts changed since (every act
already stored starts stale: the first sweep computes their rows once), ``facts_version``
counts those changes.

Revision ID: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_acts_siren_id", "acts", ["siren", "id"])
    op.create_index("ix_acts_siren_state_id", "acts", ["siren", "state", "id"])
    op.create_index("ix_acts_state_id", "acts", ["state", "id"])
    with op.batch_alter_table("acts") as batch:
        batch.add_column(
            sa.Column("deadlines_stale", sa.Boolean, nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("facts_version", sa.Integer, nullable=False, server_default="0")
        )
        batch.create_index("ix_acts_deadlines_stale", ["deadlines_stale"])
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
    )
    op.create_index("ix_deadlines_act_id", "deadlines", ["act_id"])
    op.create_index("ix_deadlines_due", "deadlines", ["due"])


def downgrade() -> None:
    op.drop_table("deadlines")
    with op.batch_alter_table("acts") as batch:
        batch.drop_index("ix_acts_deadlines_stale")
        batch.drop_column("facts_version")
        batch.drop_column("deadlines_stale")
    op.drop_index("ix_acts_state_id", table_name="acts")
    op.drop_index("ix_acts_siren_state_id", table_name="acts")
    op.drop_index("ix_acts_siren_id", table_name="acts")

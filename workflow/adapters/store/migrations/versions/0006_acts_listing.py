"""The acts' listing: indexes for a page of acts, newest first, per collectivité or state.

``GET /api/acts`` reads one page (``ORDER BY id DESC LIMIT n``) of the caller's collectivités,
optionally in one state: with ``(siren, id)``, ``(siren, state, id)`` and ``(state, id)`` the
database walks an index from the cursor and stops after the page, whatever the number of acts.

Revision ID: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_acts_siren_id", "acts", ["siren", "id"])
    op.create_index("ix_acts_siren_state_id", "acts", ["siren", "state", "id"])
    op.create_index("ix_acts_state_id", "acts", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_acts_state_id", table_name="acts")
    op.drop_index("ix_acts_siren_state_id", table_name="acts")
    op.drop_index("ix_acts_siren_id", table_name="acts")

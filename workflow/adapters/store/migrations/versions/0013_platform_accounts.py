"""Platform accounts per collectivité: S²LOW gives each collectivité its own account (a client
certificate, with an HTTP Basic login when accounts share one), and files an act under the
account's collectivité whatever the act says. Paths only: the secrets stay in their files.

Revision ID: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_accounts",
        sa.Column(
            "siren",
            sa.String(9),
            sa.ForeignKey("collectivites.siren"),
            primary_key=True,
        ),
        sa.Column("cert", sa.Text, nullable=True),
        sa.Column("key", sa.Text, nullable=True),
        sa.Column("login", sa.String(200), nullable=True),
        sa.Column("password_file", sa.Text, nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("platform_accounts")

"""The initial store: collectivités, acts, documents, packages, transactions, attempts,
messages, events.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "collectivites",
        sa.Column("siren", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("arrondissement", sa.Integer, nullable=False),
        sa.Column("nature", sa.String(2), nullable=False),
        sa.Column("emails", sa.Text, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
    )
    op.create_table(
        "acts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("siren", sa.String(9), sa.ForeignKey("collectivites.siren"), nullable=False, index=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("numero", sa.String(15), nullable=False),
        sa.Column("numero_printed", sa.String(100), nullable=False),
        sa.Column("act_date", sa.Date, nullable=False),
        sa.Column("nature", sa.String(2), nullable=False),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("classification_date", sa.Date, nullable=False),
        sa.Column("objet", sa.Text, nullable=False),
        sa.Column("state", sa.String(30), nullable=False, index=True),
        sa.Column("state_since", TZ, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("id_acte", sa.String(60), index=True),
        sa.Column("date_reception", sa.Date),
        sa.Column("anomaly_nature", sa.String(20)),
        sa.Column("anomaly_detail", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("siren", "idempotency_key", name="uq_acts_idempotency"),
        sa.UniqueConstraint("siren", "numero", name="uq_acts_numero"),
    )
    op.create_table(
        "act_documents",
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("documents.sha256"), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("typology", sa.String(5)),
    )
    op.create_table(
        "packages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False, index=True),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("serial", sa.Integer, nullable=False),
        sa.Column("archive_name", sa.String(255), nullable=False),
        sa.Column("archive_path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("siren", "day", "serial", name="uq_packages_serial"),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False, unique=True),
        sa.Column("platform_ref", sa.String(100), nullable=False, index=True),
        sa.Column("platform_status", sa.Integer),
        sa.Column("recovered", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), index=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("platform_ref", sa.String(100)),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False, index=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.UniqueConstraint("act_id", "sha256", name="uq_messages_once"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("act_id", sa.Integer, sa.ForeignKey("acts.id"), nullable=False, index=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("event", sa.String(50), nullable=False),
        sa.Column("from_state", sa.String(30)),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("events", "messages", "attempts", "transactions", "packages", "act_documents", "acts", "documents", "collectivites"):
        op.drop_table(table)

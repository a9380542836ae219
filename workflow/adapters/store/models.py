"""Tables of the store. Every act, state change, message and platform attempt is a row."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import true

from workflow.i18n import Message


class Base(DeclarativeBase):
    pass


def table(row: type[Base]) -> Table:
    """The Core table behind a row class, for statements built once (the hot paths)."""
    return Base.metadata.tables[row.__tablename__]


class CollectiviteRow(Base):
    __tablename__ = "collectivites"
    siren: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    departement: Mapped[str] = mapped_column(String(3))
    arrondissement: Mapped[int] = mapped_column(Integer)
    nature: Mapped[str] = mapped_column(String(2))
    emails: Mapped[str] = mapped_column(Text)  # one address per line
    population: Mapped[int | None] = mapped_column(Integer)
    publicity_mode: Mapped[str | None] = mapped_column(String(20))


class DocumentRow(Base):
    """A document's bytes live in the data directory under their SHA-256: stored once."""

    __tablename__ = "documents"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))


class ActRow(Base):
    __tablename__ = "acts"
    __table_args__ = (
        UniqueConstraint("siren", "idempotency_key", name="uq_acts_idempotency"),
        UniqueConstraint("siren", "numero", name="uq_acts_numero"),
        UniqueConstraint("replaced_by_id", name="uq_acts_replaced_by"),
        # the listing's pages, newest first, per collectivité or per state (page_acts)
        Index("ix_acts_siren_id", "siren", "id"),
        Index("ix_acts_siren_state_id", "siren", "state", "id"),
        Index("ix_acts_state_id", "state", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    siren: Mapped[str] = mapped_column(ForeignKey("collectivites.siren"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    numero: Mapped[str] = mapped_column(String(15))
    numero_printed: Mapped[str] = mapped_column(String(100))
    act_date: Mapped[dt.date] = mapped_column(Date)
    nature: Mapped[str] = mapped_column(String(2))
    classification: Mapped[str] = mapped_column(String(20))
    classification_date: Mapped[dt.date] = mapped_column(Date)
    objet: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(30), index=True)
    state_since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic concurrency
    id_acte: Mapped[str | None] = mapped_column(String(60), index=True)
    date_reception: Mapped[dt.date | None] = mapped_column(Date)
    anomaly_nature: Mapped[str | None] = mapped_column(String(20))
    anomaly_detail: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # why the act is not moving (workflow.problems): code, since, next attempt, technical line
    problem_code: Mapped[str | None] = mapped_column(String(40), index=True)
    problem_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    problem_next_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    problem_detail: Mapped[str | None] = mapped_column(Text)
    #: a configuration fault: when the operators were alerted about it (workflow.operator)
    problem_alerted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # a corrected act sent again replaces this one (both ways; the old one stays in history)
    replaces_id: Mapped[int | None] = mapped_column(Integer)
    replaced_by_id: Mapped[int | None] = mapped_column(Integer)
    #: a worker's lease on the act's next step: the sweep does not re-enqueue it before then
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # the legal facts changed since the act's deadline rows were computed (see DeadlineRow);
    # facts_version counts the changes, so a recomputation never hides a newer one
    deadlines_stale: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), index=True
    )
    facts_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DeadlineRow(Base):
    """When an act's open deadlines fall due: an index on the date, so that the alert sweep
    reads the acts with a deadline in its window and nothing else. The deadlines themselves
    are computed by the legal core; these rows say where to look."""

    __tablename__ = "deadlines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due: Mapped[dt.date] = mapped_column(Date, index=True)


class ActDocumentRow(Base):
    __tablename__ = "act_documents"
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = the act, 1… annexes
    sha256: Mapped[str] = mapped_column(ForeignKey("documents.sha256"))
    file_name: Mapped[str] = mapped_column(String(255))
    typology: Mapped[str | None] = mapped_column(String(5))
    #: the detached signature given at intake: a file of the content-addressed area
    signature_sha256: Mapped[str | None] = mapped_column(String(64))


class PackageRow(Base):
    __tablename__ = "packages"
    __table_args__ = (UniqueConstraint("siren", "day", "serial", name="uq_packages_serial"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), index=True)
    siren: Mapped[str] = mapped_column(String(9))
    day: Mapped[dt.date] = mapped_column(Date)
    serial: Mapped[int] = mapped_column(Integer)
    archive_name: Mapped[str] = mapped_column(String(255))
    archive_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EnvelopeSerialRow(Base):
    """The last envelope serial a collectivité's packaging reserved for a day (PROTOCOL.md
    §3.1: a counter per collectivité, from 1 each day). Two packagings never build with the
    same serial, so neither signs an archive for nothing."""

    __tablename__ = "envelope_serials"
    siren: Mapped[str] = mapped_column(String(9), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class TransactionRow(Base):
    """The platform transaction of an act: at most one per act (the unique constraint)."""

    __tablename__ = "transactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), unique=True)
    #: one act per platform transaction: recovery can never bind a second act to it
    platform_ref: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    platform_status: Mapped[int | None] = mapped_column(Integer)
    recovered: Mapped[int] = mapped_column(Integer, default=0)  # found by number after a lost reply
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AttemptRow(Base):
    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int | None] = mapped_column(ForeignKey("acts.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    endpoint: Mapped[str] = mapped_column(String(200))
    duration_ms: Mapped[int] = mapped_column(Integer)
    http_status: Mapped[int | None] = mapped_column(Integer)
    platform_ref: Mapped[str | None] = mapped_column(String(100))
    excerpt: Mapped[str] = mapped_column(Text)  # bounded (2 KB) by the adapter
    error: Mapped[str | None] = mapped_column(Text)


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("act_id", "sha256", name="uq_messages_once"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "out" / "in"
    code: Mapped[str] = mapped_column(String(20))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    """The audit trail: who or what moved the act, when, from → to, and why."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(50))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    #: in English; ``reason_message`` keeps it untranslated (JSON: msgid and parameters)
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_message: Mapped[str | None] = mapped_column(Text, nullable=True)


def reason_columns(reason: str | Message) -> dict[str, str | None]:
    """An event's reason as its row keeps it: the English text, and the untranslated message
    (translated for each reader when shown) when it is one."""
    if isinstance(reason, Message):
        return {"reason": reason.text("en"), "reason_message": reason.to_json()}
    return {"reason": reason, "reason_message": None}


class PublicityRow(Base):
    """How and when the act was made public (R5–R7): electronic, posting, paper, notification."""

    __tablename__ = "publicities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    day: Mapped[dt.date] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ExchangeRow(Base):
    """A préfecture message about the act (2-1, 3-1, 4-1, 5-1) and the commune's answer."""

    __tablename__ = "exchanges"
    __table_args__ = (UniqueConstraint("act_id", "platform_ref", name="uq_exchanges_once"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), index=True)
    code: Mapped[str] = mapped_column(String(5))
    day: Mapped[dt.date] = mapped_column(Date)
    platform_ref: Mapped[str] = mapped_column(String(100))
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    detail: Mapped[str] = mapped_column(Text)


class AlertSentRow(Base):
    """An alert delivered: each (act, deadline, horizon, channel) once."""

    __tablename__ = "alerts_sent"
    __table_args__ = (
        UniqueConstraint("act_id", "kind", "due", "horizon_days", "channel", name="uq_alerts_once"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due: Mapped[dt.date] = mapped_column(Date)
    horizon_days: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DraftRow(Base):
    """An act held back at intake: its documents, what was read, what a person must settle."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("principal", "idempotency_key", name="uq_drafts_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    principal: Mapped[str] = mapped_column(String(100))  # who submitted: token:<id>, cli, folder
    idempotency_key: Mapped[str] = mapped_column(String(200))
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # open / submitted / discarded
    act_id: Mapped[int | None] = mapped_column(ForeignKey("acts.id"))
    metadata_json: Mapped[str] = mapped_column(Text)  # what the caller gave
    documents_json: Mapped[str] = mapped_column(
        Text
    )  # [{sha256, file_name, typology, signature_sha256}]
    report_json: Mapped[str] = mapped_column(
        Text
    )  # the last proposal: values, problems, extraction
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiTokenRow(Base):
    """An API token: only its SHA-256 is kept; it submits for the listed SIRENs only."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sirens: Mapped[str] = mapped_column(Text)  # one SIREN per line
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class NomenclatureRow(Base):
    """The préfecture's classification (7-2) a collectivité uses: the raw message, as received."""

    __tablename__ = "nomenclatures"
    siren: Mapped[str] = mapped_column(ForeignKey("collectivites.siren"), primary_key=True)
    version: Mapped[dt.date] = mapped_column(Date)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LeaseRow(Base):
    """A named lease (``poll``): one holder at a time until ``until``, across processes."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class IncidentRow(Base):
    """An operational alert for the operators (an ambiguous recovery, a quarantined message)."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int | None] = mapped_column(ForeignKey("acts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # the quarantined bytes, kept
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PollCursorRow(Base):
    """When the last successful poll of the platform started (the listing window's start)."""

    __tablename__ = "poll_cursors"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OperatorAlertRow(Base):
    """An operational alert for the operators (workflow.operator): one open row per fault key
    (``open_key`` is the key while open, NULL once resolved: unique among the open ones)."""

    __tablename__ = "operator_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    fix: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    notices: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PlatformAccountRow(Base):
    """A collectivité's account on the platform: paths to its certificate, key and password
    file (never the secrets), and its HTTP Basic login."""

    __tablename__ = "platform_accounts"
    siren: Mapped[str] = mapped_column(
        String(9), ForeignKey("collectivites.siren"), primary_key=True
    )
    cert: Mapped[str | None] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(Text)
    login: Mapped[str | None] = mapped_column(String(200))
    password_file: Mapped[str | None] = mapped_column(Text)
    bound_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

"""The hot paths' statements, built once, in SQLAlchemy Core.

What every act goes through — its draft and its creation, what its request is checked
against (token, collectivités, 7-2, numbers used), its archive's serial, the platform
account that sends it, each move, what a move keeps (package, transaction, platform calls,
message), reading one act — skips the ORM's unit of work and
its statement building, which cost several milliseconds of CPU per call (bench/pipeline.py,
issue 13). These run on the session's own connection (:func:`core`), so they share its
transaction with the ORM's calls around them.

Rows read here are plain rows of the tables (their columns as attributes), which
:mod:`.act_records` makes records like the ORM's; a row just written is rebuilt from the
values written (:func:`row_with`, :func:`inserted_row`) rather than read again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.adapters.store.models import (
    ActDocumentRow,
    ActRow,
    ApiTokenRow,
    AttemptRow,
    Base,
    CollectiviteRow,
    DraftRow,
    EnvelopeSerialRow,
    EventRow,
    MessageRow,
    NomenclatureRow,
    PackageRow,
    PlatformAccountRow,
    TransactionRow,
    reason_columns,
    table,
)
from workflow.i18n import Message

ACTS = table(ActRow)
COLLECTIVITES = table(CollectiviteRow)
ACT_DOCUMENTS = table(ActDocumentRow)
TRANSACTIONS = table(TransactionRow)
MESSAGES = table(MessageRow)
DRAFTS = table(DraftRow)

#: an act's documents and platform reference beside its columns (``doc_…``: a row per
#: document), read with the act by one query (``act_records.read_act``)
DOCUMENT_COLUMNS = (
    ACT_DOCUMENTS.c.position.label("doc_position"),
    ACT_DOCUMENTS.c.sha256.label("doc_sha256"),
    ACT_DOCUMENTS.c.file_name.label("doc_file_name"),
    ACT_DOCUMENTS.c.typology.label("doc_typology"),
    ACT_DOCUMENTS.c.signature_sha256.label("doc_signature"),
    TRANSACTIONS.c.platform_ref.label("doc_platform_ref"),
)


def _with_documents(*where: Any) -> Select[Any]:
    return (
        select(ACTS, *DOCUMENT_COLUMNS)
        .outerjoin(ACT_DOCUMENTS, ACT_DOCUMENTS.c.act_id == ACTS.c.id)
        .outerjoin(TRANSACTIONS, TRANSACTIONS.c.act_id == ACTS.c.id)
        .where(*where)
        .order_by(ACT_DOCUMENTS.c.position)
    )


ACT_BY_ID = _with_documents(ACTS.c.id == bindparam("act_id"))
ACT_BY_KEY = _with_documents(
    ACTS.c.siren == bindparam("siren"), ACTS.c.idempotency_key == bindparam("key")
)
ACT_BY_NUMERO = _with_documents(
    ACTS.c.siren == bindparam("siren"), ACTS.c.numero == bindparam("numero")
)
COLLECTIVITE_KNOWN = select(COLLECTIVITES.c.siren).where(
    COLLECTIVITES.c.siren == bindparam("siren")
)
COLLECTIVITE = select(COLLECTIVITES).where(COLLECTIVITES.c.siren == bindparam("siren"))
ALL_COLLECTIVITES = select(COLLECTIVITES).order_by(COLLECTIVITES.c.name)
NOMENCLATURE_RAW = select(table(NomenclatureRow).c.raw).where(
    table(NomenclatureRow).c.siren == bindparam("siren")
)
TOKEN_BY_HASH = select(table(ApiTokenRow)).where(
    table(ApiTokenRow).c.token_sha256 == bindparam("sha256")
)
INSERT_ACT = insert(ACTS).returning(ACTS.c.id)
INSERT_ACT_DOCUMENT = insert(ACT_DOCUMENTS)
#: a move: only from the version read (optimistic concurrency); what it sets, by parameters
MOVE = update(ACTS).where(
    ACTS.c.id == bindparam("moved_id"), ACTS.c.version == bindparam("read_version")
)
#: an act's columns set whatever its version (an act transmitted before, at intake)
SET_ACT = update(ACTS).where(ACTS.c.id == bindparam("set_id"))
INSERT_EVENT = insert(table(EventRow))
INSERT_MESSAGE = insert(MESSAGES)


def _insert_message_once(dialect: Any) -> Any:
    """A message kept once: inserted unless the act already keeps these bytes (the unique
    key ``uq_messages_once``, atomically); ``rowcount`` says whether it was new."""
    return (
        dialect.insert(MESSAGES)
        .on_conflict_do_nothing(index_elements=[MESSAGES.c.act_id, MESSAGES.c.sha256])
        .execution_options(preserve_rowcount=True)  # an INSERT's rowcount, on every driver
    )


INSERT_MESSAGE_ONCE = {
    "postgresql": _insert_message_once(postgresql),
    "sqlite": _insert_message_once(sqlite),
}
INSERT_ATTEMPT = insert(table(AttemptRow))
INSERT_PACKAGE = insert(table(PackageRow))
PACKAGES = table(PackageRow)
SERIALS = table(EnvelopeSerialRow)


def _reserve_serial(dialect: Any) -> Any:
    """The day's next serial of a collectivité, reserved: the counter's first value of a day
    follows the archives already made that day (a store upgraded in the middle of one)."""
    first = select(func.coalesce(func.max(PACKAGES.c.serial), 0) + 1).where(
        PACKAGES.c.siren == bindparam("siren"), PACKAGES.c.day == bindparam("day")
    )
    return (
        dialect.insert(SERIALS)
        .values(siren=bindparam("siren"), day=bindparam("day"), last=first.scalar_subquery())
        .on_conflict_do_update(
            index_elements=[SERIALS.c.siren, SERIALS.c.day], set_={"last": SERIALS.c.last + 1}
        )
        .returning(SERIALS.c.last)
    )


#: by dialect: PostgreSQL and SQLite (3.35 and later) both upsert and return in one statement
RESERVE_SERIAL = {"postgresql": _reserve_serial(postgresql), "sqlite": _reserve_serial(sqlite)}
LATEST_ARCHIVE = (
    select(PACKAGES.c.archive_path)
    .where(PACKAGES.c.act_id == bindparam("act_id"))
    .order_by(PACKAGES.c.id.desc())
    .limit(1)
)
PLATFORM_ACCOUNTS = table(PlatformAccountRow)
ACCOUNT_OF = select(PLATFORM_ACCOUNTS).where(PLATFORM_ACCOUNTS.c.siren == bindparam("siren"))
ALL_ACCOUNTS = select(PLATFORM_ACCOUNTS).order_by(PLATFORM_ACCOUNTS.c.siren)
INSERT_TRANSACTION = insert(TRANSACTIONS)
DRAFT_STATUS_FOR_UPDATE = (
    select(DRAFTS.c.status).where(DRAFTS.c.id == bindparam("draft_id")).with_for_update()
)
SET_DRAFT = update(DRAFTS).where(DRAFTS.c.id == bindparam("set_id"))
DRAFT_BY_ID = select(DRAFTS).where(DRAFTS.c.id == bindparam("draft_id"))
DRAFT_OF = select(DRAFTS).where(
    DRAFTS.c.principal == bindparam("principal"), DRAFTS.c.idempotency_key == bindparam("key")
)
DRAFTS_BY_KEY = (
    select(DRAFTS).where(DRAFTS.c.idempotency_key == bindparam("key")).order_by(DRAFTS.c.id)
)
INSERT_DRAFT = insert(DRAFTS).returning(DRAFTS.c.id)

#: an act row's columns as the table defaults them on insert (None where it has no default)
_ACT_DEFAULTS = {
    column.name: getattr(column.default, "arg", None)
    if column.default is not None and column.default.is_scalar
    else None
    for column in ACTS.c
}


def core(session: Session) -> Connection:
    """The session's connection, for Core statements in its transaction, once the ORM's
    pending changes are written (a Core statement does not flush them, and may need them:
    a foreign key)."""
    session.flush()
    return session.connection()


def forget(session: Session, row_class: type[Base], key: int) -> None:
    """A row written in Core leaves the ORM's copy of it in this session stale: expired, it
    is read again if used."""
    loaded = session.identity_map.get(session.identity_key(row_class, key))
    if loaded is not None:
        session.expire(loaded)


def add_event(
    db: Connection,
    act_id: int,
    *,
    at: dt.datetime,
    actor: str,
    event: str,
    moved: tuple[str | None, str],
    reason: str | Message,
) -> dict[str, str | None]:
    """The act's event (its move from → to, and why), in the caller's transaction; the
    reason's columns as written."""
    columns = reason_columns(reason)
    db.execute(
        INSERT_EVENT,
        {
            "act_id": act_id,
            "at": at,
            "actor": actor,
            "event": event,
            "from_state": moved[0],
            "to_state": moved[1],
            **columns,
        },
    )
    return columns


def row_with(row: Row[Any], values: Mapping[str, Any]) -> SimpleNamespace:
    """The row as an update of ``values`` left it."""
    return SimpleNamespace(**{**row._mapping, **values})


def inserted_row(act_id: int, values: Mapping[str, Any]) -> SimpleNamespace:
    """The act's row as inserted with ``values``, the other columns as the table defaults
    them."""
    return SimpleNamespace(**{**_ACT_DEFAULTS, **values, "id": act_id})

"""The store adapter: records in, frozen records out; SQLAlchemy errors translated here.

:class:`SqlStore` is made of one part per thing it stores: the acts and their documents
(here), the platform side and the exchanges (:mod:`.exchanges`), when deadlines fall due
(:mod:`.deadlines`), alerts (:mod:`.alerts`),
drafts (:mod:`.drafts`), collectivités and API tokens (:mod:`.collectivites`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.adapters.logs import get_logger
from workflow.adapters.store.act_records import read_act, record_of, records_of
from workflow.adapters.store.alerts import AlertsStore
from workflow.adapters.store.base import StoreBase, utc
from workflow.adapters.store.collectivites import CollectivitesStore
from workflow.adapters.store.deadlines import DeadlinesStore
from workflow.adapters.store.drafts import DraftsStore
from workflow.adapters.store.exchanges import (
    ExchangesStore,
    add_attempts,
    add_message,
    add_package,
    add_transaction,
)
from workflow.adapters.store.files import copy_durably, fsync_directory, write_temporary
from workflow.adapters.store.integrity import IntegrityRecords, storable_id, write_intake
from workflow.adapters.store.models import (
    ActRow,
    DocumentRow,
    EventRow,
)
from workflow.adapters.store.operator_alerts import OperatorAlertsStore
from workflow.adapters.store.platform_accounts import PlatformAccountsStore
from workflow.adapters.store.recovery import RecoveryStore, link_replacement
from workflow.adapters.store.statements import (
    ACT_BY_ID,
    ACT_BY_KEY,
    ACT_BY_NUMERO,
    COLLECTIVITE_KNOWN,
    INSERT_ACT,
    INSERT_ACT_DOCUMENT,
    MOVE,
    add_event,
    core,
    forget,
    inserted_row,
)
from workflow.errors import AlreadyExists, Conflict, NotFound
from workflow.i18n import N_, Message
from workflow.lifecycle import ActState, check_transition
from workflow.protocol.documents import examine
from workflow.store import (
    ActFilter,
    ActRecord,
    DocumentRef,
    EventRecord,
    Kept,
    KeptAttempts,
    KeptPackage,
    KeptTransaction,
    NewAct,
)

_log = get_logger("actes.store")


class ActsStore(StoreBase):
    def document_path(self, sha256: str) -> Path:
        return self.files_dir / sha256[:2] / sha256

    def store_file(self, path: Path) -> tuple[str, int]:
        """Keep any file (a draft's rejected upload too) in the content-addressed area: copied
        whole to disk under a temporary name, then named by its SHA-256."""
        with path.open("rb") as source:
            temporary, sha, size = write_temporary(source, self.files_dir / "incoming")
        target = self.document_path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            temporary.unlink()
        else:
            temporary.replace(target)
            fsync_directory(target.parent)
        return sha, size

    def store_document(self, path: Path, *, field: str = "document") -> tuple[str, int, str]:
        """Copy a document into the content-addressed area (once) and record it."""
        facts = self._keep_document(path, field)
        with self._session() as session:
            _add_document(session, facts)
        return facts

    def _keep_document(self, path: Path, field: str) -> tuple[str, int, str]:
        """Check a document and copy it into the content-addressed area (once); its row is
        the caller's to add (:func:`_add_document`)."""
        facts = examine(path, field=field)
        target = self.document_path(facts.sha256)
        if not target.exists():  # temp + fsync + rename + fsync: absent or whole, never half
            copy_durably(path, target)
        return facts.sha256, facts.size, facts.kind.value

    def create_act(self, new: NewAct, *, at: dt.datetime, actor: str) -> tuple[ActRecord, bool]:
        """Create the act in ``received``; a repeated idempotency key returns the first act.
        The key looked up, the collectivité checked and the act added: one transaction."""
        stored = [
            (self._keep_document(path, "document" if i == 0 else "annexe"), path, typology)
            for i, (path, typology) in enumerate(new.documents)
        ]
        try:
            with self._session() as session:  # the documents' rows with the act's, in Core
                db = core(session)
                key = {"siren": new.siren, "key": new.idempotency_key}
                existing = read_act(session, ACT_BY_KEY, key)
                if existing is not None:
                    return existing.record(), False
                if db.execute(COLLECTIVITE_KNOWN, {"siren": new.siren}).first() is None:
                    raise NotFound(
                        f"no collectivité with SIREN {new.siren}", field="siren", value=new.siren
                    )
                for facts, _, _ in stored:
                    _add_document(session, facts)
                values = {
                    "siren": new.siren,
                    "idempotency_key": new.idempotency_key,
                    "numero": new.numero,
                    "numero_printed": new.numero_printed,
                    "act_date": new.act_date,
                    "nature": new.nature,
                    "classification": new.classification,
                    "classification_date": new.classification_date,
                    "objet": new.objet,
                    "state": ActState.RECEIVED.value,
                    "state_since": at,
                    "version": 0,
                    "created_at": at,
                    "replaces_id": new.replaces,
                }
                act_id: int = db.execute(INSERT_ACT, values).scalar_one()
                if new.replaces is not None:
                    link_replacement(session, new.replaces, act_id, new.numero, at, actor)
                    db = core(session)
                documents = _document_rows(act_id, new, stored)
                db.execute(INSERT_ACT_DOCUMENT, documents)
                add_event(
                    db,
                    act_id,
                    at=at,
                    actor=actor,
                    event="received",
                    moved=(None, ActState.RECEIVED.value),
                    reason=N_("act received"),
                )
                values |= write_intake(session, act_id, new.siren, new, at, actor)
                # from what was written (no read again)
                record = record_of(
                    inserted_row(act_id, values), _document_refs(documents), platform_ref=None
                )
        except AlreadyExists:
            again = self._by_key(new.siren, new.idempotency_key)
            if again is not None:
                return again, False  # a concurrent post with the same key won the race
            raise AlreadyExists(
                f"number {new.numero} is already used by another act of {new.siren}",
                field="numero",
                rule="number unique for the collectivité",
                value=new.numero,
            ) from None
        return record, True

    def act_by_key(self, siren: str, key: str) -> ActRecord | None:
        return self._by_key(siren, key)

    def act_by_numero(self, siren: str, numero: str) -> ActRecord | None:
        with self._session() as session:
            found = read_act(session, ACT_BY_NUMERO, {"siren": siren, "numero": numero})
            return found.record() if found is not None else None

    def _by_key(self, siren: str, key: str) -> ActRecord | None:
        with self._session() as session:
            found = read_act(session, ACT_BY_KEY, {"siren": siren, "key": key})
            return found.record() if found is not None else None

    def get_act(self, act_id: int, *, siren: str | None = None) -> ActRecord:
        """One act; with ``siren``, only if it belongs to that collectivité (else NotFound)."""
        with self._session() as session:
            found = (
                read_act(session, ACT_BY_ID, {"act_id": act_id}) if storable_id(act_id) else None
            )
            if found is None or (siren is not None and found.row.siren != siren):
                raise NotFound(f"no act {act_id}", field="act", value=act_id)
            return found.record()

    def list_acts(
        self,
        *,
        siren: str | None = None,
        states: Sequence[ActState] | None = None,
        where: ActFilter | None = None,
    ) -> list[ActRecord]:
        where = where or ActFilter()
        with self._session() as session:
            query = select(ActRow).order_by(ActRow.id)
            for wanted_siren in (siren, where.siren):
                if wanted_siren is not None:
                    query = query.where(ActRow.siren == wanted_siren)
            if where.sirens is not None:
                query = query.where(ActRow.siren.in_(sorted(where.sirens)))
            for wanted in (states, where.states):
                if wanted is not None:
                    query = query.where(ActRow.state.in_([s.value for s in wanted]))
            if where.id_acte is not None:
                query = query.where(ActRow.id_acte == where.id_acte)
            if where.numero is not None:
                query = query.where(ActRow.numero == where.numero)
            if where.state_before is not None:
                query = query.where(ActRow.state_since <= where.state_before)
            return records_of(session, session.scalars(query))

    def page_acts(
        self,
        *,
        sirens: Collection[str] | None = None,
        states: Collection[ActState] | None = None,
        before: int | None = None,
        limit: int = 50,
        where: ActFilter | None = None,
    ) -> list[ActRecord]:
        """Newest first, at most ``limit`` acts with an id below ``before`` (the cursor: the
        last id of the previous page), of the ``sirens`` given (``None``: every collectivité)
        and in the ``states`` given. Filtered, ordered and cut in SQL (indexes on
        ``(siren, id)``, ``(siren, state, id)``, ``(state, id)``): a page costs the same at
        any size."""
        if (sirens is not None and not sirens) or (states is not None and not states):
            return []
        query = select(ActRow).order_by(ActRow.id.desc()).limit(limit)
        if sirens is not None:
            query = query.where(ActRow.siren.in_(sorted(sirens)))
        if states is not None:
            query = query.where(ActRow.state.in_(sorted(s.value for s in states)))
        if before is not None:
            query = query.where(ActRow.id < before)
        if where is not None and where.id_acte is not None:
            query = query.where(ActRow.id_acte == where.id_acte)
        if where is not None and where.numero is not None:
            query = query.where(ActRow.numero == where.numero)
        if where is not None and where.state_before is not None:
            query = query.where(ActRow.state_since <= where.state_before)
        with self._session() as session:
            return records_of(session, session.scalars(query))

    def get_acts(self, ids: Collection[int]) -> list[ActRecord]:
        """The acts of ``ids`` that exist, by id."""
        with self._session() as session:
            rows = session.scalars(select(ActRow).where(ActRow.id.in_(sorted(ids))))
            return sorted(records_of(session, rows), key=lambda a: a.id)

    def stale_deadline_acts(
        self, *, after: int = 0, limit: int = 500
    ) -> list[tuple[ActRecord, int]]:
        """Acts (ids above ``after``, in order) whose legal facts changed since their deadline
        rows were computed, each with the version of its facts (for :meth:`replace_deadlines`)."""
        with self._session() as session:
            rows = list(
                session.scalars(
                    select(ActRow)
                    .where(ActRow.deadlines_stale.is_(True), ActRow.id > after)
                    .order_by(ActRow.id)
                    .limit(limit)
                )
            )
            versions = [row.facts_version for row in rows]
            return list(zip(records_of(session, rows), versions, strict=True))

    def transition(
        self,
        act_id: int,
        target: ActState,
        *,
        actor: str,
        reason: str | Message,
        at: dt.datetime,
        keep: Sequence[Kept] = (),
        **fields: Any,
    ) -> ActRecord:
        """Move an act (checked by the lifecycle table) and write the event, with what ``keep``
        holds (the archive, the message that brings the move), atomically.

        Optimistic concurrency: the update only applies to the version read, so two workers
        cannot both make the same move; the loser gets :class:`Conflict`.
        """
        with self._session() as session:  # in Core: a move is the workers' hottest path
            found = read_act(session, ACT_BY_ID, {"act_id": act_id})
            if found is None:
                raise NotFound(f"no act {act_id}", field="act", value=act_id)
            row = found.row
            current = ActState(row.state)
            event = check_transition(current, target)
            if target not in (ActState.FAILED, ActState.REJECTED):
                fields.setdefault("problem_code", None)  # the act moves on: no problem left
                fields.setdefault("problem_next_at", None)
            values = {
                "state": target.value,
                "state_since": at,
                "version": row.version + 1,
                # the state and the facts it brings (date of reception…) move the deadlines
                "deadlines_stale": True,
                "facts_version": row.facts_version + 1,
                **fields,
            }
            db = session.connection()
            moved = db.execute(MOVE, {"moved_id": act_id, "read_version": row.version, **values})
            if moved.rowcount != 1:
                raise Conflict(
                    f"act {act_id} was moved by someone else", field="state", act_id=act_id
                )
            forget(session, ActRow, act_id)
            columns = add_event(
                db,
                act_id,
                at=at,
                actor=actor,
                event=event,
                moved=(current.value, target.value),
                reason=reason,
            )
            added_ref = None
            for kept in keep:
                if isinstance(kept, KeptPackage):
                    add_package(session, act_id, kept, at)
                elif isinstance(kept, KeptTransaction):
                    add_transaction(session, act_id, kept, at)
                    added_ref = kept.platform_ref
                elif isinstance(kept, KeptAttempts):
                    add_attempts(session, act_id, kept, at)
                else:
                    add_message(session, act_id, kept, at)
            # the moved act: what was read with what the move wrote (no read again)
            record = found.record(values, platform_ref=added_ref)
        _log.info(
            "state_changed",
            act_id=act_id,
            siren=record.siren,
            platform_ref=record.platform_ref,
            from_state=current.value,
            to_state=target.value,
            transition=event,
            actor=actor,
            reason=(columns["reason"] or "")[:500],
        )
        return record

    def set_error(self, act_id: int, error: str) -> None:
        with self._session() as session:
            session.execute(
                update(ActRow).where(ActRow.id == act_id).values(last_error=error[:2000])
            )

    def events(self, act_id: int) -> list[EventRecord]:
        with self._session() as session:
            rows = session.scalars(
                select(EventRow).where(EventRow.act_id == act_id).order_by(EventRow.id)
            )
            return [
                EventRecord(
                    utc(r.at),
                    r.actor,
                    r.event,
                    r.from_state,
                    r.to_state,
                    r.reason,
                    Message.from_json(r.reason_message),
                )
                for r in rows
            ]

    def acts_needing_work(self, *, idle_since: dt.datetime) -> list[ActRecord]:
        """Unfinished acts untouched since ``idle_since`` (the sweep re-enqueues them)."""
        from workflow.lifecycle import UNFINISHED

        with self._session() as session:
            rows = session.scalars(
                select(ActRow).where(
                    ActRow.state.in_([s.value for s in UNFINISHED]),
                    ActRow.state_since <= idle_since,
                )
            )
            return records_of(session, rows)


def _document_rows(
    act_id: int, new: NewAct, stored: list[tuple[tuple[str, int, str], Path, str | None]]
) -> list[dict[str, Any]]:
    """The act's documents in order, with the names and signatures they came with."""
    return [
        {
            "act_id": act_id,
            "position": position,
            "sha256": sha,
            "file_name": new.file_names[position] if position < len(new.file_names) else path.name,
            "typology": typology,
            "signature_sha256": (
                new.signatures[position] if position < len(new.signatures) else None
            ),
        }
        for position, ((sha, _, _), path, typology) in enumerate(stored)
    ]


def _document_refs(rows: list[dict[str, Any]]) -> tuple[DocumentRef, ...]:
    return tuple(
        DocumentRef(
            r["position"], r["sha256"], r["file_name"], r["typology"], r["signature_sha256"]
        )
        for r in rows
    )


def _add_document(session: Session, facts: tuple[str, int, str]) -> None:
    """The document's row, once: a row another request adds at the same moment (the same
    file posted twice at once) is no error."""
    sha256, size, kind = facts
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(DocumentRow)
        .values(sha256=sha256, size=size, kind=kind)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )


class SqlStore(
    ActsStore,
    ExchangesStore,
    DeadlinesStore,
    AlertsStore,
    DraftsStore,
    CollectivitesStore,
    RecoveryStore,
    IntegrityRecords,
    PlatformAccountsStore,
    OperatorAlertsStore,
):
    """The store on SQLAlchemy (PostgreSQL, or SQLite for the embedded default)."""

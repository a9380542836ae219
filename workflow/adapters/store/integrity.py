"""The store's integrity records: operational incidents and per-act work leases (issue 14)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from workflow.adapters.store.models import ActRow, DraftRow, IncidentRow
from workflow.adapters.store.statements import (
    DRAFT_STATUS_FOR_UPDATE,
    INSERT_MESSAGE,
    SET_ACT,
    SET_DRAFT,
    add_event,
    core,
    forget,
)
from workflow.errors import Conflict, NotFound
from workflow.i18n import N_
from workflow.lifecycle import ActState
from workflow.operator import IncidentRecord
from workflow.store import NewAct


class _HasSession(Protocol):
    def _session(self) -> AbstractContextManager[Session]: ...


def storable_id(value: int) -> bool:
    """An id a 32-bit integer column can hold: a bigger one names nothing (not an overflow)."""
    return 1 <= value <= 2**31 - 1


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _record(row: IncidentRow) -> IncidentRecord:
    size = len(row.payload) if row.payload is not None else 0
    return IncidentRecord(row.id, row.act_id, row.kind, row.detail, _utc(row.at), size)


class IntegrityRecords:
    """Mixed into :class:`~workflow.adapters.store.repository.SqlStore`."""

    def record_incident(
        self: _HasSession,
        kind: str,
        detail: str,
        *,
        at: dt.datetime,
        act_id: int | None = None,
        payload: bytes | None = None,
    ) -> IncidentRecord:
        with self._session() as session:
            row = IncidentRow(act_id=act_id, kind=kind, detail=detail, payload=payload, at=at)
            session.add(row)
            session.flush()
            return _record(row)

    def incidents(self: _HasSession, *, act_id: int | None = None) -> list[IncidentRecord]:
        with self._session() as session:
            query = select(IncidentRow).order_by(IncidentRow.id)
            if act_id is not None:
                query = query.where(IncidentRow.act_id == act_id)
            return [_record(row) for row in _rows(session, query)]

    def incident_payload(self: _HasSession, incident_id: int) -> bytes | None:
        with self._session() as session:
            return session.scalar(select(IncidentRow.payload).where(IncidentRow.id == incident_id))

    def claim(self: _HasSession, act_id: int, *, until: dt.datetime, now: dt.datetime) -> bool:
        """Take the act's lease until ``until`` unless someone holds it; True when taken."""
        with self._session() as session:
            result = session.execute(
                update(ActRow)
                .where(
                    ActRow.id == act_id,
                    or_(ActRow.claimed_until.is_(None), ActRow.claimed_until <= now),
                )
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def hold(self: _HasSession, act_id: int, *, until: dt.datetime) -> None:
        """Keep the act's lease until ``until``, whoever held it: its task scheduled a retry
        then, and the sweep must not enqueue a second one meanwhile."""
        with self._session() as session:
            session.execute(
                update(ActRow)
                .where(ActRow.id == act_id)
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            )

    def release(self: _HasSession, act_id: int) -> None:
        with self._session() as session:
            session.execute(
                update(ActRow)
                .where(ActRow.id == act_id)
                .values(claimed_until=None)
                .execution_options(synchronize_session=False)
            )


def _rows(session: Session, query: object) -> Iterator[IncidentRow]:
    yield from session.scalars(query)  # type: ignore[call-overload]


def write_intake(
    session: Session, act_id: int, siren: str, new: NewAct, at: dt.datetime, actor: str
) -> dict[str, Any]:
    """In the act's own transaction: acknowledge an act transmitted before, keep the intake
    report, and link the draft it settles — all of it or nothing (issue 14 #5). Returns the
    act's columns it set (none unless the act was transmitted before)."""
    db = core(session)
    written: dict[str, Any] = {}
    if new.acknowledged is not None:
        id_acte, reception = new.acknowledged
        written = {
            "state": ActState.ACKNOWLEDGED.value,
            "id_acte": id_acte,
            "date_reception": reception,
        }
        db.execute(SET_ACT, {"set_id": act_id, **written})
        forget(session, ActRow, act_id)
        add_event(
            db,
            act_id,
            at=at,
            actor=actor,
            event="acknowledged",
            moved=(ActState.RECEIVED.value, ActState.ACKNOWLEDGED.value),
            reason=N_(
                "transmitted before: accusé de réception {id_acte} received on {day}",
                id_acte=id_acte,
                day=reception,
            ),
        )
    if new.intake_report is not None:
        db.execute(
            INSERT_MESSAGE,
            {
                "act_id": act_id,
                "direction": "in",
                "code": "intake",
                "raw": new.intake_report,
                "sha256": hashlib.sha256(new.intake_report).hexdigest(),
                "at": at,
            },
        )
    if new.draft_id is not None:
        status = db.execute(DRAFT_STATUS_FOR_UPDATE, {"draft_id": new.draft_id}).scalar()
        if status is None:
            raise NotFound(f"no draft {new.draft_id}", field="draft", value=new.draft_id)
        if status != "open":
            raise Conflict(
                f"draft {new.draft_id} is {status}, no longer open",
                field="draft",
                rule="only an open draft becomes an act",
                value=status,
            )
        db.execute(
            SET_DRAFT,
            {
                "set_id": new.draft_id,
                "status": "submitted",
                "act_id": act_id,
                "siren": siren,
                "updated_at": at,
            },
        )
        forget(session, DraftRow, new.draft_id)
    return written

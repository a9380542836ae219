"""The store's integrity records: operational incidents and per-act work leases (issue 14)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from workflow.adapters.store.models import ActRow, IncidentRow
from workflow.store import IncidentRecord


class _HasSession(Protocol):
    def _session(self) -> AbstractContextManager[Session]: ...


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

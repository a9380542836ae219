"""The store: operational alerts for the operators (workflow.operator), one open per fault key,
and the mark on the acts a configuration fault holds that the operators were alerted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from workflow.adapters.store.base import StoreBase, utc
from workflow.adapters.store.models import ActRow, OperatorAlertRow
from workflow.errors import AlreadyExists, NotFound
from workflow.lifecycle import ActState
from workflow.operator import Fault, OperatorAlert


def _record(row: OperatorAlertRow) -> OperatorAlert:
    def aware(value: dt.datetime | None) -> dt.datetime | None:
        return utc(value) if value is not None else None

    return OperatorAlert(
        row.id,
        row.key,
        row.kind,
        row.summary,
        row.fix,
        utc(row.opened_at),
        aware(row.notified_at),
        row.notices,
        aware(row.resolved_at),
        aware(row.resolution_notified_at),
    )


class OperatorAlertsStore(StoreBase):
    def raise_operator_alert(self, fault: Fault, *, at: dt.datetime) -> OperatorAlert:
        """The open alert for ``fault.key`` (its summary brought up to date), opened now when
        there is none; a concurrent sweep opening the same key gets the same row."""
        for _attempt in range(2):
            try:
                with self._session() as session:
                    row = session.scalar(
                        select(OperatorAlertRow).where(OperatorAlertRow.open_key == fault.key)
                    )
                    if row is None:
                        row = OperatorAlertRow(
                            key=fault.key,
                            open_key=fault.key,
                            kind=fault.kind,
                            opened_at=at,
                            notices=0,
                        )
                        session.add(row)
                    row.summary, row.fix = fault.summary, fault.fix
                    session.flush()
                    return _record(row)
            except AlreadyExists:  # another sweep opened it meanwhile: take that one
                continue
        raise AlreadyExists(f"operator alert {fault.key} keeps changing", field="key")

    def operator_alerts(
        self, *, open_only: bool = True, unsent_resolutions: bool = False
    ) -> list[OperatorAlert]:
        """Open alerts (``open_only``), or every alert; with ``unsent_resolutions``, the resolved
        ones whose "resolved" notice has not gone out yet."""
        with self._session() as session:
            query = select(OperatorAlertRow).order_by(OperatorAlertRow.id)
            if unsent_resolutions:
                query = query.where(
                    OperatorAlertRow.resolved_at.is_not(None),
                    OperatorAlertRow.notified_at.is_not(None),
                    OperatorAlertRow.resolution_notified_at.is_(None),
                )
            elif open_only:
                query = query.where(OperatorAlertRow.resolved_at.is_(None))
            return [_record(row) for row in session.scalars(query)]

    def closed_operator_alert_keys(self, prefix: str) -> set[str]:
        """The keys starting with ``prefix`` of the alerts already resolved (an incident is
        notified once, then closed)."""
        with self._session() as session:
            return set(
                session.scalars(
                    select(OperatorAlertRow.key).where(
                        OperatorAlertRow.key.startswith(prefix, autoescape=True),
                        OperatorAlertRow.resolved_at.is_not(None),
                    )
                )
            )

    def operator_alert_notified(self, alert_id: int, *, at: dt.datetime) -> None:
        with self._session() as session:
            row = session.get(OperatorAlertRow, alert_id)
            if row is None:
                raise NotFound(f"no operator alert {alert_id}", field="alert", value=alert_id)
            if row.resolved_at is not None and row.notified_at is not None:
                row.resolution_notified_at = at
            else:
                row.notified_at, row.notices = at, row.notices + 1

    def resolve_operator_alert(
        self, alert_id: int, *, at: dt.datetime, quiet: bool = False
    ) -> None:
        """Close the alert: its key is free for a new one if the fault comes back. ``quiet``:
        no "resolved" notice is due (a one-off incident)."""
        values: dict[str, object] = {"resolved_at": at, "open_key": None}
        if quiet:
            values["resolution_notified_at"] = at
        with self._session() as session:
            session.execute(
                update(OperatorAlertRow)
                .where(OperatorAlertRow.id == alert_id, OperatorAlertRow.resolved_at.is_(None))
                .values(**values)
            )

    def resolve_operator_alert_key(self, key: str, *, at: dt.datetime) -> None:
        """Close the open alert of ``key``, if there is one (one indexed update)."""
        with self._session() as session:
            session.execute(
                update(OperatorAlertRow)
                .where(OperatorAlertRow.open_key == key)
                .values(resolved_at=at, open_key=None)
            )

    def mark_problem_alerted(self, code: str, *, at: dt.datetime) -> int:
        """The failed acts held by configuration problem ``code``: the operators were alerted
        (shown on each act's current problem). Returns how many acts were marked."""
        with self._session() as session:
            result = session.execute(
                update(ActRow)
                .where(
                    ActRow.state == ActState.FAILED.value,
                    ActRow.problem_code == code,
                    ActRow.problem_alerted_at.is_(None),
                )
                .values(problem_alerted_at=at)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)

"""Prometheus metrics, read from the store at scrape time.

The store is the source of truth and every process (API, workers, beat) writes to it, so one
collector reading it gives the same figures whichever process serves ``/metrics`` — no
multi-process counters to reconcile. Counters that only grow (platform calls) come from the
``attempts`` audit table, which is never pruned. The broker and the signing certificate are
read through the callables given (``queue_depths`` lives on the Celery side).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.orm import aliased

from workflow.adapters.store.models import (
    ActRow,
    AttemptRow,
    CollectiviteRow,
    EventRow,
    IncidentRow,
    OperatorAlertRow,
)
from workflow.adapters.store.repository import SqlStore
from workflow.errors import ActesError
from workflow.identifiers import Departement
from workflow.lifecycle import AT_PLATFORM, UNFINISHED, ActState
from workflow.ops.timeliness import ar_overdue
from workflow.usecases import Services

PARIS = ZoneInfo("Europe/Paris")
#: seconds from submission (the platform took the act) to the accusé de réception
AR_BUCKETS = (
    60.0,
    300.0,
    900.0,
    3600.0,
    4 * 3600.0,
    12 * 3600.0,
    86400.0,
    2 * 86400.0,
    7 * 86400.0,
)
DEADLINE_HORIZONS = (2, 7, 15)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite keeps naive UTC


@dataclass(eq=False)  # registered in a registry: hashed by identity
class StoreCollector:
    """A ``prometheus_client`` custom collector over the store (and broker, certificate)."""

    engine: Engine
    files_dir: Path
    stuck_after: dt.timedelta = dt.timedelta(hours=1)
    queue_depths: Callable[[], dict[str, int]] | None = None
    certificate_days: Callable[[dt.datetime], float | None] | None = None
    now: Callable[[], dt.datetime] = _utc_now
    #: recount the deadlines in the background this often; ``None``: at each scrape
    deadlines_every: dt.timedelta | None = dt.timedelta(hours=1)
    refreshed: threading.Event = field(default_factory=threading.Event)
    _departements: dict[str, Departement] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _deadline_counts: dict[int, int] | None = None
    _deadlines_at: dt.datetime | None = None
    _refreshing: bool = False

    def describe(self) -> list[Metric]:
        return []  # computed at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        now = self.now()
        with self.engine.connect() as connection:
            yield self._acts(connection)
            yield self._stuck(connection, now)
            yield self._ar_overdue(connection, now)
            yield self._ar_histogram(connection)
            yield self._platform_calls(connection)
            yield from self._operations(connection)
        yield from self._deadlines(now)
        yield from self._queues()
        yield from self._certificate(now)

    def _acts(self, connection: Any) -> Metric:
        family = GaugeMetricFamily(
            "actes_acts", "Acts by state and collectivité", labels=["state", "siren"]
        )
        rows = connection.execute(
            select(ActRow.state, ActRow.siren, func.count()).group_by(ActRow.state, ActRow.siren)
        )
        for state, siren, count in rows:
            family.add_metric([state, siren], count)
        return family

    def _operations(self, connection: Any) -> Iterator[Metric]:
        """The operators' open alerts (notified or not: an un-notified one means no channel)
        and every incident recorded (a counter: incidents are never deleted)."""
        family = GaugeMetricFamily(
            "actes_operator_alerts_open",
            "Open operational alerts (faults of the service) by kind, notified or not",
            labels=["kind", "notified"],
        )
        rows = connection.execute(
            select(
                OperatorAlertRow.kind,
                OperatorAlertRow.notified_at.is_not(None),
                func.count(),
            )
            .where(OperatorAlertRow.resolved_at.is_(None))
            .group_by(OperatorAlertRow.kind, OperatorAlertRow.notified_at.is_not(None))
        )
        for kind, notified, count in rows:
            family.add_metric([kind, "yes" if notified else "no"], count)
        yield family
        incidents = CounterMetricFamily(
            "actes_incidents", "Incidents recorded (quarantined messages, ambiguous recoveries)"
        )
        incidents.add_metric([], connection.execute(select(func.count(IncidentRow.id))).scalar())
        yield incidents

    def _stuck(self, connection: Any, now: dt.datetime) -> Metric:
        family = GaugeMetricFamily(
            "actes_acts_stuck",
            f"Unfinished acts that have not moved for {self.stuck_after.total_seconds():.0f} s",
            labels=["state"],
        )
        counts = dict(
            connection.execute(
                select(ActRow.state, func.count())
                .where(
                    ActRow.state.in_([s.value for s in UNFINISHED]),
                    ActRow.state_since <= now - self.stuck_after,
                )
                .group_by(ActRow.state)
            ).all()
        )
        for state in sorted(s.value for s in UNFINISHED):
            family.add_metric([state], counts.get(state, 0))
        return family

    def _ar_overdue(self, connection: Any, now: dt.datetime) -> Metric:
        family = GaugeMetricFamily(
            "actes_ar_overdue",
            "Acts at the platform with no accusé de réception after 2 working days",
            labels=["siren"],
        )
        rows = connection.execute(
            select(ActRow.siren, ActRow.state_since, CollectiviteRow.departement)
            .join(CollectiviteRow, CollectiviteRow.siren == ActRow.siren)
            .where(ActRow.state.in_([s.value for s in AT_PLATFORM]))
        )
        today = now.astimezone(PARIS).date()
        late: dict[str, int] = defaultdict(int)
        for siren, since, departement in rows:
            day = _aware(since).astimezone(PARIS).date()
            if ar_overdue(day, today, self._departement(departement)):
                late[siren] += 1
        for siren, count in sorted(late.items()):
            family.add_metric([siren], count)
        return family

    def _departement(self, code: str) -> Departement | None:
        if code not in self._departements:
            try:
                self._departements[code] = Departement.parse(code)
            except ActesError:
                return None
        return self._departements[code]

    def _ar_histogram(self, connection: Any) -> Metric:
        submitted, acknowledged = aliased(EventRow), aliased(EventRow)
        rows = connection.execute(
            select(func.min(submitted.at), func.max(acknowledged.at))
            .select_from(submitted)
            .join(
                acknowledged,
                and_(
                    acknowledged.act_id == submitted.act_id,
                    acknowledged.to_state == ActState.ACKNOWLEDGED.value,
                ),
            )
            .where(submitted.to_state == ActState.SUBMITTED.value)
            .group_by(submitted.act_id)
        )
        durations = [max(0.0, (_aware(ar) - _aware(sent)).total_seconds()) for sent, ar in rows]
        buckets = [(str(bound), sum(1 for d in durations if d <= bound)) for bound in AR_BUCKETS]
        buckets.append(("+Inf", len(durations)))
        family = HistogramMetricFamily(
            "actes_submission_to_ar_seconds",
            "Time from submission to the platform to the accusé de réception",
        )
        family.add_metric([], buckets, sum_value=sum(durations))
        return family

    def _platform_calls(self, connection: Any) -> Metric:
        family = CounterMetricFamily(
            "actes_platform_calls",
            "Calls to the transmission platform by endpoint and outcome",
            labels=["endpoint", "outcome"],
        )
        outcome = _outcome_column()
        rows = connection.execute(
            select(AttemptRow.endpoint, outcome, func.count()).group_by(
                AttemptRow.endpoint, outcome
            )
        )
        for endpoint, result, count in rows:
            family.add_metric([endpoint.rsplit("/", 1)[-1], result], count)
        return family

    def _deadlines(self, now: dt.datetime) -> Iterator[Metric]:
        """Counted in the background at most every ``deadlines_every`` (each acknowledged act
        is assessed: seconds for thousands of acts, too slow for a scrape); the scrape shows
        the last count and when it was made."""
        counts: dict[int, int] | None
        at: dt.datetime | None
        if self.deadlines_every is None:
            counts, at = self.count_deadlines(now), now
        else:
            with self._lock:
                counts, at = self._deadline_counts, self._deadlines_at
                stale = at is None or now - at >= self.deadlines_every
                if stale and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, args=(now,), daemon=True).start()
            if counts is None or at is None:
                return
        family = GaugeMetricFamily(
            "actes_deadlines_due",
            "Open legal deadlines falling within the horizon (days)",
            labels=["within_days"],
        )
        for horizon, count in counts.items():
            family.add_metric([str(horizon)], count)
        yield family
        stamp = GaugeMetricFamily(
            "actes_deadlines_counted_timestamp_seconds", "When actes_deadlines_due was counted"
        )
        stamp.add_metric([], at.timestamp())
        yield stamp

    def _refresh(self, now: dt.datetime) -> None:
        try:
            counts = self.count_deadlines(now)
            with self._lock:
                self._deadline_counts, self._deadlines_at = counts, now
        finally:
            with self._lock:
                self._refreshing = False
            self.refreshed.set()

    def count_deadlines(self, now: dt.datetime) -> dict[int, int]:
        services = Services(store=SqlStore(self.engine, self.files_dir), outbox=self.files_dir)
        today = now.astimezone(PARIS).date()
        found = services.law.deadlines(today=today, within_days=max(DEADLINE_HORIZONS))
        return {
            horizon: sum(
                1
                for _, d in found
                if d.due is not None and d.due <= today + dt.timedelta(days=horizon)
            )
            for horizon in DEADLINE_HORIZONS
        }

    def _queues(self) -> Iterator[Metric]:
        if self.queue_depths is None:
            return
        up = GaugeMetricFamily("actes_broker_up", "1 when the broker answered this scrape")
        depth = GaugeMetricFamily(
            "actes_queue_depth", "Messages waiting in each queue", labels=["queue"]
        )
        try:
            depths = self.queue_depths()
        except Exception:  # noqa: BLE001 - a broker down is a figure here, not a failed scrape
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for name, count in sorted(depths.items()):
            depth.add_metric([name], count)
        yield up
        yield depth

    def _certificate(self, now: dt.datetime) -> Iterator[Metric]:
        if self.certificate_days is None:
            return
        days = self.certificate_days(now)
        if days is None:
            return
        family = GaugeMetricFamily(
            "actes_certificate_days_left", "Days until the signing certificate expires"
        )
        family.add_metric([], round(days, 3))
        yield family


def _outcome_column() -> Any:
    return case(
        (AttemptRow.http_status.is_(None), "error"),
        (AttemptRow.http_status >= 500, "http_5xx"),
        (AttemptRow.http_status >= 400, "http_4xx"),
        else_="ok",
    ).label("outcome")


def render(collector: StoreCollector) -> tuple[bytes, str]:
    """The exposition text of one scrape, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST

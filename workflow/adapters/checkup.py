"""What ``/ready`` and ``actes doctor`` check, composed from the probes of
:mod:`workflow.adapters.health` (the broker's probe comes from the Celery side)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from workflow.adapters.health import (
    probe_alert_channels,
    probe_nomenclatures,
    probe_platform,
    probe_signer,
    probe_store,
)
from workflow.adapters.store.engine import make_engine
from workflow.ops.findings import Finding, Severity
from workflow.settings import Settings

BrokerProbe = Callable[[], Finding]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def readiness(
    settings: Settings, broker: BrokerProbe, *, now: Callable[[], dt.datetime] = _now
) -> list[Finding]:
    """Can this instance do its work now: store migrated and reachable, broker reachable,
    signing certificate readable and valid, platform reachable."""
    return [
        *probe_store(settings.database),
        broker(),
        *probe_signer(settings, now()),
        *probe_platform(settings, now),
    ]


def doctor(
    settings: Settings, broker: BrokerProbe, *, now: Callable[[], dt.datetime] = _now
) -> list[Finding]:
    """Everything an operator should know is wrong, each with its fix."""
    found = probe_store(settings.database)
    store_usable = all(f.severity is Severity.OK for f in found)
    found.append(broker())
    found.extend(probe_signer(settings, now()))
    found.extend(probe_platform(settings, now, clock=True))
    if store_usable:
        engine = make_engine(settings.database)
        try:
            found.extend(
                probe_nomenclatures(engine, now(), max_age_days=settings.nomenclature_max_age_days)
            )
        finally:
            engine.dispose()
    found.extend(probe_alert_channels(settings))
    return found

"""The broker side of health: is it reachable, how deep are the queues, do workers answer.

Celery and Kombu stay in ``workers/``; the API, ``actes doctor`` and the metrics call these
through plain callables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from celery import Celery

from workers.app import ALL_QUEUES, create_celery
from workflow.adapters.health import safe_url
from workflow.ops.findings import Finding, Severity, ok
from workflow.settings import Settings

BROKER_TIMEOUT = 3.0


def probe_broker(app: Celery) -> Finding:
    where = safe_url(str(app.conf.broker_url))
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - Kombu raises per transport; any failure = unreachable
        return Finding(
            "broker.reachable",
            Severity.TRANSIENT,
            f"cannot reach the broker {where} ({type(exc).__name__})",
            "check ACTES_BROKER_URL and that Redis runs and accepts this host",
            where,
        )
    return ok("broker.reachable", "the broker answers", subject=where)


def queue_depths(app: Celery) -> dict[str, int]:
    """Messages waiting in each queue (0 for a queue not declared yet)."""
    depths: dict[str, int] = {}
    with app.connection_for_read() as connection:
        channel: Any = connection.default_channel
        for name in ALL_QUEUES:
            try:
                _, count, _ = channel.queue_declare(queue=name, passive=True)
            except Exception:  # noqa: BLE001 - "no such queue" differs per transport
                count = 0
            depths[name] = int(count)
    return depths


def ping_workers(app: Celery, *, destination: list[str] | None, timeout: float) -> list[str]:
    """The workers that answered Celery's ``inspect ping`` (by node name)."""
    replies = app.control.ping(destination=destination, timeout=timeout) or []
    return sorted(name for reply in replies for name in reply)


def api_probes(
    settings: Settings,
) -> tuple[Callable[[], list[Finding]], Callable[[], tuple[bytes, str]]]:
    """``/ready`` and ``/metrics`` for ``actes serve``: the checks and the collector, with the
    broker of the settings."""
    from workflow.adapters.checkup import readiness
    from workflow.adapters.health import signer_days_left
    from workflow.adapters.metrics import StoreCollector, render
    from workflow.adapters.store.engine import make_engine

    app = create_celery(settings.broker)
    collector = StoreCollector(
        make_engine(settings.database),
        settings.files_dir,
        stuck_after=dt.timedelta(seconds=settings.stuck_after_seconds),
        queue_depths=lambda: queue_depths(app),
        certificate_days=lambda now: signer_days_left(settings, now),
    )
    return (lambda: readiness(settings, lambda: probe_broker(app))), (lambda: render(collector))

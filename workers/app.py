"""The Celery application: JSON only, late acknowledgement, queues split by kind of work.

The broker only carries "work on act N now"; the store is the source of truth, so a lost
broker loses no act (the ``sweep_unfinished`` beat task re-enqueues what the store says is
unfinished). Two brokers are supported:

* Redis by URL (``redis://…``) for real deployments;
* the embedded default, Kombu's SQLAlchemy transport on a SQLite file in the data directory
  (``sqla+sqlite:///…``), so that ``actes demo`` runs on a fresh machine with no server. It
  polls the table every tenth of a second, in WAL mode (``workers.broker``): a small
  commune's acts reach the platform in seconds; past a few thousand acts a day, use Redis.

Queues: ``packaging`` (CPU: packaging and signing) apart from ``platform`` (network: submit),
``poll`` (the platform poll, which never waits behind a backlog of submissions) and
``sweeps`` (beat work), so slow platform calls never starve packaging or the poll.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from celery import Celery
from kombu.entity import Queue

from workers.broker import TRANSPORT

QUEUE_PACKAGING = "packaging"
QUEUE_PLATFORM = "platform"
QUEUE_POLL = "poll"
QUEUE_SWEEPS = "sweeps"
ALL_QUEUES = (QUEUE_PACKAGING, QUEUE_PLATFORM, QUEUE_POLL, QUEUE_SWEEPS)

if TYPE_CHECKING:
    from workflow.settings import Settings


def embedded_broker_url(data_dir: Path) -> str:
    return f"sqla+sqlite:///{(data_dir / 'broker.sqlite3').resolve()}"


def create_celery(
    broker_url: str,
    *,
    name: str = "actes",
    poll_seconds: float = 60.0,
    sweep_seconds: float = 300.0,
    alert_seconds: float = 3600.0,
) -> Celery:
    embedded = broker_url.startswith("sqla+sqlite")  # the embedded broker, tuned
    app = Celery(
        name,
        broker=broker_url.removeprefix("sqla+") if embedded else broker_url,
        include=["workers.tasks"],
    )
    app.conf.update(
        broker_transport=TRANSPORT if embedded else None,  # workers.broker
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # results live in the store, not in a result backend
        task_acks_late=True,  # a worker killed mid-task leaves the message for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE_PLATFORM,
        task_queues=[Queue(name) for name in ALL_QUEUES],  # type: ignore[no-untyped-call]
        task_routes={
            "workers.tasks.package_act": {"queue": QUEUE_PACKAGING},
            "workers.tasks.submit_act": {"queue": QUEUE_PLATFORM},
            "workers.tasks.poll_platform": {"queue": QUEUE_POLL},
            "workers.tasks.sweep_unfinished": {"queue": QUEUE_SWEEPS},
            "workers.tasks.alert_deadlines": {"queue": QUEUE_SWEEPS},
        },
        broker_connection_retry_on_startup=True,
        # Redis redelivers unacknowledged messages after this; tasks are short and idempotent
        broker_transport_options={"visibility_timeout": 3600}
        if broker_url.startswith("redis")
        else {},
        enable_utc=True,
        timezone="Europe/Paris",
        beat_schedule={
            "poll-platform": {"task": "workers.tasks.poll_platform", "schedule": poll_seconds},
            "alert-deadlines": {"task": "workers.tasks.alert_deadlines", "schedule": alert_seconds},
            "sweep-unfinished": {
                "task": "workers.tasks.sweep_unfinished",
                "schedule": sweep_seconds,
                "kwargs": {"idle_seconds": sweep_seconds},
            },
        },
    )
    return app


def app_from_environment() -> Celery:
    """The app for ``celery -A workers.app`` and ``actes worker``/``actes beat``."""
    from workflow.settings import Settings

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return create_celery(
        settings.broker,
        poll_seconds=settings.poll_seconds,
        sweep_seconds=settings.sweep_seconds,
        alert_seconds=settings.alert_seconds,
    )


def build_enqueue(settings: Settings) -> Callable[[int], None]:
    """Hand a new act to the workers through the broker the settings name (the API and the
    CLI's intake call this; the core never imports Celery)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_celery(settings.broker)

    def enqueue(act_id: int) -> None:
        app.send_task("workers.tasks.package_act", args=[act_id], queue=QUEUE_PACKAGING)

    return enqueue

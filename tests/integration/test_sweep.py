"""The unfinished-work sweep does not flood the queue (issue 14 #6): an act is re-enqueued
only when nobody holds its lease, and the poll has a queue of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import workers.tasks as tasks
from tests.support import DREUX, open_store
from workers.app import ALL_QUEUES, QUEUE_POLL, create_celery
from workflow.errors import TransientError
from workflow.store import NewAct
from workflow.usecases import Services


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    with open_store(database_url, tmp_path, DREUX) as store:
        yield Services(store=store, outbox=tmp_path / "outbox")


@pytest.fixture
def queued(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(tasks, "services", lambda: services)
    monkeypatch.setattr(tasks.package_act, "delay", lambda i: sent.append(("package", i)))
    monkeypatch.setattr(tasks.submit_act, "delay", lambda i: sent.append(("submit", i)))
    return sent


def _acts(services: Services, pdf: Callable[..., Path], count: int) -> list[int]:
    ids = []
    for index in range(count):
        act, _ = services.submission.submit(
            NewAct(
                "212801344",
                f"k{index}",
                f"S{index}",
                f"S{index}",
                dt.date(2026, 1, 5),
                "DE",
                "8.1",
                dt.date(2019, 3, 1),
                "Objet",
                ((pdf(), None),),
            )
        )
        ids.append(act.id)
    return ids


def test_each_idle_act_is_enqueued_once_per_lease(
    services: Services, queued: list[tuple[str, int]], pdf_factory: Callable[..., Path]
) -> None:
    ids = _acts(services, pdf_factory, 3)
    assert tasks.sweep_unfinished.run(idle_seconds=0) == 3
    for _ in range(5):  # sustained faults: the sweep runs again and again
        assert tasks.sweep_unfinished.run(idle_seconds=0) == 0
    assert sorted(queued) == [("package", i) for i in ids]


def test_a_finished_task_gives_the_act_back_to_the_sweep(
    services: Services,
    queued: list[tuple[str, int]],
    pdf_factory: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (act_id,) = _acts(services, pdf_factory, 1)
    assert tasks.sweep_unfinished.run(idle_seconds=0) == 1

    def down(act_id: int) -> None:
        raise TransientError("the database is unavailable", field="database")

    monkeypatch.setattr(services.submission, "package", down)
    with pytest.raises(TransientError):
        tasks.package_act.run(act_id)  # a transient failure: the lease stays with the task
    assert tasks.sweep_unfinished.run(idle_seconds=0) == 0
    monkeypatch.undo()
    monkeypatch.setattr(tasks, "services", lambda: services)
    monkeypatch.setattr(tasks.package_act, "delay", lambda i: queued.append(("package", i)))
    monkeypatch.setattr(tasks.submit_act, "delay", lambda i: queued.append(("submit", i)))
    services.store.release(act_id)  # the lease ran out
    assert tasks.sweep_unfinished.run(idle_seconds=0) == 1


def test_the_poll_has_its_own_queue() -> None:
    app = create_celery("memory://")
    routes = app.conf.task_routes
    assert routes["workers.tasks.poll_platform"] == {"queue": QUEUE_POLL}
    others = {r["queue"] for name, r in routes.items() if name != "workers.tasks.poll_platform"}
    assert QUEUE_POLL not in others and QUEUE_POLL in ALL_QUEUES


def test_a_retry_waiting_out_a_long_backoff_keeps_the_act(
    services: Services,
    queued: list[tuple[str, int]],
    pdf_factory: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sweep's lease is short (two sweep periods); a retry scheduled minutes later holds
    the act until then, so the sweep does not start a second chain of retries meanwhile — and
    takes the act again only if the retry never comes (lost with the broker)."""
    (act_id,) = _acts(services, pdf_factory, 1)
    services.submission.package(act_id)
    assert tasks.sweep_unfinished.run(idle_seconds=0) == 1  # a lease of MIN_LEASE_SECONDS

    def down(act_id: int) -> None:
        raise TransientError("the platform is unreachable", field="platform")

    monkeypatch.setattr(services.transmission, "transmit", down)
    monkeypatch.setattr(tasks, "retry_delay", lambda retries, settings: 600.0)
    with pytest.raises(TransientError):
        tasks.submit_act.run(act_id)  # called directly, Celery's retry re-raises the error
    problem = services.store.get_act(act_id).problem
    assert problem is not None and problem.next_attempt is not None
    start = dt.datetime.now(dt.UTC)
    for minutes in (1, 5, 10):  # the sweep's own lease ran out long ago
        monkeypatch.setattr(services, "clock", lambda m=minutes: start + dt.timedelta(minutes=m))
        assert tasks.sweep_unfinished.run(idle_seconds=0) == 0
    later = problem.next_attempt + dt.timedelta(minutes=6)
    monkeypatch.setattr(services, "clock", lambda: later)
    assert tasks.sweep_unfinished.run(idle_seconds=0) == 1  # the retry never came
    assert queued == [("submit", act_id), ("submit", act_id)]

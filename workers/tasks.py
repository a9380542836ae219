"""Thin, idempotent tasks that take ids and call one service each (STYLE.md #5, #6, #8).

Retries follow the error class: transient errors are retried with exponential backoff and
jitter up to a finite limit, then the act becomes ``failed`` with the reason; rejections are
recorded by the service and never retried. Beat sweeps poll the platform and re-enqueue what
the store says is unfinished, so a lost broker loses no act.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import threading
from typing import Any

from celery import Task, shared_task
from celery.utils.log import get_task_logger

from workflow.adapters.operator_channel import sweep_operator_alerts
from workflow.adapters.wiring import build_notifiers, build_services
from workflow.errors import PlatformAccessRefused, TransientError
from workflow.lifecycle import ActState
from workflow.problems import ProblemCode
from workflow.settings import Settings
from workflow.store import ActRecord
from workflow.usecases import Services

log = get_task_logger(__name__)


_BUILD_LOCK = threading.Lock()


@functools.cache
def _build() -> Services:
    return build_services(Settings(), actor="worker")


def services() -> Services:
    """One Services per worker process, built once even when threads race for it."""
    with _BUILD_LOCK:
        return _build()


#: an act the sweep enqueued is left to its task for two sweep periods (at least this): the
#: sweep does not enqueue it again before, however long the platform fails; a task killed
#: with its worker is picked up again when the lease runs out
MIN_LEASE_SECONDS = 10.0


def _done(act: ActRecord) -> None:
    """The task reached an outcome (not a retry): the sweep may take the act again. An act
    read unclaimed needs no release (no transaction spent on it); a claim the sweep takes
    after that read runs out by itself (MIN_LEASE_SECONDS at least)."""
    if act.claimed:
        services().store.release(act.id)


@shared_task(name="workers.tasks.package_act", acks_late=True)
def package_act(act_id: int) -> str:
    act = services().submission.package(act_id)  # a TransientError keeps the lease
    _done(act)
    if act.state is ActState.PACKAGED:
        submit_act.delay(act_id)
    return act.state.value


class _SubmitTask(Task):  # type: ignore[misc]
    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        act_id = args[0] if args else kwargs.get("act_id")
        if act_id is None:
            return
        if isinstance(exc, TransientError):
            reason = f"transmission failed after {self.request.retries} retries: {exc}"
            services().submission.fail(int(act_id), reason)
        else:  # not the platform's weather: a fault a person must look at
            code = ProblemCode.PACKAGING_FAILED
            services().submission.fail(int(act_id), f"transmission failed: {exc}", code=code)
        services().store.release(int(act_id))


def retry_delay(retries: int, settings: Settings) -> float | None:
    """Seconds before the next attempt after ``retries`` failed ones (exponential, capped at
    10 minutes, with jitter), or None once ``ACTES_MAX_SUBMIT_RETRIES`` are spent."""
    if retries >= settings.max_submit_retries:
        return None
    ceiling = min(600.0, 2.0 * (2**retries))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


@shared_task(  # max_retries=None: Celery's own limit (3) off, ACTES_MAX_SUBMIT_RETRIES governs
    bind=True, name="workers.tasks.submit_act", base=_SubmitTask, acks_late=True, max_retries=None
)
def submit_act(self: Task, act_id: int) -> str:
    try:
        act = services().transmission.transmit(act_id)  # retried: lease kept
    except TransientError as error:
        delay = retry_delay(self.request.retries, Settings())
        if delay is None:
            raise  # on_failure: the act becomes failed, with the reason
        next_attempt = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
        services().submission.waiting(act_id, error, next_attempt=next_attempt)
        raise self.retry(exc=error, countdown=delay) from error
    _done(act)
    return act.state.value


@shared_task(name="workers.tasks.noop", acks_late=True)
def noop() -> None:
    """Nothing: what a task costs the broker and the worker by itself (``bench/pipeline.py``
    compares the pipeline with it on the same worker)."""


@shared_task(name="workers.tasks.poll_platform", acks_late=True)
def poll_platform() -> dict[str, list[int] | bool]:
    try:  # a poll that got through closes a refused login's alert (with the lease's release)
        report = services().polling.poll(answered=services().operator_alerts.poll_answered)
    except PlatformAccessRefused as error:  # the login refused: the operators' to fix, now
        services().operator_alerts.poll_refused(error)
        raise
    return {
        "acknowledged": list(report.acknowledged),
        "rejected": list(report.rejected),
        "skipped": report.skipped,  # another poll held the lease
    }


@shared_task(name="workers.tasks.alert_deadlines", acks_late=True)
def alert_deadlines() -> int:
    """Deadline alerts (J-15, J-7, J-2…) and acts stuck in a state, then the operators' faults
    (to ACTES_OPERATOR_EMAILS only): idempotent, so the beat may run it hourly."""
    settings = Settings()
    use_cases = services()
    try:
        sweep_operator_alerts(use_cases, settings)
    except TransientError:  # the relay is down: the next sweep sends it, the deadlines go now
        log.exception("the operators' alerts could not be sent this time")
    digests = use_cases.alerts.send_alerts(
        today=use_cases.paris_today(),  # the legal calendar's day, not the server's
        notifiers=build_notifiers(settings),
        horizons=settings.horizons,
        stuck_after=dt.timedelta(seconds=settings.stuck_after_seconds),
    )
    return len(digests)


@shared_task(name="workers.tasks.sweep_unfinished", acks_late=True)
def sweep_unfinished(idle_seconds: float = 30.0) -> int:
    """Re-enqueue unfinished work the store knows about (recovers a flushed broker), each act
    at most once per lease (issue 14 #6)."""
    count = 0
    lease = max(MIN_LEASE_SECONDS, 2 * idle_seconds)
    for act in services().alerts.claim_unfinished(idle_seconds=idle_seconds, lease_seconds=lease):
        if act.state is ActState.RECEIVED:
            package_act.delay(act.id)
        elif act.state in {ActState.PACKAGED, ActState.SUBMITTING}:
            submit_act.delay(act.id)
        else:
            services().store.release(act.id)
            continue
        count += 1
    if count:
        log.info("sweep re-enqueued %d acts", count)
    return count

"""Celery's side of the structured logs: its records go through our JSON lines, and every
line a task writes carries its ``task_id`` (and ``act_id`` when the task is about one act)."""

from __future__ import annotations

from typing import Any

from celery import signals

from workflow.adapters import logs
from workflow.settings import Settings


def _no_celery_logging(**_: Any) -> None:
    """Connected to ``setup_logging``: Celery then leaves logging to us (configured below)."""


def _task_started(task_id: str | None = None, args: Any = None, **_: Any) -> None:
    context: dict[str, Any] = {"task_id": task_id}
    if args and isinstance(args[0], int):
        context["act_id"] = args[0]
    logs.bind(**context)


def _task_finished(**_: Any) -> None:
    logs.unbind("task_id", "act_id")


def install(settings: Settings) -> None:
    """Before ``worker_main`` / ``beat``: JSON lines on stderr, task context on each line."""
    logs.configure(json_lines=settings.log_format == "json", level=settings.log_level)
    signals.setup_logging.connect(_no_celery_logging, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)

"""Structured logs: one JSON object per line, with the context that finds an act again.

``log("state_changed", act_id=…, siren=…)`` anywhere; the long-running processes (``actes
worker``, ``beat``, ``serve``) call :func:`configure` once, which sends every record — ours,
Celery's, uvicorn's — through the same processors to stderr: bound context (``task_id``,
``request_id``, ``act_id``…, see :func:`bind`), level, logger, UTC timestamp, then
:func:`redact`. Elsewhere (the one-shot CLI commands, the tests) records go to the standard
``logging`` tree unconfigured, so nothing lands on a command's stdout.

Never logged: a document's bytes, a key, a passphrase, a password, a token. :func:`redact`
replaces any value under a sensitive key, any PEM block and any bytes; the messages
themselves are written without them.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog

SENSITIVE_KEYS = re.compile(
    r"pass(word|phrase)?|secret|token|authorization|cookie|private|^key$|_key$|document|raw|pdf",
    re.IGNORECASE,
)
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?(-----END [A-Z ]+-----|$)", re.DOTALL)
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")
REDACTED = "[redacted]"


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor: no secret and no document leaves the process in a log line."""
    for name, value in list(event.items()):
        if name != "event" and SENSITIVE_KEYS.search(name):
            event[name] = REDACTED
        elif isinstance(value, bytes | bytearray | memoryview):
            event[name] = f"<{len(value)} bytes>"
        elif isinstance(value, str):
            event[name] = _BEARER.sub("Bearer " + REDACTED, _PEM.sub(REDACTED, value))
    return event


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.format_exc_info,
    redact,
]

structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_SHARED,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


def get_logger(name: str = "actes") -> Any:
    return structlog.stdlib.get_logger(name)


def configure(*, json_lines: bool = True, level: str = "INFO") -> None:
    """Send every record of this process to stderr, one JSON object per line."""
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,  # Celery's and uvicorn's records get the same treatment
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # Python warnings become JSON lines too
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def bind(**values: Any) -> None:
    """Add context (``task_id``, ``request_id``, ``act_id``…) to every line of this thread
    or task until :func:`unbind`."""
    structlog.contextvars.bind_contextvars(**values)


def unbind(*names: str) -> None:
    structlog.contextvars.unbind_contextvars(*names)


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    with structlog.contextvars.bound_contextvars(**values):
        yield

"""Child processes for ``actes demo``: start them, wait until ready, always stop them.

Each child runs in its own process group so that stopping it also stops what it started
(Celery's pool, uvicorn's workers). :class:`Supervisor` is a context manager: leaving it —
normally, on an error or on Ctrl-C — terminates every child (SIGTERM, then SIGKILL after a
grace period), so the demo never leaves processes behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from workflow.errors import TransientError


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path


class Supervisor:
    def __init__(self, log_dir: Path, *, grace_seconds: float = 8.0) -> None:
        self._log_dir = log_dir
        self._grace = grace_seconds
        self.children: list[Child] = []

    def __enter__(self) -> Supervisor:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    def start(self, name: str, argv: Sequence[str], *, env: dict[str, str] | None = None) -> Child:
        log_path = self._log_dir / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own entry points, fixed argument lists
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        log.close()
        child = Child(name, process, log_path)
        self.children.append(child)
        return child

    def check_alive(self) -> None:
        """Raise when a child died: the demo must not wait forever for a dead worker."""
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                tail = child.log_path.read_text(errors="replace")[-2000:]
                raise TransientError(
                    f"{child.name} stopped (exit code {code}); "
                    f"last lines of {child.log_path}:\n{tail}",
                    field=child.name,
                    rule="child process running",
                )

    def stop_all(self) -> None:
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        for child in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait(timeout=5)
        self.children.clear()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def actes_argv(*args: str) -> list[str]:
    """The command line that runs ``actes ARGS`` with this very interpreter."""
    return [sys.executable, "-m", "workflow.interfaces.cli.main", *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    supervisor: Supervisor | None = None,
    interval: float = 0.2,
) -> None:
    """Poll ``ready`` until it is true; fail with a clear message after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor is not None:
            supervisor.check_alive()
        if ready():
            return
        time.sleep(interval)
    raise TransientError(f"{what} not ready after {timeout:.0f} s", rule="ready in time")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0

"""The schema compiled by several threads at once, as the worker's pool does on its first
acts: libxml2 sets up its built-in types on a process's first compilation, and two threads
compiling at once got "Document is not valid XML Schema" (the demo's acts failed to package).
Each run is a new process: only a process's first compilations race."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import threading
from workflow.protocol import schemas

barrier = threading.Barrier(8)
failures = []

def compile_one():
    barrier.wait()
    try:
        schemas._schema()
    except Exception as error:
        failures.append(repr(error))

threads = [threading.Thread(target=compile_one) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(failures[0] if failures else "ok")
"""


def test_threads_compiling_the_schema_at_once_all_get_it() -> None:
    results = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
        for _ in range(16)
    ]
    assert results == ["ok"] * 16

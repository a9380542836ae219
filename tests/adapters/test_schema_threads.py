"""The schema compiled by several threads at once, as the worker's pool does on its first
acts: libxml2 sets up its built-in types on a process's first compilation, and two threads
compiling at once got "Document is not valid XML Schema" (the demo's acts failed to package
in CI). Compilations take turns; each thread keeps its own schema."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from lxml import etree

from workflow.protocol import schemas


def test_threads_compile_the_schema_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    real = etree.XMLSchema
    lock = threading.Lock()
    active, most = [0], [0]

    def compiling(*args: Any, **kwargs: Any) -> etree.XMLSchema:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.05)  # a window wide enough for another thread to come in
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(etree, "XMLSchema", compiling)
    barrier = threading.Barrier(6)
    compiled: list[etree.XMLSchema] = []

    def first_act() -> None:  # a new thread: no schema of its own yet
        barrier.wait()
        compiled.append(schemas._schema())

    threads = [threading.Thread(target=first_act) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert len({id(schema) for schema in compiled}) == 6  # one per thread, never shared

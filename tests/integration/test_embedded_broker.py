"""The embedded broker (Kombu's SQLAlchemy transport on SQLite) as the service tunes it: its
queues polled every tenth of a second, the file in WAL mode (issue 13: seconds, not minutes)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from kombu.connection import Connection
from kombu.entity import Queue
from kombu.message import Message

from workers.app import QUEUE_PACKAGING, create_celery, embedded_broker_url
from workers.broker import POLLING_SECONDS, Transport


# Kombu's own message model (not ours) asks SQLAlchemy 2.1 for a deprecated loader
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_the_embedded_broker_polls_often_in_wal_mode(tmp_path: Path) -> None:
    app = create_celery(embedded_broker_url(tmp_path))
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)
        assert connection.transport.polling_interval == POLLING_SECONDS < 1
        app.send_task("workers.tasks.noop", queue=QUEUE_PACKAGING)
        assert connection.default_channel.queue_declare(QUEUE_PACKAGING).message_count == 1
    with sqlite3.connect(tmp_path / "broker.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_redis_keeps_its_own_transport() -> None:
    app = create_celery("redis://127.0.0.1:6379/2")
    assert app.conf.broker_transport is None
    assert app.conf.broker_url == "redis://127.0.0.1:6379/2"


@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_a_finished_task_wakes_the_consumer_at_once(tmp_path: Path) -> None:
    """With every slot taken, Kombu reads nothing and waits a polling interval; a slot freed
    by an acknowledgement (from the pool's thread) must end that wait, not the interval."""
    url = embedded_broker_url(tmp_path).removeprefix("sqla+")
    queue = Queue("packaging")  # type: ignore[no-untyped-call]
    received: list[Message] = []
    with Connection(url, transport=Transport) as connection:  # type: ignore[no-untyped-call]
        connection.transport.polling_interval = 60.0  # a missed wake-up would show as a minute
        producer = connection.Producer()
        for n in range(2):
            producer.publish({"n": n}, routing_key="packaging", declare=[queue])
        with connection.Consumer(queue, callbacks=[lambda _body, m: received.append(m)]) as c:
            c.qos(prefetch_count=1)
            connection.drain_events(timeout=5)
            assert len(received) == 1  # the one slot is taken: the second message waits
            threading.Timer(0.2, received[0].ack).start()  # the task ends in another thread
            started = time.monotonic()
            connection.drain_events(timeout=30)
            waited = time.monotonic() - started
    assert [m.payload["n"] for m in received] == [0, 1]
    assert waited < 10, f"the consumer slept {waited:.1f} s past the freed slot"

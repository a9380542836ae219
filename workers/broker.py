"""The embedded broker: Kombu's SQLAlchemy transport on a SQLite file, tuned for it.

Kombu's transport polls its queues once a second, and sleeps that second whenever the
worker's slots are all busy, so every task on a busy worker waited up to a second for the
next message: a small commune's afternoon of acts took minutes. Here the queues are polled
every :data:`POLLING_SECONDS` (an idle poll reads, and writes nothing), and the file is in WAL
mode with ``synchronous=NORMAL``: the API's sends and the worker's reads do not wait on each
other, and a commit is not an fsync. The broker only carries "work on act N now" — the store
(SQLite, full sync) is the source of truth and the sweep re-enqueues whatever a crash lost.

When every slot of the worker holds a message, Kombu reads nothing and sleeps a polling
interval, so a slot freed by a finished task stayed idle for up to that long: with tasks of a
few tens of milliseconds, the worker's threads waited more than they worked. Here a finished
task (its acknowledgement, from the pool's thread) wakes the consumer at once.
"""

from __future__ import annotations

import threading
from time import monotonic
from typing import Any

from kombu.transport import sqlalchemy as kombu_sqla
from kombu.transport import virtual
from sqlalchemy import Engine, create_engine, event

#: seconds between two polls of empty (or, on a busy worker, untaken) queues
POLLING_SECONDS = 0.1
#: the transport, for ``Celery(transport=…)`` with the ``sqlite:///`` URL behind ``sqla+``
TRANSPORT = "workers.broker:Transport"


def _pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class QoS(virtual.QoS):
    """Kombu's prefetch accounting, which also tells the transport when a slot frees."""

    def ack(self, delivery_tag: Any) -> None:
        super().ack(delivery_tag)  # type: ignore[no-untyped-call]
        self.channel.connection.slot_freed.set()

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        super().reject(delivery_tag, requeue=requeue)  # type: ignore[no-untyped-call]
        self.channel.connection.slot_freed.set()


class Channel(kombu_sqla.Channel):
    QoS = QoS

    def _engine_from_config(self) -> Engine:
        engine = create_engine(self.connection.client.hostname, connect_args={"timeout": 30})
        event.listen(engine, "connect", _pragmas)
        return engine


class Transport(kombu_sqla.Transport):
    Channel = Channel
    polling_interval = POLLING_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        #: set when a task's message is acknowledged or rejected: a slot is free
        self.slot_freed = threading.Event()

    def drain_events(self, connection: Any, timeout: Any = None, **_: Any) -> None:
        """Kombu's loop, except that the wait between two empty reads ends when a slot frees."""
        cycle: Any = self.cycle  # Kombu's FairCycle over the channels, made in __init__
        started = monotonic()
        interval = min(self.polling_interval, timeout) if timeout else self.polling_interval
        while True:
            self.slot_freed.clear()  # before the read: a slot freed during it is not missed
            try:
                cycle.get(self._deliver, timeout=timeout)
            except virtual.Empty:
                if timeout is not None and monotonic() - started >= timeout:
                    raise TimeoutError from None  # socket.timeout, which Celery waits for
                self.slot_freed.wait(interval)
            else:
                return

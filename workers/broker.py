"""The embedded broker: Kombu's SQLAlchemy transport on a SQLite file, tuned for it.

Kombu's transport polls its queues once a second, and sleeps that second whenever the
worker's slots are all busy, so every task on a busy worker waited up to a second for the
next message: a small commune's afternoon of acts took minutes. Here the queues are polled
every :data:`POLLING_SECONDS` (an idle poll reads, and writes nothing), and the file is in WAL
mode with ``synchronous=NORMAL``: the API's sends and the worker's reads do not wait on each
other, and a commit is not an fsync. The broker only carries "work on act N now" — the store
(SQLite, full sync) is the source of truth and the sweep re-enqueues whatever a crash lost.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import sqlalchemy as kombu_sqla
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


class Channel(kombu_sqla.Channel):
    def _engine_from_config(self) -> Engine:
        engine = create_engine(self.connection.client.hostname, connect_args={"timeout": 30})
        event.listen(engine, "connect", _pragmas)
        return engine


class Transport(kombu_sqla.Transport):
    Channel = Channel
    polling_interval = POLLING_SECONDS

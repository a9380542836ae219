"""The embedded broker (Kombu's SQLAlchemy transport on SQLite) as the service tunes it: its
queues polled every tenth of a second, the file in WAL mode (issue 13: seconds, not minutes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

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

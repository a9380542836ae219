"""The store adapter's base: sessions, and SQLAlchemy errors translated into ours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from workflow.adapters.store.models import ActRow
from workflow.errors import AlreadyExists, TransientError


def utc(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes even for timezone=True columns: they are stored as UTC
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class StoreBase:
    """What every part of the store shares: the engine, the files area, one session a call."""

    def __init__(self, engine: Engine, files_dir: Path) -> None:
        self.engine = engine
        self.files_dir = files_dir
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        #: the transaction of a ``together()`` block of this thread (a context variable)
        self._reading: ContextVar[Session | None] = ContextVar(f"reading-{id(self)}", default=None)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        current = self._reading.get()
        if current is not None:  # inside reading(): its transaction
            yield current
            return
        with unit_of_work(self._sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[None]:
        """The store's reads inside the block share one transaction (a task reads what it
        needs in one round, not one transaction per read). For reads only."""
        with self.together():
            yield

    @contextmanager
    def together(self) -> Iterator[None]:
        """The store's calls inside the block, reads and writes, make one transaction:
        committed when the block ends, undone whole on an error, the database's errors
        translated there (a task's claim: what it reads and the move it makes). A call that
        handles a database error itself (a unique key) belongs outside such a block."""
        if self._reading.get() is not None:
            yield
            return
        with unit_of_work(self._sessions) as session:
            token = self._reading.set(session)
            try:
                yield
            finally:
                self._reading.reset(token)


@contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error, with the
    database's errors translated at this one boundary (a unique key → AlreadyExists, an
    unreachable database → TransientError)."""
    session = sessions()
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise AlreadyExists(f"already recorded ({exc.orig})", rule="unique") from exc
    except OperationalError as exc:
        session.rollback()
        raise TransientError(f"the database is unavailable ({exc.orig})", field="database") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def facts_changed(session: Session, where: ColumnElement[bool]) -> None:
    """The legal facts of these acts changed: their deadline rows must be computed again."""
    session.execute(
        update(ActRow)
        .where(where)
        .values(deadlines_stale=True, facts_version=ActRow.facts_version + 1)
    )

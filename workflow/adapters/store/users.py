"""The users of the clerks' pages, in the store (table ``users``, migration 0008)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import DateTime, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from workflow.adapters.store.base import unit_of_work
from workflow.adapters.store.models import Base
from workflow.errors import NotFound
from workflow.users import Role, UserRecord


class UserRow(Base):
    """A person who logs in to the pages: only the argon2 hash of the password is kept."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    sirens: Mapped[str] = mapped_column(Text)  # one SIREN per line
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _record(row: UserRow) -> UserRecord:
    return UserRecord(
        id=row.id,
        login=row.login,
        name=row.name,
        role=Role(row.role),
        sirens=frozenset(s for s in row.sirens.splitlines() if s),
        password_hash=row.password_hash,
        created_at=_utc(row.created_at) or row.created_at,
        disabled_at=_utc(row.disabled_at),
        failed_logins=row.failed_logins or 0,
        locked_until=_utc(row.locked_until),
    )


class SqlUsers:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with unit_of_work(self._sessions) as session:
            yield session

    def add_user(
        self,
        login: str,
        name: str,
        role: Role,
        sirens: Sequence[str],
        password_hash: str,
        *,
        at: dt.datetime,
    ) -> UserRecord:
        with self._session() as session:
            row = UserRow(
                login=login,
                name=name,
                role=role.value,
                sirens="\n".join(sirens),
                password_hash=password_hash,
                created_at=at,
                failed_logins=0,
            )
            session.add(row)
            session.flush()
            return _record(row)

    def get_user(self, user_id: int) -> UserRecord:
        with self._session() as session:
            row = session.get(UserRow, user_id)
            if row is None:
                raise NotFound(f"no user {user_id}", field="user", value=user_id)
            return _record(row)

    def user_by_login(self, login: str) -> UserRecord | None:
        with self._session() as session:
            row = session.scalar(select(UserRow).where(UserRow.login == login))
            return _record(row) if row is not None else None

    def list_users(self) -> list[UserRecord]:
        with self._session() as session:
            return [_record(r) for r in session.scalars(select(UserRow).order_by(UserRow.login))]

    def disable_user(self, login: str, *, at: dt.datetime) -> UserRecord:
        with self._session() as session:
            row = session.scalar(select(UserRow).where(UserRow.login == login))
            if row is None:
                raise NotFound(f"no user {login!r}", field="login", value=login)
            if row.disabled_at is None:
                row.disabled_at = at
            session.flush()
            return _record(row)

    def record_login(
        self, user_id: int, *, failed_logins: int, locked_until: dt.datetime | None
    ) -> None:
        with self._session() as session:
            row = session.get(UserRow, user_id)
            if row is not None:
                row.failed_logins = failed_logins
                row.locked_until = locked_until

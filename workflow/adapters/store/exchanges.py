"""The store: what goes to and comes from the platform — packages, transactions, attempts,
messages, the polling cursors — and what follows the act there: its publicity and the
préfecture's exchanges."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.adapters.store.base import StoreBase, facts_changed, utc
from workflow.adapters.store.models import (
    ActRow,
    AttemptRow,
    ExchangeRow,
    MessageRow,
    PollCursorRow,
    PublicityRow,
    TransactionRow,
)
from workflow.adapters.store.statements import (
    INSERT_ATTEMPT,
    INSERT_MESSAGE_ONCE,
    INSERT_PACKAGE,
    INSERT_TRANSACTION,
    LATEST_ARCHIVE,
    RESERVE_SERIAL,
    core,
)
from workflow.errors import NotFound
from workflow.platform import Attempt
from workflow.store import (
    ExchangeRecord,
    KeptAttempts,
    KeptMessage,
    KeptPackage,
    KeptTransaction,
    PublicityRecord,
)


class ExchangesStore(StoreBase):
    def record_package(
        self,
        act_id: int,
        siren: str,
        day: dt.date,
        archive_name: str,
        archive_path: Path,
        sha256: str,
        size: int,
        *,
        at: dt.datetime,
    ) -> None:
        package = KeptPackage(siren, day, archive_name, archive_path, sha256, size)
        with self._session() as session:
            add_package(session, act_id, package, at)

    def reserve_serial(self, siren: str, day: dt.date) -> int:
        """The collectivité's next envelope serial of ``day``, never given twice (a
        packaging that fails leaves a gap, as S²LOW's own counter does)."""
        with self._session() as session:
            db = core(session)
            statement = RESERVE_SERIAL[db.dialect.name]
            return int(db.execute(statement, {"siren": siren, "day": day}).scalar_one())

    def latest_package(self, act_id: int) -> Path | None:
        with self._session() as session:
            path = core(session).execute(LATEST_ARCHIVE, {"act_id": act_id}).scalar()
            return Path(path) if path else None

    def record_transaction(
        self, act_id: int, platform_ref: str, *, at: dt.datetime, recovered: bool = False
    ) -> None:
        """The act's one platform transaction; a second one is refused by the database."""
        with self._session() as session:
            add_transaction(session, act_id, KeptTransaction(platform_ref, recovered), at)

    def acts_by_platform_ref(self, refs: Collection[str] | None = None) -> dict[str, int]:
        query = select(TransactionRow.platform_ref, TransactionRow.act_id)
        if refs is not None:
            if not refs:
                return {}
            query = query.where(TransactionRow.platform_ref.in_(sorted(refs)))
        with self._session() as session:
            rows = session.execute(query)
            return {ref: act_id for ref, act_id in rows}  # noqa: C416 - Result is not a mapping source

    def record_attempts(
        self, act_id: int | None, attempts: Sequence[Attempt], *, at: dt.datetime
    ) -> None:
        with self._session() as session:
            _insert_attempts(session, act_id, attempts, at)

    def record_attempt(
        self,
        act_id: int | None,
        attempt: Attempt,
        *,
        at: dt.datetime,
        platform_ref: str | None = None,
    ) -> None:
        with self._session() as session:
            core(session).execute(
                INSERT_ATTEMPT, _attempt_values(act_id, attempt, at, platform_ref)
            )

    def attempts(self, act_id: int) -> list[AttemptRow]:
        with self._session() as session:
            return list(
                session.scalars(
                    select(AttemptRow).where(AttemptRow.act_id == act_id).order_by(AttemptRow.id)
                )
            )

    def record_message(
        self, act_id: int, direction: str, code: str, raw: bytes, *, at: dt.datetime
    ) -> bool:
        """Keep a message sent or received (raw bytes + SHA-256), once. True when new."""
        with self._session() as session:
            return add_message(session, act_id, KeptMessage(direction, code, raw), at)

    def messages(self, act_id: int) -> list[tuple[str, str, str]]:
        with self._session() as session:
            rows = session.execute(
                select(MessageRow.direction, MessageRow.code, MessageRow.sha256)
                .where(MessageRow.act_id == act_id)
                .order_by(MessageRow.id)
            )
            return [(d, c, s) for d, c, s in rows]

    def message(self, act_id: int, code: str) -> bytes | None:
        """The last message of ``code`` kept for the act (raw bytes), if any."""
        with self._session() as session:
            raw: bytes | None = session.scalar(
                select(MessageRow.raw)
                .where(MessageRow.act_id == act_id, MessageRow.code == code)
                .order_by(MessageRow.id.desc())
                .limit(1)
            )
            return raw

    def record_publicity(self, act_id: int, publicity: PublicityRecord, *, at: dt.datetime) -> None:
        with self._session() as session:
            if session.get(ActRow, act_id) is None:
                raise NotFound(f"no act {act_id}", field="act", value=act_id)
            session.add(
                PublicityRow(
                    act_id=act_id,
                    mode=publicity.mode,
                    day=publicity.day,
                    url=publicity.url,
                    recorded_at=at,
                )
            )
            facts_changed(session, ActRow.id == act_id)

    def publicities(self, act_id: int) -> list[PublicityRecord]:
        with self._session() as session:
            rows = session.scalars(
                select(PublicityRow).where(PublicityRow.act_id == act_id).order_by(PublicityRow.day)
            )
            return [PublicityRecord(r.mode, r.day, r.url) for r in rows]

    def record_exchange(self, act_id: int, exchange: ExchangeRecord) -> bool:
        """Record a préfecture message once (by its platform reference). True when new."""
        with self._session() as session:
            exists = session.scalar(
                select(ExchangeRow.id).where(
                    ExchangeRow.act_id == act_id, ExchangeRow.platform_ref == exchange.platform_ref
                )
            )
            if exists is not None:
                return False
            session.add(
                ExchangeRow(
                    act_id=act_id,
                    code=exchange.code,
                    day=exchange.day,
                    platform_ref=exchange.platform_ref,
                    answered_on=exchange.answered_on,
                    detail=exchange.detail,
                )
            )
            facts_changed(session, ActRow.id == act_id)
            return True

    def exchanges(self, act_id: int) -> list[ExchangeRecord]:
        with self._session() as session:
            rows = session.scalars(
                select(ExchangeRow)
                .where(ExchangeRow.act_id == act_id)
                .order_by(ExchangeRow.day, ExchangeRow.id)
            )
            return [
                ExchangeRecord(r.code, r.day, r.platform_ref, r.answered_on, r.detail) for r in rows
            ]

    def answer_exchange(self, act_id: int, code: str, answered_on: dt.date) -> None:
        with self._session() as session:
            row = session.scalars(
                select(ExchangeRow)
                .where(ExchangeRow.act_id == act_id, ExchangeRow.code == code)
                .order_by(ExchangeRow.day.desc())
            ).first()
            if row is None:
                raise NotFound(
                    f"act {act_id} has no {code} message to answer", field="code", value=code
                )
            row.answered_on = answered_on
            facts_changed(session, ActRow.id == act_id)

    def poll_cursor(self, name: str) -> dt.datetime | None:
        with self._session() as session:
            row = session.get(PollCursorRow, name)
            return utc(row.at) if row is not None else None

    def set_poll_cursor(self, name: str, at: dt.datetime) -> None:
        with self._session() as session:
            row = session.get(PollCursorRow, name) or PollCursorRow(name=name)
            row.at = at
            session.add(row)


def _attempt_values(
    act_id: int | None, attempt: Attempt, at: dt.datetime, platform_ref: str | None = None
) -> dict[str, Any]:
    """One platform call as recorded (its answer's excerpt bounded to 2 KiB)."""
    return {
        "act_id": act_id,
        "at": at,
        "endpoint": attempt.endpoint,
        "duration_ms": attempt.duration_ms,
        "http_status": attempt.http_status,
        "platform_ref": platform_ref,
        "excerpt": attempt.excerpt[:2048],
        "error": attempt.error,
    }


def add_attempts(session: Session, act_id: int, kept: KeptAttempts, at: dt.datetime) -> None:
    """The platform calls that brought a move, in the move's own transaction."""
    _insert_attempts(session, act_id, kept.attempts, at)


def _insert_attempts(
    session: Session, act_id: int | None, attempts: Sequence[Attempt], at: dt.datetime
) -> None:
    if attempts:
        core(session).execute(
            INSERT_ATTEMPT, [_attempt_values(act_id, attempt, at) for attempt in attempts]
        )


def add_package(session: Session, act_id: int, package: KeptPackage, at: dt.datetime) -> None:
    """The act's archive, in the caller's transaction (its serial is unique: AlreadyExists)."""
    serial = int(package.archive_name.rsplit("-", 1)[1].split(".")[0])
    core(session).execute(
        INSERT_PACKAGE,
        {
            "act_id": act_id,
            "siren": package.siren,
            "day": package.day,
            "serial": serial,
            "archive_name": package.archive_name,
            "archive_path": str(package.archive_path),
            "sha256": package.sha256,
            "size": package.size,
            "created_at": at,
        },
    )


def add_message(session: Session, act_id: int, message: KeptMessage, at: dt.datetime) -> bool:
    """Keep a message (raw bytes + SHA-256) once, in the caller's transaction; True when new."""
    digest = hashlib.sha256(message.raw).hexdigest()
    db = core(session)
    inserted = db.execute(
        INSERT_MESSAGE_ONCE[db.dialect.name],
        {
            "act_id": act_id,
            "direction": message.direction,
            "code": message.code,
            "raw": message.raw,
            "sha256": digest,
            "at": at,
        },
    )
    return bool(inserted.rowcount == 1)


def add_transaction(session: Session, act_id: int, kept: KeptTransaction, at: dt.datetime) -> None:
    """The act's platform transaction, in the caller's transaction (one per act: the
    database refuses a second, AlreadyExists)."""
    core(session).execute(
        INSERT_TRANSACTION,
        {
            "act_id": act_id,
            "platform_ref": kept.platform_ref,
            "recovered": int(kept.recovered),
            "created_at": at,
        },
    )

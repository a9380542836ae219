"""The store adapter: records in, frozen records out; SQLAlchemy errors translated here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from workflow.adapters.store.models import (
    ActDocumentRow,
    ActRow,
    AlertSentRow,
    ApiTokenRow,
    AttemptRow,
    CollectiviteRow,
    DocumentRow,
    DraftRow,
    EventRow,
    ExchangeRow,
    LeaseRow,
    MessageRow,
    NomenclatureRow,
    PackageRow,
    PollCursorRow,
    PublicityRow,
    TransactionRow,
)
from workflow.collectivite import Collectivite
from workflow.errors import AlreadyExists, Conflict, NotFound, TransientError
from workflow.lifecycle import ActState, check_transition
from workflow.platform import Attempt
from workflow.problems import CurrentProblem, ProblemCode
from workflow.protocol.documents import examine
from workflow.store import (
    ActFilter,
    ActRecord,
    DocumentRef,
    DraftRecord,
    EventRecord,
    ExchangeRecord,
    NewAct,
    PublicityRecord,
    TokenRecord,
)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes even for timezone=True columns: they are stored as UTC
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class SqlStore:
    def __init__(self, engine: Engine, files_dir: Path) -> None:
        self.engine = engine
        self.files_dir = files_dir
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise AlreadyExists(f"already recorded ({exc.orig})", rule="unique") from exc
        except OperationalError as exc:
            session.rollback()
            raise TransientError(
                f"the database is unavailable ({exc.orig})", field="database"
            ) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # ------------------------------------------------------------------ collectivités

    def add_collectivite(self, collectivite: Collectivite) -> None:
        with self._session() as session:
            row = session.get(CollectiviteRow, collectivite.siren.value) or CollectiviteRow(
                siren=collectivite.siren.value
            )
            row.name = collectivite.name
            row.departement = collectivite.departement.value
            row.arrondissement = collectivite.arrondissement.value
            row.nature = collectivite.nature.value
            row.emails = "\n".join(e.value for e in collectivite.emails)
            row.population = collectivite.population
            row.publicity_mode = collectivite.publicity_mode
            session.add(row)

    def get_collectivite(self, siren: str) -> Collectivite:
        with self._session() as session:
            row = session.get(CollectiviteRow, siren)
            if row is None:
                raise NotFound(f"no collectivité with SIREN {siren}", field="siren", value=siren)
            return Collectivite.from_mapping(
                {
                    "name": row.name,
                    "siren": row.siren,
                    "departement": row.departement,
                    "arrondissement": row.arrondissement,
                    "nature": row.nature,
                    "emails": [e for e in row.emails.split("\n") if e],
                    "population": row.population,
                    "publicity_mode": row.publicity_mode,
                }
            )

    def list_collectivites(self) -> list[Collectivite]:
        with self._session() as session:
            sirens = list(
                session.scalars(select(CollectiviteRow.siren).order_by(CollectiviteRow.name))
            )
        return [self.get_collectivite(siren) for siren in sirens]

    # ------------------------------------------------------------------ documents

    def document_path(self, sha256: str) -> Path:
        return self.files_dir / sha256[:2] / sha256

    def store_file(self, path: Path) -> tuple[str, int]:
        """Keep any file (a draft's rejected upload too) in the content-addressed area."""
        digest = hashlib.sha256()
        size = 0
        target_dir = self.files_dir / "incoming"
        target_dir.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.NamedTemporaryFile(dir=target_dir, delete=False) as temporary,
            path.open("rb") as source,
        ):
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                digest.update(chunk)
                size += len(chunk)
                temporary.write(chunk)
        sha = digest.hexdigest()
        target = self.document_path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            Path(temporary.name).unlink()
        else:
            Path(temporary.name).replace(target)
        return sha, size

    def store_document(self, path: Path, *, field: str = "document") -> tuple[str, int, str]:
        """Copy a document into the content-addressed area (once) and record it."""
        facts = examine(path, field=field)
        target = self.document_path(facts.sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with (
                tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as temporary,
                path.open("rb") as source,
            ):
                shutil.copyfileobj(source, temporary)
            Path(temporary.name).replace(target)
        with self._session() as session:
            if session.get(DocumentRow, facts.sha256) is None:
                session.add(
                    DocumentRow(sha256=facts.sha256, size=facts.size, kind=facts.kind.value)
                )
        return facts.sha256, facts.size, facts.kind.value

    # ------------------------------------------------------------------ acts

    def create_act(self, new: NewAct, *, at: dt.datetime, actor: str) -> tuple[ActRecord, bool]:
        """Create the act in ``received``; a repeated idempotency key returns the first act."""
        existing = self._by_key(new.siren, new.idempotency_key)
        if existing is not None:
            return existing, False
        stored = [
            (self.store_document(path, field="document" if i == 0 else "annexe"), path, typology)
            for i, (path, typology) in enumerate(new.documents)
        ]
        try:
            with self._session() as session:
                row = ActRow(
                    siren=new.siren,
                    idempotency_key=new.idempotency_key,
                    numero=new.numero,
                    numero_printed=new.numero_printed,
                    act_date=new.act_date,
                    nature=new.nature,
                    classification=new.classification,
                    classification_date=new.classification_date,
                    objet=new.objet,
                    state=ActState.RECEIVED.value,
                    state_since=at,
                    version=0,
                    created_at=at,
                    replaces_id=new.replaces,
                )
                session.add(row)
                session.flush()
                if new.replaces is not None:
                    self._link_replacement(session, new.replaces, row.id, new.numero, at, actor)
                for position, ((sha, _, _), path, typology) in enumerate(stored):
                    session.add(
                        ActDocumentRow(
                            act_id=row.id,
                            position=position,
                            sha256=sha,
                            file_name=new.file_names[position]
                            if position < len(new.file_names)
                            else path.name,
                            typology=typology,
                        )
                    )
                session.add(
                    EventRow(
                        act_id=row.id,
                        at=at,
                        actor=actor,
                        event="received",
                        from_state=None,
                        to_state=ActState.RECEIVED.value,
                        reason="act received",
                    )
                )
                act_id = row.id
        except AlreadyExists:
            again = self._by_key(new.siren, new.idempotency_key)
            if again is not None:
                return again, False  # a concurrent post with the same key won the race
            raise AlreadyExists(
                f"number {new.numero} is already used by another act of {new.siren}",
                field="numero",
                rule="number unique for the collectivité",
                value=new.numero,
            ) from None
        return self.get_act(act_id), True

    @staticmethod
    def _link_replacement(
        session: Session, old_id: int, new_id: int, numero: str, at: dt.datetime, actor: str
    ) -> None:
        """Mark ``old_id`` replaced by ``new_id`` in the new act's transaction: only once."""
        old = session.get(ActRow, old_id)
        if old is None:
            raise NotFound(f"no act {old_id}", field="act", value=old_id)
        result = session.execute(
            update(ActRow)
            .where(ActRow.id == old_id, ActRow.replaced_by_id.is_(None))
            .values(replaced_by_id=new_id, problem_code=None, problem_next_at=None)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                f"act {old_id} was already replaced by act {old.replaced_by_id}",
                field="act",
                rule="an act is replaced once",
                value=old_id,
                act_id=old.replaced_by_id,
            )
        session.add(
            EventRow(
                act_id=old_id,
                at=at,
                actor=actor,
                event="replaced",
                from_state=old.state,
                to_state=old.state,
                reason=f"replaced by act {new_id} ({numero})",
            )
        )

    def act_by_key(self, siren: str, key: str) -> ActRecord | None:
        return self._by_key(siren, key)

    def act_by_numero(self, siren: str, numero: str) -> ActRecord | None:
        with self._session() as session:
            act_id = session.scalar(
                select(ActRow.id).where(ActRow.siren == siren, ActRow.numero == numero)
            )
        return self.get_act(act_id) if act_id is not None else None

    def _by_key(self, siren: str, key: str) -> ActRecord | None:
        with self._session() as session:
            act_id = session.scalar(
                select(ActRow.id).where(ActRow.siren == siren, ActRow.idempotency_key == key)
            )
        return self.get_act(act_id) if act_id is not None else None

    def get_act(self, act_id: int, *, siren: str | None = None) -> ActRecord:
        """One act; with ``siren``, only if it belongs to that collectivité (else NotFound)."""
        with self._session() as session:
            row = session.get(ActRow, act_id)
            if row is None or (siren is not None and row.siren != siren):
                raise NotFound(f"no act {act_id}", field="act", value=act_id)
            return self._record(session, row)

    def list_acts(
        self,
        *,
        siren: str | None = None,
        states: Sequence[ActState] | None = None,
        where: ActFilter | None = None,
    ) -> list[ActRecord]:
        where = where or ActFilter()
        with self._session() as session:
            query = select(ActRow).order_by(ActRow.id)
            for wanted_siren in (siren, where.siren):
                if wanted_siren is not None:
                    query = query.where(ActRow.siren == wanted_siren)
            if where.sirens is not None:
                query = query.where(ActRow.siren.in_(sorted(where.sirens)))
            for wanted in (states, where.states):
                if wanted is not None:
                    query = query.where(ActRow.state.in_([s.value for s in wanted]))
            if where.id_acte is not None:
                query = query.where(ActRow.id_acte == where.id_acte)
            if where.numero is not None:
                query = query.where(ActRow.numero == where.numero)
            if where.state_before is not None:
                query = query.where(ActRow.state_since <= where.state_before)
            return [self._record(session, row) for row in session.scalars(query)]

    def _record(self, session: Session, row: ActRow) -> ActRecord:
        documents = session.scalars(
            select(ActDocumentRow)
            .where(ActDocumentRow.act_id == row.id)
            .order_by(ActDocumentRow.position)
        )
        ref = session.scalar(
            select(TransactionRow.platform_ref).where(TransactionRow.act_id == row.id)
        )
        return ActRecord(
            id=row.id,
            siren=row.siren,
            numero=row.numero,
            numero_printed=row.numero_printed,
            act_date=row.act_date,
            nature=row.nature,
            classification=row.classification,
            classification_date=row.classification_date,
            objet=row.objet,
            state=ActState(row.state),
            state_since=_utc(row.state_since),
            id_acte=row.id_acte,
            date_reception=row.date_reception,
            anomaly_nature=row.anomaly_nature,
            anomaly_detail=row.anomaly_detail,
            last_error=row.last_error,
            platform_ref=ref,
            documents=tuple(
                DocumentRef(d.position, d.sha256, d.file_name, d.typology) for d in documents
            ),
            problem=_problem(row),
            replaces=row.replaces_id,
            replaced_by=row.replaced_by_id,
        )

    def transition(
        self,
        act_id: int,
        target: ActState,
        *,
        actor: str,
        reason: str,
        at: dt.datetime,
        **fields: Any,
    ) -> ActRecord:
        """Move an act (checked by the lifecycle table) and write the event, atomically.

        Optimistic concurrency: the update only applies to the version read, so two workers
        cannot both make the same move; the loser gets :class:`Conflict`.
        """
        with self._session() as session:
            row = session.get(ActRow, act_id)
            if row is None:
                raise NotFound(f"no act {act_id}", field="act", value=act_id)
            current = ActState(row.state)
            event = check_transition(current, target)
            if target not in (ActState.FAILED, ActState.REJECTED):
                fields.setdefault("problem_code", None)  # the act moves on: no problem left
                fields.setdefault("problem_next_at", None)
            result = session.execute(
                update(ActRow)
                .where(ActRow.id == act_id, ActRow.version == row.version)
                .values(state=target.value, state_since=at, version=row.version + 1, **fields)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(
                    f"act {act_id} was moved by someone else", field="state", act_id=act_id
                )
            session.add(
                EventRow(
                    act_id=act_id,
                    at=at,
                    actor=actor,
                    event=event,
                    from_state=current.value,
                    to_state=target.value,
                    reason=reason,
                )
            )
        return self.get_act(act_id)

    def set_error(self, act_id: int, error: str) -> None:
        with self._session() as session:
            session.execute(
                update(ActRow).where(ActRow.id == act_id).values(last_error=error[:2000])
            )

    def set_problem(self, act_id: int, problem: CurrentProblem | None) -> None:
        """Record why the act is not moving (``since`` kept while the same problem lasts)."""
        with self._session() as session:
            row = session.get(ActRow, act_id)
            if row is None:
                raise NotFound(f"no act {act_id}", field="act", value=act_id)
            if problem is None:
                row.problem_code, row.problem_next_at = None, None
                return
            if row.problem_code != problem.code.value or row.problem_since is None:
                row.problem_since = problem.since
            row.problem_code = problem.code.value
            row.problem_next_at = problem.next_attempt
            row.problem_detail = problem.detail[:2000]
            row.last_error = problem.detail[:2000]

    def acquire_lease(
        self, name: str, holder: str, *, until: dt.datetime, now: dt.datetime
    ) -> bool:
        """Take the lease ``name`` until ``until`` unless another holder has it past ``now``.
        Atomic in the database, so it holds across processes and machines."""
        with self._session() as session:
            taken = session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, (LeaseRow.until < now) | (LeaseRow.holder == holder))
                .values(holder=holder, until=until)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return True
        try:
            with self._session() as session:
                session.add(LeaseRow(name=name, holder=holder, until=until))
        except AlreadyExists:
            return False  # held by another, not expired
        return True

    def release_lease(self, name: str, holder: str) -> None:
        with self._session() as session:
            session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == holder)
                .values(until=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
            )

    def events(self, act_id: int) -> list[EventRecord]:
        with self._session() as session:
            rows = session.scalars(
                select(EventRow).where(EventRow.act_id == act_id).order_by(EventRow.id)
            )
            return [
                EventRecord(_utc(r.at), r.actor, r.event, r.from_state, r.to_state, r.reason)
                for r in rows
            ]

    def acts_needing_work(self, *, idle_since: dt.datetime) -> list[ActRecord]:
        """Unfinished acts untouched since ``idle_since`` (the sweep re-enqueues them)."""
        from workflow.lifecycle import UNFINISHED

        with self._session() as session:
            rows = session.scalars(
                select(ActRow).where(
                    ActRow.state.in_([s.value for s in UNFINISHED]),
                    ActRow.state_since <= idle_since,
                )
            )
            return [self._record(session, row) for row in rows]

    # ------------------------------------------------------------------ packages, platform

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
        with self._session() as session:
            serial = int(archive_name.rsplit("-", 1)[1].split(".")[0])
            session.add(
                PackageRow(
                    act_id=act_id,
                    siren=siren,
                    day=day,
                    serial=serial,
                    archive_name=archive_name,
                    archive_path=str(archive_path),
                    sha256=sha256,
                    size=size,
                    created_at=at,
                )
            )

    def next_serial(self, siren: str, day: dt.date) -> int:
        with self._session() as session:
            used = session.scalar(
                select(func.max(PackageRow.serial)).where(
                    PackageRow.siren == siren, PackageRow.day == day
                )
            )
            return int(used or 0) + 1

    def latest_package(self, act_id: int) -> Path | None:
        with self._session() as session:
            path = session.scalar(
                select(PackageRow.archive_path)
                .where(PackageRow.act_id == act_id)
                .order_by(PackageRow.id.desc())
            )
            return Path(path) if path else None

    def record_transaction(
        self, act_id: int, platform_ref: str, *, at: dt.datetime, recovered: bool = False
    ) -> None:
        """The act's one platform transaction; a second one is refused by the database."""
        with self._session() as session:
            session.add(
                TransactionRow(
                    act_id=act_id,
                    platform_ref=platform_ref,
                    recovered=int(recovered),
                    created_at=at,
                )
            )

    def acts_by_platform_ref(self) -> dict[str, int]:
        with self._session() as session:
            rows = session.execute(select(TransactionRow.platform_ref, TransactionRow.act_id))
            return {ref: act_id for ref, act_id in rows}  # noqa: C416 - Result is not a mapping source

    def record_attempt(
        self,
        act_id: int | None,
        attempt: Attempt,
        *,
        at: dt.datetime,
        platform_ref: str | None = None,
    ) -> None:
        with self._session() as session:
            session.add(
                AttemptRow(
                    act_id=act_id,
                    at=at,
                    endpoint=attempt.endpoint,
                    duration_ms=attempt.duration_ms,
                    http_status=attempt.http_status,
                    platform_ref=platform_ref,
                    excerpt=attempt.excerpt[:2048],
                    error=attempt.error,
                )
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
        digest = hashlib.sha256(raw).hexdigest()
        with self._session() as session:
            exists = session.scalar(
                select(MessageRow.id).where(
                    MessageRow.act_id == act_id, MessageRow.sha256 == digest
                )
            )
            if exists is not None:
                return False
            session.add(
                MessageRow(
                    act_id=act_id, direction=direction, code=code, raw=raw, sha256=digest, at=at
                )
            )
            return True

    def messages(self, act_id: int) -> list[tuple[str, str, str]]:
        with self._session() as session:
            rows = session.execute(
                select(MessageRow.direction, MessageRow.code, MessageRow.sha256)
                .where(MessageRow.act_id == act_id)
                .order_by(MessageRow.id)
            )
            return [(d, c, s) for d, c, s in rows]

    # ------------------------------------------------------------------ publicity, exchanges

    def record_publicity(self, act_id: int, publicity: PublicityRecord, *, at: dt.datetime) -> None:
        self.get_act(act_id)
        with self._session() as session:
            session.add(
                PublicityRow(
                    act_id=act_id,
                    mode=publicity.mode,
                    day=publicity.day,
                    url=publicity.url,
                    recorded_at=at,
                )
            )

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

    # ------------------------------------------------------------------ alerts

    def alert_sent(self, key: tuple[int, str, dt.date, int], channel: str) -> bool:
        act_id, kind, due, horizon = key
        with self._session() as session:
            found = session.scalar(
                select(AlertSentRow.id).where(
                    AlertSentRow.act_id == act_id,
                    AlertSentRow.kind == kind,
                    AlertSentRow.due == due,
                    AlertSentRow.horizon_days == horizon,
                    AlertSentRow.channel == channel,
                )
            )
            return found is not None

    def record_alert(
        self, key: tuple[int, str, dt.date, int], channel: str, *, at: dt.datetime
    ) -> None:
        act_id, kind, due, horizon = key
        with self._session() as session:
            session.add(
                AlertSentRow(
                    act_id=act_id,
                    kind=kind,
                    due=due,
                    horizon_days=horizon,
                    channel=channel,
                    sent_at=at,
                )
            )

    # ------------------------------------------------------------------ drafts

    def create_draft(
        self,
        *,
        principal: str,
        idempotency_key: str,
        siren: str | None,
        metadata: dict[str, Any],
        documents: Sequence[DocumentRef],
        report: dict[str, Any],
        at: dt.datetime,
    ) -> tuple[DraftRecord, bool]:
        """A new open draft; the same (principal, key) returns the first one."""
        existing = self.draft_by_key(principal, idempotency_key)
        if existing is not None:
            return existing, False
        try:
            with self._session() as session:
                row = DraftRow(
                    principal=principal,
                    idempotency_key=idempotency_key,
                    siren=siren,
                    status="open",
                    act_id=None,
                    metadata_json=json.dumps(metadata, ensure_ascii=False),
                    documents_json=json.dumps(
                        [
                            {"sha256": d.sha256, "file_name": d.file_name, "typology": d.typology}
                            for d in documents
                        ]
                    ),
                    report_json=json.dumps(report, ensure_ascii=False, default=str),
                    created_at=at,
                    updated_at=at,
                )
                session.add(row)
                session.flush()
                draft_id = row.id
        except AlreadyExists:
            again = self.draft_by_key(principal, idempotency_key)
            if again is None:
                raise
            return again, False
        return self.get_draft(draft_id), True

    def draft_by_key(self, principal: str, key: str) -> DraftRecord | None:
        with self._session() as session:
            row = session.scalar(
                select(DraftRow).where(
                    DraftRow.principal == principal, DraftRow.idempotency_key == key
                )
            )
            return _draft(row) if row is not None else None

    def drafts_by_key(self, key: str) -> list[DraftRecord]:
        with self._session() as session:
            rows = session.scalars(
                select(DraftRow).where(DraftRow.idempotency_key == key).order_by(DraftRow.id)
            )
            return [_draft(row) for row in rows]

    def get_draft(self, draft_id: int) -> DraftRecord:
        with self._session() as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise NotFound(f"no draft {draft_id}", field="draft", value=draft_id)
            return _draft(row)

    def list_drafts(self, *, status: str | None = "open") -> list[DraftRecord]:
        with self._session() as session:
            query = select(DraftRow).order_by(DraftRow.id)
            if status is not None:
                query = query.where(DraftRow.status == status)
            return [_draft(row) for row in session.scalars(query)]

    def update_draft(
        self,
        draft_id: int,
        *,
        at: dt.datetime,
        siren: str | None = None,
        metadata: dict[str, Any] | None = None,
        report: dict[str, Any] | None = None,
        status: str | None = None,
        act_id: int | None = None,
    ) -> DraftRecord:
        with self._session() as session:
            row = session.get(DraftRow, draft_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no draft {draft_id}", field="draft", value=draft_id)
            if row.status != "open":
                raise Conflict(
                    f"draft {draft_id} is {row.status}, no longer open",
                    field="draft",
                    rule="only an open draft changes",
                    value=row.status,
                )
            if siren is not None:
                row.siren = siren
            if metadata is not None:
                row.metadata_json = json.dumps(metadata, ensure_ascii=False)
            if report is not None:
                row.report_json = json.dumps(report, ensure_ascii=False, default=str)
            if status is not None:
                row.status = status
            if act_id is not None:
                row.act_id = act_id
            row.updated_at = at
            session.flush()
            return _draft(row)

    # ------------------------------------------------------------------ nomenclatures

    def save_nomenclature(
        self, siren: str, version: dt.date, raw: bytes, *, at: dt.datetime
    ) -> None:
        with self._session() as session:
            row = session.get(NomenclatureRow, siren) or NomenclatureRow(siren=siren)
            row.version, row.raw, row.recorded_at = version, raw, at
            session.add(row)

    def nomenclature(self, siren: str) -> bytes | None:
        with self._session() as session:
            row = session.get(NomenclatureRow, siren)
            return row.raw if row is not None else None

    def poll_cursor(self, name: str) -> dt.datetime | None:
        with self._session() as session:
            row = session.get(PollCursorRow, name)
            return _utc(row.at) if row is not None else None

    def set_poll_cursor(self, name: str, at: dt.datetime) -> None:
        with self._session() as session:
            row = session.get(PollCursorRow, name) or PollCursorRow(name=name)
            row.at = at
            session.add(row)

    # ------------------------------------------------------------------ API tokens

    def add_token(self, name: str, sirens: Sequence[str], sha256: str, *, at: dt.datetime) -> int:
        with self._session() as session:
            row = ApiTokenRow(
                name=name, token_sha256=sha256, sirens="\n".join(sirens), created_at=at
            )
            session.add(row)
            session.flush()
            return row.id

    def token_by_hash(self, sha256: str) -> TokenRecord | None:
        with self._session() as session:
            row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_sha256 == sha256))
            return _token(row) if row is not None else None

    def list_tokens(self) -> list[TokenRecord]:
        with self._session() as session:
            return [
                _token(r) for r in session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))
            ]

    def revoke_token(self, token_id: int, *, at: dt.datetime) -> TokenRecord:
        with self._session() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None:
                raise NotFound(f"no API token {token_id}", field="token", value=token_id)
            if row.revoked_at is None:
                row.revoked_at = at
            session.flush()
            return _token(row)


def _problem(row: ActRow) -> CurrentProblem | None:
    if row.problem_code is None or row.problem_since is None:
        return None
    try:
        code = ProblemCode(row.problem_code)
    except ValueError:  # a code of a newer version: shown by the detail alone
        code = ProblemCode.PACKAGING_FAILED
    return CurrentProblem(
        code,
        _utc(row.problem_since),
        row.problem_detail or "",
        _utc(row.problem_next_at) if row.problem_next_at else None,
    )


def _draft(row: DraftRow) -> DraftRecord:
    return DraftRecord(
        id=row.id,
        principal=row.principal,
        idempotency_key=row.idempotency_key,
        siren=row.siren,
        status=row.status,
        act_id=row.act_id,
        metadata=json.loads(row.metadata_json),
        documents=tuple(
            DocumentRef(i, d["sha256"], d["file_name"], d["typology"])
            for i, d in enumerate(json.loads(row.documents_json))
        ),
        report=json.loads(row.report_json),
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
    )


def _token(row: ApiTokenRow) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        name=row.name,
        sirens=frozenset(s for s in row.sirens.split("\n") if s),
        created_at=_utc(row.created_at),
        revoked_at=_utc(row.revoked_at) if row.revoked_at else None,
    )

"""The store port: what the services need from persistence, and the records it returns.

The store is the source of truth (DESIGN.md): every act, state change, message and platform
attempt is recorded there; the broker only carries "work on act N now".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from workflow.collectivite import Collectivite
from workflow.lifecycle import ActState
from workflow.platform import Attempt


@dataclass(frozen=True, slots=True)
class DocumentRef:
    position: int
    sha256: str
    file_name: str
    typology: str | None


@dataclass(frozen=True, slots=True)
class ActRecord:
    id: int
    siren: str
    numero: str
    numero_printed: str
    act_date: dt.date
    nature: str
    classification: str
    classification_date: dt.date
    objet: str
    state: ActState
    state_since: dt.datetime
    id_acte: str | None
    date_reception: dt.date | None
    anomaly_nature: str | None
    anomaly_detail: str | None
    last_error: str | None
    platform_ref: str | None
    documents: tuple[DocumentRef, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "siren": self.siren,
            "numero": self.numero,
            "numero_printed": self.numero_printed,
            "date": self.act_date.isoformat(),
            "nature": self.nature,
            "classification": self.classification,
            "objet": self.objet,
            "state": self.state.value,
            "state_since": self.state_since.isoformat(),
            "id_acte": self.id_acte,
            "date_reception": self.date_reception.isoformat() if self.date_reception else None,
            "anomaly": {"nature": self.anomaly_nature, "detail": self.anomaly_detail}
            if self.anomaly_nature
            else None,
            "last_error": self.last_error,
            "platform_ref": self.platform_ref,
        }


@dataclass(frozen=True, slots=True)
class EventRecord:
    at: dt.datetime
    actor: str
    event: str
    from_state: str | None
    to_state: str
    reason: str


@dataclass(frozen=True, slots=True)
class NewAct:
    siren: str
    idempotency_key: str
    numero: str
    numero_printed: str
    act_date: dt.date
    nature: str
    classification: str
    classification_date: dt.date
    objet: str
    documents: tuple[tuple[Path, str | None], ...]  # (path, typology); the first is the act


@dataclass(frozen=True, slots=True)
class PublicityRecord:
    mode: str  # electronic / posting / paper / notification
    day: dt.date
    url: str | None


@dataclass(frozen=True, slots=True)
class ExchangeRecord:
    code: str  # 2-1, 3-1, 4-1, 5-1
    day: dt.date
    platform_ref: str
    answered_on: dt.date | None
    detail: str


class Store(Protocol):
    def add_collectivite(self, collectivite: Collectivite) -> None: ...

    def get_collectivite(self, siren: str) -> Collectivite: ...

    def document_path(self, sha256: str) -> Path: ...

    def create_act(self, new: NewAct, *, at: dt.datetime, actor: str) -> tuple[ActRecord, bool]: ...

    def get_act(self, act_id: int, *, siren: str | None = None) -> ActRecord: ...

    def list_acts(
        self, *, siren: str | None = None, states: Sequence[ActState] | None = None
    ) -> list[ActRecord]: ...

    def transition(
        self,
        act_id: int,
        target: ActState,
        *,
        actor: str,
        reason: str,
        at: dt.datetime,
        **fields: Any,
    ) -> ActRecord: ...

    def set_error(self, act_id: int, error: str) -> None: ...

    def events(self, act_id: int) -> list[EventRecord]: ...

    def acts_needing_work(self, *, idle_since: dt.datetime) -> list[ActRecord]: ...

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
    ) -> None: ...

    def next_serial(self, siren: str, day: dt.date) -> int: ...

    def latest_package(self, act_id: int) -> Path | None: ...

    def record_transaction(
        self, act_id: int, platform_ref: str, *, at: dt.datetime, recovered: bool = False
    ) -> None: ...

    def acts_by_platform_ref(self) -> dict[str, int]: ...

    def record_attempt(
        self,
        act_id: int | None,
        attempt: Attempt,
        *,
        at: dt.datetime,
        platform_ref: str | None = None,
    ) -> None: ...

    def record_message(
        self, act_id: int, direction: str, code: str, raw: bytes, *, at: dt.datetime
    ) -> bool: ...

    def record_publicity(
        self, act_id: int, publicity: PublicityRecord, *, at: dt.datetime
    ) -> None: ...

    def publicities(self, act_id: int) -> list[PublicityRecord]: ...

    def record_exchange(self, act_id: int, exchange: ExchangeRecord) -> bool: ...

    def exchanges(self, act_id: int) -> list[ExchangeRecord]: ...

    def answer_exchange(self, act_id: int, code: str, answered_on: dt.date) -> None: ...

    def alert_sent(self, key: tuple[int, str, dt.date, int], channel: str) -> bool: ...

    def record_alert(
        self, key: tuple[int, str, dt.date, int], channel: str, *, at: dt.datetime
    ) -> None: ...

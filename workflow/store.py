"""The store port: what the services need from persistence (its records: :mod:`workflow.records`).

The store is the source of truth (DESIGN.md): every act, state change, message and platform
attempt is recorded there; the broker only carries "work on act N now".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from workflow.collectivite import Collectivite
from workflow.i18n import Message
from workflow.lifecycle import ActState
from workflow.operator import Fault, IncidentRecord, OperatorAlert
from workflow.platform import Attempt, PlatformAccount
from workflow.problems import CurrentProblem
from workflow.records import (
    ActFilter,
    ActRecord,
    DocumentRef,
    DraftRecord,
    EventRecord,
    ExchangeRecord,
    Kept,
    KeptAttempts,
    KeptMessage,
    KeptPackage,
    KeptTransaction,
    NewAct,
    PublicityRecord,
    TokenRecord,
)

#: the records, importable from the port as they always were
__all__ = [
    "ActFilter",
    "ActRecord",
    "DocumentRef",
    "DraftRecord",
    "EventRecord",
    "ExchangeRecord",
    "Kept",
    "KeptAttempts",
    "KeptMessage",
    "KeptPackage",
    "KeptTransaction",
    "NewAct",
    "PublicityRecord",
    "Store",
    "TokenRecord",
]


class Store(Protocol):
    def reading(self) -> AbstractContextManager[None]:
        """The reads inside the block share one transaction (reads only)."""

    def together(self) -> AbstractContextManager[None]:
        """The calls inside the block, reads and writes, make one transaction: committed when
        the block ends, undone whole on an error (a task's claim: its reads and its move)."""

    def add_collectivite(self, collectivite: Collectivite) -> None: ...

    def record_incident(
        self,
        kind: str,
        detail: str,
        *,
        at: dt.datetime,
        act_id: int | None = None,
        payload: bytes | None = None,
    ) -> IncidentRecord: ...

    def incidents(self, *, act_id: int | None = None) -> list[IncidentRecord]: ...

    def incident_payload(self, incident_id: int) -> bytes | None: ...

    def claim(self, act_id: int, *, until: dt.datetime, now: dt.datetime) -> bool: ...

    def hold(self, act_id: int, *, until: dt.datetime) -> None:
        """Keep the act's lease until ``until`` (a retry scheduled then): the sweep leaves it."""

    def raise_operator_alert(self, fault: Fault, *, at: dt.datetime) -> OperatorAlert: ...

    def operator_alerts(
        self, *, open_only: bool = True, unsent_resolutions: bool = False
    ) -> list[OperatorAlert]: ...

    def closed_operator_alert_keys(self, prefix: str) -> set[str]: ...

    def operator_alert_notified(self, alert_id: int, *, at: dt.datetime) -> None: ...

    def resolve_operator_alert(
        self, alert_id: int, *, at: dt.datetime, quiet: bool = False
    ) -> None: ...

    def resolve_operator_alert_key(self, key: str, *, at: dt.datetime) -> None: ...

    def mark_problem_alerted(self, code: str, *, at: dt.datetime) -> int: ...

    def release(self, act_id: int) -> None: ...

    def get_collectivite(self, siren: str) -> Collectivite: ...

    def document_path(self, sha256: str) -> Path: ...

    def create_act(self, new: NewAct, *, at: dt.datetime, actor: str) -> tuple[ActRecord, bool]: ...

    def get_act(self, act_id: int, *, siren: str | None = None) -> ActRecord: ...

    def list_acts(
        self,
        *,
        siren: str | None = None,
        states: Sequence[ActState] | None = None,
        where: ActFilter | None = None,
    ) -> list[ActRecord]: ...

    def page_acts(
        self,
        *,
        sirens: Collection[str] | None = None,
        states: Collection[ActState] | None = None,
        before: int | None = None,
        limit: int = 50,
        where: ActFilter | None = None,
    ) -> list[ActRecord]:
        """Newest first: at most ``limit`` acts with an id below ``before``, of these
        collectivités (``None``: all) and states (``None``: all), and ``where`` (IDActe,
        number, in their state since before a moment)."""

    def get_acts(self, ids: Collection[int]) -> list[ActRecord]: ...

    def stale_deadline_acts(
        self, *, after: int = 0, limit: int = 500
    ) -> list[tuple[ActRecord, int]]:
        """Acts (ids above ``after``, in order) whose legal facts changed since their deadline
        rows were computed, with the version of those facts."""

    def replace_deadlines(
        self, act_id: int, deadlines: Sequence[tuple[str, dt.date]], *, version: int
    ) -> bool:
        """The act's deadline rows (kind, due) from the facts of ``version``; False (nothing
        kept) when the facts changed meanwhile."""

    def acts_due_between(
        self,
        first: dt.date,
        last: dt.date,
        *,
        states: Collection[ActState],
        siren: str | None = None,
    ) -> list[int]: ...

    def transition(
        self,
        act_id: int,
        target: ActState,
        *,
        actor: str,
        reason: str | Message,
        at: dt.datetime,
        keep: Sequence[Kept] = (),
        **fields: Any,
    ) -> ActRecord:
        """Move the act and write the event, with what ``keep`` holds, in one transaction (all
        or nothing); a :class:`Message` reason is kept untranslated (with its English text) and
        translated when shown."""

    def set_error(self, act_id: int, error: str) -> None: ...

    def set_problem(self, act_id: int, problem: CurrentProblem | None) -> None: ...

    def acquire_lease(
        self, name: str, holder: str, *, until: dt.datetime, now: dt.datetime
    ) -> bool: ...

    def release_lease(self, name: str, holder: str) -> None: ...

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

    def reserve_serial(self, siren: str, day: dt.date) -> int:
        """The collectivité's next envelope serial of ``day``, reserved: never given twice."""

    def latest_package(self, act_id: int) -> Path | None: ...

    def record_transaction(
        self, act_id: int, platform_ref: str, *, at: dt.datetime, recovered: bool = False
    ) -> None: ...

    def acts_by_platform_ref(self, refs: Collection[str] | None = None) -> dict[str, int]:
        """Act ids by platform transaction: of ``refs`` only, or of every act (None)."""

    def record_attempts(
        self, act_id: int | None, attempts: Sequence[Attempt], *, at: dt.datetime
    ) -> None:
        """Record the platform calls made for an act (or none), in one transaction."""

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

    def message(self, act_id: int, code: str) -> bytes | None: ...

    def record_publicity(
        self, act_id: int, publicity: PublicityRecord, *, at: dt.datetime
    ) -> None: ...

    def publicities(self, act_id: int) -> list[PublicityRecord]: ...

    def record_exchange(self, act_id: int, exchange: ExchangeRecord) -> bool: ...

    def exchanges(self, act_id: int) -> list[ExchangeRecord]: ...

    def answer_exchange(self, act_id: int, code: str, answered_on: dt.date) -> None: ...

    def store_file(self, path: Path) -> tuple[str, int]: ...

    def list_collectivites(self) -> list[Collectivite]: ...

    def act_by_key(self, siren: str, key: str) -> ActRecord | None: ...

    def act_by_numero(self, siren: str, numero: str) -> ActRecord | None: ...

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
    ) -> tuple[DraftRecord, bool]: ...

    def draft_by_key(self, principal: str, key: str) -> DraftRecord | None: ...

    def drafts_by_key(self, key: str) -> list[DraftRecord]: ...

    def get_draft(self, draft_id: int) -> DraftRecord: ...

    def list_drafts(self, *, status: str | None = "open") -> list[DraftRecord]: ...

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
    ) -> DraftRecord: ...

    def save_nomenclature(
        self, siren: str, version: dt.date, raw: bytes, *, at: dt.datetime
    ) -> None: ...

    def nomenclature(self, siren: str) -> bytes | None: ...

    def poll_cursor(self, name: str) -> dt.datetime | None: ...

    def bind_platform_account(self, account: PlatformAccount, *, at: dt.datetime) -> None: ...

    def unbind_platform_account(self, siren: str) -> bool: ...

    def platform_account(self, siren: str) -> PlatformAccount | None: ...

    def platform_accounts(self) -> list[PlatformAccount]: ...

    def set_poll_cursor(self, name: str, at: dt.datetime) -> None: ...

    def add_token(
        self, name: str, sirens: Sequence[str], sha256: str, *, at: dt.datetime
    ) -> int: ...

    def token_by_hash(self, sha256: str) -> TokenRecord | None: ...

    def list_tokens(self) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: int, *, at: dt.datetime) -> TokenRecord: ...

    def alert_sent(self, key: tuple[int, str, dt.date, int], channel: str) -> bool: ...

    def record_alert(
        self, key: tuple[int, str, dt.date, int], channel: str, *, at: dt.datetime
    ) -> None: ...

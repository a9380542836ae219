"""The records the store hands out and takes in: acts, documents, drafts, events, what a move
keeps with it. Plain values, no I/O (the store port is :mod:`workflow.store`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.i18n import Message, _
from workflow.intake.wording import for_clerks
from workflow.lifecycle import ActState
from workflow.platform import Attempt
from workflow.problems import CurrentProblem, for_people


@dataclass(frozen=True, slots=True)
class DocumentRef:
    position: int
    sha256: str
    file_name: str
    typology: str | None
    #: the detached signature given with the document (a file of the store), if any
    signature_sha256: str | None = None


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
    #: why the act is not moving (None when it is, or when it is done)
    problem: CurrentProblem | None = None
    #: the act this one corrects and replaces, and the act that replaced this one
    replaces: int | None = None
    replaced_by: int | None = None
    #: the sweep holds a claim on it (it enqueued the act's task): the task releases it
    claimed: bool = field(default=False, compare=False)

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
            "problem": self.problem.as_dict() if self.problem else None,
            "replaces": self.replaces,
            "replaced_by": self.replaced_by,
        }


@dataclass(frozen=True, slots=True)
class ActFilter:
    """Which acts to list: every field given narrows the list (all acts when none is)."""

    siren: str | None = None
    sirens: frozenset[str] | None = None  # a caller's collectivités
    states: Sequence[ActState] | None = None
    id_acte: str | None = None
    numero: str | None = None
    #: only acts in their state since before this moment (``--older-than 2d``)
    state_before: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    at: dt.datetime
    actor: str
    event: str
    from_state: str | None
    to_state: str
    #: the reason in English, as written when the event was recorded
    reason: str
    #: the reason kept untranslated (msgid and parameters); None on rows written before
    message: Message | None = None

    def reason_text(self, locale: str | None = None) -> str:
        """The reason for people, in their language (default: the service's), without server
        paths or hashes; an older row is shown as written (translated when it is a message of
        the catalogs, such as « act received »)."""
        text = self.message.text(locale) if self.message else _(self.reason, locale=locale)
        return for_people(text)


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
    #: the stored detached signature of each document (index-aligned, None: unsigned)
    signatures: tuple[str | None, ...] = ()
    file_names: tuple[str, ...] = ()  # as uploaded, when the paths are not the original names
    replaces: int | None = None  # the rejected or failed act this one corrects
    #: written in the act's own transaction (issue 14 #5): the draft it settles (marked
    #: submitted and linked), the intake report kept as a message, and for an act the
    #: préfecture acknowledged before the service met it, its (IDActe, date of reception)
    draft_id: int | None = None
    intake_report: bytes | None = None
    acknowledged: tuple[str, dt.date] | None = None


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


@dataclass(frozen=True, slots=True)
class DraftRecord:
    """An act held back at intake until a person settles its problems."""

    id: int
    principal: str
    idempotency_key: str
    siren: str | None
    status: str  # open / submitted / discarded
    act_id: int | None
    metadata: dict[str, Any]
    documents: tuple[DocumentRef, ...]
    report: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    def settled_by(self, act: ActRecord) -> DraftRecord:
        """The draft as the transaction that made ``act`` of it left it (no read again)."""
        return dataclasses.replace(
            self, status="submitted", act_id=act.id, siren=act.siren, updated_at=act.state_since
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "siren": self.siren,
            "act_id": self.act_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "metadata": self.metadata,
            "documents": [
                {
                    "file_name": d.file_name,
                    "sha256": d.sha256,
                    "typology": d.typology,
                    "signature_sha256": d.signature_sha256,
                }
                for d in self.documents
            ],
            "problems": [for_clerks(p) for p in self.report.get("problems", [])],
            "values": self.report.get("values", {}),
            "classification": self.report.get("classification"),
        }


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    name: str
    sirens: frozenset[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class KeptMessage:  # Store.transition(keep=…): kept in the move's own transaction
    direction: str
    code: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class KeptPackage:  # the archive, with the move to ``packaged``
    siren: str
    day: dt.date
    archive_name: str
    archive_path: Path
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class KeptTransaction:  # the platform transaction, with the move to ``submitted``
    platform_ref: str
    recovered: bool = False


@dataclass(frozen=True, slots=True)
class KeptAttempts:  # the platform calls that brought the move (the audit trail of attempts)
    attempts: tuple[Attempt, ...]


#: what ``Store.transition(keep=…)`` writes in the move's own transaction
Kept = KeptMessage | KeptPackage | KeptTransaction | KeptAttempts

"""What a submission takes and gives: who submits (:class:`Principal`), the files
(:class:`Upload`), and the act or draft it made (:class:`IntakeResult`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.intake.proposal import Proposal
from workflow.intake.wording import for_clerks
from workflow.lifecycle import ActState
from workflow.store import ActRecord, DraftRecord


@dataclass(frozen=True, slots=True)
class Principal:
    """Who submits: an API token (its collectivités only), or a local operator (all)."""

    name: str
    sirens: frozenset[str] | None = None

    def allows(self, siren: str) -> bool:
        return self.sirens is None or siren in self.sirens


LOCAL = Principal("cli")


@dataclass(frozen=True, slots=True)
class Upload:
    path: Path
    file_name: str
    typology: str | None = None
    #: its detached CMS/PKCS#7 signature (DER or PEM), when the caller gives one
    signature: Path | None = None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """An act (ready, recorded ``received``) or a draft (held, with its problems)."""

    act: ActRecord | None
    draft: DraftRecord
    created: bool
    proposal: Proposal | None = None

    @property
    def status(self) -> str:
        return "act" if self.act is not None else "draft"

    @property
    def to_send(self) -> bool:
        """A new act the workers must now package and send (not one recorded as sent)."""
        return self.act is not None and self.created and self.act.state is ActState.RECEIVED

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "created": self.created}
        if self.act is not None:
            data["act"] = self.act.as_dict()
        data["draft"] = self.draft.as_dict()
        problems = (
            [p.as_dict() for p in self.proposal.problems]
            if self.proposal is not None
            else self.draft.report.get("problems", [])
        )
        data["problems"] = [for_clerks(p) for p in problems]
        return data

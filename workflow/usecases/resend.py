"""A way forward for an act that did not get through.

* :meth:`Resending.retry` — a ``failed`` act whose cause was fixed outside the act (certificate
  renewed, platform back, login corrected) starts again from packaging, same act, same number;
* :meth:`Resending.resend` — a ``rejected`` or ``failed`` act is corrected (document, annexes,
  metadata) and sent again as a *new* act that replaces it: the old one stays in the history
  (rejected or failed) and both carry the link. The platform refuses a number it has already
  seen, even on an act it refused (PROTOCOL.md §6.6), so the new act takes a number derived from
  the old one (``DEL2022_148`` → ``DEL2022_148A``) unless the caller gives another.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.errors import Conflict, InvalidInput
from workflow.i18n import N_
from workflow.identifiers import ActNature, Classification, TypologyCode
from workflow.lifecycle import ActState
from workflow.numbering import NumberProfile, NumeroInterne
from workflow.store import ActRecord, NewAct
from workflow.usecases.context import Context

#: the metadata a correction may change (``--set field=value``)
SETTABLE = (
    "objet",
    "nature",
    "classification",
    "classification_date",
    "date",
    "numero_printed",
    "typologie",
)
_MAX_NUMBER = 15


@dataclass(frozen=True, slots=True)
class Correction:
    """What changes in the new act; everything not given is taken from the old one."""

    document: Path | None = None
    annexes: tuple[Path, ...] | None = None  # None: keep the old annexes; () drops them
    numero: str | None = None
    changes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResendResult:
    act: ActRecord  # the new act
    replaced: ActRecord  # the old one, now linked to the new
    numero_derived: bool  # the service chose the number (the caller must be told)

    def as_dict(self) -> dict[str, Any]:
        return {
            "act": self.act.as_dict(),
            "replaced": self.replaced.as_dict(),
            "numero": self.act.numero,
            "numero_derived": self.numero_derived,
        }


def derive_number(
    numero: str, taken: Callable[[str], bool], profile: NumberProfile = NumberProfile.S2LOW
) -> str:
    """The first free ``numero`` + letter (A…Z), cut to 15 characters: ``DEL2022_148`` →
    ``DEL2022_148A``, then ``…B`` when that one is taken too."""
    base = numero[: _MAX_NUMBER - 1]
    for letter in string.ascii_uppercase:
        candidate = base + letter
        NumeroInterne.parse(candidate, profile)
        if candidate != numero and not taken(candidate):
            return candidate
    raise Conflict(
        f"no free number derived from {numero} (A to Z are all used): give one with --numero",
        field="numero",
        rule="number unique for the collectivité",
        value=numero,
    )


@dataclass
class Resending:
    ctx: Context

    def retry(self, act_id: int, *, actor: str, siren: str | None = None) -> ActRecord:
        """A failed act starts again from packaging (its cause was fixed outside the act)."""
        act = self.ctx.store.get_act(act_id, siren=siren)
        if act.replaced_by is not None:
            raise Conflict(
                f"act {act.id} was replaced by act {act.replaced_by}: follow that one",
                field="act",
                rule="a replaced act stays as it is",
                value=act.id,
                act_id=act.replaced_by,
            )
        if act.state is not ActState.FAILED:
            hint = (
                ": correct it and send it again as a new act (resend)"
                if act.state is ActState.REJECTED
                else ""
            )
            raise Conflict(
                f"act {act.id} is {act.state.value}; only a failed act can be retried{hint}",
                field="state",
                rule="retry a failed act",
                value=act.state.value,
                act_id=act.id,
            )
        return self.ctx.store.transition(
            act.id,
            ActState.RECEIVED,
            actor=actor,
            reason=N_("sent again from the start by a person"),
            at=self.ctx.clock(),
        )

    def resend(
        self, act_id: int, correction: Correction, *, actor: str, siren: str | None = None
    ) -> ResendResult:
        """Record the corrected act (``received``) that replaces the rejected or failed one."""
        store = self.ctx.store
        old = store.get_act(act_id, siren=siren)
        if old.replaced_by is not None:
            raise Conflict(
                f"act {old.id} was already replaced by act {old.replaced_by}",
                field="act",
                rule="an act is replaced once",
                value=old.id,
                act_id=old.replaced_by,
            )
        if old.state not in (ActState.REJECTED, ActState.FAILED):
            raise Conflict(
                f"act {old.id} is {old.state.value}; only a rejected or failed act is resent",
                field="state",
                rule="resend a rejected or failed act",
                value=old.state.value,
                act_id=old.id,
            )
        unknown = sorted(set(correction.changes) - set(SETTABLE))
        if unknown:
            raise InvalidInput(
                f"{', '.join(unknown)} cannot be changed; one of: {', '.join(SETTABLE)}",
                field=unknown[0],
                rule="a field of the act's metadata",
                value=unknown[0],
            )
        numero, derived = self._number(old, correction.numero)
        new = self._new_act(old, correction, numero, actor)
        act, _ = store.create_act(new, at=self.ctx.clock(), actor=actor)
        return ResendResult(act, store.get_act(old.id), derived)

    def _number(self, old: ActRecord, wanted: str | None) -> tuple[str, bool]:
        store, profile = self.ctx.store, self.ctx.profile
        if wanted is not None:
            NumeroInterne.parse(wanted, profile)
            return wanted, False

        def taken(candidate: str) -> bool:
            return store.act_by_numero(old.siren, candidate) is not None

        return derive_number(old.numero, taken, profile), True

    def _new_act(self, old: ActRecord, correction: Correction, numero: str, actor: str) -> NewAct:
        store = self.ctx.store
        values = {
            "objet": old.objet,
            "nature": old.nature,
            "classification": old.classification,
            "classification_date": old.classification_date.isoformat(),
            "date": old.act_date.isoformat(),
            "numero_printed": old.numero_printed,
            "typologie": old.documents[0].typology or "",
            **correction.changes,
        }
        main, *annexes = old.documents
        document = (
            (correction.document, correction.document.name)
            if correction.document
            else (store.document_path(main.sha256), main.file_name)
        )
        kept: list[tuple[Path, str, str | None]] = (
            [(path, path.name, None) for path in correction.annexes]
            if correction.annexes is not None
            else [(store.document_path(a.sha256), a.file_name, a.typology) for a in annexes]
        )
        typology = values["typologie"] or None
        if typology is not None:
            TypologyCode.parse(typology)
        return NewAct(
            siren=old.siren,
            idempotency_key=f"replaces:{old.id}",
            numero=numero,
            numero_printed=values["numero_printed"],
            act_date=_date(values["date"], "date"),
            nature=_nature(values["nature"]),
            classification=str(Classification.parse(values["classification"])),
            classification_date=_date(values["classification_date"], "classification_date"),
            objet=_objet(values["objet"]),
            documents=((document[0], typology), *((p, t) for p, _, t in kept)),
            file_names=(document[1], *(n for _, n, _ in kept)),
            replaces=old.id,
        )


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"{name} must be a date written YYYY-MM-DD", field=name, rule="YYYY-MM-DD", value=text
        ) from exc


def _nature(text: str) -> str:
    code = text.strip().upper()
    if code not in ActNature.__members__:
        raise InvalidInput(
            f"unknown act nature {text!r}",
            field="nature",
            rule="one of " + ", ".join(ActNature.__members__),
            value=text,
        )
    return code


def _objet(text: str) -> str:
    if not text.strip():
        raise InvalidInput("the objet cannot be empty", field="objet", rule="required")
    return text.strip()

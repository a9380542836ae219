"""Merge what the caller said with what the document says into an act ready to send — or
into the precise list of what a person must settle first.

Precedence, field by field: the caller's metadata, then the document when read with
confidence, then the collectivité's record (SIREN, département) and the classification
suggestion when it is clear. A required field that none of them gives, a document reading
that needs review, a contradiction between metadata and document on the number or the date,
a printed accusé de réception (the act was already transmitted) or a broken consistency rule
is an ``error`` problem: the act stays a draft and nothing is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workflow.collectivite import Collectivite
from workflow.errors import InvalidInput
from workflow.i18n import _
from workflow.identifiers import ActNature, Classification, IDActe
from workflow.intake.checks import Problem, check_counts, check_dates, check_vote
from workflow.intake.classify import Classification as Suggestions
from workflow.intake.classify import suggest
from workflow.intake.dates import fold
from workflow.intake.extract import Extraction
from workflow.intake.metadata import ActMetadata
from workflow.numbering import NumberProfile, normalise_number
from workflow.packaging import clean_objet, objet_limit
from workflow.protocol.messages import RetourClassification

_COUNT_FIELDS = ("members_in_office", "present", "proxies", "voters")


@dataclass(frozen=True, slots=True)
class Proposal:
    values: dict[str, Any]
    sources: dict[str, str]
    problems: tuple[Problem, ...]
    extraction: Extraction | None
    suggestions: Suggestions | None

    @property
    def ready(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    def with_problem(self, problem: Problem) -> Proposal:
        return Proposal(
            self.values, self.sources, (*self.problems, problem), self.extraction, self.suggestions
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "values": {
                k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.values.items()
            },
            "sources": dict(self.sources),
            "problems": [p.as_dict() for p in self.problems],
            "classification": self.suggestions.as_dict() if self.suggestions else None,
            "extraction": self.extraction.as_dict() if self.extraction else None,
        }


def propose(
    metadata: ActMetadata,
    extraction: Extraction | None,
    *,
    collectivites: Sequence[Collectivite],
    nomenclature: RetourClassification,
    profile: NumberProfile,
    today: dt.date,
    document_problems: Sequence[Problem] = (),
) -> Proposal:
    taker = _Taker(extraction, list(document_problems))
    values, sources, problems = taker.values, taker.sources, taker.problems
    # -- the collectivité
    collectivite = _resolve_collectivite(metadata, extraction, collectivites, problems)
    if collectivite is not None:
        values["siren"] = collectivite.siren.value
        values["collectivite"] = collectivite.name
        sources.setdefault("siren", "registry")
    # -- the act
    numero_printed = taker.take("numero_printed", metadata.numero, required=True)
    act_date = taker.take("date", metadata.date, "session_date", required=True)
    nature = taker.take("nature", metadata.nature, required=True)
    objet = taker.take("objet", metadata.objet, required=True)
    convocation = taker.take("convocation_date", metadata.convocation_date)
    for name in _COUNT_FIELDS:
        taker.take(name, getattr(metadata, name))
    taker.take("rapporteur", metadata.rapporteur)
    vote = metadata.vote.model_dump(by_alias=True, exclude_none=True) if metadata.vote else None
    taker.take("vote", vote)
    problems.extend(_printed_ar(metadata, extraction, values))
    problems.extend(_nature(nature, values))
    problems.extend(_numero(numero_printed, profile, values))
    problems.extend(_objet(objet, profile, values))
    suggestions = _classification(metadata, extraction, nomenclature, taker)
    # -- metadata against the document: the right PDF?
    if extraction is not None:
        problems.extend(_contradictions(metadata, extraction, profile))
    # -- consistency
    counts = {name: values.get(name) for name in _COUNT_FIELDS}
    problems.extend(check_counts(**counts))
    problems.extend(check_vote(values.get("vote"), values.get("voters")))
    problems.extend(check_dates(act_date=act_date, convocation_date=convocation, today=today))
    return Proposal(values, sources, tuple(problems), extraction, suggestions)


class _Taker:
    """Each field from the caller's metadata, else the document when read with confidence;
    a required field neither gives is a problem saying why (and the choices, if any)."""

    def __init__(self, extraction: Extraction | None, problems: list[Problem]) -> None:
        self.extraction = extraction
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.problems = problems
        self.review = {r.field: r.reason for r in (extraction.review if extraction else ())}

    def take(
        self, name: str, given: Any, extracted_as: str | None = None, *, required: bool = False
    ) -> Any:
        if given is not None:
            self.values[name], self.sources[name] = given, "metadata"
            return given
        key = extracted_as or name
        extraction = self.extraction
        if extraction is not None and key in extraction.fields:
            if extraction.confident(key) and key not in self.review:
                self.values[name], self.sources[name] = extraction.value(key), "document"
                return self.values[name]
            if required:
                reason = self.review.get(key, "not read confidently")
                self.problems.append(
                    Problem(
                        name,
                        "needs a person's review",
                        f"read from the document as {_show(extraction.value(key))} but {reason}: "
                        "confirm it in the metadata",
                        extraction.value(key),
                    )
                )
            return None
        if required:
            self.problems.append(self._missing(name, key))
        return None

    def _missing(self, name: str, key: str) -> Problem:
        choices = self.extraction.choices(key) if self.extraction is not None else ()
        if choices:
            return Problem(
                name,
                "a person chooses",
                _(
                    "the document cannot settle it ({why}): choose one of {choices}",
                    why=self.review.get(key, ""),
                    choices=", ".join(choices),
                ),
                list(choices),
            )
        return Problem(
            name, "required", f"{name} is not in the metadata and was not found in the document"
        )


def _printed_ar(
    metadata: ActMetadata, extraction: Extraction | None, values: dict[str, Any]
) -> list[Problem]:
    """An act printed with the préfecture's stamp was transmitted before."""
    if metadata.already_transmitted is not None:
        return _acknowledgement(metadata, extraction, values)
    if extraction is None or not extraction.value("printed_ar"):
        return []
    stamp = extraction.value("printed_ar")
    printed = stamp.get("id") or stamp.get("id_as_printed")
    return [
        Problem(
            "printed_ar",
            "an act is never transmitted twice",
            f"the document already carries the préfecture's accusé de réception {printed}: "
            "it was transmitted before; do not send it again (to follow its deadlines, "
            "record it with already_transmitted)",
            printed,
        )
    ]


def _nature(nature: Any, values: dict[str, Any]) -> list[Problem]:
    if nature is None:
        return []
    try:
        ActNature[str(nature).upper()]
    except KeyError:
        return [
            Problem("nature", "one of DE, AR, AI, CC, BF, AU", f"unknown nature {nature!r}", nature)
        ]
    values["nature"] = str(nature).upper()
    return []


def _numero(numero_printed: Any, profile: NumberProfile, values: dict[str, Any]) -> list[Problem]:
    """The printed number, normalised to the platform's profile (each change shown)."""
    if numero_printed is None:
        return []
    try:
        normalised = normalise_number(str(numero_printed), profile)
    except InvalidInput as error:
        return [Problem("numero", error.rule or "NumeroInterne", error.message, numero_printed)]
    values["numero"] = normalised.numero.value
    if not normalised.changed:
        return []
    return [
        Problem(
            "numero",
            f"NumeroInterne ({profile.value} profile)",
            f"number {numero_printed!r} will be sent as {normalised.numero.value!r} "
            f"({'; '.join(normalised.changes)})",
            numero_printed,
            "warning",
        )
    ]


def _objet(objet: Any, profile: NumberProfile, values: dict[str, Any]) -> list[Problem]:
    if objet is None:
        return []
    try:
        cleaned, changes = clean_objet(
            " ".join(str(objet).split()), max_length=objet_limit(profile)
        )
    except InvalidInput as error:
        return [Problem("objet", error.rule or "objet", error.message, objet)]
    values["objet"] = cleaned
    if not changes:
        return []
    return [
        Problem("objet", "ISO-8859-1", "transliterated: " + ", ".join(changes), objet, "warning")
    ]


def _classification(
    metadata: ActMetadata,
    extraction: Extraction | None,
    nomenclature: RetourClassification,
    taker: _Taker,
) -> Suggestions | None:
    """The caller's classification, else a clear suggestion from the objet, else a question."""
    values, sources, problems = taker.values, taker.sources, taker.problems
    suggestions: Suggestions | None = None
    if metadata.classification is not None:
        values["classification"], sources["classification"] = metadata.classification, "metadata"
    elif values.get("objet"):
        theme = extraction.value("theme") if extraction else None
        suggestions = suggest(values["objet"], nomenclature, *([theme] if theme else []))
        if suggestions.chosen is not None:
            values["classification"] = suggestions.chosen.code
            sources["classification"] = "suggestion"
        else:
            top = ", ".join(f"{s.code} {s.label}" for s in suggestions.top3) or "none"
            problems.append(
                Problem(
                    "classification",
                    "a person picks when the suggestion is unsure",
                    f"no clear classification from the objet; candidates: {top}",
                )
            )
    else:
        problems.append(
            Problem(
                "classification",
                "required",
                "classification not given and no objet to suggest one from",
            )
        )
    if "classification" in values:
        try:
            Classification.parse(str(values["classification"]))
        except InvalidInput as error:
            problems.append(
                Problem(
                    "classification",
                    error.rule or "classification",
                    error.message,
                    values["classification"],
                )
            )
    values["classification_date"] = metadata.classification_date or nomenclature.date_classification
    sources["classification_date"] = "metadata" if metadata.classification_date else "nomenclature"
    return suggestions


def _acknowledgement(
    metadata: ActMetadata, extraction: Extraction | None, values: dict[str, Any]
) -> list[Problem]:
    """The AR of an act transmitted before: from the metadata, else the printed stamp."""
    given = metadata.already_transmitted
    assert given is not None  # noqa: S101 - the caller checked
    stamp = (extraction.value("printed_ar") if extraction else None) or {}
    raw = given.id_acte or stamp.get("id")
    if raw is None:
        why = f" (the printed one is malformed: {stamp['why']})" if stamp.get("why") else ""
        return [
            Problem(
                "already_transmitted.id_acte",
                "the accusé de réception's IDActe",
                f"no valid IDActe in the metadata or on the document{why}: give it",
                stamp.get("id_as_printed"),
            )
        ]
    try:
        id_acte = IDActe.parse(raw, field="already_transmitted.id_acte")
    except InvalidInput as error:
        return [Problem("already_transmitted.id_acte", error.rule or "IDActe", error.message, raw)]
    problems: list[Problem] = []
    if values.get("siren") and id_acte.siren.value != values["siren"]:
        problems.append(
            Problem(
                "already_transmitted.id_acte",
                "the IDActe names the act's collectivité",
                f"the IDActe {id_acte} is for SIREN {id_acte.siren}, not {values['siren']}",
                raw,
            )
        )
    reception = given.reception or stamp.get("reception")
    if reception is None:
        problems.append(
            Problem(
                "already_transmitted.reception",
                "the date of reception",
                "the date the préfecture received the act is not in the metadata nor on the document: give it",
            )
        )
    values["id_acte"] = str(id_acte)
    values["date_reception"] = reception
    return problems


def _show(value: Any) -> str:
    return repr(value.isoformat() if isinstance(value, dt.date) else value)


def _resolve_collectivite(
    metadata: ActMetadata,
    extraction: Extraction | None,
    collectivites: Sequence[Collectivite],
    problems: list[Problem],
) -> Collectivite | None:
    by_siren = {c.siren.value: c for c in collectivites}
    if metadata.siren is not None:
        found = by_siren.get(metadata.siren)
        if found is None:
            problems.append(
                Problem(
                    "siren",
                    "a collectivité registered for this caller",
                    f"unknown collectivité {metadata.siren}",
                    metadata.siren,
                )
            )
        return found
    printed_siren = extraction.value("siren") if extraction else None
    if printed_siren in by_siren:
        return by_siren[printed_siren]
    name = extraction.value("collectivite") if extraction else None
    if name:
        place = fold(name).split(" de ", 1)[-1].split(" d'", 1)[-1].strip()
        matches = [c for c in collectivites if _place_matches(place, c.name)]
        if len(matches) == 1:
            return matches[0]
        if len(collectivites) == 1 and not matches:
            problems.append(
                Problem(
                    "siren",
                    "the document names its collectivité",
                    f"the document names {name!r}, not {collectivites[0].name!r}",
                    name,
                )
            )
            return None
    if len(collectivites) == 1:
        return collectivites[0]
    problems.append(
        Problem(
            "siren",
            "a collectivité registered for this caller",
            f"unknown collectivité{f' {name!r}' if name else ''}: give its SIREN in the metadata",
            name,
        )
    )
    return None


def _place_matches(place: str, registered: str) -> bool:
    words = [w for w in place.replace("-", " ").split() if w]
    target = " " + fold(registered).replace("-", " ") + " "
    return bool(words) and all(f" {w} " in target for w in words)


def _contradictions(
    metadata: ActMetadata, extraction: Extraction, profile: NumberProfile
) -> list[Problem]:
    problems: list[Problem] = []
    printed = extraction.value("numero_printed")
    if metadata.numero and printed and extraction.confident("numero_printed"):
        try:
            same = (
                normalise_number(metadata.numero, profile).numero
                == normalise_number(str(printed), profile).numero
            )
        except InvalidInput:
            same = metadata.numero == printed
        if not same:
            problems.append(
                Problem(
                    "numero",
                    "the document matches the metadata",
                    f"the metadata says number {metadata.numero!r}, the document {printed!r}: is this the right document?",
                    printed,
                )
            )
    session = extraction.value("session_date")
    if (
        metadata.date
        and session
        and extraction.confident("session_date")
        and session != metadata.date
    ):
        problems.append(
            Problem(
                "date",
                "the document matches the metadata",
                f"the metadata says {metadata.date}, the document's session is {session}",
                session,
                "warning",
            )
        )
    return problems

"""Read an act's metadata from its text: each field with where it was found and a confidence.

The extractor does not know any particular town's layout. It looks for what every French
act prints in one form or another — labels (``Rapporteur :``, ``Nombre de votants``,
``Date de convocation``, ``Objet``), headings (``DÉLIBÉRATION N°…``, ``Séance du …``), the
registry formula (``L'an deux mille…, le …``), the vote formula (``à l'unanimité``, ``par
25 voix pour, 3 contre``) and the préfecture's stamp in its many layouts — each reader in
its own module (:mod:`read_places`, :mod:`read_number`, :mod:`read_dates`,
:mod:`read_counts`, :mod:`stamps`), scoring what it finds (:mod:`reading`).

Two sources that agree raise the confidence; two that disagree lower it and the field goes
to review; a value that breaks a consistency rule is never confident (:mod:`consistency`).
Nothing is repaired unless the repair is certain: a malformed printed identifier is
reported as such, a likely reading only offered for review. A field the document cannot
settle (an arrêté: réglementaire or individuel?) is a question with its choices.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from workflow.intake.consistency import cross_check, looked_for
from workflow.intake.dates import fold
from workflow.intake.read_counts import read_counts, read_rapporteur, read_vote
from workflow.intake.read_dates import read_dates
from workflow.intake.read_number import NATURE_QUESTION, read_number_and_nature, read_objet
from workflow.intake.read_places import read_collectivite, read_departement
from workflow.intake.reading import (
    HEADING,
    INFERRED,
    LABELLED,
    REVIEW_BELOW,
    Candidates,
    Found,
    Reader,
    Review,
    jsonable,
)
from workflow.intake.stamps import read_stamp
from workflow.intake.text import TextDocument

__all__ = ["HEADING", "INFERRED", "LABELLED", "REVIEW_BELOW", "Extraction", "Found", "Review",
           "extract", "iter_review"]  # fmt: skip

#: the fields a deliberation must yield for the act to be sent without a person
REQUIRED = ("collectivite", "session_date", "numero_printed", "nature", "objet")

#: in this order: on a tie, the earlier reading wins
_READERS: tuple[Reader, ...] = (
    read_collectivite,
    read_departement,
    read_number_and_nature,
    read_objet,
    read_dates,
    read_rapporteur,
    read_counts,
    read_vote,
    read_stamp,
)

_FIELD_ORDER = (
    "collectivite", "departement", "siren", "nature", "numero_printed", "objet", "theme",
    "session_date", "convocation_date", "publication_date", "rapporteur", "members_in_office",
    "present", "absent", "proxies", "voters", "vote", "id_acte", "transmission_date",
    "reception_date", "printed_ar",
)  # fmt: skip
#: working readings that help decide other fields, not fields of the act
_INTERNAL = ("id_date", "signed_date", NATURE_QUESTION)


@dataclass(frozen=True, slots=True)
class Extraction:
    fields: dict[str, Found]
    review: tuple[Review, ...]
    pages: int
    lines: int

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None

    def confident(self, name: str) -> bool:
        found = self.fields.get(name)
        return found is not None and found.confidence >= REVIEW_BELOW

    def values(self) -> dict[str, Any]:
        return {name: jsonable(found.value) for name, found in self.fields.items()}

    def choices(self, name: str) -> tuple[str, ...]:
        """The choices offered for a field the document cannot settle (empty if none)."""
        return next((r.choices for r in self.review if r.field == name and r.choices), ())

    def as_dict(self) -> dict[str, Any]:
        return {
            "fields": {name: found.as_dict() for name, found in self.fields.items()},
            "needs_review": [r.as_dict() for r in self.review],
            "pages": self.pages,
            "lines": self.lines,
        }


def extract(document: TextDocument | str) -> Extraction:
    """Read every field the text gives; list what a person must check."""
    if isinstance(document, str):
        document = TextDocument.from_text(document)
    lines = list(document.lines)
    folded = [fold(line.text) for line in lines]
    candidates: dict[str, Candidates] = {}

    def cand(name: str) -> Candidates:
        return candidates.setdefault(name, Candidates(name))

    body_start = _body_start(folded)
    for reader in _READERS:
        reader(lines, folded, body_start, cand)
    _identifier_first(candidates.get("nature"))

    fields: dict[str, Found] = {}
    review: list[Review] = []
    for name, group in candidates.items():
        best, conflict = group.best()
        if best is None:
            continue
        fields[name] = best
        if conflict:
            review.append(Review(name, conflict))
        elif best.confidence < REVIEW_BELOW and name not in _INTERNAL:
            review.append(Review(name, f"read with low confidence ({best.how})"))
    _settle_nature(fields, review, candidates.get(NATURE_QUESTION))
    _act_date(fields, review)
    cross_check(fields, review)
    _stamp_dates_as_settled(fields)
    looked_for(fields, review)
    for name in _INTERNAL:
        fields.pop(name, None)
    order = {name: i for i, name in enumerate(_FIELD_ORDER)}
    ordered = dict(sorted(fields.items(), key=lambda item: order.get(item[0], 99)))
    return Extraction(ordered, tuple(review), document.pages, len(lines))


def _identifier_first(nature: Candidates | None) -> None:
    """A nature printed in a well-formed identifier is the act's: the words do not compete."""
    if nature is None:
        return
    printed = [f for f in nature.items if "IDActe" in f.how and f.confidence >= REVIEW_BELOW]
    if printed:
        nature.items[:] = printed


def _settle_nature(
    fields: dict[str, Found], review: list[Review], question: Candidates | None
) -> None:
    """The identifier's nature wins; else words that leave a choice make it a question."""
    nature = fields.get("nature")
    from_id = nature is not None and "IDActe" in nature.how
    if from_id or question is None or not question.items:
        return
    asked = question.items[0]
    fields.pop("nature", None)
    review[:] = [r for r in review if r.field != "nature"]
    review.append(Review("nature", f"{asked.how}: the document does not say which",
                         tuple(asked.value)))  # fmt: skip


def _stamp_dates_as_settled(fields: dict[str, Found]) -> None:
    """The printed AR carries the stamp's dates only as settled: read with confidence."""
    stamp = fields.get("printed_ar")
    if stamp is None or not isinstance(stamp.value, dict):
        return
    value = {
        k: v
        for k, v in stamp.value.items()
        if k not in ("transmission", "reception", "publication")
    }
    for key in ("transmission", "reception", "publication"):
        found = fields.get(f"{key}_date")
        if found is not None and found.confidence >= REVIEW_BELOW:
            value[key] = found.value
    fields["printed_ar"] = Found(value, stamp.confidence, stamp.where, stamp.how)


def _act_date(fields: dict[str, Found], review: list[Review]) -> None:
    """An arrêté has no session: its date is the date it was signed (« Fait à …, le … »)."""
    signed = fields.get("signed_date")
    if signed is None or "session_date" in fields:
        return
    fields["session_date"] = signed
    if signed.confidence < REVIEW_BELOW:
        review.append(Review("session_date", f"read with low confidence ({signed.how})"))


def _body_start(folded: list[str]) -> int:
    """Index of the first line of the decision's body (the header is everything before)."""

    for i, text in enumerate(folded):
        if re.match(r"^\W*(vu |considerant|par deliberation|le conseil municipal,|l'etat |"
                    r"entendu)", text):  # fmt: skip
            return i
    return len(folded)


def iter_review(extraction: Extraction) -> Iterator[str]:
    for item in extraction.review:
        yield f"{item.field}: {item.reason}"

"""The readers' shared vocabulary: how sure a reading is, where it was found, and the
helpers every reader uses on lines of text (blocks under a label, continued lines, names).

* ``LABELLED`` (0.95): the value stands next to an explicit label;
* ``HEADING`` (0.85): read from a heading or a fixed formula;
* ``INFERRED`` (0.6): deduced (a count of listed names, the block under a heading, a
  malformed stamp); below :data:`REVIEW_BELOW` a person must confirm the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from workflow.intake.dates import FoundDate, find_dates, first_date_after, fold
from workflow.intake.text import Line

LABELLED = 0.95
HEADING = 0.85
INFERRED = 0.6
#: a field found with less confidence than this needs a person's eye
REVIEW_BELOW = 0.7


@dataclass(frozen=True, slots=True)
class Where:
    page: int
    line: int
    text: str

    def as_dict(self) -> dict[str, Any]:
        excerpt = self.text if len(self.text) <= 160 else self.text[:159] + "…"
        return {"page": self.page, "line": self.line, "text": excerpt}


@dataclass(frozen=True, slots=True)
class Found:
    """One field's value, the line it came from, how it was read and how sure we are."""

    value: Any
    confidence: float
    where: Where | None
    how: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": jsonable(self.value),
            "confidence": round(self.confidence, 2),
            "found": self.where.as_dict() if self.where else None,
            "how": self.how,
        }


@dataclass(frozen=True, slots=True)
class Review:
    """A field a person must look at: why, and the choices when the document cannot say."""

    field: str
    reason: str
    choices: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "reason": self.reason}
        if self.choices:
            data["choices"] = list(self.choices)
        return data


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- helpers


@dataclass
class Candidates:
    """Every reading of one field; the best wins, agreement and disagreement adjust it."""

    name: str
    items: list[Found] = field(default_factory=list)

    def add(self, value: Any, confidence: float, line: Line | None, how: str) -> None:
        """A reading; one from a line read by OCR is only as sure as the OCR was of it."""
        where = Where(line.page, line.number, line.text) if line else None
        if line is not None and line.ocr is not None:
            confidence *= line.ocr
            how = f"{how} (OCR {line.ocr:.0%})"
        self.items.append(Found(value, confidence, where, how))

    def best(self) -> tuple[Found | None, str | None]:
        if not self.items:
            return None, None
        ranked = sorted(self.items, key=lambda f: -f.confidence)
        top = ranked[0]
        agreeing = [f for f in ranked[1:] if f.value == top.value]
        strong_rivals = [
            f for f in ranked[1:] if f.value != top.value and f.confidence >= top.confidence - 0.1
        ]
        if strong_rivals:
            rival = strong_rivals[0]
            return (
                Found(top.value, min(top.confidence, INFERRED), top.where, top.how),
                f"two readings disagree: {show(top.value)} ({top.how}) and "
                f"{show(rival.value)} ({rival.how}, line {rival.where.line if rival.where else '?'})",
            )
        if agreeing:
            return Found(top.value, min(0.99, top.confidence + 0.05), top.where, top.how), None
        return top, None


def show(value: Any) -> str:
    return repr(jsonable(value))


_CIVILITY = re.compile(
    r"^(?:(?:madame|monsieur|mme|mlle|mr|m\.|m|mesdames|messieurs|le|la|maire|adjointe?|"
    r"conseill[eè]re?s?(?: municipale?s?)?|d[ée]l[ée]gu[ée]e?s?)\b\.?\s*)+",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-ZÀ-Ýa-zß-ÿ][\w'’-]*(?:\s+[A-ZÀ-Ýa-zß-ÿ][\w'’-]*){1,4}$")


def person(text: str) -> str | None:
    name = _CIVILITY.sub("", text.strip(" :.,;-–")).strip(" :.,;-–")
    name = re.split(r"\s*[,(;]\s*", name)[0]
    return name if _NAME.match(name) and any(c.isupper() for c in name) else None


def blocks_after(lines: list[Line], index: int, *, limit: int = 8) -> list[Line]:
    """The non-empty lines of the first block after ``index`` (blank lines before it skipped)."""
    i = index + 1
    while i < len(lines) and not lines[i].text:
        i += 1
    block: list[Line] = []
    while i < len(lines) and lines[i].text and len(block) < limit:
        block.append(lines[i])
        i += 1
    return block


def continuation(lines: list[Line], index: int, first: str, *, limit: int = 6) -> str:
    """``first`` and the lines that continue it (until a blank line or a label)."""
    parts = [first]
    i = index + 1
    while i < len(lines) and lines[i].text and len(parts) < limit:
        text = lines[i].text
        if LABEL_LINE.match(fold(text)):
            break
        parts.append(text)
        i += 1
    return join(parts)


def join(parts: Iterable[str]) -> str:
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        out = out + part if (not out or out.endswith("-")) else out + " " + part
    return " ".join(out.split()).strip(" .;")


LABEL_LINE = re.compile(
    r"^\W*(rapporteur|nombre|secretaire|etaient|presents?|absents?|excuses?|pouvoirs?|"
    r"procurations?|votants?|date|vu|considerant|le conseil|entendu|commission|reference|"
    r"seance|objet)\b"
)


Cand = Callable[[str], Candidates]
#: a reader gets the lines, their folded text, where the body starts, and the candidates
Reader = Callable[[list[Line], list[str], int, Cand], None]


#: the start of another label: a value cannot be read across it
LABEL_AHEAD = re.compile(
    r"^(?:envoye|envoi|recue?|reception|publiee?|affichee?|date d|id\s*:|identifiant|accuse|"
    r"transmis|depot|teletransmission|seance|convoc)"
)
_LEAD = re.compile(
    r"^[\s:.,;=|\-–—]*(?:(?:le|du|en date du)\s+)?"
    r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
)


def date_at(text: str, position: int = 0) -> FoundDate | None:
    """The date that starts at ``position`` (after separators, ``le``, a weekday), if any."""
    start = position + (_LEAD.match(fold(text[position:])) or _LEAD.match("")).end()  # type: ignore[union-attr]
    return next((f for f in find_dates(text) if f.start == start), None)


def value_line(lines: list[Line], folded: list[str], i: int, end: int) -> int | None:
    """The next line to read a label's value from, when the label at ``end`` stands alone.

    A label stands alone when nothing follows it on its line, or only another label (the
    columns of a stamp laid side by side); its value is then at the start of the next
    non-empty line (within two lines).
    """
    rest = folded[i][end:].strip(" :.-–|")
    if rest and not LABEL_AHEAD.match(rest):
        return None
    for j in range(i + 1, min(i + 3, len(lines))):
        if lines[j].text:
            return j
    return None


def date_after(
    lines: list[Line], folded: list[str], i: int, keyword: re.Match[str], *, strict: bool = False
) -> FoundDate | None:
    """The date a label gives: right after it, or alone at the start of the next line.

    A label left blank never takes a date printed further on its line, nor a next line
    that does not start with a date. Unless ``strict``, a date further on the same line
    (``Séance du conseil municipal du 13 octobre``) is taken when no other label stands
    between.
    """
    found = date_at(lines[i].text, keyword.end())
    if found is not None:
        return found
    j = value_line(lines, folded, i, keyword.end())
    if j is not None:
        return date_at(lines[j].text)
    if strict:
        return None
    later = first_date_after(lines[i].text, keyword.end())
    if later is None:
        return None
    between = folded[i][keyword.end() : later.start]
    if re.search(r"(?<![\w])(?:envoi|envoye|recue?|reception|publiee?|affichee?|convoqu)", between):
        return None  # the date belongs to the other label
    return later

"""French dates in prose, as deliberations print them.

Handles ``9 mars 2015``, ``1er mars 2015``, ``jeudi 13 OCTOBRE 2022``, ``29 OCT. 2021``,
``13/10/2022``, ``13.10.22``, ``2022-10-13``, days and years in words (``le sept octobre
2022``, ``le 19 octobre deux mille vingt et un``) and the registry formula ``L'an deux mille
vingt-deux, le treize octobre``. Text is matched folded (lower case, no accents) with one
character per original character, so spans point into the original line.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from workflow.identifiers import ascii_digits


def fold(text: str) -> str:
    """Lower case without accents, the same length as ``text`` (one character for one)."""
    out = []
    for ch in text:
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        low = base.lower()
        out.append(low if len(low) == 1 else ch.lower()[:1] or ch)
    return "".join(out).replace("’", "'")


MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip

_WORD_VALUES = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "premier": 1,
}  # fmt: skip

_NUMBER_WORD = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_WORDS = rf"(?:(?:{_NUMBER_WORD})(?:(?:[- ]et)?[- ](?:{_NUMBER_WORD}))*)"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = rf"(?P<day>\d{{1,2}}(?:er)?|{_WORDS})"
_YEAR = rf"(?P<year>\d{{4}}|deux[- ]mille(?:(?:[- ]et)?[- ](?:{_NUMBER_WORD}))*)"

_PROSE = re.compile(
    rf"(?<![\w]){_DAY}\s+(?:du\s+mois\s+d['e]\s*)?(?P<month>{_MONTH})\.?,?\s+{_YEAR}(?![\w])"
)
_NUMERIC = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4}|\d{2})(?!\d)"
)
_ISO = re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)")
_REGISTRY = re.compile(
    rf"l'an\s+{_YEAR},?\s+le\s+{_DAY}\s+(?:du\s+mois\s+d['e]\s*)?(?P<month>{_MONTH})(?![\w])"
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    value: dt.date
    start: int
    end: int
    how: str


def words_to_number(text: str) -> int | None:
    """``vingt-sept`` → 27, ``deux mille vingt et un`` → 2021, ``1er`` → 1; ``None`` if not a number."""
    text = text.strip()
    if text.endswith("er") and ascii_digits(text[:-2]):
        text = text[:-2]
    if ascii_digits(text):
        return int(text) if len(text) <= 9 else None
    total = current = 0
    seen = False
    for word in re.split(r"[- ]+", text):
        if word in ("", "et"):
            continue
        if word == "mille":
            total += max(current, 1) * 1000
            current = 0
        elif word in ("vingt", "vingts") and current == 4:
            current = 80
        elif word == "cent":
            current = max(current, 1) * 100
        elif word in _WORD_VALUES:
            current += _WORD_VALUES[word]
        else:
            return None
        seen = True
    return total + current if seen else None


def _make(year: int, month: int, day: int) -> dt.date | None:
    if year < 100:
        year += 2000
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(line: str) -> list[FoundDate]:
    """Every date in one line of text, in order of appearance."""
    folded = fold(line)
    found: list[FoundDate] = []
    for pattern, how in ((_REGISTRY, "registry formula"), (_PROSE, "date in words"),
                         (_ISO, "ISO date"), (_NUMERIC, "numeric date")):  # fmt: skip
        for match in pattern.finditer(folded):
            if any(f.start <= match.start() < f.end for f in found):
                continue
            month_text = match.group("month")
            month = int(month_text) if ascii_digits(month_text) else MONTHS[month_text]
            day = words_to_number(match.group("day"))
            year = words_to_number(match.group("year"))
            if day is None or year is None:
                continue
            value = _make(year, month, day)
            if value is not None:
                found.append(FoundDate(value, match.start(), match.end(), how))
    return sorted(found, key=lambda f: f.start)


def first_date_after(line: str, position: int) -> FoundDate | None:
    return next((f for f in find_dates(line) if f.start >= position), None)

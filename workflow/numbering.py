"""The collectivité's own number for an act (NumeroInterne): the platform profiles' rules and
the normaliser that turns a printed number into a valid one, reporting each change
(PROTOCOL.md §2.1, §6.6)."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field

from workflow.errors import InvalidIdentifier


class NumberProfile(enum.Enum):
    """How strict a NumeroInterne must be.

    ``s2low``: S²LOW's rule ``^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$`` (PROTOCOL.md §2.1).
    ``ministry``: the XSD's only rule, at most 15 characters; letters, digits, ``_`` and ``-``
    (real accusés de réception carry hyphens, PROTOCOL.md "Observed in practice").
    """

    S2LOW = "s2low"
    MINISTRY = "ministry"


_NUMBER_RULES = {
    NumberProfile.S2LOW: re.compile(r"^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$"),
    NumberProfile.MINISTRY: re.compile(r"^[A-Za-z0-9_\-]{1,15}$"),
}
_NUMBER_RULE_TEXT = {
    NumberProfile.S2LOW: "1–15 of A–Z, 0–9, _ with no _ at either end (S²LOW)",
    NumberProfile.MINISTRY: "1–15 of letters, digits, _ and - (ministry XSD)",
}


@dataclass(frozen=True, slots=True)
class NumeroInterne:
    """The collectivité's own number for an act, valid under a :class:`NumberProfile`."""

    value: str

    @classmethod
    def parse(
        cls,
        raw: str,
        profile: NumberProfile = NumberProfile.S2LOW,
        *,
        field: str = "numero",
    ) -> NumeroInterne:
        text = str(raw)
        if not _NUMBER_RULES[profile].match(text):
            hint = f"; `actes` can normalise it to {_try_normalise(text, profile)!r}"
            raise InvalidIdentifier(
                f"number {raw!r} is not valid for the {profile.value} profile"
                + (hint if _try_normalise(text, profile) else ""),
                field=field,
                rule=_NUMBER_RULE_TEXT[profile],
                value=raw,
            )
        return cls(text)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class NormalisedNumber:
    """The outcome of :func:`normalise_number`: the valid number and what was changed."""

    original: str
    numero: NumeroInterne
    profile: NumberProfile
    changes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _transliterate(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_number(raw: str, profile: NumberProfile = NumberProfile.S2LOW) -> NormalisedNumber:
    """Turn a printed act number into a valid NumeroInterne, reporting each change.

    The rule, applied in this order (a number already valid is returned unchanged):

    1. surrounding white space is removed, accents are dropped (``é`` → ``e``);
    2. ``s2low`` only: letters are upper-cased;
    3. every run of other characters (``.``, ``/``, space, and ``-`` under ``s2low``) becomes
       one separator: ``_`` under ``s2low``, ``-`` under ``ministry``; separators at either end
       are dropped: ``15.09.03.35`` → ``15_09_03_35``, ``48/2023`` → ``48_2023``;
    4. if the result is longer than 15 characters, the separators are removed; if it is still
       too long, the number is refused (truncating could make two acts share a number).

    Raises :class:`InvalidIdentifier` when nothing valid can be made (empty, or too long).
    """
    original = str(raw)
    if _NUMBER_RULES[profile].match(original):
        return NormalisedNumber(original, NumeroInterne(original), profile)
    changes: list[str] = []
    text = original.strip()
    if text != original:
        changes.append("removed surrounding spaces")
    ascii_text = _transliterate(text)
    if ascii_text != text:
        changes.append("removed accents")
        text = ascii_text
    if profile is NumberProfile.S2LOW and text != text.upper():
        changes.append("upper-cased letters")
        text = text.upper()
    separator = "_" if profile is NumberProfile.S2LOW else "-"
    keep = re.compile(r"[A-Z0-9_]" if profile is NumberProfile.S2LOW else r"[A-Za-z0-9_\-]")
    pieces: list[str] = []
    replaced: set[str] = set()
    for char in text:
        if keep.match(char):
            pieces.append(char)
        else:
            replaced.add(char)
            if not pieces or pieces[-1] != separator:
                pieces.append(separator)
    text = "".join(pieces).strip("_" if profile is NumberProfile.S2LOW else "_-")
    if replaced:
        shown = ", ".join(repr(c) for c in sorted(replaced))
        changes.append(f"replaced {shown} by {separator!r}")
    if len(text) > 15:
        squeezed = text.replace("_", "").replace("-", "")
        if len(squeezed) <= 15:
            changes.append("removed separators to fit 15 characters")
            text = squeezed
    if not text or not _NUMBER_RULES[profile].match(text):
        raise InvalidIdentifier(
            f"number {original!r} cannot be made valid for the {profile.value} profile "
            f"(best attempt {text!r}); choose a number of at most 15 characters",
            field="numero",
            rule=_NUMBER_RULE_TEXT[profile],
            value=original,
        )
    return NormalisedNumber(original, NumeroInterne(text), profile, tuple(changes))


def _try_normalise(raw: str, profile: NumberProfile) -> str | None:
    try:
        return normalise_number(raw, profile).numero.value
    except InvalidIdentifier:
        return None

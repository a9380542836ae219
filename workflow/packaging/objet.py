"""The act's objet: one line of ISO-8859-1 within the profile's length (PROTOCOL.md §2.2)."""

from __future__ import annotations

import re
import unicodedata

from workflow.errors import InvalidInput
from workflow.numbering import NumberProfile

# Characters outside ISO-8859-1 that French office software commonly produces, and their
# Latin-1 rendering. Anything else outside Latin-1 is refused with its position.
TRANSLITERATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2012": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u20ac": "EUR",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2022": "-",
    "\u2122": "TM",
    "\u0178": "Y",
}


#: printable ISO-8859-1 (no C0 or C1 control, no DEL): such an objet is kept as it is
_PRINTABLE_LATIN1 = re.compile("[\x20-\x7e\xa0-\xff]*")


def clean_objet(raw: str, *, max_length: int) -> tuple[str, tuple[str, ...]]:
    """Validate the objet and make it Latin-1, reporting each transliteration.

    Rules: not empty, no line break (Pastell; the platform shows it on one line), no other
    control character and no lone surrogate (XML 1.0 cannot carry them), at most
    ``max_length`` characters after transliteration, only ISO-8859-1 characters.
    """
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        raise InvalidInput("objet is empty", field="objet", rule="not empty", value=raw)
    if "\n" in text or "\r" in text:
        line = text.replace("\r", "").split("\n")[0]
        raise InvalidInput(
            "objet must be on one line (it holds a line break after "
            f"{line[-30:]!r}); join the lines before sending",
            field="objet",
            rule="no line break",
            value=raw,
        )
    changes: list[str] = []
    if _PRINTABLE_LATIN1.fullmatch(text):  # most objets: nothing to check one by one
        cleaned = text
    else:
        cleaned, changes = _transliterate(text, raw)
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"objet has {len(cleaned)} characters; at most {max_length} are allowed",
            field="objet",
            rule=f"at most {max_length} characters",
            value=raw,
        )
    return cleaned, tuple(f"transliterated {c}" for c in changes)


def _transliterate(text: str, raw: str) -> tuple[str, list[str]]:
    """``text`` in ISO-8859-1, character by character, and the changes made."""
    changes: list[str] = []
    out: list[str] = []
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise InvalidInput(
                f"objet holds a control character or a lone surrogate (U+{ord(char):04X}, "
                f"position {position}): XML cannot carry it; remove it",
                field="objet",
                rule="printable characters",
                value=raw,
            )
        if ord(char) < 256:
            out.append(char)
            continue
        replacement = TRANSLITERATION.get(char)
        if replacement is None:
            raise InvalidInput(
                f"objet character {char!r} (U+{ord(char):04X}, position {position}) is not in "
                "ISO-8859-1, the platform's encoding; replace it",
                field="objet",
                rule="ISO-8859-1 characters",
                value=raw,
            )
        out.append(replacement)
        change = f"{char!r} → {replacement!r}"
        if change not in changes:
            changes.append(change)
    return "".join(out), changes


def objet_limit(profile: NumberProfile) -> int:
    """S²LOW stores the subject in 499 characters; the XSD allows 500 (PROTOCOL.md §2.2)."""
    return 499 if profile is NumberProfile.S2LOW else 500

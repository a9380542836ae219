"""Who is speaking: the collectivité's name, its département and its SIREN, as the text prints them."""

from __future__ import annotations

import re

from workflow.errors import InvalidIdentifier
from workflow.identifiers import Siren
from workflow.intake.dates import fold
from workflow.intake.places import departement_by_name, departement_from_postcode
from workflow.intake.reading import HEADING, INFERRED, LABELLED, Cand, blocks_after
from workflow.intake.text import Line

_KINDS = {
    "ville": "Ville",
    "commune": "Commune",
    "mairie": "Ville",
    "communaute de communes": "Communauté de communes",
    "communaute d'agglomeration": "Communauté d'agglomération",
    "communaute urbaine": "Communauté urbaine",
    "metropole": "Métropole",
    "syndicat intercommunal": "Syndicat intercommunal",
    "syndicat mixte": "Syndicat mixte",
}
_KIND_RE = re.compile(
    r"(?<![\w])("
    + "|".join(sorted(_KINDS, key=len, reverse=True))
    + r")\s+(de la |de l'|du |des |de |d')"
)
_PARTICLES = {
    "sur",
    "sous",
    "en",
    "les",
    "lès",
    "la",
    "le",
    "de",
    "du",
    "des",
    "d'",
    "l'",
    "et",
    "aux",
}


def _place_name(original: str, start: int) -> str | None:
    """The capitalised place name that starts at ``start`` (``Saint-Ambroix``, ``Dole``)."""
    # a name ends at punctuation other than a hyphen or an apostrophe
    segment = re.split(r"[^\w'’ -]", original[start : start + 80])[0]
    tokens = re.findall(r"[\w'’-]+", segment)
    words: list[str] = []
    for token in tokens:
        if token[0].isupper():
            words.append(token)
        elif token.lower() in _PARTICLES and words:
            words.append(token.lower())
        else:
            break
    while words and words[-1].lower() in _PARTICLES:
        words.pop()
    if not words or (len(words) == 1 and words[0].isupper() and len(words[0]) <= 3):
        return None  # nothing, or an acronym ("la commune de l'ENT")
    name = " ".join(words)
    if name.isupper():
        name = "-".join(
            " ".join(p if p.lower() in _PARTICLES else p.capitalize() for p in part.split(" "))
            for part in name.lower().split("-")
        )
        name = re.sub(
            r"(?<=-)(sur|sous|en|les|la|le|de|du|des|et|aux)(?=-)", lambda m: m.group(1), name
        )
    return name


def read_collectivite(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    tally: dict[str, list[tuple[str, Line, int]]] = {}
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        # a name may run onto the next line ("…ECOLE/COMMUNE DE" / "SAINT-AMBROIX")
        following = lines[i + 1].text if i + 1 < len(lines) else ""
        for match in _KIND_RE.finditer(f"{text} {fold(following)}"):
            if match.start() >= len(text):
                continue
            kind = match.group(1)
            name = _place_name(line.text, match.end()) if match.end() < len(text) else None
            if name is None and match.end() >= len(text):
                name = _place_name(f"{line.text} {following}", match.end())
            if name is None:
                continue
            label = _KINDS[kind]
            article = match.group(2)
            full = f"{label} {article}{name}"
            tally.setdefault(fold(name), []).append((full, line, i))
    if not tally:
        return

    def weight(hits: list[tuple[str, Line, int]]) -> float:
        return sum(2.0 if i < 12 else 1.0 for _, _, i in hits)

    ranked = sorted(tally.values(), key=weight, reverse=True)
    hits = ranked[0]
    score = weight(hits)
    runner_up = weight(ranked[1]) if len(ranked) > 1 else 0.0
    confidence = (
        LABELLED
        if score >= 3 and score >= 2 * runner_up
        else (HEADING if score >= 2 and score > runner_up else INFERRED)
    )
    full, line, _ = hits[0]
    cand("collectivite").add(full, confidence, line, f"named {len(hits)} time(s) in the text")


def read_departement(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for line, text in zip(lines, folded, strict=True):
        match = re.search(r"(?<![\w])departement\s+(?:du |de la |de l'|des |de |d')(.+)$", text)
        if match:
            original = line.text[match.start(1) :]
            for size in (4, 3, 2, 1):
                words = re.findall(r"[\w'’-]+", original)[:size]
                code = departement_by_name(" ".join(words)) if words else None
                if code:
                    cand("departement").add(code, HEADING, line, "département named in the heading")
                    break
        if re.match(r"^\W*departement\W*$", text):
            # "DEPARTEMENT" on its own line, the name on the next one
            index = line.number - 1
            nxt = blocks_after(lines, index, limit=1)
            if nxt:
                code = departement_by_name(
                    re.sub(r"^(du|de la|de l'|des|de|d')\s*", "", fold(nxt[0].text))
                )
                if code:
                    cand("departement").add(
                        code, HEADING, nxt[0], "département named in the heading"
                    )
        for postcode in re.findall(r"(?<!\d)(\d{5})\s+[A-ZÀ-Ý]", line.text):
            code = departement_from_postcode(postcode)
            if code:
                cand("departement").add(code, INFERRED, line, f"postcode {postcode}")
    for line, text in zip(lines, folded, strict=True):
        for match in re.finditer(
            r"siren\s*(?:n\s*[°o])?\s*:?\s*(\d{3}\s?\d{3}\s?\d{3})(?!\d)", text
        ):
            digits = re.sub(r"\s", "", match.group(1))
            if valid_siren(digits):
                cand("siren").add(digits, LABELLED, line, "labelled SIREN")
        for match in re.finditer(
            r"siret\s*(?:n\s*[°o])?\s*:?\s*(\d{3}\s?\d{3}\s?\d{3})\s?\d{3}\s?\d{2}", text
        ):
            digits = re.sub(r"\s", "", match.group(1))
            if valid_siren(digits):
                cand("siren").add(digits, HEADING, line, "first 9 digits of the SIRET")


def valid_siren(digits: str) -> bool:
    try:
        Siren(digits)
    except InvalidIdentifier:
        return False
    return True

"""Read an act's metadata from its text: each field with where it was found and a confidence.

The extractor does not know any particular town's layout. It looks for what every French
deliberation prints in one form or another — labels (``Rapporteur :``, ``Nombre de votants``,
``Date de convocation``, ``Objet``), headings (``DÉLIBÉRATION N°…``, ``Séance du …``), the
registry formula (``L'an deux mille…, le …``), the vote formula (``à l'unanimité``, ``par
25 voix pour, 3 contre``) and the préfecture's stamp (``Accusé de réception en préfecture``)
— and scores what it finds:

* ``LABELLED`` (0.95): the value stands next to an explicit label;
* ``HEADING`` (0.85): read from a heading or a fixed formula;
* ``INFERRED`` (0.6): deduced (a count of listed names, the block under a heading, a
  malformed stamp); below :data:`REVIEW_BELOW` a person must confirm the field.

Two sources that agree raise the confidence; two that disagree lower it and the field goes
to review. Nothing is ever "repaired": a malformed printed identifier is reported as such.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from workflow.errors import InvalidIdentifier
from workflow.identifiers import IDActe, Siren
from workflow.intake.dates import FoundDate, find_dates, first_date_after, fold
from workflow.intake.places import departement_by_name, departement_from_postcode
from workflow.intake.text import Line, TextDocument

LABELLED = 0.95
HEADING = 0.85
INFERRED = 0.6
#: a field found with less confidence than this needs a person's eye
REVIEW_BELOW = 0.7

#: the fields a deliberation must yield for the act to be sent without a person
REQUIRED = ("collectivite", "session_date", "numero_printed", "nature", "objet")


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
            "value": _jsonable(self.value),
            "confidence": round(self.confidence, 2),
            "found": self.where.as_dict() if self.where else None,
            "how": self.how,
        }


@dataclass(frozen=True, slots=True)
class Review:
    field: str
    reason: str


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
        return {name: _jsonable(found.value) for name, found in self.fields.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "fields": {name: found.as_dict() for name, found in self.fields.items()},
            "needs_review": [{"field": r.field, "reason": r.reason} for r in self.review],
            "pages": self.pages,
            "lines": self.lines,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- helpers


@dataclass
class _Candidates:
    """Every reading of one field; the best wins, agreement and disagreement adjust it."""

    name: str
    items: list[Found] = field(default_factory=list)

    def add(self, value: Any, confidence: float, line: Line | None, how: str) -> None:
        where = Where(line.page, line.number, line.text) if line else None
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
                f"two readings disagree: {_show(top.value)} ({top.how}) and "
                f"{_show(rival.value)} ({rival.how}, line {rival.where.line if rival.where else '?'})",
            )
        if agreeing:
            return Found(top.value, min(0.99, top.confidence + 0.05), top.where, top.how), None
        return top, None


def _show(value: Any) -> str:
    return repr(_jsonable(value))


_CIVILITY = re.compile(
    r"^(?:(?:madame|monsieur|mme|mlle|mr|m\.|m|mesdames|messieurs|le|la|maire|adjointe?|"
    r"conseill[eè]re?s?(?: municipale?s?)?|d[ée]l[ée]gu[ée]e?s?)\b\.?\s*)+",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-ZÀ-Ýa-zß-ÿ][\w'’-]*(?:\s+[A-ZÀ-Ýa-zß-ÿ][\w'’-]*){1,4}$")


def _person(text: str) -> str | None:
    name = _CIVILITY.sub("", text.strip(" :.,;-–")).strip(" :.,;-–")
    name = re.split(r"\s*[,(;]\s*", name)[0]
    return name if _NAME.match(name) and any(c.isupper() for c in name) else None


def _blocks_after(lines: list[Line], index: int, *, limit: int = 8) -> list[Line]:
    """The non-empty lines of the first block after ``index`` (blank lines before it skipped)."""
    i = index + 1
    while i < len(lines) and not lines[i].text:
        i += 1
    block: list[Line] = []
    while i < len(lines) and lines[i].text and len(block) < limit:
        block.append(lines[i])
        i += 1
    return block


def _continuation(lines: list[Line], index: int, first: str, *, limit: int = 6) -> str:
    """``first`` and the lines that continue it (until a blank line or a label)."""
    parts = [first]
    i = index + 1
    while i < len(lines) and lines[i].text and len(parts) < limit:
        text = lines[i].text
        if _LABEL_LINE.match(fold(text)):
            break
        parts.append(text)
        i += 1
    return _join(parts)


def _join(parts: Iterable[str]) -> str:
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        out = out + part if (not out or out.endswith("-")) else out + " " + part
    return " ".join(out.split()).strip(" .;")


_LABEL_LINE = re.compile(
    r"^\W*(rapporteur|nombre|secretaire|etaient|presents?|absents?|excuses?|pouvoirs?|"
    r"procurations?|votants?|date|vu|considerant|le conseil|entendu|commission|reference|"
    r"seance|objet)\b"
)


# --------------------------------------------------------------------------- the extractor


def extract(document: TextDocument | str) -> Extraction:
    """Read every field the text gives; list what a person must check."""
    if isinstance(document, str):
        document = TextDocument.from_text(document)
    lines = list(document.lines)
    folded = [fold(line.text) for line in lines]
    candidates: dict[str, _Candidates] = {}

    def cand(name: str) -> _Candidates:
        return candidates.setdefault(name, _Candidates(name))

    body_start = _body_start(folded)
    for reader in _READERS:
        reader(lines, folded, body_start, cand)

    fields: dict[str, Found] = {}
    review: list[Review] = []
    for name, group in candidates.items():
        best, conflict = group.best()
        if best is None:
            continue
        fields[name] = best
        if conflict:
            review.append(Review(name, conflict))
        elif best.confidence < REVIEW_BELOW:
            review.append(Review(name, f"read with low confidence ({best.how})"))
    _cross_check(fields, review)
    for name in REQUIRED:
        if name not in fields:
            review.append(Review(name, "not found in the document"))
    for name in ("siren", "departement"):
        if name not in fields:
            review.append(
                Review(name, "not printed in the document: taken from the collectivité's record")
            )
    order = {name: i for i, name in enumerate(_FIELD_ORDER)}
    ordered = dict(sorted(fields.items(), key=lambda item: order.get(item[0], 99)))
    return Extraction(ordered, tuple(review), document.pages, len(lines))


_FIELD_ORDER = (
    "collectivite", "departement", "siren", "nature", "numero_printed", "objet", "theme",
    "session_date", "convocation_date", "publication_date", "rapporteur", "members_in_office",
    "present", "absent", "proxies", "voters", "vote", "printed_ar",
)  # fmt: skip


def _body_start(folded: list[str]) -> int:
    """Index of the first line of the decision's body (the header is everything before)."""
    for i, text in enumerate(folded):
        if re.match(r"^\W*(vu |considerant|par deliberation|le conseil municipal,|l'etat |"
                    r"entendu)", text):  # fmt: skip
            return i
    return len(folded)


Cand = Callable[[str], _Candidates]
Reader = Callable[[list[Line], list[str], int, Cand], None]
_READERS: list[Reader] = []


def _reader(function: Reader) -> Reader:
    _READERS.append(function)
    return function


# -- collectivité, département, SIREN --------------------------------------------------

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


@_reader
def _collectivite(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
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


@_reader
def _departement(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
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
            nxt = _blocks_after(lines, index, limit=1)
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
            if _valid_siren(digits):
                cand("siren").add(digits, LABELLED, line, "labelled SIREN")
        for match in re.finditer(
            r"siret\s*(?:n\s*[°o])?\s*:?\s*(\d{3}\s?\d{3}\s?\d{3})\s?\d{3}\s?\d{2}", text
        ):
            digits = re.sub(r"\s", "", match.group(1))
            if _valid_siren(digits):
                cand("siren").add(digits, HEADING, line, "first 9 digits of the SIRET")


def _valid_siren(digits: str) -> bool:
    try:
        Siren(digits)
    except InvalidIdentifier:
        return False
    return True


# -- nature and number -----------------------------------------------------------------

_NUM = r"([A-Za-z0-9](?:[A-Za-z0-9./_-]{0,28}[A-Za-z0-9])?)"
_HEADING_NUMBER = re.compile(
    r"^\W*(?:extrait\s+(?:de\s+la\s+)?)?(deliberation|arrete)s?\s*"
    r"(?:n\s*[°o]\.?|numero|no\.)?\s*:?\s*" + _NUM + r"(?P<rest>.*)$"
)
_LABEL_NUMBER = re.compile(
    r"^\W*(?:n\s*[°o]|numero|reference)\s*(?:de\s+l'acte)?\s*:?\s*" + _NUM + r"\s*$"
)


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


@_reader
def _number_and_nature(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        if i >= body:
            break
        match = _HEADING_NUMBER.match(text)
        if match and _has_digit(match.group(2)):
            start, end = match.span(2)
            number = line.text[start:end]
            kind = match.group(1)
            cand("numero_printed").add(number, LABELLED, line, f"heading '{kind} n°'")
            cand("nature").add("DE" if kind == "deliberation" else "AR", HEADING, line,
                               f"heading '{line.text[: match.start(2)].strip()}'")  # fmt: skip
            rest = line.text[match.start("rest") :]
            rest_match = re.match(r"^\s*[.:\-–—]\s+(\S.*)$", rest)
            if rest_match:
                objet = _continuation(lines, i, rest_match.group(1))
                cand("objet").add(objet, HEADING, line, "text after the number in the heading")
            elif not rest.strip():
                _objet_block_after(lines, i, cand)
            continue
        match = _LABEL_NUMBER.match(text)
        if match and _has_digit(match.group(1)):
            start, end = match.span(1)
            context = " ".join(folded[max(0, i - 3) : i])
            confidence = (
                LABELLED if "reference" in context or "deliberation" in context else HEADING
            )
            cand("numero_printed").add(line.text[start:end], confidence, line, "labelled 'N°'")
    joined = " ".join(folded[: max(body, 1)])
    if re.search(
        r"registre des deliberations|deliberation|apres en avoir delibere", " ".join(folded)
    ):
        index = next((i for i, t in enumerate(folded) if "deliberation" in t), 0)
        cand("nature").add(
            "DE", HEADING, lines[index] if lines else None, "the text is a deliberation"
        )
    elif re.search(r"(?<![\w])arrete(?![\w])", joined):
        cand("nature").add(
            "AR", INFERRED, None, "the text is an arrêté (réglementaire or individuel?)"
        )


def _objet_block_after(lines: list[Line], index: int, cand: Cand) -> None:
    block = _blocks_after(lines, index)
    kept: list[Line] = []
    for line in block:
        if re.fullmatch(r"\(.*\)", line.text):
            cand("theme").add(line.text.strip("()"), HEADING, line, "in brackets under the objet")
            break
        if _LABEL_LINE.match(fold(line.text)) or line.text.isdigit():
            break
        kept.append(line)
    if kept and len(kept) <= 4:
        cand("objet").add(
            _join(line.text for line in kept), 0.75, kept[0], "block under the number heading"
        )


@_reader
def _objet(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        match = re.match(r"^\W*objet\s*(?:de la deliberation)?\s*[:\-–]\s*(\S.*)$", text)
        if match:
            objet = _continuation(lines, i, line.text[match.start(1) :])
            cand("objet").add(objet, LABELLED, line, "labelled 'Objet'")
        elif re.fullmatch(r"\W*objet\s*:?\s*", text):
            block = [b.text for b in _blocks_after(lines, i)]
            if block:
                cand("objet").add(_join(block), LABELLED, lines[i], "block under the label 'Objet'")
        elif re.match(r"^\W*commission\W*$", text):
            block = [b.text for b in _blocks_after(lines, i, limit=3)]
            if block:
                cand("theme").add(_join(block), HEADING, lines[i], "commission")


# -- dates -------------------------------------------------------------------------------


def _date_after(
    lines: list[Line], folded: list[str], i: int, keyword: re.Match[str]
) -> FoundDate | None:
    found = first_date_after(lines[i].text, keyword.end())
    if found is None and folded[i][keyword.end() :].strip(" :") == "" and i + 1 < len(lines):
        dates = find_dates(lines[i + 1].text)
        found = dates[0] if dates else None
    return found


@_reader
def _dates(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        if re.match(r"^\W*(vu|par deliberation|considerant)\b", text):
            continue
        head = i < max(body, 1) or i < 40
        for match in find_dates(line.text):
            if match.how == "registry formula" and head:
                cand("session_date").add(
                    match.value, HEADING, line, "registry formula 'L'an …, le …'"
                )
        keyword = re.search(r"(?<![\w])(seance|conseil municipal|conseil communautaire|reunion|"
                            r"session|assemblee deliberante)(?: (?:publique )?(?:du|en date du))?", text)  # fmt: skip
        if keyword and head and "convoc" not in text:
            found = _date_after(lines, folded, i, keyword)
            convened = re.search(r"convo[cq]", text)
            if found and convened and found.start > convened.start():
                found = None  # "…, dûment convoqué le 7 octobre": that date is the convocation's
            if found and found.how != "registry formula":
                cand("session_date").add(
                    found.value, LABELLED, line, f"'{keyword.group(1)}' heading"
                )
        keyword = re.search(
            r"date de (?:la )?convocation(?: des elus)?|convoque(?:e|s|es)?(?: le)?|convocation (?:du|en date du|adressee le)",
            text,
        )
        if keyword and "affichage de la convocation" not in text:
            found = _date_after(lines, folded, i, keyword)
            if found:
                confidence = LABELLED if keyword.group(0).startswith("date") else HEADING
                cand("convocation_date").add(found.value, confidence, line, f"'{keyword.group(0)}'")
        keyword = re.search(r"date de (?:publication|mise en ligne|l'affichage|affichage)|"
                            r"(?:publie|affiche|mis en ligne|l'affichage|affichage)(?:e)? le", text)  # fmt: skip
        if keyword and "convoc" not in text:
            found = _date_after(lines, folded, i, keyword)
            if found:
                cand("publication_date").add(found.value, LABELLED if keyword.group(0).startswith("date") else HEADING, line, f"'{keyword.group(0)}'")  # fmt: skip


# -- people and counts ------------------------------------------------------------------


@_reader
def _rapporteur(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        match = re.match(r"^\W*rapporteur(?:e)?\s*[:\-–]\s*(\S.*)$", text)
        if match:
            name = _person(line.text[match.start(1) :])
            if name:
                cand("rapporteur").add(name, LABELLED, line, "labelled 'Rapporteur'")
        elif re.fullmatch(r"\W*rapporteur(?:e)?\s*:?\s*", text):
            block = _blocks_after(lines, i, limit=1)
            name = _person(block[0].text) if block else None
            if name and block:
                cand("rapporteur").add(
                    name, LABELLED, block[0], "line under the label 'Rapporteur'"
                )
        for match in re.finditer(
            r"(?:entendu l'expose de|sur (?:le )?rapport de|rapporte par)\s+", text
        ):
            rest = line.text[match.end() :]
            name = _person(re.split(r"[,;.]\s", rest)[0])
            if name:
                cand("rapporteur").add(name, HEADING - 0.1, line, f"'{match.group(0).strip()}'")


_COUNTS = {
    "members_in_office": r"(?:en exercice|membres? (?:en )?exercice|afferents?)",
    "present": r"(?<!re)presents?",
    "absent": r"(?:absents?|excuses?)",
    "proxies": r"(?:pouvoirs?|procurations?|representes?|mandats?)",
    "voters": r"(?:votants?|suffrages exprimes)",
}


@_reader
def _counts(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for line, text in zip(lines, folded, strict=True):
        if not re.search(r"\d", text):
            continue
        for name, label in _COUNTS.items():
            if name == "present" and "absent" in text:
                continue
            if name == "absent" and ("present" in text or "exercice" in text):
                continue
            pattern = rf"(?:^|nombre\s+(?:de\s+|d')?(?:\w+\s+){{0,2}}|membres\s+|conseillers\s+|elus\s+){label}\b[^\d\n]{{0,30}}?(\d{{1,3}})(?![\d/.,]\d)"
            match = re.search(pattern, text)
            if match:
                labelled = (
                    match.group(0).startswith(("nombre", "membres", "conseillers", "elus"))
                    or match.start() == 0
                )
                cand(name).add(
                    int(match.group(1)),
                    LABELLED if labelled else HEADING,
                    line,
                    f"'{match.group(0).strip()}'",
                )
    # proxies listed by name: counted over the whole text (a formula may wrap across lines)
    formula = re.compile(r"(?:donne|a donne|ayant donne)\s+(?:procuration|pouvoir)\s+a\b")
    given = len(formula.findall(" ".join(folded)))
    if given:
        first = next(
            (
                line
                for line, text in zip(lines, folded, strict=True)
                if "procuration" in text or "pouvoir" in text
            ),
            lines[0],
        )
        cand("proxies").add(given, INFERRED + 0.05, first, f"{given} proxies listed by name")


# -- the vote ---------------------------------------------------------------------------


@_reader
def _vote(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for line, text in zip(lines, folded, strict=True):
        if re.match(r"^\W*vu\b", text) or ("avis" in text and "commission" in text):
            continue  # a committee's opinion, not the council's vote
        decision = re.search(
            r"delibere|adopte|approuve|decide|conseil municipal|conseil communautaire|vote", text
        )
        if re.search(r"(?<![\w])(a|par) l'unanimite", text):
            cand("vote").add(
                {"result": "adopted", "unanimous": True},
                LABELLED if decision else HEADING,
                line,
                "'à l'unanimité'",
            )
            continue
        counts: dict[str, int] = {}
        for key, pattern in (
            ("for", r"(\d{1,3})\s+(?:voix\s+)?pour\b|\bpour\s*:\s*(\d{1,3})"),
            ("against", r"(\d{1,3})\s+(?:voix\s+)?contre\b|\bcontre\s*:\s*(\d{1,3})"),
            ("abstentions", r"(\d{1,3})\s+abstentions?\b|\babstentions?\s*:\s*(\d{1,3})"),
        ):
            match = re.search(pattern, text)
            if match:
                counts[key] = int(match.group(1) or match.group(2))
        if "for" in counts:
            rejected = bool(re.search(r"rejet|n'adopte pas|refuse", text))
            result = (
                "rejected" if rejected or counts["for"] <= counts.get("against", 0) else "adopted"
            )
            value: dict[str, Any] = {"result": result, "unanimous": False, **counts}
            cand("vote").add(
                value, LABELLED if decision or "voix" in text else HEADING, line, "vote counts"
            )


# -- the préfecture's stamp -------------------------------------------------------------

_ID_LIKE = re.compile(
    r"(?<![\w-])([0-9][0-9AB][0-9]-\d{5,12}-\d{8}-[A-Za-z0-9._/-]+?-(?:DE|AR|AI|CC|BF|AU))(?![\w-])"
)


@_reader
def _printed_ar(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    ids = [(line, match) for line in lines for match in _ID_LIKE.finditer(line.text)]
    stamp_index = next(
        (i for i, t in enumerate(folded) if "accuse de reception" in t or "accuse reception" in t),
        None,
    )
    if not ids:
        return
    line, match = ids[0]
    printed = match.group(1)
    stamp: dict[str, Any]
    try:
        id_acte = IDActe.parse(printed, field="printed_ar")
    except InvalidIdentifier as error:
        stamp = {"id_as_printed": printed, "valid": False, "why": error.message}
        segment = printed.split("-")[0]
        cand("departement").add(
            segment, INFERRED, line, "département segment of a malformed printed IDActe"
        )
    else:
        stamp = {"id": str(id_acte), "valid": True, "date": id_acte.date}
        cand("siren").add(
            id_acte.siren.value, LABELLED, line, "SIREN segment of the printed IDActe"
        )
        cand("departement").add(
            id_acte.departement.value, LABELLED, line, "département segment of the printed IDActe"
        )
        cand("nature").add(
            id_acte.nature.name, LABELLED, line, "nature segment of the printed IDActe"
        )
        cand("numero_printed").add(
            id_acte.numero, HEADING, line, "number segment of the printed IDActe"
        )
    for i, text in enumerate(folded):
        for key, pattern in (
            (
                "transmission",
                r"(?:date de )?teletransmission|transmis(?:e|sion)? (?:en|a la) (?:sous-)?prefecture(?: le)?|depot (?:en|a la) (?:sous-)?prefecture(?: le)?|envoye(?:e)? en prefecture le",
            ),
            (
                "reception",
                r"date de reception(?: en)?(?: prefecture)?|recue? le|reception (?:en|par la) prefecture le",
            ),
        ):
            keyword = re.search(pattern, text)
            if keyword and key not in stamp:
                found = _date_after(lines, folded, i, keyword)
                if found:
                    stamp[key] = found.value
    near = stamp_index is not None and abs(stamp_index - (line.number - 1)) <= 3
    cand("printed_ar").add(
        stamp,
        LABELLED if near else HEADING,
        line,
        "préfecture's stamp" if near else "an IDActe printed in the text",
    )


# --------------------------------------------------------------------------- cross checks


def _cross_check(fields: dict[str, Found], review: list[Review]) -> None:
    present, proxies, voters = (fields.get(k) for k in ("present", "proxies", "voters"))
    if (
        present is not None and proxies is not None and voters is not None
        and proxies.confidence < REVIEW_BELOW
        and present.value + proxies.value == voters.value
    ):  # fmt: skip
        # a count of listed proxies that makes present + proxies = voters is corroborated
        fields["proxies"] = Found(
            proxies.value, HEADING, proxies.where, proxies.how + ", present + proxies = voters"
        )
        review[:] = [r for r in review if r.field != "proxies"]
    stamp = fields.get("printed_ar")
    if stamp is not None and not stamp.value.get("valid", True):
        review.append(
            Review("printed_ar", f"the printed identifier is malformed: {stamp.value['why']}")
        )
    vote = fields.get("vote")
    voters = fields.get("voters")
    if vote is not None and voters is not None and not vote.value.get("unanimous"):
        total = sum(vote.value.get(k, 0) for k in ("for", "against", "abstentions"))
        if total and total != voters.value:
            review.append(
                Review("vote", f"for + against + abstentions = {total}, but {voters.value} voters")
            )


def iter_review(extraction: Extraction) -> Iterator[str]:
    for item in extraction.review:
        yield f"{item.field}: {item.reason}"

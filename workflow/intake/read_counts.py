"""The people and the vote: rapporteur, members in office, present, proxies, voters, the vote."""

from __future__ import annotations

import re
from typing import Any

from workflow.intake.reading import HEADING, INFERRED, LABELLED, Cand, blocks_after, person
from workflow.intake.text import Line


def read_rapporteur(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        match = re.match(r"^\W*rapporteur(?:e)?\s*[:\-–]\s*(\S.*)$", text)
        if match:
            name = person(line.text[match.start(1) :])
            if name:
                cand("rapporteur").add(name, LABELLED, line, "labelled 'Rapporteur'")
        elif re.fullmatch(r"\W*rapporteur(?:e)?\s*:?\s*", text):
            block = blocks_after(lines, i, limit=1)
            name = person(block[0].text) if block else None
            if name and block:
                cand("rapporteur").add(
                    name, LABELLED, block[0], "line under the label 'Rapporteur'"
                )
        for match in re.finditer(
            r"(?:entendu l'expose de|sur (?:le )?rapport de|rapporte par)\s+", text
        ):
            rest = line.text[match.end() :]
            name = person(re.split(r"[,;.]\s", rest)[0])
            if name:
                cand("rapporteur").add(name, HEADING - 0.1, line, f"'{match.group(0).strip()}'")


_COUNTS = {
    "members_in_office": r"(?:en exercice|membres? (?:en )?exercice|afferents?)",
    "present": r"(?<!re)presents?",
    "absent": r"(?:absents?|excuses?)",
    "proxies": r"(?:pouvoirs?|procurations?|representes?|mandats?)",
    "voters": r"(?:votants?|suffrages exprimes|(?:qui ont |ayant )?pris part (?:au vote|a la deliberation))",
}
_NUMBER_NEXT = re.compile(r"^[\s:=.\-]*(\d{1,3})(?![\d/.,]\d)(?!\s*%)")


def _count_pattern(label: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?:^|nombre\s+(?:de\s+|d')?(?:\w+\s+){{0,2}}|membres\s+|conseillers\s+|elus\s+|qui\s+)"
        rf"{label}\b(?P<gap>[^\d\n]{{0,30}}?)(?:(?P<n>\d{{1,3}})(?![\d/.,]\d)|$)"
    )


_PATTERNS = {name: _count_pattern(label) for name, label in _COUNTS.items()}


def _next_text(lines: list[Line], i: int) -> tuple[int, str] | None:
    """The next non-empty line (within two) and its text."""
    for j in range(i + 1, min(i + 3, len(lines))):
        if lines[j].text:
            return j, lines[j].text
    return None


def read_counts(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    """Each count after its label, on its line or alone at the start of the next one; a
    label split over two lines (« qui ont pris part à la ⏎ délibération : 10 ») is joined.

    When the first place a count's label is printed gives no readable value (OCR lost it),
    a value found on a later page may be another decision's (a procès-verbal prints one box
    per item): it is only offered for review.
    """
    blank: dict[str, Line] = {}
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        following = _next_text(lines, i)
        for name, pattern in _PATTERNS.items():
            if name == "present" and "absent" in text:
                continue
            if name == "absent" and ("present" in text or "exercice" in text):
                continue
            reading = _count_on(text, pattern)
            where = line
            if reading is None and following is not None:
                j = following[0]
                reading = _count_across(text, folded[j], pattern)
                where = lines[j]
            if reading is None:
                nxt = folded[following[0]] if following is not None else ""
                if name not in blank and _labelled_blank(text, nxt, pattern):
                    blank[name] = line
                continue
            number, labelled, how = reading
            first = blank.get(name)
            if first is not None and first.page < where.page:
                how = f"{how}; the first '{first.text}' (page {first.page}) has no readable value"
                cand(name).add(number, INFERRED, where, how)
            else:
                cand(name).add(number, LABELLED if labelled else HEADING, where, how)
    _proxies_by_name(lines, folded, cand)


def _labelled_blank(text: str, nxt: str, pattern: re.Pattern[str]) -> bool:
    """The count's label printed here (perhaps ending on the next line) without a value."""
    match = pattern.search(text)
    if match is not None:
        return match["n"] is None
    match = pattern.search(f"{text} {nxt}")
    return match is not None and match.start() < len(text) and match["n"] is None


def _count_on(text: str, pattern: re.Pattern[str]) -> tuple[int, bool, str] | None:
    match = pattern.search(text)
    if match is None or match["n"] is None:
        return None
    if re.search(r"[a-z]{3,}", match["gap"]) and ":" not in match["gap"]:
        return None  # another word between label and number: not this label's count
    labelled = (
        match.group(0).startswith(("nombre", "membres", "conseillers", "elus", "qui"))
        or match.start() == 0
    )
    return int(match["n"]), labelled, f"'{match.group(0).strip()}'"


def _count_across(text: str, nxt: str, pattern: re.Pattern[str]) -> tuple[int, bool, str] | None:
    """A label at the end of a line, its number (or the label's end and the number) next."""
    match = pattern.search(text)
    if match is not None and match["n"] is None and not match["gap"].strip(" :=.-"):
        number = _NUMBER_NEXT.match(nxt)
        if number:
            return int(number.group(1)), True, f"'{match.group(0).strip()}', value on the next line"
        return None
    joined = f"{text} {nxt}"
    match = pattern.search(joined)
    if (
        match is None
        or match["n"] is None
        or match.start() >= len(text)
        or match.end() <= len(text) + 1
    ):
        return None
    if re.search(r"[a-z]{3,}", match["gap"]) and ":" not in match["gap"]:
        return None
    return int(match["n"]), True, f"'{match.group(0).strip()}' over two lines"


def _proxies_by_name(lines: list[Line], folded: list[str], cand: Cand) -> None:
    """Proxies listed by name, counted over the whole text (a formula may wrap)."""
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


_PARTS = {
    "for": r"(?<![\d.,])(?<!\d )(\d{1,3})\s+(?:voix\s+|votes?\s+)?pour\b|\bpour\s*[:=]\s*(\d{1,3})",
    "against": r"(?<![\d.,])(?<!\d )(\d{1,3})\s+(?:voix\s+|votes?\s+)?contre\b|\bcontre\s*[:=]\s*(\d{1,3})",
    "abstentions": r"(?<![\d.,])(?<!\d )(\d{1,3})\s+abstentions?\b|\babstentions?\s*[:=]\s*(\d{1,3})",
    "non_voters": r"(?<![\d.,])(\d{1,3})\s+(?:non[- ]votants?|ne prend(?:s|nent)? pas part)|\bnon[- ]votants?\s*[:=]\s*(\d{1,3})",
}
_VOTE_WORDS = re.compile(
    r"(?<![\w])(?:vote|votes|voix|suffrages?|scrutin|adopte|approuve|delibere|decide|rejete|"
    r"majorite|unanimite)(?![\w])"
)
_UNANIMOUS = re.compile(r"(?<![\w])(?:(?:a|par) l'unanimite|vote\s*[:;]\s*(?:a l')?unanimite)")
_ADOPTS = re.compile(r"^\W*le conseil(?: municipal| communautaire)? (?:adopte|approuve)\W*$")


def _parts(text: str) -> dict[str, int]:
    if "%" in text:
        return {}  # percentages: a poll or a rate, not the council's vote
    found: dict[str, int] = {}
    for key, pattern in _PARTS.items():
        match = re.search(pattern, text)
        if match:
            found[key] = int(match.group(1) or match.group(2))
    return found


def read_vote(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    """The council's vote: unanimity, or counts that may stand on several lines."""
    i = 0
    while i < len(lines):
        text = folded[i]
        if re.match(r"^\W*vu\b", text) or ("avis" in text and "commission" in text):
            i += 1
            continue  # a committee's opinion, not the council's vote
        if _UNANIMOUS.search(text):
            decision = re.search(r"delibere|adopte|approuve|decide|conseil|vote", text)
            cand("vote").add({"result": "adopted", "unanimous": True},
                             LABELLED if decision else HEADING, lines[i], "'à l'unanimité'")  # fmt: skip
            i += 1
            continue
        if _ADOPTS.match(text):
            cand("vote").add({"result": "adopted"}, HEADING, lines[i], f"'{lines[i].text}'")
            i += 1
            continue
        i = _vote_counts(lines, folded, i, cand)


def _vote_counts(lines: list[Line], folded: list[str], i: int, cand: Cand) -> int:
    """Read the counts starting at line ``i`` (grouped over nearby lines); the next index."""
    counts = _parts(folded[i])
    if not counts:
        return i + 1
    group, j, blank = [i], i + 1, 0
    while j < len(lines) and blank <= 2 and len(group) < 4:
        more = _parts(folded[j])
        if more and not set(more) & set(counts):
            counts.update(more)
            group.append(j)
            blank = 0
        elif folded[j].strip():
            break
        else:
            blank += 1
        j += 1
    if "for" not in counts:
        return group[-1] + 1
    context = " ".join(folded[k] for k in group)
    before = folded[i - 1] if i > 0 else ""
    worded = bool(_VOTE_WORDS.search(context) or re.search(r"vote\s*:?\s*$", before))
    colons = sum(
        bool(re.search(rf"\b{w}\s*[:=]", context)) for w in ("pour", "contre", "abstention")
    )
    if not worded and colons < 2:
        return group[-1] + 1  # a count without a vote's words: a poll, a table, a decoy
    rejected = bool(re.search(r"rejet|n'adopte pas|refuse", context))
    result = "rejected" if rejected or counts["for"] <= counts.get("against", 0) else "adopted"
    value: dict[str, Any] = {"result": result, "unanimous": False, **counts}
    how = "vote counts" if len(group) == 1 else f"vote counts over {len(group)} lines"
    cand("vote").add(value, LABELLED if worded else HEADING, lines[i], how)
    return group[-1] + 1

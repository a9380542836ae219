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
    "voters": r"(?:votants?|suffrages exprimes)",
}


def read_counts(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
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


def read_vote(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
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

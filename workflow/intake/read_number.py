"""The act's number, its nature as its own words say it, and its objet.

The nature from words comes second to the identifier's (:mod:`stamps`): a deliberation is
``DE``; a convention, a contract, a marché or an avenant that is itself the act is ``CC``;
an arrêté is ``AR`` or ``AI`` and a budget act ``BF`` or ``DE`` (collectivités differ) —
the words cannot say which, so those are questions with their choices, never a guess.
"""

from __future__ import annotations

import re

from workflow.intake.dates import fold
from workflow.intake.reading import (
    HEADING,
    INFERRED,
    LABEL_LINE,
    LABELLED,
    Cand,
    blocks_after,
    continuation,
    join,
)
from workflow.intake.text import Line

_NUM = r"([A-Za-z0-9](?:[A-Za-z0-9./_-]{0,28}[A-Za-z0-9])?)"
_HEADING_NUMBER = re.compile(
    r"^\W*(?:extrait\s+(?:de\s+la\s+)?)?(deliberation|arrete)s?\s*"
    r"(?:n\s*[°o]\.?|numero|no\.)?\s*:?\s*" + _NUM + r"(?P<rest>.*)$"
)
#: « n° 2013 / 1 » at the start of a line, another column's text after it
_YEAR_NUMBER = re.compile(r"^\W*n\s*[°o]\.?\s*(\d{4}\s*/\s*\d{1,5})(?![\d/])")
#: a question on the nature: its choices and why
NATURE_QUESTION = "nature?"
BUDGET_WORDS = re.compile(
    r"budget (?:primitif|supplementaire)|compte administratif|compte de gestion|"
    r"compte financier unique|decision modificative|taux (?:d'imposition|des taxes|de fiscalite)|"
    r"vote des taux"
)
_CONTRACT_TITLE = re.compile(r"^\W*(convention|contrat|marche(?: public)?|avenant)\b")
_LABEL_NUMBER = re.compile(
    r"^\W*(?:n\s*[°o]|numero|reference)\s*(?:de\s+l'acte)?\s*:?\s*" + _NUM + r"\s*$"
)


def has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def read_number_and_nature(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        if i >= body:
            break
        match = _HEADING_NUMBER.match(text)
        if match and re.search(r"(?:pris|prenant) part", " ".join(folded[max(0, i - 3) : i])):
            match = None  # « qui ont pris part à la ⏎ délibération : 10 » is a count
        if match and has_digit(match.group(2)):
            start, end = match.span(2)
            number = line.text[start:end]
            kind = match.group(1)
            cand("numero_printed").add(number, LABELLED, line, f"heading '{kind} n°'")
            if kind == "deliberation":
                cand("nature").add("DE", HEADING, line,
                                   f"heading '{line.text[: match.start(2)].strip()}'")  # fmt: skip
            else:
                _arrete(cand, line)
            rest = line.text[match.start("rest") :]
            rest_match = re.match(r"^\s*[.:\-–—]\s+(\S.*)$", rest)
            if rest_match:
                objet = continuation(lines, i, rest_match.group(1))
                cand("objet").add(objet, HEADING, line, "text after the number in the heading")
            elif not rest.strip():
                _objet_block_after(lines, i, cand)
            continue
        year_number = _YEAR_NUMBER.match(text)
        if year_number:
            number = re.sub(r"\s+", "", year_number.group(1))
            cand("numero_printed").add(number, HEADING, line, "'n° YYYY / N' at a line's start")
            continue
        match = _LABEL_NUMBER.match(text)
        if match and has_digit(match.group(1)):
            start, end = match.span(1)
            context = " ".join(folded[max(0, i - 3) : i])
            confidence = (
                LABELLED if "reference" in context or "deliberation" in context else HEADING
            )
            cand("numero_printed").add(line.text[start:end], confidence, line, "labelled 'N°'")
    _nature_from_words(lines, folded, body, cand)


def _arrete(cand: Cand, line: Line | None) -> None:
    cand(NATURE_QUESTION).add(("AR", "AI"), INFERRED, line,
                              "an arrêté: réglementaire (AR) or individuel (AI)")  # fmt: skip


def _nature_from_words(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    head = folded[: max(body, 1)][:60]
    titles = [i for i, text in enumerate(head) if text.strip()][:12]
    budget = next((i for i, text in enumerate(head) if BUDGET_WORDS.search(text)
                   and (re.match(r"^\W*(?:objet|exercice \d{4})", text)
                        or BUDGET_WORDS.match(text.strip(" -:.")))), None)  # fmt: skip
    if budget is not None:
        cand(NATURE_QUESTION).add(
            ("BF", "DE"),
            INFERRED,
            lines[budget],
            "a budget act: sent as BF by some collectivités, as DE by others",
        )
    if re.search(
        r"registre des deliberations|deliberation|apres en avoir delibere", " ".join(folded)
    ):
        index = next((i for i, t in enumerate(folded) if "deliberation" in t), 0)
        cand("nature").add("DE", HEADING, lines[index] if lines else None,
                           "the text is a deliberation")  # fmt: skip
        return
    contract = next((i for i in titles if _CONTRACT_TITLE.match(head[i])), None)
    if contract is not None:
        word = _CONTRACT_TITLE.match(head[contract])
        cand("nature").add("CC", HEADING, lines[contract],
                           f"the document is a {word.group(1) if word else 'contract'}")  # fmt: skip
    elif re.search(r"(?<![\w])arrete(?![\w])", " ".join(head)):
        _arrete(cand, None)


def _objet_block_after(lines: list[Line], index: int, cand: Cand) -> None:
    block = blocks_after(lines, index)
    kept: list[Line] = []
    for line in block:
        if re.fullmatch(r"\(.*\)", line.text):
            cand("theme").add(line.text.strip("()"), HEADING, line, "in brackets under the objet")
            break
        if LABEL_LINE.match(fold(line.text)) or line.text.isdigit():
            break
        kept.append(line)
    if kept and len(kept) <= 4:
        cand("objet").add(
            join(line.text for line in kept), 0.75, kept[0], "block under the number heading"
        )


def read_objet(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    for i, (line, text) in enumerate(zip(lines, folded, strict=True)):
        match = re.match(r"^\W*objet\s*(?:de la deliberation)?\s*[:\-–]\s*(\S.*)$", text)
        if match:
            objet = continuation(lines, i, line.text[match.start(1) :])
            cand("objet").add(objet, LABELLED, line, "labelled 'Objet'")
        elif re.fullmatch(r"\W*objet\s*:?\s*", text):
            block = [b.text for b in blocks_after(lines, i)]
            if block:
                cand("objet").add(join(block), LABELLED, lines[i], "block under the label 'Objet'")
        elif re.match(r"^\W*commission\W*$", text):
            block = [b.text for b in blocks_after(lines, i, limit=3)]
            if block:
                cand("theme").add(join(block), HEADING, lines[i], "commission")

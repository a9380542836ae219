"""The act's own dates: the session, the convocation, the signature (« Fait à …, le … »).

The dates of sending, reception and publication are the stamp's (:mod:`stamps`)."""

from __future__ import annotations

import re

from workflow.intake.dates import find_dates
from workflow.intake.reading import HEADING, LABELLED, Cand, date_after
from workflow.intake.text import Line


def read_dates(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
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
            found = date_after(lines, folded, i, keyword)
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
            found = date_after(lines, folded, i, keyword)
            if found:
                confidence = LABELLED if keyword.group(0).startswith("date") else HEADING
                cand("convocation_date").add(found.value, confidence, line, f"'{keyword.group(0)}'")
        signed = re.search(r"(?<![\w])fait (?:a [^,]{1,40},? )?le\b", text)
        if signed:
            found = date_after(lines, folded, i, signed, strict=True)
            if found:
                cand("signed_date").add(found.value, HEADING, line, f"'{signed.group(0)}'")

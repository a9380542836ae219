"""How well the extractor reads real acts, field by field, against what a careful clerk reads.

Runs :func:`workflow.intake.extract.extract` over a corpus folder laid out like
``../shared/fixtures/real-acts/`` (``expected.json`` listing cases, ``NNN.txt`` the text a tool
gives for each act, ``NNN.pdf`` the act itself) and prints, per field:

* ``right``: the value a clerk reads, read with confidence (for a value the act does not
  print: nothing read, or only a reading listed for review);
* ``flagged``: listed in ``needs_review`` (the value may be right or wrong, a person looks);
* ``missed``: the act prints it, nothing was read and nothing was said;
* ``wrong``: **wrong and confident** — a value the clerk would not read, given as sure.

``found`` counts the right value read, confident or not (how often the reader gets there at
all). Then the time per document. The last line is one JSON object.

    .venv/bin/python bench/extraction.py [CORPUS] [--source text|pdf]

The corpus defaults to ``../shared/fixtures/real-acts/`` beside the repository
(``$ACTES_SHARED_DIR/fixtures/real-acts/`` when that variable is set). ``--source pdf``
reads each case's PDF (or PNG) as the intake does — text layer, else OCR — instead of the
given text. Without the corpus folder the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from workflow.errors import InvalidDocument
from workflow.intake.dates import fold
from workflow.intake.extract import Extraction, extract
from workflow.intake.text import TextDocument, read_document_text

_SHARED = (
    os.environ.get("ACTES_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
DEFAULT = Path(_SHARED) / "fixtures" / "real-acts"

#: expected key → the extraction's field (and, for a vote count, the key in the vote)
FIELDS: dict[str, tuple[str, str | None]] = {
    "id_acte": ("id_acte", None),
    "departement": ("departement", None),
    "siren": ("siren", None),
    "nature": ("nature", None),
    "numero_acte": ("numero_printed", None),
    "date_decision": ("session_date", None),
    "transmission_date": ("transmission_date", None),
    "reception_date": ("reception_date", None),
    "publication_date": ("publication_date", None),
    "members_in_office": ("members_in_office", None),
    "present": ("present", None),
    "proxies": ("proxies", None),
    "voters": ("voters", None),
    "for": ("vote", "for"),
    "against": ("vote", "against"),
    "abstentions": ("vote", "abstentions"),
    "objet": ("objet", None),
}
OUTCOMES = ("right", "flagged", "missed", "wrong")


def _normal(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return " ".join(fold(value).replace("’", "'").split()).strip(" .")
    return value


def _same_objet(got: Any, want: Any) -> bool:
    """An objet read as printed, against the corpus's title or (for a PV) its description:
    the same text, or every word of the reading in the expected text."""
    if not isinstance(got, str) or not isinstance(want, str):
        return False
    words = set(re.findall(r"\w+", got))
    return got == want or (len(words) >= 3 and words <= set(re.findall(r"\w+", want)))


def _reading(extraction: Extraction, field: str, sub: str | None) -> Any:
    value = extraction.value(field)
    if sub is not None:
        return value.get(sub) if isinstance(value, dict) else None
    return value


def judge(extraction: Extraction, expected: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Each expected key → (outcome, whether the right value was read at all)."""
    review = {r.field for r in extraction.review}
    verdicts: dict[str, tuple[str, bool]] = {}
    for key, (field, sub) in FIELDS.items():
        if key not in expected:
            continue
        want = _normal(expected[key])
        got = _normal(_reading(extraction, field, sub))
        sure = extraction.confident(field) and field not in review
        found = got is not None and (got == want or (key == "objet" and _same_objet(got, want)))
        if got is not None and sure:
            outcome = "right" if found else "wrong"
        elif field in review:
            outcome = "flagged"
        elif got is None and want is None:
            outcome = "right"
        elif got is None:
            outcome = "missed"
        else:  # read, not confident, and not said: as bad as missed
            outcome = "missed"
        verdicts[key] = (outcome, found)
    return verdicts


def _document(folder: Path, case: str, source: str) -> TextDocument:
    if source == "pdf":
        for suffix in (".pdf", ".png"):
            path = folder / f"{case}{suffix}"
            if path.is_file():
                return read_document_text(path)
    return read_document_text(folder / f"{case}.txt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--source", choices=("text", "pdf"), default="text")
    parser.add_argument("--show", action="store_true", help="print each wrong or missed value")
    args = parser.parse_args()
    index = args.corpus / "expected.json"
    if not index.is_file():
        print(f"no corpus at {args.corpus} (expected.json missing): nothing to measure")
        print(json.dumps({"corpus": str(args.corpus), "skipped": True}))
        return
    cases = json.loads(index.read_text(encoding="utf-8"))
    table = {key: dict.fromkeys((*OUTCOMES, "found", "printed"), 0) for key in FIELDS}
    timings: list[float] = []
    unreadable: list[str] = []
    for case in cases:
        start = time.perf_counter()
        try:
            extraction = extract(_document(args.corpus, case["case"], args.source))
        except InvalidDocument as error:
            unreadable.append(f"{case['case']}: {error.message}")
            continue
        timings.append(time.perf_counter() - start)
        for key, (outcome, found) in judge(extraction, case["expected"]).items():
            row = table[key]
            row[outcome] += 1
            printed = case["expected"][key] is not None
            row["printed"] += printed
            row["found"] += found and printed
            if args.show and outcome in ("wrong", "missed"):
                field, sub = FIELDS[key]
                read = _reading(extraction, field, sub)
                print(f"  {case['case']} {key}: {outcome}: read {read!r}, "
                      f"expected {case['expected'][key]!r}", file=sys.stderr)  # fmt: skip
    print(
        f"{'field':<18}{'right':>7}{'flagged':>9}{'missed':>8}{'wrong':>7}{'found':>8}{'printed':>9}"
    )
    for key, row in table.items():
        print(f"{key:<18}{row['right']:>7}{row['flagged']:>9}{row['missed']:>8}{row['wrong']:>7}"
              f"{row['found']:>8}{row['printed']:>9}")  # fmt: skip
    for line in unreadable:
        print(f"unreadable {line}")
    per_doc = statistics.mean(timings) if timings else 0.0
    print(f"{len(timings)} documents, {per_doc * 1000:.1f} ms per document "
          f"(max {max(timings, default=0.0) * 1000:.1f} ms)")  # fmt: skip

    def rate(key: str, column: str) -> float | None:
        row = table[key]
        return round(row[column] / row["printed"], 3) if row["printed"] else None

    summary = {
        "corpus": str(args.corpus),
        "source": args.source,
        "documents": len(timings),
        "unreadable": len(unreadable),
        "wrong_and_confident": sum(row["wrong"] for row in table.values()),
        "missed": sum(row["missed"] for row in table.values()),
        "id_acte_right": rate("id_acte", "right"),
        "id_acte_found": rate("id_acte", "found"),
        "reception_right": rate("reception_date", "right"),
        "reception_found": rate("reception_date", "found"),
        "ms_per_document": round(per_doc * 1000, 1),
        "fields": table,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

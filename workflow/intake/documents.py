"""What the platform refuses in an act's documents, checked at intake so that the act stays a
draft with the reason instead of failing at packaging or being refused after the platform's
``OK`` (PROTOCOL.md §9, §6.6):

* each document by itself (:func:`document_problem`): its kind read from the content (the act
  a PDF, or XML for a budget; annexes PDF, XML, PNG or JPEG), a PDF readable to its last page;
* the documents with the act's settled values (:func:`typology_problems`): XML only for a
  budget document (nature BF, classification 7.1) and then PDF annexes; one typology per annex,
  of five characters, allowed for the act's nature by the collectivité's recorded 7-2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workflow.errors import ActesError, InvalidDocument, InvalidIdentifier
from workflow.i18n import _
from workflow.identifiers import ActNature, Classification, TypologyCode
from workflow.intake.checks import Problem
from workflow.intake.metadata import ActMetadata
from workflow.protocol.documents import DocumentKind, examine, sniff_kind
from workflow.protocol.pdfcheck import RULE as PDF_RULE
from workflow.protocol.pdfcheck import pdf_fault
from workflow.store import DocumentRef

_ANNEX_KINDS = frozenset({DocumentKind.PDF, DocumentKind.XML, DocumentKind.PNG, DocumentKind.JPEG})
RULE_XML_ACT = "XML only for a budget document (nature BF, classification 7.1)"
RULE_XML_ANNEXES = "PDF annexes with an XML act"
RULE_TYPOLOGY = "one typology per annex, of 5 characters [A-Z0-9_]"
RULE_TYPOLOGY_NATURE = "typology allowed for the act's nature by the 7-2"


def field_of(document: DocumentRef) -> str:
    return "document" if document.position == 0 else f"annexes[{document.position - 1}]"


def document_problem(document: DocumentRef, path: Path, metadata: ActMetadata) -> Problem | None:
    """What the platform would refuse in one document: its kind (the act a PDF, or XML for a
    budget; annexes PDF, XML, PNG or JPEG, read from the content) and a PDF it cannot read."""
    name = field_of(document)
    try:
        facts = examine(path, field=name)
    except InvalidDocument as error:
        return Problem(
            name,
            error.rule or "document",
            f"{document.file_name}: {error.message}",
            document.file_name,
        )
    if document.position == 0:
        budget_xml = facts.kind is DocumentKind.XML and (metadata.nature or "").upper() == "BF"
        if facts.kind is not DocumentKind.PDF and not budget_xml:
            return Problem(
                "document",
                "the act is a PDF (XML only for a budget document)",
                f"{document.file_name} is {facts.kind.value.upper()}, not a PDF (read from its content)",
                document.file_name,
            )
    if facts.kind is DocumentKind.PDF:
        fault = pdf_fault(path)
        if fault is not None:  # the platform would refuse the act after accepting it
            return Problem(name, PDF_RULE, f"{document.file_name}: {fault}", document.file_name)
    if document.position != 0 and facts.kind not in _ANNEX_KINDS:
        return Problem(
            name, "PDF, XML, PNG or JPEG", f"{document.file_name}: not accepted", document.file_name
        )
    return None


def kind_of(path: Path) -> DocumentKind | None:
    """The document's kind from its first and last bytes (it was examined already)."""
    with path.open("rb") as stream:
        head = stream.read(1024)
        stream.seek(max(0, path.stat().st_size - 2048))
        return sniff_kind(head, stream.read(2048))


def typology_problems(
    documents: Sequence[DocumentRef],
    paths: Sequence[Path],
    values: dict[str, Any],
    allowed: frozenset[str] | None,
    allowed_from: dt.date | None,
) -> list[Problem]:
    """The rules on the documents that need the act's nature and classification (``values``,
    once settled) and the typologies the 7-2 allows for that nature (``allowed``)."""
    try:
        nature = ActNature[str(values.get("nature"))]
    except KeyError:
        return []  # the nature is not settled: its own problem says so
    problems: list[Problem] = []
    if kind_of(paths[0]) is DocumentKind.XML:
        if nature is not ActNature.BF or not _budget(values.get("classification")):
            problems.append(
                Problem(
                    "classification",
                    RULE_XML_ACT,
                    _(
                        "{file} is an XML document: the platform takes XML only for a budget "
                        "document (nature BF, classification 7.1)",
                        file=documents[0].file_name,
                    ),
                    values.get("classification"),
                )
            )
        for document, path in zip(documents[1:], paths[1:], strict=True):
            if kind_of(path) is not DocumentKind.PDF:
                problems.append(
                    Problem(
                        field_of(document),
                        RULE_XML_ANNEXES,
                        _(
                            "{file}: with an XML act, the platform takes only PDF annexes",
                            file=document.file_name,
                        ),
                        document.file_name,
                    )
                )
    for document in documents:
        default = nature.default_typology.value if document.position == 0 else None
        code = document.typology or default
        problem = _typology_problem(document, code, nature, allowed, allowed_from)
        if problem is not None:
            problems.append(problem)
    return problems


def _budget(classification: Any) -> bool:
    try:
        return Classification.parse(str(classification)).levels[:2] == (7, 1)
    except ActesError:
        return False


def _typology_problem(
    document: DocumentRef,
    code: str | None,
    nature: ActNature,
    allowed: frozenset[str] | None,
    allowed_from: dt.date | None,
) -> Problem | None:
    where = "typologie" if document.position == 0 else f"{field_of(document)}.typologie"
    if code is None:
        return Problem(
            where,
            RULE_TYPOLOGY,
            _(
                "{file}: no typology code (e.g. 99_AU): the platform requires one per annex",
                file=document.file_name,
            ),
            document.file_name,
        )
    try:
        TypologyCode.parse(code)
    except InvalidIdentifier:
        return Problem(
            where,
            RULE_TYPOLOGY,
            _(
                "{file}: the typology code {code} is not 5 characters from A-Z, 0-9 and _",
                file=document.file_name,
                code=code,
            ),
            code,
        )
    if allowed is not None and code.upper() not in allowed:
        return Problem(
            where,
            RULE_TYPOLOGY_NATURE,
            _(
                "{file}: the typology {code} is not allowed for nature {nature} by the "
                "collectivité's 7-2 of {day} (allowed: {allowed})",
                file=document.file_name,
                code=code,
                nature=nature.abbrev,
                day=allowed_from.isoformat() if allowed_from else "?",
                allowed=", ".join(sorted(allowed)),
            ),
            code,
        )
    return None

"""Draft problems as people read them: each keeps its stable machine ``code`` (the field and the
rule), gains a ``title`` in the reader's language (from the catalogs: French by default) naming
what to correct or check, and its message loses server paths and file hashes. Applied where
problems are serialised, so the checks that produce them stay as they are."""

from __future__ import annotations

import re
from typing import Any

from workflow.i18n import _
from workflow.problems import for_people


def _field_label(field: str) -> str:
    labels = {
        "siren": _("the collectivité (SIREN)"),
        "numero": _("the act's number"),
        "numero_printed": _("the act's number"),
        "date": _("the decision date"),
        "nature": _("the act's nature"),
        "classification": _("the classification"),
        "classification_date": _("the classification's date"),
        "objet": _("the objet"),
        "document": _("the act's document"),
        "annexes": _("an annex"),
        "typologie": _("the document's typology"),
        "convocation_date": _("the convocation date"),
        "publication_date": _("the publication date"),
        "members_in_office": _("the members in office"),
        "present": _("the members present"),
        "proxies": _("the proxies"),
        "voters": _("the voters"),
        "vote": _("the vote"),
        "rapporteur": _("the rapporteur"),
        "already_transmitted": _("the earlier accusé de réception"),
        "printed_ar": _("the printed accusé de réception"),
    }
    return labels.get(field, field)


def code_of(field: str, rule: str) -> str:
    """``document`` + ``a PDF readable to its last page`` → ``document.a_pdf_readable_to_its_…``"""
    slug = re.sub(r"[^a-z0-9]+", "_", rule.lower()).strip("_")[:60].rstrip("_")
    return f"{_base(field)}.{slug or 'rule'}"


def _base(field: str) -> str:
    return re.split(r"[.\[]", field, maxsplit=1)[0]


def for_clerks(problem: dict[str, Any]) -> dict[str, Any]:
    """One problem, as JSON-ready data, worded for the people who settle it."""
    field, rule = str(problem.get("field", "")), str(problem.get("rule", ""))
    label = _field_label(_base(field))
    error = problem.get("severity", "error") == "error"
    title = _("to correct: {field}", field=label) if error else _("to check: {field}", field=label)
    return {
        **problem,
        "code": code_of(field, rule),
        "title": title,
        "message": for_people(str(problem.get("message", ""))),
    }

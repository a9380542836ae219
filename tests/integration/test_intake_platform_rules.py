"""What the platform refuses in the documents given the act's nature and classification is a
draft at intake, never an act that fails at packaging or comes back −1 after the platform's OK
(PROTOCOL.md §9): one typology of 5 characters per annex, allowed for the nature by the
collectivité's recorded 7-2; XML only for a budget document (BF, 7.1), and then PDF annexes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_intake_service import DOLE, DREUX, NOW, deliberation
from tests.support import open_store
from workflow.adapters.simulator.validation import default_classification
from workflow.intake import documents as rules
from workflow.intake.metadata import parse_metadata
from workflow.intake.requests import LOCAL, IntakeResult, Upload
from workflow.intake.service import Intake
from workflow.protocol import xml_in, xml_out
from workflow.protocol.nomenclature import recorded_classification
from workflow.usecases import Services

BUDGET = {
    "siren": "212801344",
    "numero": "BP2022_1",
    "date": "2022-10-13",
    "nature": "BF",
    "classification": "7.1",
    "objet": "Budget primitif 2022",
}


@pytest.fixture
def intake(tmp_path: Path, database_url: str) -> Iterator[Intake]:
    with open_store(database_url, tmp_path, DREUX, DOLE) as store:
        yield Intake(Services(store=store, outbox=tmp_path / "outbox", clock=lambda: NOW))


def _errors(result: IntakeResult) -> list[tuple[str, str]]:
    return [
        (p["field"], p["rule"]) for p in result.as_dict()["problems"] if p["severity"] == "error"
    ]


def _annex(tmp_path: Path, name: str = "plan.pdf", data: bytes | None = None) -> Path:
    path = tmp_path / name
    path.write_bytes(data if data is not None else deliberation(tmp_path, 999).read_bytes())
    return path


def test_every_annex_needs_a_typology_of_five_characters(intake: Intake, tmp_path: Path) -> None:
    act, annex = deliberation(tmp_path, 180), _annex(tmp_path)
    uploads = [Upload(act, "180.pdf"), Upload(annex, "plan.pdf")]
    held = intake.submit(LOCAL, uploads, parse_metadata(None), "no-typology")
    assert held.act is None
    assert _errors(held) == [("annexes[0].typologie", rules.RULE_TYPOLOGY)]
    problem = next(p for p in held.as_dict()["problems"] if p["field"] == "annexes[0].typologie")
    assert "plan.pdf" in problem["message"] and "exige une par annexe" in problem["message"]
    odd = intake.submit(
        LOCAL, uploads, parse_metadata({"annexes": [{"typologie": "AB"}]}), "odd-typology"
    )
    assert _errors(odd) == [("annexes[0].typologie", rules.RULE_TYPOLOGY)]
    settled = parse_metadata({"annexes": [{"typologie": "99_AU"}]})
    done = intake.complete(LOCAL, odd.draft.id, settled)  # a person settles it: an act
    assert done.act is not None, done.as_dict()["problems"]
    assert [d.typology for d in done.act.documents] == [None, "99_AU"]


def test_a_typology_the_7_2_does_not_allow_for_the_nature_is_a_draft(
    intake: Intake, tmp_path: Path
) -> None:
    seven_two = default_classification()  # every nature: the generic 99_* typologies only
    intake.services.nomenclature.record("212801344", xml_out.to_xml(seven_two))
    act, annex = deliberation(tmp_path, 182), _annex(tmp_path)
    uploads = [Upload(act, "182.pdf"), Upload(annex, "plan.pdf")]
    metadata = parse_metadata({"annexes": [{"typologie": "22_AG"}]})
    held = intake.submit(LOCAL, uploads, metadata, "not-allowed")
    assert _errors(held) == [("annexes[0].typologie", rules.RULE_TYPOLOGY_NATURE)]
    message = next(
        p["message"] for p in held.as_dict()["problems"] if p["field"] == "annexes[0].typologie"
    )
    assert "22_AG" in message and "DE" in message
    assert seven_two.date_classification.isoformat() in message and "99_AU" in message
    allowed = intake.submit(
        LOCAL, uploads, parse_metadata({"annexes": [{"typologie": "99_AU"}]}), "allowed"
    )
    assert allowed.act is not None, allowed.as_dict()["problems"]


def test_a_recorded_7_2_is_parsed_once_not_at_every_submission(
    intake: Intake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real 7-2 (50 KB) takes milliseconds to parse, and every submission reads it (the
    proposal, the typologies) as every packaging does: parsed once per text."""
    raw = xml_out.to_xml(default_classification())
    recorded_classification.cache_clear()  # parsed by no earlier test, then
    intake.services.nomenclature.record("212801344", raw)
    parsed: list[bytes] = []
    parse = xml_in.parse_message

    def counting(data: bytes, **kwargs: Any) -> Any:
        if data == raw:
            parsed.append(data)
        return parse(data, **kwargs)

    monkeypatch.setattr(xml_in, "parse_message", counting)
    for n in (184, 185):
        done = intake.submit(
            LOCAL, [Upload(deliberation(tmp_path, n), f"{n}.pdf")], parse_metadata(None), f"p{n}"
        )
        assert done.act is not None, done.as_dict()["problems"]
    assert len(parsed) == 1


def test_xml_only_for_a_budget_and_then_pdf_annexes(intake: Intake, tmp_path: Path) -> None:
    xml = tmp_path / "budget.xml"
    xml.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<DocumentBudgetaire/>\n')
    not_budget = intake.submit(
        LOCAL,
        [Upload(xml, "budget.xml")],
        parse_metadata({**BUDGET, "classification": "7.2"}),
        "xml-not-71",
    )
    assert ("classification", rules.RULE_XML_ACT) in _errors(not_budget)
    png = _annex(tmp_path, "carte.png", b"\x89PNG\r\n\x1a\n" + bytes(200))
    with_png = intake.submit(
        LOCAL,
        [Upload(xml, "budget.xml"), Upload(png, "carte.png")],
        parse_metadata({**BUDGET, "annexes": [{"typologie": "99_AU"}]}),
        "xml-png",
    )
    assert _errors(with_png) == [("annexes[0]", rules.RULE_XML_ANNEXES)]
    budget = intake.submit(LOCAL, [Upload(xml, "budget.xml")], parse_metadata(BUDGET), "xml-71")
    assert budget.act is not None, budget.as_dict()["problems"]

"""An act and the link from its draft are written in one transaction (issue 14 #5): the
database stopping between the two once answered ``202 draft`` for an act that was sent."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from tests.integration import test_intake_service as base
from tests.integration.test_intake_service import deliberation
from workflow.adapters.store.repository import SqlStore
from workflow.errors import Conflict, TransientError
from workflow.intake.metadata import parse_metadata
from workflow.intake.requests import LOCAL, Upload
from workflow.intake.service import Intake
from workflow.lifecycle import ActState
from workflow.store import NewAct

intake = base.intake


def test_the_draft_is_linked_with_the_act_in_the_same_transaction(
    intake: Intake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second write follows the act's: a store that fails after it changes nothing."""

    def down(*args: object, **kwargs: object) -> None:
        raise TransientError("the database is unavailable", field="database")

    monkeypatch.setattr(SqlStore, "update_draft", down)
    monkeypatch.setattr(SqlStore, "record_message", down)
    monkeypatch.setattr(SqlStore, "transition", down)
    result = intake.submit(
        LOCAL, [Upload(deliberation(tmp_path, 148), "148.pdf")], parse_metadata(None), "k-148"
    )
    assert result.act is not None and result.created
    assert result.draft.status == "submitted" and result.draft.act_id == result.act.id
    monkeypatch.undo()
    again = intake.submit(
        LOCAL, [Upload(deliberation(tmp_path, 148), "148.pdf")], parse_metadata(None), "k-148"
    )
    assert again.act is not None and again.act.id == result.act.id  # never "202 draft"
    store = intake.services.store
    assert isinstance(store, SqlStore)
    assert [m[1] for m in store.messages(result.act.id)] == ["intake"]


def test_an_already_transmitted_act_is_acknowledged_as_it_is_created(
    intake: Intake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise TransientError("the database is unavailable", field="database")

    monkeypatch.setattr(SqlStore, "transition", down)
    metadata = parse_metadata(
        {
            "already_transmitted": {
                "id_acte": "028-212801344-20221013-DEL2022_150-DE",
                "reception": "2022-10-18",
            }
        }
    )
    result = intake.submit(
        LOCAL, [Upload(deliberation(tmp_path, 150), "150.pdf")], metadata, "k-150"
    )
    assert result.act is not None and result.act.state is ActState.ACKNOWLEDGED
    assert result.act.date_reception == dt.date(2022, 10, 18)


def test_no_act_is_created_when_its_draft_cannot_be_linked(intake: Intake, tmp_path: Path) -> None:
    store = intake.services.store
    held = intake.submit(
        LOCAL,
        [Upload(deliberation(tmp_path, 151, objet="Questions diverses"), "151.pdf")],
        parse_metadata(None),
        "k-151",
    )
    assert held.act is None
    intake.discard(LOCAL, held.draft.id)
    draft = store.get_draft(held.draft.id)
    new = NewAct(
        "212801344",
        "k-151",
        "DEL2022_151",
        "DEL2022-151",
        dt.date(2022, 10, 13),
        "DE",
        "5.2",
        dt.date(2019, 3, 1),
        "Questions diverses",
        tuple((store.document_path(d.sha256), d.typology) for d in draft.documents),
    )
    with pytest.raises(Conflict):
        store.create_act(
            dataclasses.replace(new, draft_id=draft.id), at=dt.datetime.now(dt.UTC), actor="t"
        )
    assert store.list_acts() == []


def test_a_number_taken_between_the_check_and_the_act_leaves_one_draft_and_no_act(
    intake: Intake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draft and its act are one transaction: when the act cannot be written (another
    act took the number after the proposal was checked), nothing of that transaction stays,
    and the submission is kept as one draft that says why."""
    first = intake.submit(
        LOCAL, [Upload(deliberation(tmp_path, 152), "152.pdf")], parse_metadata(None), "k-152a"
    )
    assert first.act is not None
    store = intake.services.store
    monkeypatch.setattr(SqlStore, "act_by_numero", lambda *args: None)  # the race, forced
    other = deliberation(tmp_path, 152, objet="Espace Numérique de Travail primOT (collèges)")
    held = intake.submit(LOCAL, [Upload(other, "152-bis.pdf")], parse_metadata(None), "k-152b")
    assert held.act is None and held.status == "draft" and held.draft.status == "open"
    assert [p["field"] for p in held.as_dict()["problems"] if p["severity"] == "error"] == [
        "numero"
    ]
    assert [a.id for a in store.list_acts()] == [first.act.id]
    assert [d.id for d in store.list_drafts(status=None) if d.idempotency_key == "k-152b"] == [
        held.draft.id
    ]

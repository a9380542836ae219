"""Poison work ends (issue 14 #4): a bad objet is refused at intake, a permanent error fails
the act after one attempt with its reason, and a bad préfecture message is quarantined
(kept, recorded) while the poll goes on with the others."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration import test_engine as base
from tests.integration.test_engine import _acknowledge, _submit
from tests.support import control
from workflow.errors import InvalidInput
from workflow.lifecycle import ActState
from workflow.store import NewAct
from workflow.usecases import Services

services = base.services  # the engine tests' fixture: the simulator over HTTPS, a store


def test_a_control_character_in_the_objet_is_refused_at_intake(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    new = NewAct(
        "212801344",
        "key-ctl",
        "CTL1",
        "CTL1",
        dt.date(2026, 1, 5),
        "DE",
        "8.1",
        dt.date(2019, 3, 1),
        "Tarifs\x01de la cantine",
        ((pdf_factory(), None),),
    )
    with pytest.raises(InvalidInput, match="control character"):
        services.submission.submit(new)
    assert services.store.list_acts() == []


def test_a_permanent_error_fails_the_act_after_one_attempt(
    services: Services, pdf_factory: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    act_id = _submit(services, pdf_factory(), "PERM1")

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("All strings must be XML compatible")  # what lxml said, for ever

    monkeypatch.setattr("workflow.usecases.submission.package_act", broken)
    act = services.submission.package(act_id)
    assert act.state is ActState.FAILED
    assert act.last_error is not None and "XML compatible" in act.last_error
    assert services.alerts.unfinished(idle_seconds=0) == []  # the sweep leaves it alone


def test_a_bad_prefecture_message_is_quarantined_and_the_poll_goes_on(
    services: Services, pdf_factory: Callable[..., Path], tmp_path: Path
) -> None:
    lettered = _submit(services, pdf_factory(), "Q1")
    withdrawn = _submit(services, pdf_factory(), "Q2")
    for act_id in (lettered, withdrawn):
        services.submission.package(act_id)
        services.transmission.transmit(act_id)
    _acknowledge(services)
    services.exchanges.cancel(withdrawn, reason="erreur matérielle")
    id_acte = services.store.get_act(lettered).id_acte
    control(services, "/control/letter", {"id_acte": id_acte, "code": "2-1"})
    control(services, "/control/letter", {"id_acte": id_acte, "code": "4-1", "text": "Motif"})
    control(services, "/control/advance", {"seconds": 5})
    platform = services.platform
    assert platform is not None and platform.test_connection()  # the letters are delivered
    with sqlite3.connect(tmp_path / "sim.sqlite3") as db:  # the first letter arrives truncated
        first = db.execute("SELECT min(id) FROM transactions WHERE type = 2").fetchone()[0]
        db.execute(
            "UPDATE transactions SET message_archive = substr(message_archive, 1, 60) WHERE id = ?",
            (first,),
        )
    report = services.polling.poll()
    assert report.cancelled == (withdrawn,)  # the cancellation is recorded all the same
    assert report.prefecture_messages == (lettered,)  # the good letter (4-1) is taken
    assert {e.code for e in services.store.exchanges(lettered)} == {"4-1"}
    (incident,) = services.store.incidents()
    assert incident.kind == "inbound_quarantined" and incident.act_id == lettered
    assert incident.payload_size == 60
    assert services.store.incident_payload(incident.id) is not None
    assert services.polling.poll().prefecture_messages == ()  # taken out of the way once
    assert len(services.store.incidents()) == 1


def test_incidents_are_listed_by_the_cli(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from click.testing import CliRunner

    from workflow.adapters.store.engine import make_engine, upgrade_to_head
    from workflow.adapters.store.repository import SqlStore
    from workflow.interfaces.cli import engine_commands
    from workflow.interfaces.cli.app import cli

    engine = make_engine(database_url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    kept = store.record_incident(
        "inbound_quarantined", "message 4 illisible", at=dt.datetime.now(dt.UTC), payload=b"\x1f"
    )
    monkeypatch.setenv("ACTES_DATABASE_URL", database_url)
    assert engine_commands.incidents_command.name == "incidents"
    runner = CliRunner()
    listed = runner.invoke(cli, ["incidents", "--json", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["incidents"][0]["detail"] == "message 4 illisible"
    raw = runner.invoke(cli, ["incidents", "--payload", str(kept.id), "--data-dir", str(tmp_path)])
    assert raw.exit_code == 0 and raw.stdout_bytes == b"\x1f", (raw.output, raw.exception)
    store.close()

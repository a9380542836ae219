"""The intake use cases against a real store (SQLite and PostgreSQL): acts and drafts,
idempotency, completing drafts, who sees what, and the watched folder."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import open_store
from workflow.adapters.store.repository import SqlStore
from workflow.adapters.textpdf import text_pdf
from workflow.collectivite import Collectivite
from workflow.errors import NotFound, SecurityError
from workflow.intake.metadata import parse_metadata
from workflow.intake.requests import LOCAL, Principal, Upload
from workflow.intake.service import Intake
from workflow.interfaces.cli.intake_commands import process_folder
from workflow.lifecycle import ActState
from workflow.tokens import authenticate, issue_token
from workflow.usecases import Services

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
DOLE = Collectivite.from_mapping(
    {"name": "Ville de Dole", "siren": "000000018", "departement": "039", "emails": ["a@dole.fr"]}
)
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

DELIBERATION = """Ville de Dreux
CONSEIL MUNICIPAL DU JEUDI 13 OCTOBRE 2022
DÉLIBÉRATION N°DEL2022-{n}

{objet}

Rapporteur : Lydie GUÉRIN
Nombre de membres en exercice 39
Nombre de présents 30
Nombre de pouvoirs 7
Votants 37
LE CONSEIL MUNICIPAL, APRÈS EN AVOIR DÉLIBÉRÉ, à l'unanimité
"""


PDF_CREATED = dt.datetime(2022, 10, 14, 9, 0, tzinfo=dt.UTC)


def deliberation(
    tmp_path: Path, n: int, objet: str = "Espace Numérique de Travail primOT (écoles)"
) -> Path:
    path = tmp_path / f"del-{n}.pdf"
    # a fixed creation date: the same deliberation is the same bytes, even a second later
    path.write_bytes(text_pdf(DELIBERATION.format(n=n, objet=objet), created=PDF_CREATED))
    return path


@pytest.fixture
def intake(tmp_path: Path, database_url: str) -> Iterator[Intake]:
    with open_store(database_url, tmp_path, DREUX, DOLE) as store:
        yield Intake(Services(store=store, outbox=tmp_path / "outbox", clock=lambda: NOW))


def test_a_clear_pdf_becomes_an_act_and_a_repeat_returns_it(intake: Intake, tmp_path: Path) -> None:
    pdf = deliberation(tmp_path, 148)
    first = intake.submit(LOCAL, [Upload(pdf, "148.pdf")], parse_metadata(None), "vote-148")
    assert first.act is not None and first.created
    act = first.act
    assert (act.siren, act.numero, act.numero_printed, act.classification) == (
        "212801344",
        "DEL2022_148",
        "DEL2022-148",
        "8.1",
    )
    assert act.act_date == dt.date(2022, 10, 13) and act.state is ActState.RECEIVED
    assert act.documents[0].file_name == "148.pdf"
    again = intake.submit(LOCAL, [Upload(pdf, "148.pdf")], parse_metadata(None), "vote-148")
    assert again.act is not None and again.act.id == act.id and not again.created
    # the report of what was read is kept with the act, for the audit
    store = intake.services.store
    assert isinstance(store, SqlStore)
    assert [m[:2] for m in store.messages(act.id)] == [("in", "intake")]


def test_a_draft_keeps_the_document_and_is_completed_by_a_person(
    intake: Intake, tmp_path: Path
) -> None:
    pdf = deliberation(tmp_path, 150, objet="Questions diverses")  # no classification can be read
    held = intake.submit(LOCAL, [Upload(pdf, "150.pdf")], parse_metadata(None), "vote-150")
    assert held.act is None and held.status == "draft"
    problems = held.as_dict()["problems"]
    assert [p["field"] for p in problems if p["severity"] == "error"] == ["classification"]
    assert (
        Path(intake.services.store.document_path(held.draft.documents[0].sha256)).read_bytes()
        == pdf.read_bytes()
    )
    assert intake.services.store.list_acts() == []  # nothing recorded as an act, nothing sent
    same = intake.submit(LOCAL, [Upload(pdf, "150.pdf")], parse_metadata(None), "vote-150")
    assert same.draft.id == held.draft.id and same.act is None
    done = intake.complete(LOCAL, held.draft.id, parse_metadata({"classification": "5.2"}))
    assert done.act is not None and done.act.classification == "5.2"
    assert intake.draft(LOCAL, held.draft.id).status == "submitted"
    again = intake.complete(LOCAL, held.draft.id, parse_metadata({"classification": "9.1"}))
    assert (
        again.act is not None and again.act.id == done.act.id and again.act.classification == "5.2"
    )


def test_a_number_is_used_once_per_collectivite(intake: Intake, tmp_path: Path) -> None:
    intake.submit(LOCAL, [Upload(deliberation(tmp_path, 151), "a.pdf")], parse_metadata(None), "a")
    other = tmp_path / "other"
    other.mkdir()
    second = intake.submit(
        LOCAL,
        [Upload(deliberation(other, 151, "Autre objet pour les écoles"), "b.pdf")],
        parse_metadata(None),
        "b",
    )
    assert second.act is None
    [problem] = [p for p in second.as_dict()["problems"] if p["severity"] == "error"]
    assert problem["rule"] == "number unique for the collectivité"
    assert "already used by act" in problem["message"]


def test_bad_documents_are_drafts_with_the_reason(intake: Intake, tmp_path: Path) -> None:
    png = tmp_path / "scan.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    held = intake.submit(
        LOCAL, [Upload(png, "scan.pdf")], parse_metadata({"siren": "212801344"}), "png"
    )
    assert held.act is None
    errors = {p["field"]: p for p in held.as_dict()["problems"] if p["severity"] == "error"}
    assert "not a PDF" in errors["document"]["message"]
    # a scanned PDF with complete metadata goes: the protocol needs no text layer
    from tests.core.test_intake import _pdf_without_text

    scan = tmp_path / "real-scan.pdf"
    scan.write_bytes(_pdf_without_text())
    metadata = {
        "siren": "212801344",
        "numero": "DEL2022-160",
        "date": "2022-10-13",
        "nature": "DE",
        "classification": "8.1",
        "objet": "Cantine scolaire",
    }
    sent = intake.submit(LOCAL, [Upload(scan, "scan.pdf")], parse_metadata(metadata), "scan")
    assert sent.act is not None
    warnings = [p for p in sent.as_dict()["problems"] if p["field"] == "document"]
    assert (
        warnings
        and warnings[0]["severity"] == "warning"
        and "no text layer" in warnings[0]["message"]
    )


def test_tokens_see_and_submit_for_their_own_collectivites_only(
    intake: Intake, tmp_path: Path
) -> None:
    store = intake.services.store
    token_id, token = issue_token(store, "web-delib Dole", ["000000018"], at=NOW)
    principal = authenticate(store, token)
    assert principal == Principal(f"token:{token_id}", frozenset({"000000018"}))
    with pytest.raises(SecurityError):
        intake.submit(
            principal,
            [Upload(deliberation(tmp_path, 152), "x.pdf")],
            parse_metadata({"siren": "212801344"}),
            "k",
        )
    # a Dreux document posted with a Dole token: the document names another collectivité
    held = intake.submit(
        principal, [Upload(deliberation(tmp_path, 153), "x.pdf")], parse_metadata(None), "k2"
    )
    assert held.act is None and any(p["field"] == "siren" for p in held.as_dict()["problems"])
    mine = intake.submit(
        LOCAL,
        [Upload(deliberation(tmp_path, 154, "Questions diverses"), "y.pdf")],
        parse_metadata(None),
        "k3",
    )
    with pytest.raises(NotFound):
        intake.draft(principal, mine.draft.id)
    assert mine.draft.id not in {d.id for d in intake.drafts(principal)}
    # a rotated token for the same collectivité keeps the keys of the one it replaces
    ok = intake.submit(
        principal,
        [Upload(deliberation(tmp_path, 155).rename(tmp_path / "d.pdf"), "d.pdf")],
        parse_metadata({"siren": "000000018", "numero": "D-155"}),
        "rotate",
    )
    _, new_token = issue_token(store, "web-delib Dole (new)", ["000000018"], at=NOW)
    rotated = intake.submit(
        authenticate(store, new_token),
        [Upload(tmp_path / "d.pdf", "d.pdf")],
        parse_metadata({"siren": "000000018", "numero": "D-155"}),
        "rotate",
    )
    assert rotated.draft.id == ok.draft.id and not rotated.created
    store.revoke_token(token_id, at=NOW)
    with pytest.raises(SecurityError, match="revoked"):
        authenticate(store, token)
    with pytest.raises(SecurityError, match="unknown"):
        authenticate(store, "actes_forged")
    assert all(t.id != token for t in store.list_tokens())  # only hashes are kept


def test_the_watched_folder(intake: Intake, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    deliberation(folder, 170)
    draft_pdf = deliberation(folder, 171, "Questions diverses")
    (folder / "del-171.json").write_text(
        json.dumps({"rapporteur": "Lydie GUÉRIN"}), encoding="utf-8"
    )
    fresh = deliberation(folder, 172)
    os.utime(fresh, None)
    old = dt.datetime.now().timestamp() - 60
    for path in folder.glob("del-17[01].*"):
        os.utime(path, (old, old))
    outcomes = dict(process_folder(intake, folder, settle_seconds=10))
    assert {p.name for p in outcomes} == {
        "del-170.pdf",
        "del-171.pdf",
    }  # del-172 is still being written
    assert (folder / "done" / "del-170.pdf").exists()
    assert (folder / "drafts" / "del-171.pdf").exists() and (
        folder / "drafts" / "del-171.json"
    ).exists()
    report = json.loads((folder / "drafts" / "del-171.result.json").read_text(encoding="utf-8"))
    assert report["status"] == "draft"
    assert not draft_pdf.exists() and fresh.exists()
    # the same PDF dropped again is recorded once
    (folder / "again.pdf").write_bytes((folder / "done" / "del-170.pdf").read_bytes())
    os.utime(folder / "again.pdf", (old, old))
    [(_, outcome)] = process_folder(intake, folder, settle_seconds=10)
    assert not isinstance(outcome, Exception) and outcome.act is not None and not outcome.created


def test_suggestions_use_the_collectivites_own_classification(
    intake: Intake, tmp_path: Path
) -> None:
    from workflow.protocol.messages import Matiere, RetourClassification
    from workflow.protocol.nomenclature import national_classification
    from workflow.protocol.xml_out import to_xml

    national = national_classification()
    local = RetourClassification(
        dt.date(2024, 1, 1),
        national.natures,
        (
            *national.matieres[:7],
            Matiere(
                8,
                "Domaines de compétences par thèmes",
                (Matiere(1, "Enseignement", (Matiere(3, "Restauration scolaire et cantine"),)),),
            ),
        ),
    )
    intake.services.nomenclature.record("212801344", to_xml(local))
    assert intake.services.nomenclature.current("212801344").date_classification == dt.date(
        2024, 1, 1
    )
    assert (
        intake.services.nomenclature.current("000000018") == national
    )  # none kept: the national levels
    result = intake.submit(
        LOCAL,
        [
            Upload(
                deliberation(tmp_path, 180, "Tarifs de la restauration scolaire et de la cantine"),
                "t.pdf",
            )
        ],
        parse_metadata(None),
        "local",
    )
    assert result.act is not None
    assert (result.act.classification, result.act.classification_date) == (
        "8.1.3",
        dt.date(2024, 1, 1),
    )


@pytest.mark.shared
def test_fixture_acts_show_their_executory_dates_once_ar_and_publication_are_recorded(
    intake: Intake, shared_dir: Path, tmp_path: Path
) -> None:
    """LEGAL.md's worked examples A (Dreux) and B (Saint-Ambroix), from the fixture documents:
    recorded as already transmitted with their accusé de réception, then published."""
    from workflow.legal.deadlines import DeadlineKind

    store = intake.services.store
    # populations as LEGAL.md's examples give them (about 30,000 and about 3,300)
    store.add_collectivite(
        Collectivite.from_mapping(
            {
                "name": "Ville de Dreux",
                "siren": "212801344",
                "departement": "028",
                "emails": ["a@dreux.fr"],
                "population": 30000,
            }
        )
    )
    store.add_collectivite(
        Collectivite.from_mapping(
            {
                "name": "Commune de Saint-Ambroix",
                "siren": "000000026",
                "departement": "030",
                "emails": ["a@sa.fr"],
                "population": 3300,
                "publicity_mode": "posting",
            }
        )
    )
    assert store.get_collectivite("000000026").publicity_mode == "posting"
    folder = shared_dir / "fixtures" / "deliberations"

    def record(name: str, metadata: dict[str, object]) -> int:
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(text_pdf((folder / name).read_text(encoding="utf-8")))
        result = intake.submit(LOCAL, [Upload(pdf, pdf.name)], parse_metadata(metadata), name)
        assert result.act is not None, result.as_dict()["problems"]
        assert result.act.state is ActState.ACKNOWLEDGED and not result.to_send  # nothing is sent
        return result.act.id

    # Dreux: the printed AR is valid and is read from the document
    dreux = record("dreux-2022-148.txt", {"already_transmitted": {}})
    act = intake.services.store.get_act(dreux)
    assert (act.id_acte, act.date_reception) == (
        "028-212801344-20221018-DEL2022-148-DE",
        dt.date(2022, 10, 18),
    )
    # Saint-Ambroix: the printed AR is malformed; never repaired — a person gives it
    pdf = tmp_path / "sa.pdf"
    pdf.write_bytes(text_pdf((folder / "saint-ambroix-2021-100.txt").read_text(encoding="utf-8")))
    held = intake.submit(
        LOCAL, [Upload(pdf, "sa.pdf")], parse_metadata({"already_transmitted": {}}), "sa"
    )
    assert held.act is None
    [problem] = [p for p in held.as_dict()["problems"] if p["severity"] == "error"]
    assert problem["field"] == "already_transmitted.id_acte" and "malformed" in problem["message"]
    done = intake.complete(
        LOCAL,
        held.draft.id,
        parse_metadata({"already_transmitted": {"id_acte": "030-000000026-20211027-2021_100-DE"}}),
    )
    assert done.act is not None and done.act.date_reception == dt.date(
        2021, 10, 29
    )  # read from "Reçu le"
    saint_ambroix = done.act.id

    intake.services.law.record_publicity(
        dreux, "electronic", dt.date(2022, 10, 18), "https://www.dreux.fr/actes"
    )
    intake.services.law.record_publicity(saint_ambroix, "posting", dt.date(2021, 10, 29))
    a = intake.services.law.assess(dreux)
    assert (a.executory.date, a.executory.rule) == (dt.date(2022, 10, 18), "R3")
    due = {d.kind: d.due for d in a.deadlines}
    assert due[DeadlineKind.PREFET_DEFERE] == dt.date(2022, 12, 19)
    assert due[DeadlineKind.THIRD_PARTY_APPEAL] == dt.date(2022, 12, 19)
    advice = intake.services.law.publicity_advice(dreux)
    assert (advice.expected, advice.rule, advice.ok) == (("electronic",), "R5", True)
    advice = intake.services.law.publicity_advice(saint_ambroix)
    assert (advice.rule, advice.ok) == ("R4", True)  # 2021: before the reform, posting was valid
    b = intake.services.law.assess(saint_ambroix)
    assert (b.executory.date, b.executory.rule) == (dt.date(2021, 10, 29), "R4")
    due = {d.kind: d.due for d in b.deadlines}
    assert due[DeadlineKind.PREFET_DEFERE] == dt.date(2021, 12, 30)
    assert due[DeadlineKind.THIRD_PARTY_APPEAL] == dt.date(2021, 12, 30)

    # Dole: never transmitted; published on 17 March 2015, it is not executory until received
    dole_pdf = tmp_path / "dole.pdf"
    dole_pdf.write_bytes(text_pdf((folder / "dole-15-09-03-35.txt").read_text(encoding="utf-8")))
    dole = intake.submit(LOCAL, [Upload(dole_pdf, "dole.pdf")], parse_metadata(None), "dole")
    assert dole.act is not None and dole.to_send
    intake.services.law.record_publicity(dole.act.id, "posting", dt.date(2015, 3, 17))
    assert not intake.services.law.assess(dole.act.id).executory.executory

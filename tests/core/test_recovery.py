"""workflow.recovery: what proves that a transaction found by number is the act we sent."""

from __future__ import annotations

import dataclasses
import datetime as dt

from workflow.lifecycle import ActState
from workflow.platform import PlatformStatus
from workflow.recovery import Candidate, Outcome, judge, normalised
from workflow.store import ActRecord

ACT = ActRecord(
    id=7,
    siren="212800858",
    numero="DEL2024_001",
    numero_printed="DEL2024_001",
    act_date=dt.date(2026, 1, 5),
    nature="DE",
    classification="8.1",
    classification_date=dt.date(2019, 3, 1),
    objet="Tarifs de la cantine — œuvres",
    state=ActState.SUBMITTING,
    state_since=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    id_acte=None,
    date_reception=None,
    anomaly_nature=None,
    anomaly_detail=None,
    last_error=None,
    platform_ref=None,
    documents=(),
)
OURS = "028-212800858-20260105-DEL2024_001-DE"
THEIRS = "028-212801344-20260105-DEL2024_001-DE"


def _candidate(**changes: object) -> Candidate:
    base = Candidate(
        "41",
        "DEL2024_001",
        "Tarifs de la cantine - oeuvres",  # as re-encoded in ISO-8859-1 by the platform
        "2026-01-05",
        PlatformStatus.ACQUITTEMENT_RECU,
        OURS,
        None,
        None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_proven_candidate_is_bound() -> None:
    verdict = judge(ACT, [_candidate()])
    assert (verdict.outcome, verdict.transaction_id) == (Outcome.BIND, "41")
    by_name = _candidate(id_acte=None, message_name=f"{OURS}-1-1_0.xml")
    assert judge(ACT, [by_name]).outcome is Outcome.BIND


def test_another_collectivite_s_act_is_never_bound() -> None:
    assert judge(ACT, [_candidate(id_acte=THEIRS)]).outcome is Outcome.ABSENT
    named = _candidate(id_acte=None, message_name=f"{THEIRS}-1-1_0.xml")
    assert judge(ACT, [named]).outcome is Outcome.ABSENT


def test_each_listed_and_proven_fact_must_agree() -> None:
    for changes in (
        {"subject": "Autre objet"},
        {"date": "2026-01-06"},
        {"number": "DEL2024_0011"},
        {"status": PlatformStatus.ANNULE},
        {"id_acte": "028-212800858-20260105-DEL2024_001-AR"},
        {"id_acte": "028-212800858-20260106-DEL2024_001-DE"},
        {"bound_to": 3},
    ):
        assert judge(ACT, [_candidate(**changes)]).outcome is Outcome.ABSENT, changes
    assert judge(ACT, [_candidate(bound_to=7)]).outcome is Outcome.BIND


def test_no_proof_yet_waits_and_two_proofs_are_ambiguous() -> None:
    unproven = _candidate(id="42", status=PlatformStatus.POSTE, id_acte=None)
    assert judge(ACT, [unproven]).outcome is Outcome.PENDING
    assert judge(ACT, [_candidate(id_acte="garbage")]).outcome is Outcome.PENDING
    verdict = judge(ACT, [_candidate(), _candidate(id="43")])
    assert verdict.outcome is Outcome.AMBIGUOUS and verdict.transaction_id is None
    assert "41, 43" in verdict.explanation.text("en")
    assert "aucune n'est rattachée" in verdict.explanation.text("fr")
    assert judge(ACT, [_candidate(), unproven]).outcome is Outcome.AMBIGUOUS
    assert judge(ACT, []).outcome is Outcome.ABSENT


def test_objets_compare_as_the_platform_re_encodes_them() -> None:
    assert normalised("« Œuvre » d’été") == normalised('"OEuvre" d\'ete')
    assert normalised("Budget") != normalised("Budget 2")

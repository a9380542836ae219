"""LEGAL.md: the worked examples (§2), the algorithm checks and holiday vectors (§C), and
properties (a later event never gives an earlier deadline; every deadline is a working day)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.identifiers import ActNature, Departement
from workflow.legal.calendar import is_working_day, last_day
from workflow.legal.deadlines import DeadlineKind, LegalFacts, Residence, assess, due_within

D = dt.date


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English wording (the catalogs' msgids) the legal core writes under
    ACTES_LOCALE=en; tests/core/test_legal_french.py reads the French one."""
    monkeypatch.setenv("ACTES_LOCALE", "en")


def dept(code: str) -> Departement:
    return Departement.parse(code)


def _due(facts: LegalFacts, kind: DeadlineKind) -> dt.date | None:
    return next(d.due for d in assess(facts).deadlines if d.kind is kind)


# --------------------------------------------------------------------------- §C vectors


@pytest.mark.parametrize(
    ("vector", "start", "code", "expected"),
    [
        ("C-lex-publica", D(2017, 1, 9), "028", D(2017, 3, 10)),
        ("C-icard-sunday", D(2007, 10, 1), "028", D(2007, 12, 3)),
        ("C-jurisconsulte", D(2021, 1, 3), "028", D(2021, 3, 4)),
        ("C-rjc-posted-3-oct", D(2022, 10, 3), "028", D(2022, 12, 5)),  # 4 Dec 2022 is a Sunday
        ("C-holiday-067", D(2022, 10, 25), "067", D(2022, 12, 27)),
        ("C-holiday-028", D(2022, 10, 25), "028", D(2022, 12, 26)),
        ("C-holiday-972", D(2023, 3, 21), "972", D(2023, 5, 23)),
        ("C-holiday-elsewhere", D(2023, 3, 21), "028", D(2023, 5, 22)),
        ("C-holiday-057", D(2024, 1, 28), "057", D(2024, 4, 2)),
        ("C-holiday-021", D(2024, 1, 28), "021", D(2024, 3, 29)),
        ("C-month-end", D(2022, 12, 30), "028", D(2023, 3, 1)),
    ],
)
def test_algorithm_vectors(vector: str, start: dt.date, code: str, expected: dt.date) -> None:
    assert last_day(start, 2, dept(code)).last_day == expected, vector


def test_month_end_and_local_holidays_are_flagged() -> None:
    computed = last_day(D(2022, 12, 30), 2, dept("028"))
    assert computed.clamped_to_month_end
    assert computed.echeance == D(2023, 2, 28)
    facts = LegalFacts(
        ActNature.DE, dept("067"), reception=D(2022, 10, 25), publication=D(2022, 10, 25)
    )
    defere = next(d for d in assess(facts).deadlines if d.kind is DeadlineKind.PREFET_DEFERE)
    assert defere.due == D(2022, 12, 27)
    assert defere.ambiguous and defere.note and "26 December 2022" in defere.note


# --------------------------------------------------------------------------- §2 examples


def test_example_a_dreux() -> None:
    base = LegalFacts(
        ActNature.DE, dept("028"), reception=D(2022, 10, 18), publication=D(2022, 10, 18)
    )
    result = assess(base)
    assert result.executory.executory and result.executory.date == D(2022, 10, 18)
    assert result.executory.rule == "R3"
    assert _due(base, DeadlineKind.PREFET_DEFERE) == D(2022, 12, 19)
    assert _due(base, DeadlineKind.THIRD_PARTY_APPEAL) == D(2022, 12, 19)
    dpc = LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2022, 10, 18),
        publication=D(2022, 10, 18),
        dpc=D(2022, 11, 20),
        dpc_answer=D(2022, 12, 15),
    )
    assert _due(dpc, DeadlineKind.PREFET_DEFERE) == D(2023, 2, 16)
    observations = LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2022, 10, 18),
        publication=D(2022, 10, 18),
        observations=D(2022, 12, 12),
    )
    assert _due(observations, DeadlineKind.PREFET_DEFERE) == D(2023, 4, 13)
    overseas = LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2022, 10, 18),
        publication=D(2022, 10, 18),
        residence=Residence.OUTRE_MER,
    )
    assert _due(overseas, DeadlineKind.THIRD_PARTY_APPEAL) == D(2023, 1, 19)
    abroad = LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2022, 10, 18),
        publication=D(2022, 10, 18),
        residence=Residence.ETRANGER,
    )
    assert _due(abroad, DeadlineKind.THIRD_PARTY_APPEAL) == D(2023, 2, 20)
    assert not any(
        d.kind is DeadlineKind.CZABAJ for d in result.deadlines
    )  # published, not notified


def test_example_b_saint_ambroix() -> None:
    facts = LegalFacts(
        ActNature.DE, dept("030"), reception=D(2021, 10, 29), publication=D(2021, 10, 29)
    )
    result = assess(facts)
    assert result.executory.date == D(2021, 10, 29)
    assert result.executory.rule == "R4"  # before the 2022 reform
    assert _due(facts, DeadlineKind.PREFET_DEFERE) == D(2021, 12, 30)
    assert _due(facts, DeadlineKind.THIRD_PARTY_APPEAL) == D(2021, 12, 30)
    assert _due(
        LegalFacts(
            ActNature.DE,
            dept("030"),
            reception=D(2021, 10, 29),
            publication=D(2021, 10, 29),
            residence=Residence.OUTRE_MER,
        ),
        DeadlineKind.THIRD_PARTY_APPEAL,
    ) == D(2022, 1, 31)
    assert _due(
        LegalFacts(
            ActNature.DE,
            dept("030"),
            reception=D(2021, 10, 29),
            publication=D(2021, 10, 29),
            residence=Residence.ETRANGER,
        ),
        DeadlineKind.THIRD_PARTY_APPEAL,
    ) == D(2022, 3, 1)


def test_example_c_dijon() -> None:
    facts = LegalFacts(
        ActNature.DE, dept("021"), reception=D(2015, 11, 18), publication=D(2015, 11, 18)
    )
    assert assess(facts).executory.date == D(2015, 11, 18)
    assert _due(facts, DeadlineKind.PREFET_DEFERE) == D(2016, 1, 19)
    assert _due(facts, DeadlineKind.THIRD_PARTY_APPEAL) == D(2016, 1, 19)
    earlier = LegalFacts(
        ActNature.DE, dept("021"), reception=D(2015, 11, 18), publication=D(2015, 11, 17)
    )
    assert _due(earlier, DeadlineKind.THIRD_PARTY_APPEAL) == D(2016, 1, 18)
    assert assess(earlier).executory.date == D(2015, 11, 18)


# --------------------------------------------------------------------------- other rules


def test_not_executory_without_transmission_or_publicity() -> None:
    assert not assess(
        LegalFacts(ActNature.DE, dept("028"), publication=D(2024, 1, 5))
    ).executory.executory
    assert (
        "no publication"
        in assess(
            LegalFacts(ActNature.DE, dept("028"), reception=D(2024, 1, 5))
        ).executory.explanation
    )
    alone = assess(
        LegalFacts(ActNature.AR, dept("028"), publication=D(2024, 1, 5), must_transmit=False)
    ).executory
    assert alone.executory and alone.date == D(2024, 1, 5)


def test_transmission_deadline_czabaj_defere_and_urbanism() -> None:
    individual = LegalFacts(
        ActNature.AI,
        dept("028"),
        signed=D(2024, 3, 1),
        notification=D(2024, 3, 5),
        notification_mentions_routes=False,
    )
    deadlines = {d.kind: d for d in assess(individual).deadlines}
    assert deadlines[DeadlineKind.TRANSMISSION].due == D(2024, 3, 16)
    assert deadlines[DeadlineKind.CZABAJ].due == D(2025, 3, 5)
    assert deadlines[DeadlineKind.CZABAJ].ambiguous
    referred = LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2024, 1, 5),
        publication=D(2024, 1, 5),
        defere=D(2024, 2, 1),
    )
    assert (
        next(d for d in assess(referred).deadlines if d.kind is DeadlineKind.PREFET_DEFERE).status
        == "ended"
    )
    permit = LegalFacts(
        ActNature.AI,
        dept("028"),
        reception=D(2025, 12, 1),
        publication=D(2025, 12, 1),
        urbanism_decision=True,
        gracieux=D(2025, 12, 20),
    )
    kinds = {d.kind: d for d in assess(permit).deadlines}
    assert kinds[DeadlineKind.GRACIEUX_FILING].due == D(2026, 1, 2)
    assert kinds[DeadlineKind.THIRD_PARTY_APPEAL].rule == "R22"  # no extension (R26)
    budget = LegalFacts(ActNature.BF, dept("028"), signed=D(2026, 4, 10), renewal_year=True)
    assert next(
        d for d in assess(budget).deadlines if d.kind is DeadlineKind.TRANSMISSION
    ).due == D(2026, 5, 15)


def test_due_within_for_alerts() -> None:
    result = assess(
        LegalFacts(
            ActNature.DE, dept("028"), reception=D(2022, 10, 18), publication=D(2022, 10, 18)
        )
    )
    assert [d.kind for d in due_within(result, D(2022, 12, 10), 15)] == [
        DeadlineKind.PREFET_DEFERE,
        DeadlineKind.THIRD_PARTY_APPEAL,
    ]
    assert due_within(result, D(2022, 10, 20), 15) == ()


# --------------------------------------------------------------------------- properties

days = st.dates(D(2016, 1, 1), D(2030, 12, 31))
depts = st.sampled_from(["028", "057", "067", "068", "971", "972", "973", "974", "976", "02A"])


@given(days, st.integers(0, 60), depts, st.integers(1, 4))
def test_a_later_event_never_gives_an_earlier_deadline(
    start: dt.date, shift: int, code: str, months: int
) -> None:
    assert (
        last_day(start + dt.timedelta(days=shift), months, dept(code)).last_day
        >= last_day(start, months, dept(code)).last_day
    )


@given(days, depts, st.sampled_from(list(Residence)), st.one_of(st.none(), st.integers(1, 50)))
def test_every_deadline_is_a_working_day(
    start: dt.date, code: str, residence: Residence, observations: int | None
) -> None:
    facts = LegalFacts(
        ActNature.DE,
        dept(code),
        reception=start,
        publication=start,
        residence=residence,
        observations=start + dt.timedelta(days=observations) if observations else None,
    )
    for deadline in assess(facts).deadlines:
        assert deadline.due is not None
        assert is_working_day(deadline.due, dept(code)), deadline


@given(days, st.integers(0, 40), depts)
def test_observations_never_shorten_the_prefets_delay(
    start: dt.date, after: int, code: str
) -> None:
    base = LegalFacts(ActNature.DE, dept(code), reception=start, publication=start)
    later = LegalFacts(
        ActNature.DE,
        dept(code),
        reception=start,
        publication=start,
        observations=start + dt.timedelta(days=after),
    )
    first, second = _due(base, DeadlineKind.PREFET_DEFERE), _due(later, DeadlineKind.PREFET_DEFERE)
    assert first is not None and second is not None and second >= first


def test_cli_what_if() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "workflow.interfaces.cli.main",
            "legal",
            "--nature",
            "DE",
            "--departement",
            "028",
            "--reception",
            "2022-10-18",
            "--publication",
            "2022-10-18",
            "--dpc",
            "2022-11-20",
            "--dpc-answer",
            "2022-12-15",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["executory"]["date"] == "2022-10-18"
    defere = next(d for d in data["deadlines"] if d["kind"] == "prefet_defere")
    assert (defere["due"], defere["rule"]) == ("2023-02-16", "R17")
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "workflow.interfaces.cli.main",
            "legal",
            "--nature",
            "DE",
            "--departement",
            "020",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode == 2


def test_expected_publicity() -> None:
    from workflow.legal.publicity import expected_publicity, must_transmit

    assert expected_publicity(
        ActNature.DE, population=30000, chosen_mode=None, on=D(2022, 10, 18)
    ).expected == ("electronic",)
    small = expected_publicity(
        ActNature.DE, population=3300, chosen_mode="posting", on=D(2023, 1, 5), recorded="posting"
    )
    assert (small.rule, small.ok) == ("R6", True)
    assert (
        expected_publicity(
            ActNature.AI, population=None, chosen_mode=None, on=D(2023, 1, 5), recorded="electronic"
        ).ok
        is False
    )
    assert (
        expected_publicity(ActNature.DE, population=3300, chosen_mode=None, on=D(2021, 10, 29)).rule
        == "R4"
    )
    assert must_transmit(ActNature.DE) and not must_transmit(ActNature.AU)

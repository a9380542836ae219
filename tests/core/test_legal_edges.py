"""Issue 19, the law at its edges: the distance extension relative to the court's territory
(R27), the notification without the appeal routes (R23–R24), each deadline's status on a
given day, and the holidays the ``holidays`` library counts beyond R29 (flagged, not used)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from workflow.i18n import long_date
from workflow.identifiers import ActNature, Departement
from workflow.legal.calendar import is_holiday, last_day, library_holiday
from workflow.legal.deadlines import (
    Deadline,
    DeadlineKind,
    LegalFacts,
    Residence,
    Status,
    assess,
    due_within,
)

D = dt.date


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English wording (the catalogs' msgids) the legal core writes under
    ACTES_LOCALE=en; tests/core/test_legal_french.py reads the French one."""
    monkeypatch.setenv("ACTES_LOCALE", "en")


def dept(code: str) -> Departement:
    return Departement.parse(code)


def _by_kind(facts: LegalFacts, today: dt.date | None = None) -> dict[DeadlineKind, Deadline]:
    return {d.kind: d for d in assess(facts, today=today).deadlines}


def _guadeloupe(residence: Residence | None = None) -> LegalFacts:
    facts = LegalFacts(
        ActNature.DE, dept("971"), reception=D(2024, 3, 26), publication=D(2024, 3, 26)
    )
    return replace(facts, residence=residence) if residence else facts


# --------------------------------------------------------------------------- R27


@pytest.mark.parametrize(
    ("residence", "expected"),
    [
        (None, D(2024, 5, 28)),  # default: lives in Guadeloupe; 27 May is its abolition day
        (Residence.SAME_TERRITORY, D(2024, 5, 28)),
        (Residence.OTHER_TERRITORY, D(2024, 6, 27)),  # mainland resident before TA Basse-Terre
        (Residence.METROPOLE, D(2024, 6, 27)),  # alias: mainland is another territory here
        (Residence.OUTRE_MER, D(2024, 6, 27)),  # alias: another overseas territory
        (Residence.ABROAD, D(2024, 7, 29)),  # 26 Jul + 1 = Sat 27 → Mon 29
        (Residence.ETRANGER, D(2024, 7, 29)),
    ],
)
def test_distance_relative_to_the_overseas_court(
    residence: Residence | None, expected: dt.date
) -> None:
    appeal = _by_kind(_guadeloupe(residence))[DeadlineKind.THIRD_PARTY_APPEAL]
    assert appeal.due == expected
    assert ("R27" in appeal.explanation) is (expected > D(2024, 5, 28))


@pytest.mark.parametrize(
    ("residence", "expected"),
    [
        (Residence.SAME_TERRITORY, D(2022, 12, 19)),
        (Residence.METROPOLE, D(2022, 12, 19)),
        (Residence.OTHER_TERRITORY, D(2023, 1, 19)),
        (Residence.OUTRE_MER, D(2023, 1, 19)),
        (Residence.ABROAD, D(2023, 2, 20)),
        (Residence.ETRANGER, D(2023, 2, 20)),
    ],
)
def test_distance_before_a_mainland_court_keeps_the_old_values(
    residence: Residence, expected: dt.date
) -> None:
    facts = LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2022, 10, 18),
        publication=D(2022, 10, 18),
        residence=residence,
    )
    appeal = _by_kind(facts)[DeadlineKind.THIRD_PARTY_APPEAL]
    assert appeal.due == expected
    assert not appeal.ambiguous  # an old value is unambiguous before a mainland court


def test_old_values_resolve_relative_to_the_court() -> None:
    mainland, overseas = dept("028"), dept("974")
    assert Residence.METROPOLE.relative_to(mainland) is Residence.SAME_TERRITORY
    assert Residence.METROPOLE.relative_to(overseas) is Residence.OTHER_TERRITORY
    assert Residence.OUTRE_MER.relative_to(mainland) is Residence.OTHER_TERRITORY
    assert Residence.OUTRE_MER.relative_to(overseas) is Residence.OTHER_TERRITORY
    assert Residence.ETRANGER.relative_to(overseas) is Residence.ABROAD
    assert Residence.SAME_TERRITORY.relative_to(overseas) is Residence.SAME_TERRITORY


def test_outre_mer_for_an_overseas_act_says_how_it_is_read() -> None:
    appeal = _by_kind(_guadeloupe(Residence.OUTRE_MER))[DeadlineKind.THIRD_PARTY_APPEAL]
    assert appeal.ambiguous and appeal.note and "same-territory" in appeal.note
    same = _by_kind(_guadeloupe(Residence.SAME_TERRITORY))[DeadlineKind.THIRD_PARTY_APPEAL]
    assert same.note and "outre-mer" not in same.note


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", "legal", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _cli_appeal(residence: str) -> dict[str, object]:
    run = _cli(
        "--nature", "DE", "--departement", "971", "--reception", "2024-03-26",
        "--publication", "2024-03-26", "--residence", residence, "--today", "2024-06-15", "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["today"] == "2024-06-15"
    appeal: dict[str, object] = next(
        d for d in data["deadlines"] if d["kind"] == "third_party_appeal"
    )
    return appeal


def test_cli_residence_values_and_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTES_LOCALE")  # the command's default: French
    assert _cli_appeal("other-territory")["due"] == "2024-06-27"
    assert _cli_appeal("metropole")["due"] == "2024-06-27"
    same = _cli_appeal("same-territory")
    assert (same["due"], same["status"], same["days_left"]) == ("2024-05-28", "passed", None)
    assert same["status_text"] == "échu le 28 mai 2024"
    help_text = _cli("--help").stdout
    for word in ("same-territory", "other-territory", "abroad", "metropole", "outre-mer"):
        assert word in help_text
    assert _cli("--nature", "DE", "--departement", "971", "--residence", "ailleurs").returncode == 2


# --------------------------------------------------------------------------- R23–R24


def _notified(code: str = "028", **extra: object) -> LegalFacts:
    return LegalFacts(
        ActNature.AI,
        dept(code),
        signed=D(2024, 3, 1),
        reception=D(2024, 3, 4),
        notification=D(2024, 3, 5),
        notification_mentions_routes=False,
        **extra,  # type: ignore[arg-type]
    )


def test_no_two_month_appeal_from_a_notification_without_the_routes() -> None:
    kinds = _by_kind(_notified(), today=D(2024, 4, 1))
    assert DeadlineKind.THIRD_PARTY_APPEAL not in kinds
    assert kinds[DeadlineKind.CZABAJ].due == D(2025, 3, 5)
    assert kinds[DeadlineKind.CZABAJ].status is Status.OPEN
    with_routes = LegalFacts(
        ActNature.AI, dept("028"), notification=D(2024, 3, 5), reception=D(2024, 3, 4)
    )
    assert _by_kind(with_routes)[DeadlineKind.THIRD_PARTY_APPEAL].due == D(2024, 5, 6)
    assert DeadlineKind.CZABAJ not in _by_kind(with_routes)
    # a deliberation known only by a notification without the routes: the same
    deliberation = LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2024, 3, 4),
        notification=D(2024, 3, 5),
        notification_mentions_routes=False,
    )
    assert DeadlineKind.THIRD_PARTY_APPEAL not in _by_kind(deliberation)


def test_third_parties_keep_their_two_months_from_the_publication() -> None:
    kinds = _by_kind(_notified(publication=D(2024, 3, 8)))
    appeal = kinds[DeadlineKind.THIRD_PARTY_APPEAL]
    assert (appeal.start_event, appeal.due) == (
        "publication",
        D(2024, 5, 10),
    )  # 9 May 2024 is Ascension
    assert kinds[DeadlineKind.CZABAJ].due == D(2025, 3, 5)


def test_alerts_list_the_czabaj_year_not_the_two_months() -> None:
    found = due_within(assess(_notified()), D(2024, 4, 25), 400)
    assert [d.kind for d in found] == [DeadlineKind.PREFET_DEFERE, DeadlineKind.CZABAJ]
    with_routes = LegalFacts(
        ActNature.AI, dept("028"), reception=D(2024, 3, 4), notification=D(2024, 3, 5)
    )
    assert [d.kind for d in due_within(assess(with_routes), D(2024, 4, 25), 400)] == [
        DeadlineKind.PREFET_DEFERE,
        DeadlineKind.THIRD_PARTY_APPEAL,
    ]


def test_a_gracieux_within_the_year_interrupts_it_and_is_flagged() -> None:
    czabaj = _by_kind(_notified(gracieux=D(2024, 9, 2)), today=D(2024, 9, 10))[DeadlineKind.CZABAJ]
    assert czabaj.due is None  # LEGAL.md does not say from when it runs again: no date
    assert czabaj.status is Status.SUSPENDED
    assert czabaj.status_text.startswith(
        "suspended: interrupted by the recours gracieux of 2 September 2024"
    )
    assert czabaj.ambiguous and czabaj.note and "not settled" in czabaj.note
    assert (
        "2 November 2025" in czabaj.note
    )  # a new year from the implicit rejection, as a hint only
    assert due_within(assess(_notified(gracieux=D(2024, 9, 2))), D(2024, 9, 10), 3660) == ()
    late = _by_kind(_notified(gracieux=D(2025, 3, 6)))[DeadlineKind.CZABAJ]
    assert late.due == D(2025, 3, 5)  # filed after the year: nothing to interrupt


def _czabaj_of(code: str, notified: dt.date) -> Deadline:
    facts = LegalFacts(
        ActNature.AI, dept(code), notification=notified, notification_mentions_routes=False
    )
    return _by_kind(facts)[DeadlineKind.CZABAJ]


@pytest.mark.parametrize(
    ("notified", "year_end", "why", "next_day"),
    [
        (D(2024, 3, 9), D(2025, 3, 9), "Sunday", "10 March 2025"),
        (D(2024, 5, 1), D(2025, 5, 1), "public holiday", "2 May 2025"),
    ],
)
def test_the_czabaj_year_on_a_closed_day_is_flagged_not_moved(
    notified: dt.date, year_end: dt.date, why: str, next_day: str
) -> None:
    czabaj = _czabaj_of("028", notified)
    assert czabaj.due == year_end  # the earlier date is shown; the later one is only named
    assert czabaj.note and why in czabaj.note and next_day in czabaj.note
    assert "falls on" not in (_czabaj_of("028", D(2024, 3, 5)).note or "")


def test_the_czabaj_year_on_a_day_only_the_library_closes_is_flagged() -> None:
    czabaj = _czabaj_of("971", D(2023, 3, 7))  # Mi-Carême 2024 is 7 March
    assert czabaj.due == D(2024, 3, 7)
    assert czabaj.note and "Mi-Carême" in czabaj.note and "not R29" in czabaj.note
    assert "8 March 2024" in czabaj.note  # the next working day by the library's calendar


# --------------------------------------------------------------------------- status today


def _dreux(**extra: object) -> LegalFacts:
    return LegalFacts(
        ActNature.DE,
        dept("028"),
        reception=D(2022, 10, 18),
        publication=D(2022, 10, 18),
        **extra,  # type: ignore[arg-type]
    )


def test_open_with_days_left_then_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTES_LOCALE")  # French, the default

    def defere(today: dt.date) -> Deadline:
        return _by_kind(_dreux(), today=today)[DeadlineKind.PREFET_DEFERE]

    early = defere(D(2022, 12, 7))
    assert (early.status, early.days_left, early.status_text) == (Status.OPEN, 12, "ouvert, J-12")
    assert defere(D(2022, 12, 19)).status_text == "ouvert, J-0"  # the last day is still open
    late = defere(D(2026, 11, 29))
    assert (late.status, late.days_left) == (Status.PASSED, None)
    assert late.status_text == "échu le 19 décembre 2022"
    unresolved = _by_kind(_dreux())[DeadlineKind.PREFET_DEFERE]
    assert (unresolved.status, unresolved.days_left) == (Status.OPEN, None)


def test_ended_by_an_event_and_suspended(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTES_LOCALE")  # French, the default
    referred = _by_kind(_dreux(defere=D(2022, 11, 2)), today=D(2022, 11, 10))
    defere = referred[DeadlineKind.PREFET_DEFERE]
    assert defere.status is Status.ENDED
    assert defere.status_text == "clos par le déféré du 2 novembre 2022"
    waiting = _by_kind(_dreux(dpc=D(2022, 11, 20)), today=D(2022, 12, 1))[
        DeadlineKind.PREFET_DEFERE
    ]
    assert waiting.status is Status.SUSPENDED
    assert waiting.status_text == "suspendu : en attente des pièces demandées le 20 novembre 2022"
    sent = _by_kind(_notified(), today=D(2024, 4, 1))[DeadlineKind.TRANSMISSION]
    assert sent.status_text == "clos par la réception en préfecture le 4 mars 2024"
    late = LegalFacts(ActNature.AI, dept("028"), signed=D(2024, 3, 1), reception=D(2024, 3, 20))
    assert _by_kind(late, today=D(2024, 4, 1))[DeadlineKind.TRANSMISSION].status is Status.PASSED
    budget = LegalFacts(ActNature.BF, dept("028"), signed=D(2026, 4, 10), reception=D(2026, 4, 20))
    assert _by_kind(budget, today=D(2026, 4, 21))[DeadlineKind.TRANSMISSION].status is Status.ENDED
    permit = LegalFacts(
        ActNature.AI,
        dept("028"),
        reception=D(2025, 12, 1),
        publication=D(2025, 12, 1),
        urbanism_decision=True,
        gracieux=D(2025, 12, 20),
    )
    filing = _by_kind(permit, today=D(2025, 12, 22))[DeadlineKind.GRACIEUX_FILING]
    assert filing.status_text == "clos par le recours gracieux du 20 décembre 2025"


def test_due_within_never_lists_passed_ended_or_suspended() -> None:
    referred = assess(_dreux(defere=D(2022, 11, 2)))
    assert [d.kind for d in due_within(referred, D(2022, 12, 10), 15)] == [
        DeadlineKind.THIRD_PARTY_APPEAL
    ]
    assert due_within(referred, D(2022, 12, 20), 3660) == ()  # passed the day after
    waiting = assess(_dreux(dpc=D(2022, 11, 20)))
    assert [d.kind for d in due_within(waiting, D(2022, 12, 10), 15)] == [
        DeadlineKind.THIRD_PARTY_APPEAL
    ]
    found = due_within(assess(_dreux()), D(2022, 12, 10), 15)
    assert all(d.status is Status.OPEN and d.days_left == 9 for d in found)


def test_as_dict_carries_the_status_of_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTES_LOCALE")  # French, the default
    data = assess(_dreux(), today=D(2022, 12, 7)).as_dict()
    assert data["today"] == "2022-12-07"
    defere = next(d for d in data["deadlines"] if d["kind"] == "prefet_defere")
    assert (defere["status"], defere["days_left"], defere["status_text"]) == (
        "open",
        12,
        "ouvert, J-12",
    )


def test_cli_text_shows_the_status(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTES_LOCALE")  # French, the default
    run = _cli(
        "--nature", "DE", "--departement", "028", "--reception", "2022-10-18",
        "--publication", "2022-10-18", "--defere", "2022-11-02", "--today", "2022-12-07",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "clos par le déféré du 2 novembre 2022" in run.stdout
    assert "ouvert, J-12" in run.stdout
    # the explanations too: French sentences, French dates
    assert "clos : déféré préfectoral au tribunal administratif le 2 novembre 2022" in run.stdout
    assert "exécutoire le 18 octobre 2022 : reçu en préfecture le 18 octobre 2022" in run.stdout
    assert _cli("--nature", "DE", "--departement", "028", "--today", "07/12").returncode != 0


# --------------------------------------------------------------------------- beyond R29


@pytest.mark.parametrize(
    ("start", "code", "r29", "library", "name"),
    [
        (D(2024, 1, 6), "971", D(2024, 3, 7), D(2024, 3, 8), "Mi-Carême"),
        (D(2024, 1, 28), "971", D(2024, 3, 29), D(2024, 4, 2), "Vendredi saint"),
        (D(2025, 5, 20), "972", D(2025, 7, 21), D(2025, 7, 22), "Victor Schoelcher"),
        (D(2025, 5, 20), "971", D(2025, 7, 21), D(2025, 7, 22), "Victor Schoelcher"),
    ],
)
def test_holidays_beyond_r29_are_flagged_with_the_other_date(
    start: dt.date, code: str, r29: dt.date, library: dt.date, name: str
) -> None:
    computed = last_day(start, 2, dept(code))
    assert computed.last_day == r29  # R29's date is the one shown
    assert computed.library_last_day == library
    assert any(name in n for _, n in computed.library_differences)
    facts = LegalFacts(ActNature.DE, dept(code), reception=start, publication=start)
    defere = _by_kind(facts)[DeadlineKind.PREFET_DEFERE]
    assert defere.due == r29
    assert defere.ambiguous and defere.note and long_date(library, "en") in defere.note
    assert last_day(start, 2, dept("028")).library_last_day is None  # mainland: same calendar


def test_r29_calendar_against_the_library() -> None:
    assert not is_holiday(D(2024, 3, 7), dept("971"))
    assert library_holiday(D(2024, 3, 7), dept("971")) == "Mi-Carême"
    assert is_holiday(D(2024, 5, 27), dept("971"))  # abolition of slavery (§D)
    assert is_holiday(D(2024, 3, 29), dept("057"))  # Good Friday in Alsace-Moselle (R29)
    assert last_day(D(2024, 1, 28), 2, dept("057")).library_last_day is None
    assert is_holiday(D(2006, 6, 5), None)  # Whit Monday stays a fête légale (§C)
    assert library_holiday(D(2006, 6, 5), None) is None


def test_the_status_text_comes_from_the_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTES_LOCALE", "en")
    referred = _by_kind(_dreux(defere=D(2022, 11, 2)), today=D(2022, 12, 7))
    assert (
        referred[DeadlineKind.PREFET_DEFERE].status_text == "ended by the déféré of 2 November 2022"
    )
    assert referred[DeadlineKind.THIRD_PARTY_APPEAL].status_text == "open, D-12"
    monkeypatch.delenv("ACTES_LOCALE")
    assert _by_kind(_dreux(), today=D(2023, 1, 2))[DeadlineKind.PREFET_DEFERE].status_text == (
        "échu le 19 décembre 2022"
    )

"""What people read about a stopped act or a draft: a stable code, text from the catalogs
(French by default, English available), and never a server path or a file hash."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.intake.wording import code_of, for_clerks
from workflow.problems import CONFIGURATION, CurrentProblem, ProblemCode, for_people
from workflow.timeline import event_label

SHA = "9f2c" * 16
WHEN = dt.datetime(2026, 11, 29, 9, 30, tzinfo=dt.UTC)


def test_paths_and_hashes_are_left_out() -> None:
    text = f"/var/lib/actes/files/9f/{SHA} cannot be read; see /srv/x/act.pdf (sha {SHA})"
    cleaned = for_people(text)
    assert "/var/lib" not in cleaned and "/srv" not in cleaned and SHA not in cleaned
    assert "act.pdf" in cleaned
    assert for_people("8.1 / 2022, ratio 3/4") == "8.1 / 2022, ratio 3/4"  # prose stays


@pytest.mark.parametrize("code", list(ProblemCode))
def test_every_problem_says_what_and_what_to_do_in_french_and_english(code: ProblemCode) -> None:
    problem = CurrentProblem(code, WHEN, f"failed at /srv/data/{SHA}", WHEN)
    for locale in ("fr", "en"):
        data = problem.as_dict(locale)
        assert data["code"] == code.value and data["message"] and data["action"]
        assert SHA not in data["message"] and "/srv" not in data["message"]
    assert problem.message("fr") != problem.message("en")
    assert problem.configuration is (code in CONFIGURATION)


def test_the_next_attempt_is_told() -> None:
    problem = CurrentProblem(ProblemCode.PLATFORM_UNREACHABLE, WHEN, "HTTP 503", WHEN)
    assert "29 novembre 2026 à 10 h 30" in problem.action("fr")  # Paris time, in words
    assert "29 November 2026 at 10:30" in problem.action("en")
    assert problem.action("fr").startswith("rien à faire")


def test_draft_problems_keep_a_code_and_gain_a_title() -> None:
    problem = {
        "field": "annexes[0]",
        "rule": "PDF, XML, PNG or JPEG",
        "message": f"/tmp/x/{SHA}: not accepted",
        "severity": "error",
    }
    worded = for_clerks(problem)
    assert (
        worded["code"]
        == code_of("annexes[0]", "PDF, XML, PNG or JPEG")
        == "annexes.pdf_xml_png_or_jpeg"
    )
    assert worded["title"] == "à corriger : une annexe"
    assert SHA not in worded["message"]
    assert for_clerks({**problem, "severity": "warning"})["title"].startswith("à vérifier")


def test_timeline_events_are_named_for_people() -> None:
    assert event_label("platform_refused") == "refusé par la plateforme"
    assert event_label("platform_refused", "en") == "refused by the platform"
    assert event_label("something_new") == "something_new"

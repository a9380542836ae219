"""What the pages compute: the working-day rule for a late AR, the search, the pages of the
list, the CSV export (safe in a spreadsheet), and the login's return address."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from tests.conftest import make_pdf
from tests.integration.test_api import DOLE, DREUX
from tests.web.conftest import PASSWORD, Site, csrf_of
from workflow.identifiers import Departement
from workflow.interfaces.web.queries import ActFilter, late_for_ar, working_days_between
from workflow.interfaces.web.routes.acts import _cell
from workflow.lifecycle import ActState
from workflow.store import ActRecord, NewAct
from workflow.usecases import Services

DEP = Departement.parse("028")


def test_working_days_skip_weekends_and_holidays() -> None:
    friday = dt.date(2026, 11, 27)
    assert working_days_between(friday, dt.date(2026, 11, 29), DEP) == 0  # the weekend
    assert working_days_between(friday, dt.date(2026, 11, 30), DEP) == 1
    assert working_days_between(friday, dt.date(2026, 12, 1), DEP) == 2
    # Thursday 24 December → Monday 28: Christmas (Friday) and the weekend do not count
    assert working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 28), DEP) == 1


def _act(services: Services, tmp_path: Path, n: int, objet: str, **extra: object) -> ActRecord:
    pdf = tmp_path / f"{n}.pdf"
    pdf.write_bytes(make_pdf(f"Acte {n}"))
    act, _ = services.submission.submit(
        NewAct(
            str(extra.get("siren", DREUX.siren.value)),
            f"k{n}",
            f"DEL_{n}",
            f"DEL-{n}",
            dt.date(2026, 1, 1) + dt.timedelta(days=n),
            str(extra.get("nature", "DE")),
            "8.1",
            dt.date(2019, 3, 1),
            objet,
            ((pdf, None),),
        )
    )
    return act


def test_an_act_sent_is_late_after_one_working_day_without_its_ar(
    local_services: tuple[Services, str], tmp_path: Path
) -> None:
    services = local_services[0]
    act = _act(services, tmp_path, 1, "Objet")
    friday_evening = dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)
    for state in (ActState.PACKAGED, ActState.SUBMITTING, ActState.SUBMITTED):
        act = services.store.transition(act.id, state, actor="t", reason="t", at=friday_evening)
    assert not late_for_ar(services, act, dt.date(2026, 11, 30))  # Monday: still in time
    assert late_for_ar(services, act, dt.date(2026, 12, 1))  # Tuesday: late
    received = _act(services, tmp_path, 2, "Objet")
    assert not late_for_ar(services, received, dt.date(2027, 1, 1))  # not sent: not waiting


def test_the_search_matches_identifier_number_or_all_words(
    local_services: tuple[Services, str], tmp_path: Path
) -> None:
    act = _act(local_services[0], tmp_path, 3, "Espace numérique de travail des écoles")
    assert ActFilter(text="del-3").matches(act)
    assert ActFilter(text="ÉCOLES espace").matches(act)
    assert not ActFilter(text="espace collège").matches(act)
    assert not ActFilter(state="acknowledged").matches(act)
    assert ActFilter(start=act.act_date, end=act.act_date, nature="DE").matches(act)
    assert not ActFilter(start=act.act_date + dt.timedelta(days=1)).matches(act)


def test_pages_of_the_list_and_the_csv_export(site: Site, tmp_path: Path) -> None:
    services = site.services
    for n in range(30):
        _act(services, tmp_path, 10 + n, '=HYPERLINK("x")' if n == 0 else f"Objet {n}")
    _act(services, tmp_path, 99, "Objet de Dole", siren=DOLE.siren.value)
    site.add_user("agent.dreux", "agent", DREUX.siren.value)
    http = site.session("agent.dreux")
    first = http.get(f"{site.url}/actes", timeout=10).text
    assert "30 acte(s) trouvé(s)" in first and first.count('<a href="/actes/') == 25
    second = http.get(f"{site.url}/actes?page=2", timeout=10).text
    assert second.count('<a href="/actes/') == 5
    export = http.get(f"{site.url}/actes.csv", timeout=10)
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 31 and "Objet de Dole" not in export.text
    assert any(row[5] == '\'=HYPERLINK("x")' for row in rows)  # never run as a formula
    assert _cell("+1") == "'+1" and _cell("plain") == "plain"


def test_the_login_returns_only_to_a_page_of_the_site(site: Site) -> None:
    import requests

    site.add_user("agent.dole", "agent", DOLE.siren.value)
    for wanted, landing in (
        ("/echeances", "/echeances"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
    ):
        http = requests.Session()
        token = csrf_of(http.get(f"{site.url}/connexion", timeout=10).text)
        answer = http.post(
            f"{site.url}/connexion",
            data={"login": "agent.dole", "password": PASSWORD, "csrf": token, "suivant": wanted},
            timeout=10,
            allow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == landing

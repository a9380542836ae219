"""A user never sees another collectivité's acts, drafts, letters, files or deadlines: every
page and download of the pages (the routes are read from the app, so a new page cannot escape)
answers 404 for collectivité B's act, draft and letter to a user of collectivité A."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from fastapi.routing import APIRoute
from starlette.routing import Mount

from tests.conftest import make_pdf
from tests.integration.test_api import DOLE, DREUX
from tests.web.conftest import Site
from workflow.intake.metadata import ActMetadata
from workflow.intake.requests import Principal, Upload
from workflow.intake.service import Intake
from workflow.interfaces.api.app import fastapi_app
from workflow.store import ExchangeRecord, NewAct
from workflow.tokens import issue_token


def web_routes(site: Site) -> list[APIRoute]:
    inner = fastapi_app(site.app)  # inside the gate and the body limit
    web = next(r.app for r in inner.routes if isinstance(r, Mount) and r.path == "")
    routes = list(_api_routes(web.routes))
    assert len(routes) > 15, "the pages' routes were not found"
    return routes


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The routes, through the routers included without a prefix (FastAPI ≥ 0.16x wraps them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def dreux_things(site: Site, tmp_path: Path) -> dict[str, str]:
    """Collectivité B (Dreux): an act with a préfecture letter, a draft, a user, a token."""
    services = site.services
    pdf = tmp_path / "dreux.pdf"
    pdf.write_bytes(make_pdf("Délibération secrète de Dreux"))
    act, _ = services.submission.submit(
        NewAct(
            DREUX.siren.value,
            "k1",
            "SECRET_1",
            "SECRET_1",
            dt.date(2026, 1, 5),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            "Objet confidentiel de Dreux",
            ((pdf, None),),
        )
    )
    services.store.record_exchange(
        act.id, ExchangeRecord("3-1", dt.date(2026, 2, 1), "99", None, "Pièces SVP")
    )
    services.store.record_message(act.id, "in", "3-1", b"<lettre/>", at=dt.datetime.now(dt.UTC))
    draft = (
        Intake(services)
        .submit(
            Principal("token:dreux", frozenset({DREUX.siren.value})),
            [Upload(pdf, "brouillon-dreux.pdf")],
            ActMetadata(siren=DREUX.siren.value),
        )
        .draft
    )
    site.add_user("agent.dreux", "agent", DREUX.siren.value)
    token_id, _ = issue_token(
        services.store, "dreux", [DREUX.siren.value], at=dt.datetime.now(dt.UTC)
    )
    return {
        "act_id": str(act.id),
        "draft_id": str(draft.id),
        "position": "0",
        "code": "3-1",
        "siren": DREUX.siren.value,
        "login": "agent.dreux",
        "token_id": str(token_id),
    }


def test_every_page_and_download_of_another_collectivite_is_absent(
    site: Site, tmp_path: Path
) -> None:
    values = dreux_things(site, tmp_path)
    site.add_user("agent.dole", "agent", DOLE.siren.value)
    site.add_user("admin.dole", "admin", DOLE.siren.value)
    sessions = {login: site.session(login) for login in ("agent.dole", "admin.dole")}
    checked = 0
    for route in web_routes(site):
        names = re.findall(r"{(\w+)}", route.path)
        if not names:
            continue
        path = route.path
        for name in names:
            assert name in values, f"{route.path}: no value of collectivité B for {{{name}}}"
            path = path.replace(f"{{{name}}}", values[name])
        for method in sorted(route.methods):
            statuses = {}
            for login, http in sessions.items():
                if method == "GET":
                    answer = http.get(site.url + path, timeout=10, allow_redirects=False)
                else:
                    answer = http.post(
                        site.url + path,
                        data={
                            "csrf": http.csrf,
                            "reason": "x",
                            "mode": "posting",  # type: ignore[attr-defined]
                            "date": "2026-02-02",
                            "name": "x",
                            "siren": DOLE.siren.value,
                        },
                        files={"document": ("r.pdf", make_pdf("x"), "application/pdf")},
                        timeout=10,
                        allow_redirects=False,
                    )
                statuses[login] = answer.status_code
                assert "confidentiel" not in answer.text and "SECRET_1" not in answer.text
            # 404 for whoever may use the page; the other role is refused (403) before looking
            assert 404 in statuses.values() and set(statuses.values()) <= {403, 404}, (
                f"{method} {path}: {statuses}"
            )
            checked += 1
    assert checked >= 14
    # and the pages without an identifier show nothing of collectivité B
    links = (f'/actes/{values["act_id"]}"', f'/brouillons/{values["draft_id"]}"')
    for page in ("/", "/actes", "/actes.csv", "/brouillons", "/echeances", "/administration"):
        for http in sessions.values():
            body = http.get(site.url + page, timeout=10).text
            assert (
                "SECRET_1" not in body and "confidentiel" not in body and "agent.dreux" not in body
            )
            assert not any(link in body for link in links)
    for http in sessions.values():
        found = http.get(site.url + "/actes?q=SECRET_1", timeout=10).text
        assert not any(link in found for link in links)
    assert site.services.store.get_act(int(values["act_id"])).state.value == "received"


def test_pages_need_a_login_and_forms_their_csrf_token(site: Site) -> None:
    site.add_user("agent.dole", "agent", DOLE.siren.value)
    anonymous = requests.get(f"{site.url}/actes", timeout=10, allow_redirects=False)
    assert (
        anonymous.status_code == 303
        and anonymous.headers["location"] == "/connexion?suivant=/actes"
    )
    http = site.session("agent.dole")
    page = http.get(f"{site.url}/", timeout=10)
    assert page.status_code == 200 and "Tableau de bord" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    cookie = next(c for c in http.cookies if c.name == "actes_session")
    assert (
        cookie.has_nonstandard_attr("httponly") and cookie.get_nonstandard_attr("samesite") == "lax"
    )
    forged = http.post(f"{site.url}/deconnexion", data={"csrf": "forged"}, timeout=10)
    assert forged.status_code == 403
    assert http.get(f"{site.url}/", timeout=10, allow_redirects=False).status_code == 200
    for route in web_routes(site):
        if "POST" in route.methods:
            path = re.sub(r"{\w+}", "1", route.path)
            answer = http.post(site.url + path, data={}, timeout=10, allow_redirects=False)
            assert answer.status_code == 403, f"POST {route.path} accepted a form without CSRF"


def test_login_is_throttled_and_a_disabled_user_is_out(site: Site) -> None:
    site.add_user("agent.dole", "agent", DOLE.siren.value)
    http = site.session("agent.dole")
    site.users.disable_user("agent.dole", at=dt.datetime.now(dt.UTC))
    assert http.get(f"{site.url}/", timeout=10, allow_redirects=False).status_code == 303
    guesser = requests.Session()
    for _ in range(5):
        token = re.search(
            r'name="csrf" value="([^"]+)"', guesser.get(f"{site.url}/connexion", timeout=10).text
        )
        assert token
        wrong = guesser.post(
            f"{site.url}/connexion",
            data={"login": "admin.x", "password": "nope", "csrf": token.group(1)},
            timeout=10,
        )
        assert wrong.status_code == 401 and "identifiant ou mot de passe incorrect" in wrong.text

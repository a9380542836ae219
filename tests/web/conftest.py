"""The clerks' pages served for real (uvicorn in a thread, the same app as the API), a store
with two collectivités, and users of each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.integration.test_api import DOLE, DREUX, Server
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.adapters.store.users import SqlUsers
from workflow.intake.service import Intake
from workflow.interfaces.api.app import create_api
from workflow.interfaces.web.security import WebOptions
from workflow.usecases import Services
from workflow.users import UserRecord, create_user

PASSWORD = "correct horse battery staple"
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@dataclass
class Site:
    url: str
    services: Services
    users: SqlUsers
    app: object
    queued: list[int] = field(default_factory=list)

    def add_user(self, login: str, role: str, *sirens: str) -> UserRecord:
        return create_user(
            self.users,
            self.services.store,
            login=login,
            name=login.replace(".", " ").title(),
            role=role,
            sirens=list(sirens),
            password=PASSWORD,
            at=NOW,
        )

    def session(self, login: str) -> requests.Session:
        """A logged-in HTTP session (cookies + the CSRF token in ``session.csrf``)."""
        http = requests.Session()
        token = csrf_of(http.get(f"{self.url}/connexion", timeout=10).text)
        answer = http.post(
            f"{self.url}/connexion",
            data={"login": login, "password": PASSWORD, "csrf": token, "suivant": "/"},
            timeout=10,
            allow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        http.csrf = csrf_of(http.get(f"{self.url}/", timeout=10).text)  # type: ignore[attr-defined]
        return http


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def build_site(services: Services, engine_url: str, tmp_path: Path) -> Iterator[Site]:
    engine = make_engine(engine_url)
    users = SqlUsers(engine)
    queued: list[int] = []
    app = create_api(
        lambda: Intake(services),
        enqueue=queued.append,
        upload_dir=tmp_path,
        web=WebOptions(users_factory=lambda: users, secret_key="k" * 40, secure_cookies=False),
    )
    with Server(app) as server:
        yield Site(server.url, services, users, app, queued)
    engine.dispose()


@pytest.fixture
def local_services(tmp_path: Path, database_url: str) -> Iterator[tuple[Services, str]]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    for collectivite in (DREUX, DOLE):
        store.add_collectivite(collectivite)
    services = Services(store=store, outbox=tmp_path / "outbox")
    yield services, database_url
    store.close()


@pytest.fixture
def site(local_services: tuple[Services, str], tmp_path: Path) -> Iterator[Site]:
    services, url = local_services
    yield from build_site(services, url, tmp_path)

"""Users of the pages: checked fields, argon2 hashes only, the per-account lock, roles, and
``actes user add|list|disable``."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_api import DOLE, DREUX
from tests.web.conftest import NOW, PASSWORD, Site
from workflow.adapters.store.engine import make_engine
from workflow.adapters.store.users import SqlUsers
from workflow.errors import InvalidInput, NotFound, SecurityError
from workflow.usecases import Services
from workflow.users import LOCK_DURATION, MAX_FAILURES, authenticate_user, create_user


@pytest.fixture
def users(local_services: tuple[Services, str]) -> Iterator[SqlUsers]:
    engine = make_engine(local_services[1])
    yield SqlUsers(engine)
    engine.dispose()


def _add(users: SqlUsers, services: Services, **changes: object) -> object:
    fields: dict[str, object] = {
        "login": "Agent.Dreux",
        "name": "Agent",
        "role": "agent",
        "sirens": [DREUX.siren.value],
        "password": PASSWORD,
        "at": NOW,
    }
    fields.update(changes)
    return create_user(users, services.store, **fields)  # type: ignore[arg-type]


def test_a_user_is_checked_and_only_a_hash_is_kept(
    users: SqlUsers, local_services: tuple[Services, str]
) -> None:
    services = local_services[0]
    for changes, field in (
        ({"login": "a b"}, "login"),
        ({"role": "maire"}, "role"),
        ({"sirens": []}, "siren"),
        ({"password": "short"}, "password"),
    ):
        with pytest.raises(InvalidInput) as error:
            _add(users, services, **changes)
        assert error.value.field == field
    with pytest.raises(NotFound):
        _add(users, services, sirens=["000000034"])  # Luhn-valid, not registered
    user = _add(users, services)
    assert user.login == "agent.dreux"  # type: ignore[attr-defined]
    stored = users.get_user(user.id)  # type: ignore[attr-defined]
    assert PASSWORD not in stored.password_hash and stored.password_hash.startswith("$argon2id$")
    with pytest.raises(InvalidInput, match="already taken"):
        _add(users, services)
    assert authenticate_user(users, "AGENT.DREUX", PASSWORD, now=NOW).id == stored.id


def test_an_account_is_locked_after_repeated_failures(
    users: SqlUsers, local_services: tuple[Services, str]
) -> None:
    _add(users, local_services[0])
    for _ in range(MAX_FAILURES):
        with pytest.raises(SecurityError, match=r"wrong login or password|incorrect"):
            authenticate_user(users, "agent.dreux", "wrong password!", now=NOW)
    with pytest.raises(SecurityError, match=r"locked|bloqué"):  # even the right password now
        authenticate_user(users, "agent.dreux", PASSWORD, now=NOW + dt.timedelta(minutes=1))
    later = NOW + LOCK_DURATION + dt.timedelta(seconds=1)
    assert authenticate_user(users, "agent.dreux", PASSWORD, now=later).login == "agent.dreux"
    users.disable_user("agent.dreux", at=later)
    with pytest.raises(SecurityError):
        authenticate_user(users, "agent.dreux", PASSWORD, now=later)


def test_roles_decide_what_a_user_may_do(site: Site) -> None:
    site.add_user("juriste.dole", "juriste", DOLE.siren.value)
    http = site.session("juriste.dole")
    # a juriste may not send an act again or cancel it, nor administer
    for path in ("/actes/1/relance", "/actes/1/annulation", "/administration/jetons"):
        answer = http.post(
            site.url + path,
            data={
                "csrf": http.csrf,
                "reason": "x",
                "name": "x",  # type: ignore[attr-defined]
                "siren": DOLE.siren.value,
            },
            timeout=10,
        )
        assert answer.status_code == 403, path
    assert http.get(f"{site.url}/administration", timeout=10).status_code == 403
    # but may answer and publish: past the role check, the act is simply absent here
    answer = http.post(
        f"{site.url}/actes/1/publicite",
        data={"csrf": http.csrf, "mode": "posting", "date": "2026-01-02"},
        timeout=10,
    )  # type: ignore[attr-defined]
    assert answer.status_code == 404


def test_the_user_commands(tmp_path: Path) -> None:
    env = {**os.environ, "ACTES_DATA_DIR": str(tmp_path)}
    actes = [sys.executable, "-m", "workflow.interfaces.cli.main"]
    registry = tmp_path / "c.toml"
    registry.write_text(
        '[[collectivite]]\nname = "Ville de Dreux"\nsiren = "212801344"\ndepartement = "028"\n'
        'emails = ["a@dreux.fr"]\n',
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*actes, *args], capture_output=True, text=True, env=env, timeout=120)

    assert run("collectivites", "import", str(registry)).returncode == 0
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    added = run(
        "user",
        "add",
        "--login",
        "marie",
        "--name",
        "Marie",
        "--role",
        "juriste",
        "--siren",
        "212801344",
        "--password-file",
        str(secret),
        "--json",
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["role"] == "juriste"
    refused = run(
        "user",
        "add",
        "--login",
        "paul",
        "--name",
        "Paul",
        "--role",
        "chef",
        "--siren",
        "212801344",
        "--password-file",
        str(secret),
    )
    assert refused.returncode == 2
    assert run("user", "disable", "marie").returncode == 0
    listed = json.loads(run("user", "list", "--json").stdout)["users"]
    assert [(u["login"], u["disabled_at"] is not None) for u in listed] == [("marie", True)]
    assert run("user", "disable", "nobody").returncode == 2


def test_the_session_key_is_created_once_and_kept_private(tmp_path: Path) -> None:
    from workflow.interfaces.cli.user_commands import session_secret
    from workflow.settings import Settings

    settings = Settings(data_dir=tmp_path)
    key = session_secret(settings)
    path = tmp_path / "web-session.key"
    assert len(key) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert session_secret(settings) == key  # the same key on the next start: sessions survive
    weak = tmp_path / "weak.key"
    weak.write_text("short", encoding="utf-8")
    with pytest.raises(InvalidInput):
        session_secret(Settings(data_dir=tmp_path, web_secret_file=weak))

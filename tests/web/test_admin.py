"""Administration through the pages: users and API tokens of the administrator's own
collectivités only; a token is shown once."""

from __future__ import annotations

import re

from tests.integration.test_api import DOLE, DREUX
from tests.web.conftest import PASSWORD, Site
from workflow.tokens import authenticate


def test_an_admin_manages_users_and_tokens_of_their_collectivites(site: Site) -> None:
    site.add_user("admin.dreux", "admin", DREUX.siren.value)
    site.add_user("agent.dole", "agent", DOLE.siren.value)
    http = site.session("admin.dreux")
    url = site.url + "/administration"
    added = http.post(
        url + "/utilisateurs",
        data={
            "csrf": http.csrf,
            "login": "Marie",
            "name": "Marie",
            "role": "juriste",  # type: ignore[attr-defined]
            "password": PASSWORD,
            "siren": DREUX.siren.value,
        },
        timeout=10,
    )
    assert added.status_code == 200 and "Utilisateur marie créé." in added.text
    assert site.users.user_by_login("marie") is not None
    elsewhere = http.post(
        url + "/utilisateurs",
        data={
            "csrf": http.csrf,
            "login": "paul",
            "name": "Paul",
            "role": "agent",  # type: ignore[attr-defined]
            "password": PASSWORD,
            "siren": DOLE.siren.value,
        },
        timeout=10,
    )
    assert elsewhere.status_code == 404 and site.users.user_by_login("paul") is None
    short = http.post(
        url + "/utilisateurs",
        data={
            "csrf": http.csrf,
            "login": "jean",
            "name": "Jean",
            "role": "agent",  # type: ignore[attr-defined]
            "password": "court",
            "siren": DREUX.siren.value,
        },
        timeout=10,
    )
    assert "Non effectué" in short.text and site.users.user_by_login("jean") is None
    assert "la demande n&#39;est pas valide" in short.text  # the rule's title, in French
    page = http.get(url, timeout=10).text
    assert "marie" in page and "agent.dole" not in page  # another collectivité's user
    assert (
        http.post(
            url + "/utilisateurs/agent.dole/desactiver",
            data={"csrf": http.csrf},  # type: ignore[attr-defined]
            timeout=10,
        ).status_code
        == 404
    )
    assert site.users.user_by_login("agent.dole").disabled_at is None  # type: ignore[union-attr]

    issued = http.post(
        url + "/jetons",
        data={
            "csrf": http.csrf,
            "name": "web-delib",  # type: ignore[attr-defined]
            "siren": DREUX.siren.value,
        },
        timeout=10,
    )
    token = re.search(r'<code class="token">([^<]+)</code>', issued.text)
    assert token, "the new token is shown"
    principal = authenticate(site.services.store, token.group(1))
    assert principal.sirens == frozenset({DREUX.siren.value})
    assert token.group(1) not in http.get(url, timeout=10).text  # shown once
    token_id = principal.name.removeprefix("token:")
    revoked = http.post(f"{url}/jetons/{token_id}/revoquer", data={"csrf": http.csrf}, timeout=10)  # type: ignore[attr-defined]
    assert f"Jeton {token_id} révoqué." in revoked.text
    assert site.services.store.list_tokens()[0].revoked_at is not None

"""The REST API over real HTTP (uvicorn in a thread): authentication, idempotency, drafts,
the body limit, the OpenAPI description — and the three fixture deliberations, as generated
PDFs, from the endpoint to the simulator's accusé de réception."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from sqlalchemy import event

from workflow.adapters.pki import DevPki
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import Delays
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.adapters.textpdf import text_pdf
from workflow.collectivite import Collectivite, Registry
from workflow.intake.service import Intake
from workflow.interfaces.api.app import create_api
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.platform import PlatformConfig
from workflow.tokens import issue_token
from workflow.usecases import Services

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
# Dole's and Saint-Ambroix's SIRENs are not in the fixtures: fictitious numbers (Luhn-valid)
DOLE = Collectivite.from_mapping(
    {"name": "Ville de Dole", "siren": "000000018", "departement": "039", "emails": ["a@dole.fr"]}
)
SAINT_AMBROIX = Collectivite.from_mapping(
    {
        "name": "Commune de Saint-Ambroix",
        "siren": "000000026",
        "departement": "030",
        "emails": ["a@sa.fr"],
    }
)


class Server:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the API did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    for collectivite in (DREUX, DOLE, SAINT_AMBROIX):
        store.add_collectivite(collectivite)
    yield Services(store=store, outbox=tmp_path / "outbox")
    store.close()


@pytest.fixture
def api(services: Services, tmp_path: Path) -> Iterator[tuple[str, list[int]]]:
    queued: list[int] = []
    app = create_api(
        lambda: Intake(services), enqueue=queued.append, max_body_bytes=200_000, upload_dir=tmp_path
    )
    with Server(app) as server:
        yield server.url, queued


def token_for(services: Services, *sirens: str) -> dict[str, str]:
    _, token = issue_token(services.store, "test", list(sirens), at=dt.datetime.now(dt.UTC))
    return {"Authorization": f"Bearer {token}"}


DREUX_TEXT = """Ville de Dreux
CONSEIL MUNICIPAL DU JEUDI 13 OCTOBRE 2022
DÉLIBÉRATION N°DEL2022-{n}

{objet}

Rapporteur : Lydie GUÉRIN
Nombre de présents 30
Nombre de pouvoirs 7
Votants 37
APRÈS EN AVOIR DÉLIBÉRÉ, à l'unanimité
"""


def post(
    url: str, headers: dict[str, str], pdf: bytes, key: str, metadata: dict[str, Any] | None = None
) -> requests.Response:
    data = {"metadata": json.dumps(metadata)} if metadata is not None else {}
    return requests.post(
        f"{url}/api/acts",
        headers={**headers, "Idempotency-Key": key},
        files={"document": ("deliberation.pdf", pdf, "application/pdf")},
        data=data,
        timeout=30,
    )


def test_authentication_is_required_and_scoped(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, queued = api
    pdf = text_pdf(DREUX_TEXT.format(n=148, objet="Espace Numérique de Travail des écoles"))
    refused = post(url, {"X-Request-ID": "vote-148"}, pdf, "k")  # the id even on a refusal
    assert refused.status_code == 401 and refused.headers["X-Request-ID"] == "vote-148"
    assert post(url, {"Authorization": "Bearer nope"}, pdf, "k").status_code == 401
    assert requests.get(f"{url}/api/openapi.json", timeout=10).status_code == 401
    dole = token_for(services, "000000018")
    refused = post(url, dole, pdf, "k", {"siren": "212801344"})
    assert refused.status_code == 403 and refused.json()["field"] == "siren"
    dreux = token_for(services, "212801344")
    created = post(url, dreux, pdf, "vote-148")
    assert created.status_code == 201, created.text
    body = created.json()
    act_id = body["act"]["id"]
    assert body["status"] == "act" and body["act"]["numero"] == "DEL2022_148" and queued == [act_id]
    repeat = post(url, dreux, pdf, "vote-148")
    assert repeat.status_code == 200 and repeat.json()["act"]["id"] == act_id and queued == [act_id]
    assert (
        requests.get(f"{url}/api/acts/{act_id}", headers=dreux, timeout=10).json()["state"]
        == "received"
    )
    assert requests.get(f"{url}/api/acts/{act_id}", headers=dole, timeout=10).status_code == 404
    assert requests.get(f"{url}/api/acts", headers=dole, timeout=10).json() == {
        "acts": [],
        "next_cursor": None,
    }
    description = requests.get(f"{url}/api/openapi.json", headers=dreux, timeout=10).json()
    assert {"/api/acts", "/api/acts/{act_id}", "/api/drafts/{draft_id}"} <= set(
        description["paths"]
    )
    assert "HTTPBearer" in description["components"]["securitySchemes"]


def test_a_submission_costs_a_handful_of_transactions(
    api: tuple[str, list[int]], services: Services
) -> None:
    """Issue 13: the token checked (1), the key looked up (1), what the proposal is checked
    against — collectivités, 7-2, numbers used — read together (1), and the draft with its
    act, documents and report (1)."""
    url, queued = api
    dreux = token_for(services, "212801344")
    pdf = text_pdf(DREUX_TEXT.format(n=150, objet="Subvention au club de football"))
    store = services.store
    assert isinstance(store, SqlStore)
    commits = [0]

    def commit(*_: object) -> None:
        commits[0] += 1

    event.listen(store.engine, "commit", commit)
    try:
        created = post(url, dreux, pdf, "vote-150")
        assert created.status_code == 201, created.text
        assert commits[0] == 4
        body = created.json()
        assert body["draft"]["status"] == "submitted"  # as the act's transaction left it
        assert body["draft"]["act_id"] == body["act"]["id"] == queued[0]
        assert store.get_draft(body["draft"]["id"]).as_dict() == body["draft"]
    finally:
        event.remove(store.engine, "commit", commit)


def test_a_draft_is_answered_202_and_completed_with_patch(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, queued = api
    dreux = token_for(services, "212801344")
    pdf = text_pdf(DREUX_TEXT.format(n=149, objet="Questions diverses"))
    held = post(url, dreux, pdf, "vote-149")
    assert held.status_code == 202
    body = held.json()
    assert body["status"] == "draft" and queued == []
    assert [p["field"] for p in body["problems"] if p["severity"] == "error"] == ["classification"]
    draft_id = body["draft"]["id"]
    assert post(url, dreux, pdf, "vote-149").json()["draft"]["id"] == draft_id
    bad = requests.patch(
        f"{url}/api/drafts/{draft_id}", headers=dreux, json={"classification": 5}, timeout=10
    )
    assert bad.status_code == 422
    done = requests.patch(
        f"{url}/api/drafts/{draft_id}", headers=dreux, json={"classification": "5.2"}, timeout=10
    )
    assert done.status_code == 201, done.text
    assert done.json()["act"]["classification"] == "5.2" and queued == [done.json()["act"]["id"]]
    bad_metadata = post(url, dreux, pdf, "other", {"date": "le 13"})
    assert bad_metadata.status_code == 422 and bad_metadata.json()["field"] == "date"


def test_bodies_over_the_limit_are_refused_before_being_read(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, _ = api
    dreux = token_for(services, "212801344")
    big = post(url, dreux, b"%PDF-1.4\n" + b"0" * 300_000, "big")
    assert big.status_code == 413 and big.json()["field"] == "body"
    # chunked, with no Content-Length: cut off once past the limit
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)

    def chunks() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="document"; filename="a.pdf"\r\n\r\n'
        for _ in range(100):
            yield b"0" * 10_000

    try:
        connection.request(
            "POST",
            "/api/acts",
            body=chunks(),
            headers={
                **dreux,
                "Idempotency-Key": "chunked",
                "Content-Type": "multipart/form-data; boundary=x",
            },
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 413 and json.loads(response.read())["field"] == "body"
    finally:
        connection.close()
    assert services.store.list_drafts(status=None) == []  # nothing half-recorded


# --------------------------------------------------------------------------- end to end


def _until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


@pytest.mark.shared
@pytest.mark.slow
def test_fixture_deliberations_go_from_the_endpoint_to_an_accuse_de_reception(
    shared_dir: Path, pki: DevPki, services: Services, tmp_path: Path
) -> None:
    port = free_port()
    simulator = SimulatorOptions(
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        tls_dir=pki.directory,
        delays=Delays(1, 1, 1),
        registry=Registry((DREUX, DOLE, SAINT_AMBROIX)),  # the platform's accounts
    )
    config = PlatformConfig(
        base_url=f"https://127.0.0.1:{port}",
        ca_file=pki.ca_cert,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
    )
    folder = shared_dir / "fixtures" / "deliberations"
    with BackgroundSimulator(simulator), HttpPlatform(config) as platform:
        engine = Services(store=services.store, outbox=tmp_path / "outbox", platform=platform)
        queued: list[int] = []
        app = create_api(lambda: Intake(engine), enqueue=queued.append, upload_dir=tmp_path)
        with Server(app) as server:
            headers = token_for(
                services, DREUX.siren.value, DOLE.siren.value, SAINT_AMBROIX.siren.value
            )
            ids = {}
            for name in (
                "dreux-2022-148.txt",
                "dole-15-09-03-35.txt",
                "saint-ambroix-2021-100.txt",
            ):
                # the préfecture's stamp is what the act gets back: a fresh act does not carry it
                text = (
                    folder.joinpath(name)
                    .read_text(encoding="utf-8")
                    .split("Accusé de réception en préfecture")[0]
                )
                response = post(server.url, headers, text_pdf(text), name)
                assert response.status_code == 201, response.text
                ids[name] = response.json()["act"]["id"]
        assert sorted(queued) == sorted(ids.values())
        for act_id in queued:  # what the workers do with a queued act
            engine.submission.package(act_id)
            engine.transmission.transmit(act_id)

        def acknowledged() -> bool:
            engine.polling.poll()
            return all(engine.store.get_act(i).state is ActState.ACKNOWLEDGED for i in ids.values())

        _until(acknowledged)
    acts = {name: engine.store.get_act(i) for name, i in ids.items()}
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    for name, act in acts.items():
        assert act.act_date.isoformat() == expected[name]["session_date"]
        assert act.numero_printed == expected[name]["numero_printed"]
        assert act.classification == expected[name]["classification_suggested"]
        assert act.id_acte is not None and act.date_reception is not None
    assert acts["dreux-2022-148.txt"].id_acte is not None
    assert acts["dreux-2022-148.txt"].id_acte.startswith("028-212801344-20221013-DEL2022_148-DE")


def test_the_list_is_paged_filtered_and_scoped(
    api: tuple[str, list[int]], services: Services, tmp_path: Path
) -> None:
    from workflow.store import NewAct

    url, _ = api
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(text_pdf("Délibération"))
    now = dt.datetime.now(dt.UTC)
    for i in range(5):
        for siren in ("212801344", "000000018"):
            new = NewAct(
                siren, f"k{i}", f"N{i}", f"N{i}", dt.date(2026, 1, 5), "DE", "8.1",
                dt.date(2025, 1, 1), f"Objet {i}", ((pdf, None),),
            )  # fmt: skip
            services.store.create_act(new, at=now, actor="test")
    dreux = token_for(services, "212801344")
    page = requests.get(f"{url}/api/acts?limit=2", headers=dreux, timeout=10).json()
    assert [a["numero"] for a in page["acts"]] == ["N4", "N3"]
    assert {a["siren"] for a in page["acts"]} == {"212801344"}
    seen = [a["numero"] for a in page["acts"]]
    while page["next_cursor"]:
        page = requests.get(
            f"{url}/api/acts",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=dreux,
            timeout=10,
        ).json()
        seen += [a["numero"] for a in page["acts"]]
    assert seen == ["N4", "N3", "N2", "N1", "N0"]
    both = token_for(services, "212801344", "000000018")
    dole = requests.get(f"{url}/api/acts?siren=000000018", headers=both, timeout=10).json()
    assert len(dole["acts"]) == 5 and {a["siren"] for a in dole["acts"]} == {"000000018"}
    refused = requests.get(f"{url}/api/acts?siren=000000018", headers=dreux, timeout=10)
    assert refused.status_code == 403 and refused.json()["field"] == "siren"
    received = requests.get(f"{url}/api/acts?state=received", headers=both, timeout=10).json()
    assert len(received["acts"]) == 10 and received["next_cursor"] is None
    assert requests.get(f"{url}/api/acts?state=packaged", headers=both, timeout=10).json() == {
        "acts": [],
        "next_cursor": None,
    }
    unknown = requests.get(f"{url}/api/acts?state=nope", headers=dreux, timeout=10)
    assert unknown.status_code == 422 and unknown.json()["field"] == "state"
    bad = requests.get(f"{url}/api/acts?cursor=x1", headers=dreux, timeout=10)
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"

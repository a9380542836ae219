"""The simulator against the same table (``scenarios.py``): each request, sent to a fresh
simulator holding what the scenario needs, gets the reply S²LOW gives."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.conformance.scenarios import SCENARIOS, Scenario
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.s2low_wire import FilePart, multipart
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import Delays, SimulatorState
from workflow.collectivite import Collectivite, Registry
from workflow.interfaces.cli.supervisor import free_port
from workflow.platform import FormSubmission, PlatformConfig

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@d.fr"]}
)


class Simulated:
    def __init__(self, url: str, state_file: Path, pdf: Callable[..., Path]) -> None:
        self.url = url
        self.state_file = state_file
        self.pdf = pdf
        self.platform = HttpPlatform(PlatformConfig(base_url=url))

    def control(self, path: str, body: object) -> object:
        response = requests.post(self.url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def act(self, number: str, *annex_typologies: str) -> str:
        yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
        form = FormSubmission(
            nature_code=1,
            classification=(8, 1),
            number=number,
            decision_date=yesterday,
            subject="Délibération",
            document=self.pdf(),
            document_typology="99_DE",
            annexes=tuple((self.pdf(), t) for t in annex_typologies),
            siren="212801344",
        )
        return self.platform.submit_form(form).transaction_id

    def advance(self, seconds: float = 10) -> None:
        self.control("/control/advance", {"seconds": seconds})


def _anomaly(sim: Simulated) -> dict[str, str]:
    sim.control("/control/refuse", {"number": "ANO1", "detail": "Classification inconnue"})
    act = sim.act("ANO1")
    sim.advance()
    return {"id": act}


def _typology(sim: Simulated) -> dict[str, str]:
    act = sim.act("TY1", "22_AG")  # the default 7-2 allows only the generic typologies
    sim.advance()
    return {"id": act}


def _acknowledged(sim: Simulated) -> dict[str, str]:
    act = sim.act("AK1")
    sim.advance()
    return {"id": act}


def _letter(sim: Simulated) -> dict[str, str]:
    act = _acknowledged(sim)["id"]
    sim.control("/control/letter", {"transaction_id": int(act), "code": "2-1"})
    sim.advance(1)
    letter = sim.platform.list_prefecture_documents()[0].id
    return {"id": act, "letter": letter}


def _posted(sim: Simulated) -> dict[str, str]:
    return {"id": sim.act("P1")}


def _cancelled(sim: Simulated) -> dict[str, str]:
    """An act and its cancellation, both acknowledged (status 4), sharing the number."""
    state = SimulatorState(sim.state_file)
    now = state.now()
    with state.transaction() as db:
        for kind in (1, 6):
            db.execute(
                "INSERT INTO transactions(type, siren, departement, number, nature, status,"
                " status_at, created_at) VALUES (?, '212801344', '028', 'C1', 'DE', 4, ?, ?)",
                (kind, now, now),
            )
    return {}


PREPARE: dict[str, Callable[[Simulated], dict[str, str]]] = {
    "": lambda sim: {},
    "anomaly": _anomaly,
    "typology": _typology,
    "acknowledged": _acknowledged,
    "letter": _letter,
    "posted": _posted,
    "cancelled": _cancelled,
}


@pytest.fixture
def simulated(tmp_path: Path, pdf_factory: Callable[..., Path]) -> Iterator[Simulated]:
    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        delays=Delays(2, 2, 2),
        registry=Registry((DREUX,)),
    )
    with BackgroundSimulator(options):
        yield Simulated(f"http://127.0.0.1:{port}", options.state_file, pdf_factory)


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_simulator_answers_as_s2low(scenario: Scenario, simulated: Simulated) -> None:
    values = PREPARE[scenario.prepare](simulated)
    params = {k: _fill(v, values) for k, v in scenario.params.items()}
    body, headers = None, None
    if scenario.method == "POST":
        fields = [(k, _fill(v.decode("iso-8859-1"), values)) for k, v in scenario.fields]
        files = [FilePart(name, filename, data) for name, filename, data in scenario.files]
        body, content_type = multipart(fields, files)
        headers = {"Content-Type": content_type}
    response = requests.request(
        scenario.method,
        simulated.url + scenario.path,
        params=params,
        data=body,
        headers=headers,
        timeout=10,
        allow_redirects=False,
    )
    expected = scenario.reply
    assert response.status_code == expected.status, response.content[:300]
    if expected.body is not None:
        assert re.fullmatch(expected.body, response.content, re.DOTALL), response.content[:400]
    if expected.location is not None:
        location = response.headers.get("Location", "").encode("latin-1").decode("utf-8")
        assert re.match(expected.location, location), location

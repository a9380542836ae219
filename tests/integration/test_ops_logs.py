"""Structured logs: JSON lines with the act's context, one per state change and per platform
call, and nothing secret in them (the real-process run of test_ops_topology greps every log
of a whole run as well)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workflow.adapters import logs
from workflow.adapters.pki import create_dev_pki
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.software_signer import load_signer
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite, Registry
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.platform import PlatformConfig
from workflow.signing import Secret
from workflow.store import NewAct
from workflow.usecases import Services

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@x.fr"]}
)


@pytest.fixture
def lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure(json_lines=True, level="INFO")
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    logging.captureWarnings(False)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_redaction_of_secrets_and_documents() -> None:
    event = logs.redact(
        None,
        "info",
        {
            "event": "x",
            "passphrase": "hunter2",
            "api_token": "abc",
            "raw": b"%PDF-1.7",
            "payload": b"\x00\x01",
            "reason": "header Authorization: Bearer abc.def-123 refused",
            "detail": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
            "act_id": 3,
        },
    )
    assert event["passphrase"] == event["api_token"] == event["raw"] == "[redacted]"
    assert event["payload"] == "<2 bytes>"
    assert "abc.def-123" not in event["reason"]
    assert "MIIE" not in event["detail"]
    assert event["act_id"] == 3


def test_one_json_line_per_state_change_and_platform_call(
    lines: Callable[[], list[dict[str, Any]]],
    tmp_path: Path,
    pdf_factory: Callable[..., Path],
) -> None:
    pki = create_dev_pki(tmp_path / "pki")
    passphrase = pki.signer_passphrase.read_text().strip()
    port = free_port()
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.add_collectivite(DREUX)
    options = SimulatorOptions(  # the platform knows the account's collectivité (form mode)
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        tls_dir=pki.directory,
        registry=Registry((DREUX,)),
    )
    config = PlatformConfig(
        f"https://127.0.0.1:{port}",
        ca_file=pki.ca_cert,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
    )
    pdf = pdf_factory("Délibération secrète du conseil")
    with BackgroundSimulator(options), HttpPlatform(config) as platform:
        services = Services(
            store=store,
            outbox=tmp_path / "outbox",
            platform=platform,
            signer=load_signer(pki.signer_p12, Secret(passphrase)),
        )
        with logs.bound(task_id="t-1"):
            act, _ = services.submission.submit(
                NewAct(
                    "212801344",
                    "k",
                    "L1",
                    "L1",
                    dt.date(2026, 1, 5),
                    "DE",
                    "8.1",
                    dt.date(2019, 3, 1),
                    "Objet",
                    ((pdf, None),),
                )
            )
            services.submission.package(act.id)
            record = services.transmission.transmit(act.id)
    store.close()
    assert record.state is ActState.SUBMITTED, record.last_error or record.anomaly_detail
    found = lines()
    changes = [line for line in found if line["event"] == "state_changed"]
    assert [(c["from_state"], c["to_state"]) for c in changes] == [
        ("received", "packaged"),
        ("packaged", "submitting"),
        ("submitting", "submitted"),
    ]
    assert all(c["act_id"] == act.id and c["siren"] == "212801344" for c in changes)
    assert all(c["task_id"] == "t-1" and c["level"] == "info" for c in changes)
    assert changes[-1]["platform_ref"] == record.platform_ref
    calls = [line for line in found if line["event"] == "platform_call"]
    assert any(c["endpoint"].endswith("actes_transac_create.php") for c in calls)
    assert all("timestamp" in line for line in found)
    text = json.dumps(found)
    for secret in (passphrase, "secrète", "%PDF", "BEGIN"):
        assert secret not in text

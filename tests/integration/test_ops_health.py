"""/health, /ready and ``actes doctor``, each against every fault they report: a healthy
configuration (SQLite store, the embedded broker, the dev PKI, the simulator over mutual TLS)
is broken one piece at a time."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from workers.app import create_celery
from workers.health import probe_broker
from workflow.adapters.checkup import doctor, readiness
from workflow.adapters.pki import DevPki, make_certificate
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite, Registry
from workflow.interfaces.api.app import create_api
from workflow.interfaces.cli.supervisor import free_port
from workflow.ops.findings import Finding, Severity, exit_code
from workflow.platform import PlatformAccount
from workflow.settings import Settings

from .test_api import Server

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@x.fr"]}
)
DOLE = Collectivite.from_mapping(  # a fictitious, Luhn-valid SIREN
    {"name": "Ville de Dole", "siren": "000000018", "departement": "039", "emails": ["a@y.fr"]}
)


@pytest.fixture(scope="module")
def platform_url(pki: DevPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    state = tmp_path_factory.mktemp("sim") / "sim.sqlite3"
    options = SimulatorOptions(
        port=port, state_file=state, tls_dir=pki.directory, registry=Registry((DREUX,))
    )
    with BackgroundSimulator(options):
        yield f"https://127.0.0.1:{port}"


@pytest.fixture
def healthy(tmp_path: Path, pki: DevPki, platform_url: str) -> dict[str, Any]:
    """The settings of a working instance (as keyword arguments, to break one at a time)."""
    data = tmp_path / "data"
    data.mkdir()
    engine = make_engine(f"sqlite:///{data / 'actes.sqlite3'}")
    upgrade_to_head(engine)
    engine.dispose()
    return {
        "data_dir": data,
        "platform_url": platform_url,
        "platform_ca": pki.ca_cert,
        "platform_cert": pki.client_cert,
        "platform_key": pki.client_key,
        "signer_pkcs12": pki.signer_p12,
        "signer_passphrase_file": pki.signer_passphrase,
    }


def _no_intake() -> Any:
    raise AssertionError("the health routes never build the use cases")


def run_readiness(settings: Settings) -> list[Finding]:
    app = create_celery(settings.broker)
    return readiness(settings, lambda: probe_broker(app))


def run_doctor(settings: Settings, now: Callable[[], dt.datetime] | None = None) -> list[Finding]:
    app = create_celery(settings.broker)
    if now is None:
        return doctor(settings, lambda: probe_broker(app))
    return doctor(settings, lambda: probe_broker(app), now=now)


def severity(findings: list[Finding], check: str) -> Severity:
    matching = [f for f in findings if f.check == check]
    assert matching, f"no finding {check} in {[f.check for f in findings]}"
    worst = [f for f in matching if f.severity is not Severity.OK]
    return (worst or matching)[0].severity


def write_p12(
    path: Path, pki: DevPki, *, days: tuple[int, int] = (-1, 365), usage: str = "sign"
) -> Path:
    ca = pki.ca_cert.read_bytes()
    from cryptography import x509

    ca_cert = x509.load_pem_x509_certificate(ca)
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    now = dt.datetime.now(dt.UTC)
    cert, key = make_certificate(
        "TEST signer",
        ca_cert,
        ca_key,  # type: ignore[arg-type]
        not_before=now + dt.timedelta(days=days[0]),
        not_after=now + dt.timedelta(days=days[1]),
        usage=usage,
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"s", key, cert, None, serialization.BestAvailableEncryption(b"pass")
        )
    )
    path.with_suffix(".pass").write_text("pass\n")
    return path


# --------------------------------------------------------------------------- /ready


def test_healthy_instance_is_ready_over_http(healthy: dict[str, Any]) -> None:
    settings = Settings(**healthy)
    app = create_api(
        _no_intake,
        readiness=lambda: run_readiness(settings),
    )
    with Server(app) as server:
        assert requests.get(f"{server.url}/health", timeout=10).json() == {"status": "ok"}
        answer = requests.get(f"{server.url}/ready", timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ready"] is True
    assert body["checks"] == {
        "store.reachable": "ok",
        "store.migrated": "ok",
        "broker.reachable": "ok",
        "certificate.readable": "ok",
        "certificate.expiry": "ok",
        "certificate.key_usage": "ok",
        "platform.reachable": "ok",
        "operators.alerts": "ok",
    }


def _break(name: str, healthy: dict[str, Any], pki: DevPki, tmp_path: Path) -> dict[str, Any]:
    broken = dict(healthy)
    if name == "store.migrated":
        broken["database_url"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    elif name == "store.reachable":
        broken["database_url"] = f"postgresql+psycopg://actes:s3cret@127.0.0.1:{free_port()}/x"
    elif name == "broker.reachable":
        broken["broker_url"] = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    elif name == "certificate.expiry":
        p12 = write_p12(tmp_path / "old.p12", pki, days=(-400, -1))
        broken.update(signer_pkcs12=p12, signer_passphrase_file=p12.with_suffix(".pass"))
    elif name == "certificate.readable":
        (tmp_path / "wrong.pass").write_text("not-the-passphrase\n")
        broken["signer_passphrase_file"] = tmp_path / "wrong.pass"
    elif name == "platform.reachable":
        broken["platform_url"] = f"https://127.0.0.1:{free_port()}"
    return broken


READY_FAULTS = {
    "store.migrated": "invalid",
    "store.reachable": "transient",
    "broker.reachable": "transient",
    "certificate.expiry": "invalid",
    "certificate.readable": "invalid",
    "platform.reachable": "transient",
}


@pytest.mark.parametrize("fault", sorted(READY_FAULTS))
def test_ready_reports_each_fault_without_leaking(
    fault: str, healthy: dict[str, Any], pki: DevPki, tmp_path: Path
) -> None:
    settings = Settings(**_break(fault, healthy, pki, tmp_path))
    app = create_api(
        _no_intake,
        readiness=lambda: run_readiness(settings),
    )
    with Server(app) as server:
        answer = requests.get(f"{server.url}/ready", timeout=60)
    assert answer.status_code == 503
    body = answer.json()
    assert body["ready"] is False
    assert body["checks"][fault] == READY_FAULTS[fault]
    bad = {k for k, v in body["checks"].items() if v not in ("ok", "warning")}
    assert bad == {fault}
    for secret in ("s3cret", "127.0.0.1", str(tmp_path), "not-the-passphrase"):
        assert secret not in answer.text


# --------------------------------------------------------------------------- actes doctor


def test_doctor_finds_nothing_wrong_with_a_healthy_instance(
    healthy: dict[str, Any], tmp_path: Path
) -> None:
    webhook_key = tmp_path / "webhook.key"
    webhook_key.write_text("k3y\n")
    controller = Controller(_Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = Settings(
            **healthy,
            smtp_host="127.0.0.1",
            smtp_port=controller.port,
            webhook_url=healthy["platform_url"] + "/hook",
            webhook_secret_file=webhook_key,
            operator_emails="exploitation@operateur.example",
        )
        _store(settings).nomenclature_recorded(dt.datetime.now(dt.UTC))
        findings = run_doctor(settings)
    finally:
        controller.stop()
    assert [f for f in findings if f.severity is not Severity.OK] == []
    assert {f.check for f in findings} >= {
        "store.migrated",
        "broker.reachable",
        "certificate.expiry",
        "certificate.key_usage",
        "platform.reachable",
        "platform.identity",
        "clock.sync",
        "nomenclature.fresh",
        "alerts.smtp",
        "alerts.webhook",
        "alerts.webhook_key",
        "operators.channel",
    }
    assert exit_code(findings) == 0


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 OK"


class _StoreHelper:
    def __init__(self, settings: Settings) -> None:
        self.store = SqlStore(make_engine(settings.database), settings.files_dir)
        self.store.add_collectivite(DREUX)

    def nomenclature_recorded(self, at: dt.datetime) -> None:
        self.store.save_nomenclature(DREUX.siren.value, dt.date(2024, 1, 1), b"<x/>", at=at)
        self.store.close()


def _store(settings: Settings) -> _StoreHelper:
    return _StoreHelper(settings)


def _misconfigure(name: str, healthy: dict[str, Any], pki: DevPki, tmp: Path) -> dict[str, Any]:
    broken = dict(healthy)
    if name == "certificate.key_usage":
        p12 = write_p12(tmp / "enc.p12", pki, usage="none")
        broken.update(signer_pkcs12=p12, signer_passphrase_file=p12.with_suffix(".pass"))
    elif name == "certificate.expiry (soon)":
        p12 = write_p12(tmp / "soon.p12", pki, days=(-300, 10))
        broken.update(signer_pkcs12=p12, signer_passphrase_file=p12.with_suffix(".pass"))
    elif name == "certificate.readable (missing file)":
        broken["signer_pkcs12"] = tmp / "absent.p12"
    elif name == "platform.client_certificate":
        broken["platform_cert"] = None
        broken["platform_key"] = None
    elif name == "platform.reachable (server not vouched for by our CA)":
        broken["platform_ca"] = pki.signer_cert
    elif name == "platform.tls_files (login without its password file)":
        broken.update(platform_login="actes", platform_password_file=tmp / "absent")
    elif name == "platform.tls_files":
        broken["platform_key"] = tmp / "absent.key"
    elif name == "store.reachable (SQLite in a missing directory)":
        broken["database_url"] = f"sqlite:///{tmp / 'absent' / 'actes.sqlite3'}"
    elif name == "alerts.smtp":
        broken.update(smtp_host="127.0.0.1", smtp_port=free_port())
    elif name == "alerts.webhook_key (no key file)":
        broken["webhook_url"] = healthy["platform_url"]
    elif name == "alerts.webhook_key (empty)":
        (tmp / "empty.key").write_text("")
        broken.update(webhook_url=healthy["platform_url"], webhook_secret_file=tmp / "empty.key")
    elif name == "alerts.webhook_key (unreadable)":
        broken.update(webhook_url=healthy["platform_url"], webhook_secret_file=tmp / "absent.key")
    elif name == "certificate.expiry (not yet valid)":
        p12 = write_p12(tmp / "future.p12", pki, days=(2, 400))
        broken.update(signer_pkcs12=p12, signer_passphrase_file=p12.with_suffix(".pass"))
    elif name == "alerts.webhook":
        (tmp / "k").write_text("k\n")
        broken.update(webhook_url=f"http://127.0.0.1:{free_port()}/", webhook_secret_file=tmp / "k")
    return broken


DOCTOR_FAULTS = {
    "certificate.key_usage": ("certificate.key_usage", Severity.INVALID),
    "certificate.expiry (soon)": ("certificate.expiry", Severity.WARNING),
    "certificate.readable (missing file)": ("certificate.readable", Severity.INVALID),
    "platform.client_certificate": ("platform.client_certificate", Severity.INVALID),
    "platform.reachable (server not vouched for by our CA)": (
        "platform.reachable",
        Severity.INVALID,
    ),
    "platform.tls_files": ("platform.tls_files", Severity.INVALID),
    "platform.tls_files (login without its password file)": (
        "platform.tls_files",
        Severity.INVALID,
    ),
    "store.reachable (SQLite in a missing directory)": ("store.reachable", Severity.INVALID),
    "alerts.smtp": ("alerts.smtp", Severity.TRANSIENT),
    "alerts.webhook_key (no key file)": ("alerts.webhook_key", Severity.INVALID),
    "alerts.webhook_key (empty)": ("alerts.webhook_key", Severity.INVALID),
    "alerts.webhook_key (unreadable)": ("alerts.webhook_key", Severity.INVALID),
    "certificate.expiry (not yet valid)": ("certificate.expiry", Severity.INVALID),
    "alerts.webhook": ("alerts.webhook", Severity.TRANSIENT),
}


@pytest.mark.parametrize("fault", sorted(DOCTOR_FAULTS))
def test_doctor_names_each_misconfiguration_with_its_fix(
    fault: str, healthy: dict[str, Any], pki: DevPki, tmp_path: Path
) -> None:
    check, expected = DOCTOR_FAULTS[fault]
    findings = run_doctor(Settings(**_misconfigure(fault, healthy, pki, tmp_path)))
    assert severity(findings, check) is expected
    named = next(f for f in findings if f.check == check and f.severity is expected)
    assert named.fix


def test_doctor_sees_a_clock_out_of_sync_with_the_platform(healthy: dict[str, Any]) -> None:
    def late() -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)

    findings = run_doctor(Settings(**healthy), now=late)
    assert severity(findings, "clock.sync") is Severity.INVALID
    in_sync = run_doctor(Settings(**healthy))
    assert severity(in_sync, "clock.sync") is Severity.OK


def test_doctor_warns_of_a_missing_or_stale_nomenclature(healthy: dict[str, Any]) -> None:
    settings = Settings(**healthy, nomenclature_max_age_days=30)
    helper = _store(settings)
    missing = run_doctor(settings)
    assert severity(missing, "nomenclature.fresh") is Severity.WARNING
    assert "nomenclature fetch --siren 212801344" in next(
        f.fix for f in missing if f.check == "nomenclature.fresh"
    )
    helper.nomenclature_recorded(dt.datetime.now(dt.UTC) - dt.timedelta(days=60))
    stale = run_doctor(settings)
    assert severity(stale, "nomenclature.fresh") is Severity.WARNING
    assert "60 days ago" in next(f.message for f in stale if f.check == "nomenclature.fresh")


def test_doctor_checks_the_account_is_the_collectivites(healthy: dict[str, Any]) -> None:
    settings = Settings(**healthy)
    helper = _store(settings)  # Dreux: the account the simulator's certificate opens
    helper.store.add_collectivite(DOLE)
    findings = run_doctor(settings)
    identity = {f.subject: f for f in findings if f.check == "platform.identity"}
    assert identity["212801344"].severity is Severity.OK
    assert identity[DOLE.siren.value].severity is Severity.WARNING
    assert "Ville de Dreux" in identity[DOLE.siren.value].message
    helper.store.close()


def test_an_instance_of_bound_accounts_without_a_global_one_is_ready(
    healthy: dict[str, Any], pki: DevPki
) -> None:
    """Each collectivité with its own platform account and no ACTES_PLATFORM_CERT: the
    probe presents a bound account's certificate instead of calling the instance broken."""
    settings = Settings(**{**healthy, "platform_cert": None, "platform_key": None})
    unbound = run_readiness(settings)
    assert severity(unbound, "platform.client_certificate") is Severity.INVALID  # none at all
    helper = _store(settings)
    account = PlatformAccount("212801344", cert=pki.client_cert, key=pki.client_key)
    helper.store.bind_platform_account(account, at=dt.datetime.now(dt.UTC))
    helper.store.close()
    found = run_readiness(settings)
    assert [f.check for f in found if f.severity not in (Severity.OK, Severity.WARNING)] == []
    assert severity(found, "platform.reachable") is Severity.OK
    assert "platform.client_certificate" not in {f.check for f in found}
    doctor_found = run_doctor(settings)
    identity = {f.subject: f.severity for f in doctor_found if f.check == "platform.identity"}
    assert identity == {"212801344": Severity.OK}
    assert "platform.client_certificate" not in {f.check for f in doctor_found}
    # one account with a missing file does not make the instance unready: a usable one is
    # presented (doctor names the broken one)
    gone = pki.client_cert.with_name("gone.pem")
    helper = _store(settings)
    helper.store.add_collectivite(DOLE)
    broken_account = PlatformAccount(DOLE.siren.value, cert=gone, key=pki.client_key)
    helper.store.bind_platform_account(broken_account, at=dt.datetime.now(dt.UTC))
    helper.store.close()
    found = run_readiness(settings)
    assert severity(found, "platform.reachable") is Severity.OK
    assert "platform.tls_files" not in {f.check for f in found}
    assert any(
        f.check == "platform.account" and f.subject == DOLE.siren.value and not f.ok
        for f in run_doctor(settings)
    )
    # none usable: the missing file is named, not taken for a network fault
    helper = _store(settings)
    dreux_gone = PlatformAccount("212801344", cert=gone, key=pki.client_key)
    helper.store.bind_platform_account(dreux_gone, at=dt.datetime.now(dt.UTC))
    helper.store.close()
    broken = [f for f in run_readiness(settings) if f.check == "platform.tls_files"]
    assert broken and "gone.pem" in broken[0].message


def test_doctor_refuses_a_certificate_of_no_collectivite_here(
    healthy: dict[str, Any], tmp_path: Path
) -> None:
    settings = Settings(**healthy)
    store = SqlStore(make_engine(settings.database), settings.files_dir)
    store.add_collectivite(DOLE)
    findings = run_doctor(settings)
    store.close()
    assert severity(findings, "platform.identity") is Severity.INVALID
    assert exit_code(findings) == 2


def test_doctor_warns_when_no_alert_channel_is_configured(healthy: dict[str, Any]) -> None:
    assert severity(run_doctor(Settings(**healthy)), "alerts.configured") is Severity.WARNING


def test_doctor_says_loudly_that_operator_alerts_reach_nobody(healthy: dict[str, Any]) -> None:
    """ACTES_OPERATOR_EMAILS unset (or no relay to send through): a warning, not silence."""
    for settings in (
        Settings(**healthy, smtp_host="127.0.0.1"),
        Settings(**healthy, operator_emails="exploitation@operateur.example"),
    ):
        found = [f for f in run_doctor(settings) if f.check == "operators.channel"]
        assert [f.severity for f in found] == [Severity.WARNING]
        assert "ACTES_OPERATOR_EMAILS" in found[0].message or "ACTES_SMTP_HOST" in found[0].message


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_doctor_exit_codes(healthy: dict[str, Any], pki: DevPki, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    env.update({f"ACTES_{k.upper()}": str(v) for k, v in healthy.items()})
    fine = _cli(env, "doctor", "--json")
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert json.loads(fine.stdout)["ok"] is True
    down = _cli({**env, "ACTES_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}, "doctor")
    assert down.returncode == 3, down.stdout
    assert "DOWN broker.reachable" in down.stdout
    assert "fix: check ACTES_BROKER_URL" in down.stdout
    p12 = write_p12(tmp_path / "old.p12", pki, days=(-400, -1))
    expired = _cli(
        {
            **env,
            "ACTES_SIGNER_PKCS12": str(p12),
            "ACTES_SIGNER_PASSPHRASE_FILE": str(p12.with_suffix(".pass")),
        },
        "doctor",
    )
    assert expired.returncode == 2, expired.stdout
    assert "FAIL certificate.expiry" in expired.stdout


def test_ping_workers_needs_a_broker_with_broadcast(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ACTES_DATA_DIR": str(tmp_path)}
    embedded = _cli(env, "ping-workers", "--timeout", "1")
    assert embedded.returncode == 2
    assert "no broadcast" in embedded.stderr
    nobody = _cli(
        {**env, "ACTES_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"},
        "ping-workers",
        "--timeout",
        "1",
    )
    assert nobody.returncode == 3, nobody.stderr

"""The operators' channel (issue 16): a fault of the service is raised once, to the operators'
addresses only (ACTES_OPERATOR_EMAILS), reminded every ACTES_OPERATOR_RENOTIFY_SECONDS while it
lasts, and closed with a "resolved" notice; the clerks see on each act that it was raised."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.integration.test_alerts import _Inbox
from tests.integration.test_ops_metrics import scrape
from tests.support import open_store
from workflow.adapters.metrics import StoreCollector
from workflow.adapters.operator_channel import sweep_operator_alerts
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.ops.findings import Finding, Severity
from workflow.problems import CurrentProblem, ProblemCode
from workflow.settings import Settings
from workflow.store import NewAct
from workflow.usecases import Services

DREUX = Collectivite.from_mapping(
    {
        "name": "Ville de Dreux",
        "siren": "212801344",
        "departement": "028",
        "emails": ["greffe@ville-dreux.fr"],
    }
)
START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
OPERATORS = "exploitation@operateur.example, astreinte@operateur.example"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(tmp_path: Path, clock: Clock) -> Iterator[Services]:
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, DREUX) as store:
        yield Services(store=store, outbox=tmp_path / "outbox", clock=clock)


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def _settings(tmp_path: Path, port: int, **more: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        smtp_host="127.0.0.1",
        smtp_port=port,
        operator_emails=OPERATORS,
        **more,  # type: ignore[arg-type]
    )


def _act(services: Services, pdf: Path, numero: str, state: ActState = ActState.RECEIVED) -> int:
    act, _ = services.store.create_act(
        NewAct(
            "212801344",
            numero,
            numero,
            numero,
            dt.date(2026, 3, 1),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            "Objet",
            ((pdf, None),),
        ),
        at=START,
        actor="test",
    )
    if state is not ActState.RECEIVED:
        services.store.transition(act.id, state, actor="test", reason="test", at=START)
    return act.id


def _stop(services: Services, act_id: int, code: ProblemCode) -> None:
    now = services.clock()
    services.store.set_problem(act_id, CurrentProblem(code, now, "CN=Mairie expired"))
    services.store.transition(act_id, ActState.FAILED, actor="test", reason="stopped", at=now)


def _mails(inbox: _Inbox) -> list[tuple[str, str, str]]:
    found = []
    for raw in inbox.messages:
        mail = message_from_bytes(raw)
        body = mail.get_payload(decode=True)
        assert isinstance(body, bytes)
        found.append((mail["To"], mail["Subject"], body.decode()))
    return found


def test_a_configuration_fault_reaches_the_operators_once_and_only_them(
    services: Services,
    clock: Clock,
    smtp: tuple[int, _Inbox],
    tmp_path: Path,
    pdf_factory: Callable[..., Path],
) -> None:
    port, inbox = smtp
    settings = _settings(tmp_path, port, operator_renotify_seconds=6 * 3600)
    acts = [_act(services, pdf_factory(), f"C{i}") for i in range(3)]
    for act_id in acts:
        _stop(services, act_id, ProblemCode.SIGNING_FAILED)
    assert sweep_operator_alerts(services, settings) is not None
    ((to, subject, body),) = _mails(inbox)
    assert to == "exploitation@operateur.example, astreinte@operateur.example"  # the setting
    assert "greffe@ville-dreux.fr" not in to  # never the clerks
    assert "[operations]" in subject and "3 act(s)" in body and "config:signing_failed" in body
    for act_id in acts:  # each act says the operators were told, in French
        problem = services.store.get_act(act_id).problem
        assert problem is not None and problem.operator_alerted == START
        assert "l'exploitant du service a été alerté" in problem.action()
        assert problem.as_dict()["operator_alerted_at"] == START.isoformat()

    clock.now = START + dt.timedelta(hours=5)  # within ACTES_OPERATOR_RENOTIFY_SECONDS
    late = _act(services, pdf_factory(), "C9")
    _stop(services, late, ProblemCode.SIGNING_FAILED)
    assert sweep_operator_alerts(services, settings) is None
    assert len(inbox.messages) == 1  # one fault, one alert: not one per act
    problem = services.store.get_act(late).problem  # stopped since: already told
    assert problem is not None and problem.operator_alerted == START
    (alert,) = services.store.operator_alerts()
    assert "4 act(s)" in alert.summary  # kept up to date meanwhile

    clock.now = START + dt.timedelta(hours=6, minutes=1)  # the reminder is due
    assert sweep_operator_alerts(services, settings) is not None
    assert "reminder 2" in _mails(inbox)[-1][2]

    clock.now += dt.timedelta(minutes=10)  # fixed: the acts were sent again
    for act in services.store.list_acts(states=[ActState.FAILED]):
        services.resending.retry(act.id, actor="operator")
    digest = sweep_operator_alerts(services, settings)
    assert digest is not None and [a.key for a in digest.resolved] == ["config:signing_failed"]
    assert "RESOLVED [config:signing_failed]" in _mails(inbox)[-1][2]
    assert services.store.operator_alerts() == []
    assert sweep_operator_alerts(services, settings) is None  # resolved once
    assert len(inbox.messages) == 3


def test_without_an_operator_address_alerts_stay_open_and_the_log_says_so(
    services: Services,
    smtp: tuple[int, _Inbox],
    tmp_path: Path,
    pdf_factory: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, inbox = smtp
    act_id = _act(services, pdf_factory(), "L1")
    _stop(services, act_id, ProblemCode.PLATFORM_LOGIN_REFUSED)
    unset = Settings(data_dir=tmp_path / "data", smtp_host="127.0.0.1", smtp_port=port)
    with caplog.at_level(logging.WARNING):
        assert sweep_operator_alerts(services, unset) is None
    assert "ACTES_OPERATOR_EMAILS is not set" in caplog.text
    assert inbox.messages == []  # the collectivité's address is never a fallback
    (alert,) = services.store.operator_alerts()
    assert alert.key == "config:platform_login_refused" and alert.notified_at is None
    problem = services.store.get_act(act_id).problem
    assert problem is not None and problem.operator_alerted is None  # nobody was told
    assert sweep_operator_alerts(services, _settings(tmp_path, port)) is not None
    assert len(inbox.messages) == 1  # configured later: the open alert goes out then


def test_an_incident_is_sent_once_and_closed(
    services: Services, smtp: tuple[int, _Inbox], tmp_path: Path
) -> None:
    port, inbox = smtp
    settings = _settings(tmp_path, port)
    services.store.record_incident(
        "inbound_quarantined", "unreadable 2-1 from the préfecture", at=START, payload=b"x"
    )
    digest = sweep_operator_alerts(services, settings)
    assert digest is not None and [a.key for a in digest.raised] == ["incident:1"]
    assert "unreadable 2-1" in _mails(inbox)[0][2]
    assert services.store.operator_alerts() == []  # a one-off: closed once told
    assert sweep_operator_alerts(services, settings) is None
    assert len(inbox.messages) == 1


def test_the_platform_failing_for_long_and_an_expiring_certificate(
    services: Services, clock: Clock, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _act(services, pdf_factory(), "U1", ActState.PACKAGED)
    services.store.set_problem(
        act_id, CurrentProblem(ProblemCode.PLATFORM_UNREACHABLE, START, "connection refused")
    )
    expiring = Finding(
        "certificate.expiry",
        Severity.WARNING,
        "the certificate CN=Mairie expires on 2026-03-20 (in 18 days)",
        "order its renewal from the certification authority now",
        "signer.p12",
    )
    keys = {f.key for f in services.operator_alerts.faults(findings=[expiring])}
    assert keys == {"certificate.expiry:signer.p12"}  # the platform failed for minutes only
    clock.now = START + dt.timedelta(hours=2)
    faults = services.operator_alerts.faults(findings=[expiring])
    assert {f.key for f in faults} == {"certificate.expiry:signer.p12", "platform_unreachable"}
    services.operator_alerts.sweep(recipients=[], channels=[], findings=[expiring])
    samples = scrape(StoreCollector(services.store.engine, services.store.files_dir))  # type: ignore[attr-defined]
    opened = {
        dict(labels)["kind"]: value
        for (name, labels), value in samples.items()
        if name == "actes_operator_alerts_open"
    }
    assert opened == {"certificate": 1.0, "platform_unreachable": 1.0}


def test_actes_incidents_lists_the_open_operational_alerts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from click.testing import CliRunner

    from workflow.interfaces.cli import engine_commands
    from workflow.interfaces.cli.app import cli

    assert engine_commands.incidents_command.name == "incidents"  # registered
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.record_incident("recovery_ambiguous", "two transactions match", at=START)
    services = Services(store=store, outbox=tmp_path / "outbox", clock=lambda: START)
    services.operator_alerts.sweep(recipients=[], channels=[])  # no channel: stays open
    store.close()
    monkeypatch.setenv("ACTES_DATABASE_URL", url)
    runner = CliRunner()
    listed = runner.invoke(cli, ["incidents", "--json", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    (alert,) = json.loads(listed.output)["operator_alerts"]
    assert alert["key"] == "incident:1" and alert["notified_at"] is None
    text = runner.invoke(cli, ["incidents", "--data-dir", str(tmp_path)])
    assert "NOT NOTIFIED" in text.output and "two transactions match" in text.output


def test_a_login_refused_while_polling_is_raised_at_once_and_closed_by_the_next_poll(
    services: Services,
    clock: Clock,
    smtp: tuple[int, _Inbox],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import workers.tasks as tasks
    from workflow.errors import PlatformAccessRefused
    from workflow.usecases.polling import PollReport

    port, inbox = smtp
    settings = _settings(tmp_path, port)
    monkeypatch.setattr(tasks, "services", lambda: services)

    def refused(answered: object = None) -> PollReport:
        raise PlatformAccessRefused("list_actes: Échec de l'authentification", field="platform")

    def through(answered: Callable[[], None] | None = None) -> PollReport:
        if answered is not None:
            answered()  # as Polling.poll does once every account's poll got through
        return PollReport()

    monkeypatch.setattr(services.polling, "poll", refused)
    for _ in range(3):  # every poll fails: still one alert
        with pytest.raises(PlatformAccessRefused):
            tasks.poll_platform.run()
    (alert,) = services.store.operator_alerts()
    assert alert.key == "platform_access:poll" and "authentification" in alert.summary
    digest = sweep_operator_alerts(services, settings)
    assert digest is not None and [a.key for a in digest.raised] == ["platform_access:poll"]
    assert sweep_operator_alerts(services, settings) is None  # the sweep does not close it
    monkeypatch.setattr(services.polling, "poll", through)
    tasks.poll_platform.run()
    assert services.store.operator_alerts() == []
    digest = sweep_operator_alerts(services, settings)
    assert digest is not None and [a.key for a in digest.resolved] == ["platform_access:poll"]
    assert len(inbox.messages) == 2

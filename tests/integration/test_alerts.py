"""Deadline alerts: a real local SMTP server, a signed webhook, each alert once; the .ics feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from workflow.adapters.ical import deadlines_calendar
from workflow.adapters.notifiers import SIGNATURE_HEADER, SmtpNotifier, WebhookNotifier
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.alerts import Digest, horizon_for
from workflow.collectivite import Collectivite
from workflow.errors import TransientError
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.signing import Secret
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
NOW = dt.datetime(2022, 10, 18, 9, tzinfo=dt.UTC)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[tuple[bytes, str]]]]:
    received: list[tuple[bytes, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers[SIGNATURE_HEADER]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(tmp_path: Path, pdf_factory: Callable[..., Path]) -> Iterator[Services]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.add_collectivite(DREUX)
    services = Services(store=store, outbox=tmp_path / "outbox", clock=lambda: NOW)
    act, _ = store.create_act(
        NewAct(
            "212801344",
            "k",
            "DEL2022_148",
            "DEL2022-148",
            dt.date(2022, 10, 13),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            "ENT",
            ((pdf_factory(), None),),
        ),
        at=NOW,
        actor="test",
    )
    for state in (ActState.PACKAGED, ActState.SUBMITTING, ActState.SUBMITTED):
        store.transition(act.id, state, actor="test", reason="test", at=NOW)
    store.transition(
        act.id,
        ActState.ACKNOWLEDGED,
        actor="prefecture",
        reason="AR",
        at=NOW,
        id_acte="028-212801344-20221013-DEL2022_148-DE",
        date_reception=dt.date(2022, 10, 18),
    )
    services.law.record_publicity(
        act.id, "electronic", dt.date(2022, 10, 18), "https://ville-dreux.fr/actes"
    )
    yield services
    store.close()


def test_horizons() -> None:
    today = dt.date(2022, 12, 10)
    assert horizon_for(dt.date(2022, 12, 19), today, (15, 7, 2)) == 15
    assert horizon_for(dt.date(2022, 12, 16), today, (15, 7, 2)) == 7
    assert horizon_for(dt.date(2022, 12, 11), today, (15, 7, 2)) == 2
    assert horizon_for(dt.date(2023, 1, 30), today, (15, 7, 2)) is None
    assert horizon_for(dt.date(2022, 12, 1), today, (15, 7, 2)) is None


def test_email_and_webhook_each_alert_once(
    services: Services,
    smtp: tuple[int, _Inbox],
    webhook: tuple[str, list[tuple[bytes, str]]],
    tmp_path: Path,
) -> None:
    port, inbox = smtp
    url, received = webhook
    secret = Secret("webhook-key")
    notifiers = [
        SmtpNotifier("127.0.0.1", port, "actes@ville-dreux.fr"),
        WebhookNotifier(url, secret),
    ]
    day = dt.date(2022, 12, 10)  # the déféré and the appeal both end Mon 19 Dec 2022: J-9
    sent = services.alerts.send_alerts(today=day, notifiers=notifiers)
    assert len(sent) == 2  # one digest per channel for the one collectivité
    assert len(inbox.messages) == 1
    mail = message_from_bytes(inbox.messages[0])
    assert mail["To"] == "greffe@ville-dreux.fr"
    body = mail.get_payload(decode=True).decode()
    assert "19/12/2022" in body and "déféré préfectoral" in body and "recours contentieux" in body
    assert "prefet_defere" not in body  # the stable codes stay in the JSON, not in the e-mail
    payload, signature = received[0]
    assert signature == "sha256=" + hmac.new(b"webhook-key", payload, hashlib.sha256).hexdigest()
    assert {a["kind"] for a in json.loads(payload)["alerts"]} == {
        "prefet_defere",
        "third_party_appeal",
    }
    assert services.alerts.send_alerts(today=day, notifiers=notifiers) == []  # once per horizon
    assert services.alerts.send_alerts(
        today=dt.date(2022, 12, 13), notifiers=notifiers
    )  # J-6 enters the J-7 horizon
    assert len(inbox.messages) == 2
    assert (
        services.alerts.send_alerts(today=dt.date(2022, 10, 20), notifiers=notifiers) == []
    )  # nothing near yet


def test_a_failing_channel_is_retried_later(services: Services, smtp: tuple[int, _Inbox]) -> None:
    port, inbox = smtp
    broken = WebhookNotifier(f"http://127.0.0.1:{free_port()}/nothing", Secret("k"))
    with pytest.raises(TransientError):
        services.alerts.send_alerts(
            today=dt.date(2022, 12, 10),
            notifiers=[SmtpNotifier("127.0.0.1", port, "a@b.fr"), broken],
        )
    assert len(inbox.messages) == 1  # e-mail went out and is recorded
    assert (
        services.alerts.send_alerts(
            today=dt.date(2022, 12, 10), notifiers=[SmtpNotifier("127.0.0.1", port, "a@b.fr")]
        )
        == []
    )


def test_icalendar_feed(services: Services) -> None:
    items = services.law.deadlines(today=dt.date(2022, 10, 20), within_days=365)
    data = deadlines_calendar("Ville de Dreux", items, now=NOW)
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert {e.decoded("dtstart") for e in events} == {dt.date(2022, 12, 19)}
    assert len(events) == 2
    assert all("@actes-workflow" in str(e["uid"]) for e in events)
    assert b"BEGIN:VCALENDAR" in data and b"VERSION:2.0" in data


def test_deadline_rows_follow_the_facts_and_the_sweep_reads_only_what_falls_due(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    from sqlalchemy import event

    store = services.store
    day = dt.date(2022, 12, 10)
    due = services.law.deadlines(today=day, within_days=15)
    assert {d.kind.value for _, d in due} == {"prefet_defere", "third_party_appeal"}
    act = due[0][0]
    # a later publication moves the third parties' appeal: the act's rows are computed again
    services.law.record_publicity(act.id, "posting", dt.date(2022, 10, 14))
    assert store.stale_deadline_acts() and store.stale_deadline_acts()[0][0].id == act.id
    moved = services.law.deadlines(today=day, within_days=15)
    assert not store.stale_deadline_acts()
    assert {d.kind.value: d.due for _, d in moved} == {
        "third_party_appeal": dt.date(2022, 12, 15),  # two months (délai franc) from 14 Oct
        "prefet_defere": dt.date(2022, 12, 19),
    }
    # acts acknowledged long ago: their rows are computed once, then never read again
    for i in range(12):
        old, _ = store.create_act(
            NewAct(
                "212801344", f"old{i}", f"OLD{i}", f"OLD{i}", dt.date(2020, 1, 6), "DE", "8.1",
                dt.date(2019, 3, 1), "Ancien", ((pdf_factory(), None),),
            ),
            at=NOW,
            actor="test",
        )  # fmt: skip
        for state in (ActState.PACKAGED, ActState.SUBMITTING, ActState.SUBMITTED):
            store.transition(old.id, state, actor="test", reason="test", at=NOW)
        store.transition(
            old.id, ActState.ACKNOWLEDGED, actor="prefecture", reason="AR", at=NOW,
            id_acte=f"028-212801344-20200106-OLD{i}-DE", date_reception=dt.date(2020, 1, 7),
        )  # fmt: skip
    assert services.law.refresh_deadlines() == 12
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", count)  # type: ignore[attr-defined]
    try:
        again = services.law.deadlines(today=day, within_days=15)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)  # type: ignore[attr-defined]
    assert [(a.id, d.kind) for a, d in again] == [(a.id, d.kind) for a, d in moved]
    # stale acts, the acts due, one act's records and legal facts: not one statement per act
    assert len(statements) <= 8, statements
    assert store.replace_deadlines(act.id, [], version=-1) is False  # older facts: kept nothing
    assert services.law.deadlines(today=day, within_days=15) == again


class _Collecting:
    """A channel that keeps the digests it is given."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.digests: list[Digest] = []

    def send(self, digest: Digest) -> None:
        self.digests.append(digest)


def test_the_digest_explains_each_deadline_in_the_readers_language(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2022, 12, 10)
    monkeypatch.delenv("ACTES_LOCALE", raising=False)
    clerks = _Collecting("clerks")
    services.alerts.send_alerts(today=day, notifiers=[clerks])
    text = clerks.digests[0].text()
    assert (
        "le préfet peut déférer l'acte au tribunal administratif jusqu'au 19 décembre 2022 "
        "(déféré préfectoral : délai franc de 2 mois à compter de la réception)"
    ) in text
    assert (
        "recours contentieux devant le tribunal administratif est possible jusqu'au 19 décembre 2022"
        in text
    )
    assert "the préfet may" not in text and "prefet_defere" not in text
    monkeypatch.setenv("ACTES_LOCALE", "en")
    operators = _Collecting("operators")  # another channel: the same alerts go out once more
    services.alerts.send_alerts(today=day, notifiers=[operators])
    text = operators.digests[0].text()
    assert "the préfet may refer the act to the court until 19 December 2022" in text
    assert "an appeal to the tribunal administratif is possible until 19 December 2022" in text
    assert "le préfet peut" not in text

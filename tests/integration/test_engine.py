"""The services against the real simulator (HTTPS, mutual TLS): exactly-once transmission,
idempotent steps, faults, anomalies — on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.support import control, simulated_services
from workflow.adapters.pki import DevPki
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.store.repository import SqlStore
from workflow.errors import InvalidInput, TransientError
from workflow.lifecycle import ActState
from workflow.store import NewAct
from workflow.usecases import Services


@pytest.fixture
def services(pki: DevPki, tmp_path: Path, database_url: str) -> Iterator[Services]:
    with simulated_services(pki, tmp_path, database_url) as services:
        yield services


def _submit(services: Services, pdf: Path, number: str) -> int:
    act, _ = services.submission.submit(
        NewAct(
            "212801344",
            f"key-{number}",
            number,
            number,
            dt.date(2026, 1, 5),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            "Objet",
            ((pdf, None),),
        )
    )
    return act.id


def _acknowledge(services: Services) -> None:
    control(services, "/control/advance", {"seconds": 5})
    services.polling.poll()


def test_act_reaches_its_accuse_de_reception(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _submit(services, pdf_factory(), "E1")
    assert services.submission.package(act_id).state is ActState.PACKAGED
    assert services.submission.package(act_id).state is ActState.PACKAGED  # run twice, one effect
    assert services.transmission.transmit(act_id).state is ActState.SUBMITTED
    assert services.transmission.transmit(act_id).state is ActState.SUBMITTED  # no second sending
    _acknowledge(services)
    act = services.store.get_act(act_id)
    assert act.state is ActState.ACKNOWLEDGED
    assert act.id_acte == "028-212801344-20260105-E1-DE"
    assert act.date_reception is not None
    events = [e.to_state for e in services.store.events(act_id)]
    assert events == ["received", "packaged", "submitting", "submitted", "acknowledged"]
    assert services.polling.poll().acknowledged == ()  # nothing left: a poll costs nothing more


def test_each_step_is_a_claim_and_an_outcome(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    """Issue 13: a step reads and moves in a handful of transactions: the act recorded in one,
    packaging in two (what it reads, the move with its archive), sending in two (the claim
    with the move to submitting before the request; the platform's answer, the calls made
    and the move to submitted)."""
    commits = [0]

    def commit(*_: object) -> None:
        commits[0] += 1

    store = services.store
    assert isinstance(store, SqlStore)
    event.listen(store.engine, "commit", commit)
    try:
        act_id = _submit(services, pdf_factory(), "TX1")
        assert commits[0] == 1
        assert services.submission.package(act_id).state is ActState.PACKAGED
        assert commits[0] == 3
        assert services.transmission.transmit(act_id).state is ActState.SUBMITTED
        assert commits[0] == 5
    finally:
        event.remove(store.engine, "commit", commit)
    calls = store.attempts(act_id)  # recorded with the move, in its transaction
    assert [c.endpoint for c in calls] == ["/modules/actes/actes_transac_create.php"]
    events = [e.to_state for e in store.events(act_id)]
    assert events == ["received", "packaged", "submitting", "submitted"]


def test_a_polls_accuses_de_reception_are_recorded_together(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    """Issue 13: the ARs a poll brings are recorded in one transaction, not one per act: a
    poll bringing three costs the store what a poll bringing one does."""
    store = services.store
    assert isinstance(store, SqlStore)
    commits = [0]

    def commit(*_: object) -> None:
        commits[0] += 1

    def sent(number: str) -> int:
        act_id = _submit(services, pdf_factory(text=f"Délibération {number}"), number)
        services.submission.package(act_id)
        services.transmission.transmit(act_id)
        return act_id

    def polled() -> int:
        control(services, "/control/advance", {"seconds": 5})
        commits[0] = 0
        event.listen(store.engine, "commit", commit)
        answered: list[bool] = []
        try:
            services.polling.poll(answered=lambda: answered.append(True))
        finally:
            event.remove(store.engine, "commit", commit)
        assert answered == [True]  # with the lease's release, in its transaction
        return commits[0]

    polled()  # the first poll writes the poll's lease row: the polls compared come after
    alone = sent("AR1")
    one = polled()
    three = [sent(n) for n in ("AR2", "AR3", "AR4")]
    assert polled() == one
    for act_id in (alone, *three):
        assert store.get_act(act_id).state is ActState.ACKNOWLEDGED
        assert store.message(act_id, "1-2") is not None


def test_lost_reply_never_duplicates(services: Services, pdf_factory: Callable[..., Path]) -> None:
    act_id = _submit(services, pdf_factory(), "LOST")
    services.submission.package(act_id)
    control(services, "/control/faults", {"lost_reply_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(act_id)  # the platform stored it, but we never heard back
    assert services.store.get_act(act_id).state is ActState.SUBMITTING
    control(services, "/control/faults", {})
    with pytest.raises(TransientError, match="SIREN"):
        services.transmission.transmit(act_id)  # found, but not provably ours before status 4
    control(services, "/control/advance", {"seconds": 5})
    act = services.transmission.transmit(act_id)  # the retry asks the platform first
    assert act.state is ActState.SUBMITTED
    assert act.platform_ref is not None
    platform = services.platform
    assert isinstance(platform, HttpPlatform)
    assert (
        len([t for s in range(1, 5) for t in platform.iter_transactions(s) if t.number == "LOST"])
        == 1
    )  # type: ignore[arg-type]
    assert any("lost reply" in e.reason for e in services.store.events(act_id))


def test_two_runs_recovering_one_act_bind_it_once(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    """A worker killed mid-send leaves its message to be redelivered while the sweep enqueues
    the act again: two runs recover it at once. The one that binds second finds the binding
    made and has no second effect (it used to fail on the act's unique transaction)."""
    act_id = _submit(services, pdf_factory(), "TWICE")
    services.submission.package(act_id)
    control(services, "/control/faults", {"lost_reply_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(act_id)
    control(services, "/control/faults", {})
    control(services, "/control/advance", {"seconds": 5})
    platform = services.platform
    assert isinstance(platform, HttpPlatform)
    [listed] = [
        t for s in range(1, 5) for t in platform.iter_transactions(s) if t.number == "TWICE"
    ]
    # the other run got as far as recording the transaction, not yet the state
    services.store.record_transaction(act_id, listed.id, at=services.clock(), recovered=True)
    act = services.transmission.transmit(act_id)
    assert act.state is ActState.SUBMITTED
    assert act.platform_ref == listed.id
    assert services.transmission.transmit(act_id).state is ActState.SUBMITTED


def test_platform_5xx_is_transient_and_recorded(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _submit(services, pdf_factory(), "E5XX")
    services.submission.package(act_id)
    control(services, "/control/faults", {"error_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(act_id)
    control(services, "/control/faults", {})
    assert services.transmission.transmit(act_id).state is ActState.SUBMITTED
    store = services.store
    assert isinstance(store, SqlStore)
    assert next(a.http_status for a in store.attempts(act_id)) == 503


def test_anomaly_and_platform_refusal(services: Services, pdf_factory: Callable[..., Path]) -> None:
    control(
        services,
        "/control/refuse",
        {"number": "BAD1", "nature": "042", "detail": "Classification inconnue"},
    )
    act_id = _submit(services, pdf_factory(), "BAD1")
    services.submission.package(act_id)
    services.transmission.transmit(act_id)
    _acknowledge(services)
    act = services.store.get_act(act_id)
    assert act.state is ActState.REJECTED
    assert (act.anomaly_nature, act.anomaly_detail) == ("042", "Classification inconnue")
    # a failure the person must fix: the act fails, visible, and can be retried
    other = _submit(services, pdf_factory(), "F1")
    assert services.submission.fail(other, "document unreadable").state is ActState.FAILED
    assert services.submission.retry(other, actor="clerk").state is ActState.RECEIVED


def test_prefecture_letters_feed_the_deadlines(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _submit(services, pdf_factory(), "LEG1")
    services.submission.package(act_id)
    services.transmission.transmit(act_id)
    _acknowledge(services)
    act = services.store.get_act(act_id)
    assert act.date_reception is not None
    assert not services.law.assess(act_id).executory.executory  # received, not yet published
    services.law.record_publicity(
        act_id, "electronic", act.date_reception, "https://dreux.fr/actes/LEG1"
    )
    assessment = services.law.assess(act_id)
    assert assessment.executory.executory
    assert assessment.executory.date == act.date_reception
    plain = next(d for d in assessment.deadlines if d.kind.value == "prefet_defere")
    assert plain.rule == "R15"
    assert platform_ref_of(services, act_id)
    control(
        services, "/control/letter", {"id_acte": act.id_acte, "code": "4-1", "text": "Incompétence"}
    )
    control(services, "/control/letter", {"id_acte": act.id_acte, "code": "2-1"})
    report = services.polling.poll()
    assert report.prefecture_messages == (act_id, act_id)
    codes = {e.code for e in services.store.exchanges(act_id)}
    assert codes == {"4-1", "2-1"}
    after = next(
        d for d in services.law.assess(act_id).deadlines if d.kind.value == "prefet_defere"
    )
    assert after.rule == "R18"  # the lettre d'observations interrupted the préfet's delay
    assert after.due is not None and plain.due is not None and after.due > plain.due
    assert services.polling.poll().prefecture_messages == ()  # marked as read: fetched once
    with pytest.raises(InvalidInput):
        services.law.record_publicity(act_id, "pigeon", act.date_reception)
    soon = services.law.deadlines(today=act.date_reception, within_days=400)
    assert {d.kind.value for a, d in soon if a.id == act_id} == {
        "prefet_defere",
        "third_party_appeal",
    }


def platform_ref_of(services: Services, act_id: int) -> str | None:
    return services.store.get_act(act_id).platform_ref


def test_cancellation_from_request_to_arannulation(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    from workflow.errors import IllegalTransition, Rejected

    act_id = _submit(services, pdf_factory(), "CANCEL1")
    with pytest.raises(IllegalTransition):
        services.exchanges.cancel(
            act_id, reason="too early"
        )  # only an acknowledged act is withdrawn
    services.submission.package(act_id)
    services.transmission.transmit(act_id)
    _acknowledge(services)
    act = services.exchanges.cancel(act_id, reason="voted twice by mistake")
    assert act.state is ActState.CANCELLATION_REQUESTED
    assert (
        services.exchanges.cancel(act_id, reason="again").state is ActState.CANCELLATION_REQUESTED
    )
    [asked] = [e for e in services.store.exchanges(act_id) if e.code == "6-1"]  # asked once
    control(services, "/control/advance", {"seconds": 5})
    report = services.polling.poll()
    assert report.cancelled == (act_id,)
    assert services.store.get_act(act_id).state is ActState.CANCELLED
    store = services.store
    assert isinstance(store, SqlStore)
    assert ("in", "6-2") in [m[:2] for m in store.messages(act_id)]
    assert asked.platform_ref
    assert services.exchanges.cancel(act_id, reason="done").state is ActState.CANCELLED

    # a refusal by the platform brings the act back, with its words
    other = _submit(services, pdf_factory(), "CANCEL2")
    services.submission.package(other)
    services.transmission.transmit(other)
    _acknowledge(services)
    platform = services.platform
    assert isinstance(platform, HttpPlatform)
    first = platform.cancel(
        services.store.get_act(other).platform_ref or ""
    )  # someone else asked first
    assert first
    with pytest.raises(Rejected, match="déjà en cours"):
        services.exchanges.cancel(other, reason="twice")
    act = services.store.get_act(other)
    assert act.state is ActState.ACKNOWLEDGED
    assert "cancellation refused" in services.store.events(other)[-1].reason


def test_stuck_acts_are_alerted_once(services: Services, pdf_factory: Callable[..., Path]) -> None:
    from workflow.alerts import Digest

    class Inbox:
        channel = "test"

        def __init__(self) -> None:
            self.digests: list[Digest] = []

        def send(self, digest: Digest) -> None:
            self.digests.append(digest)

    act_id = _submit(services, pdf_factory(), "STUCK")
    inbox = Inbox()
    later = services.clock() + dt.timedelta(hours=3)
    slow = Services(store=services.store, outbox=services.outbox, clock=lambda: later)
    [digest] = slow.alerts.send_alerts(
        today=later.date(), notifiers=[inbox], stuck_after=dt.timedelta(hours=1)
    )
    [alert] = digest.alerts
    assert alert.act_id == act_id and alert.kind == "stuck_received"
    assert "bloqué" in digest.text() and "acte(s) bloqué(s)" in digest.subject
    # the state as a clerk reads it, its moment in words: never the code « received »
    assert "« reçu, à envoyer »" in alert.explanation and "« received »" not in alert.explanation
    assert (
        slow.alerts.send_alerts(
            today=later.date(), notifiers=[inbox], stuck_after=dt.timedelta(hours=1)
        )
        == []
    )


def test_answering_the_prefecture_through_the_platform(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _submit(services, pdf_factory(), "ANS1")
    services.submission.package(act_id)
    services.transmission.transmit(act_id)
    _acknowledge(services)
    act = services.store.get_act(act_id)
    services.law.record_publicity(act_id, "electronic", act.date_reception or dt.date.today())
    control(
        services,
        "/control/letter",
        {"id_acte": act.id_acte, "code": "3-1", "text": "Annexe manquante"},
    )
    services.polling.poll()
    with pytest.raises(InvalidInput):
        services.exchanges.answer(
            act_id, "5-1", document=pdf_factory()
        )  # a déféré goes to the court
    with pytest.raises(InvalidInput):
        services.exchanges.answer(act_id, "3-1")  # sending pieces needs the pieces
    answered = services.exchanges.answer(
        act_id, "3-1", document=pdf_factory("Pièces"), attachments=((pdf_factory("Plan"), "22_AG"),)
    )
    assert answered.answered_on is not None
    facts = services.law.legal_facts(services.store.get_act(act_id))
    assert facts.dpc_answer == answered.answered_on  # R17: the préfet's delay restarts from it
    again = services.exchanges.answer(act_id, "3-1", document=pdf_factory("Pièces"))  # sent once
    assert again.answered_on == answered.answered_on
    from workflow.errors import NotFound

    with pytest.raises(NotFound):
        services.exchanges.answer(act_id, "4-1", refuse=True)


def test_stamped_act_and_bordereau_for_the_clerks(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    import io

    from pypdf import PdfReader

    from workflow.errors import Conflict

    act_id = _submit(services, pdf_factory("Délibération à publier"), "PUB1")
    services.submission.package(act_id)
    services.transmission.transmit(act_id)
    with pytest.raises(Conflict, match="no accusé de réception yet"):
        services.documents.stamped_act(act_id)
    _acknowledge(services)
    act = services.store.get_act(act_id)
    stamped = PdfReader(
        io.BytesIO(services.documents.stamped_act(act_id, published_on=act.date_reception))
    )
    text = stamped.pages[0].extract_text()
    assert act.id_acte is not None and act.id_acte in text and "publier" in text
    assert (
        act.id_acte
        in PdfReader(io.BytesIO(services.documents.bordereau(act_id))).pages[0].extract_text()
    )


def test_form_mode_sends_the_same_package_field_by_field(
    pki: DevPki, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    from workflow.adapters.software_signer import load_signer
    from workflow.signing import Secret

    signer = load_signer(pki.signer_p12, Secret(pki.signer_passphrase.read_text().strip()))
    store_url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with simulated_services(
        pki, tmp_path, store_url, signer=signer, submit_mode="form"
    ) as services:
        act_id = _submit(services, pdf_factory(), "FORM1")
        services.submission.package(act_id)
        assert services.transmission.transmit(act_id).state is ActState.SUBMITTED
        _acknowledge(services)
        act = services.store.get_act(act_id)
        assert (
            act.state is ActState.ACKNOWLEDGED and act.id_acte == "028-212801344-20260105-FORM1-DE"
        )

"""Every act has a way forward: a refused act is corrected and sent again under a derived
number (replacing it, linked both ways); a failed act is retried once its cause is fixed; and
an act that is not moving says why and since when — against the real simulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.integration import test_engine as engine_tests
from tests.integration.test_s2low_rules import _fingerprint
from tests.support import control
from workflow.adapters.pki import DevPki
from workflow.alerts import Digest
from workflow.errors import Conflict, TransientError
from workflow.lifecycle import ActState
from workflow.operator import OperatorDigest
from workflow.problems import ProblemCode
from workflow.signing import CertificateExpired, DetachedSignature
from workflow.store import NewAct
from workflow.usecases import Services
from workflow.usecases.polling import POLL_LEASE_DURATION
from workflow.usecases.resend import Correction

CORRUPT_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 9 0 R>>endobj\ngarbage\n%%EOF\n"


services = engine_tests.services  # the simulator over HTTPS, a store with Dreux


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


def _send(services: Services, act_id: int) -> None:
    services.submission.package(act_id)
    services.transmission.transmit(act_id)


def _acknowledge(services: Services) -> None:
    control(services, "/control/advance", {"seconds": 5})
    services.polling.poll()


def test_a_refused_act_is_corrected_and_acknowledged_under_a_derived_number(
    services: Services, pdf_factory: Callable[..., Path], tmp_path: Path
) -> None:
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(CORRUPT_PDF)
    old_id = _submit(services, corrupt, "DEL2022_148")
    _send(services, old_id)
    _acknowledge(services)  # the platform opens the PDFs after its OK, then answers −1
    old = services.store.get_act(old_id)
    assert old.state is ActState.REJECTED
    assert old.problem is not None and old.problem.code is ProblemCode.PLATFORM_REFUSED
    assert "corrompu" in old.problem.message()
    assert "actes resend" in old.problem.action()

    result = services.resending.resend(
        old_id,
        Correction(document=pdf_factory("Délibération corrigée"), changes={"objet": "Corrigé"}),
        actor="clerk",
    )
    assert result.numero_derived and result.act.numero == "DEL2022_148A"
    assert (result.act.replaces, result.replaced.replaced_by) == (old_id, result.act.id)
    assert result.act.objet == "Corrigé"
    _send(services, result.act.id)
    _acknowledge(services)
    new = services.store.get_act(result.act.id)
    assert new.state is ActState.ACKNOWLEDGED
    assert new.id_acte == "028-212801344-20260105-DEL2022_148A-DE"
    assert new.problem is None
    old = services.store.get_act(old_id)
    assert old.state is ActState.REJECTED  # stays in the history as refused
    assert old.replaced_by == new.id
    assert services.store.events(old_id)[-1].event == "replaced"
    with pytest.raises(Conflict):  # replaced once only
        services.resending.resend(old_id, Correction(), actor="clerk")


def test_an_anomaly_is_resent_and_a_taken_derived_number_is_skipped(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    control(services, "/control/refuse", {"number": "BAD1", "nature": "042", "detail": "Inconnue"})
    old_id = _submit(services, pdf_factory(), "BAD1")
    _submit(services, pdf_factory(), "BAD1A")  # the first derived number is already used
    _send(services, old_id)
    _acknowledge(services)
    old = services.store.get_act(old_id)
    assert old.state is ActState.REJECTED
    assert old.problem is not None and old.problem.code is ProblemCode.PREFECTURE_ANOMALY
    result = services.resending.resend(old_id, Correction(), actor="clerk")
    assert result.act.numero == "BAD1B"
    _send(services, result.act.id)
    _acknowledge(services)
    assert services.store.get_act(result.act.id).state is ActState.ACKNOWLEDGED


def test_a_failed_act_is_retried_and_only_a_failed_one(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _submit(services, pdf_factory(), "R1")
    services.submission.package(act_id)
    control(services, "/control/faults", {"error_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(act_id)
    waiting = services.store.get_act(act_id)
    assert waiting.state is ActState.SUBMITTING
    assert waiting.problem is not None
    assert waiting.problem.code is ProblemCode.PLATFORM_UNREACHABLE
    failed = services.submission.fail(act_id, "no answer after 8 attempts")
    assert failed.state is ActState.FAILED
    assert failed.problem is not None and failed.problem.code is ProblemCode.RETRIES_EXHAUSTED
    control(services, "/control/faults", {})
    retried = services.resending.retry(act_id, actor="clerk")
    assert retried.state is ActState.RECEIVED and retried.problem is None
    with pytest.raises(Conflict, match="only a failed act"):
        services.resending.retry(act_id, actor="clerk")


class _ExpiredSigner:
    """A signer whose certificate has expired (what check_validity raises at signing)."""

    def sign_detached(self, content: BinaryIO) -> DetachedSignature:
        return self.sign_digest(b"")

    def sign_digest(self, sha256: bytes) -> DetachedSignature:
        raise CertificateExpired(
            "the signing certificate CN=Mairie expired on 2026-01-01",
            field="certificate",
            rule="valid at signing time",
            value="2026-01-01",
        )


class _Outbox:
    channel = "test"

    def __init__(self) -> None:
        self.digests: list[Digest] = []

    def send(self, digest: Digest) -> None:
        self.digests.append(digest)


def test_a_configuration_fault_stops_each_act_and_is_alerted_once(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    services.signer = _ExpiredSigner()
    first = services.submission.package(_submit(services, pdf_factory(), "S1"))
    assert first.state is ActState.FAILED
    assert first.problem is not None and first.problem.code is ProblemCode.SIGNING_FAILED
    assert first.problem.configuration and "2026-01-01" in first.problem.message()
    assert "actes retry" in first.problem.action()
    services.submission.package(_submit(services, pdf_factory(), "S2"))
    clerks, operators = _Outbox(), _Operators()
    today = dt.date.today()
    services.alerts.send_alerts(today=today, notifiers=[clerks])
    assert clerks.digests == []  # the service's fault: not the clerks' to fix
    sweep = {"recipients": ["ops@example.org"], "channels": [operators]}
    services.operator_alerts.sweep(**sweep)
    (digest,) = operators.digests
    assert [a.key for a in digest.raised] == ["config:signing_failed"]
    assert "2 act(s)" in digest.raised[0].summary
    services.submission.package(_submit(services, pdf_factory(), "S3"))
    services.operator_alerts.sweep(**sweep)
    assert len(operators.digests) == 1  # the same fault: not once per act
    held = services.store.get_act(first.id).problem
    assert held is not None and held.operator_alerted is not None
    assert "alerté" in held.action()  # the clerks see the operators were told (French)
    services.signer = None
    for act in services.store.list_acts(states=[ActState.FAILED]):
        assert services.resending.retry(act.id, actor="clerk").state is ActState.RECEIVED
    assert services.submission.package(first.id).state is ActState.PACKAGED
    services.operator_alerts.sweep(**sweep)
    assert [a.key for a in operators.digests[-1].resolved] == ["config:signing_failed"]
    assert services.store.operator_alerts() == []


class _Operators:
    channel = "test"

    def __init__(self) -> None:
        self.digests: list[OperatorDigest] = []

    def send(self, digest: OperatorDigest) -> None:
        self.digests.append(digest)


def test_one_poll_at_a_time(services: Services, pdf_factory: Callable[..., Path]) -> None:
    act_id = _submit(services, pdf_factory(), "P1")
    _send(services, act_id)
    control(services, "/control/advance", {"seconds": 5})
    now = dt.datetime.now(dt.UTC)
    assert services.store.acquire_lease("poll", "beat", until=now + POLL_LEASE_DURATION, now=now)
    assert services.polling.poll().skipped  # the beat's poll runs: this one does nothing
    assert services.store.get_act(act_id).state is ActState.SUBMITTED
    # a worker killed mid-poll never releases its lease: it expires soon, polling goes on
    later = now + POLL_LEASE_DURATION + dt.timedelta(seconds=1)
    services.clock = lambda: later
    assert services.polling.poll().acknowledged == (act_id,)


def test_an_act_parked_on_the_platform_says_a_person_must_confirm_it(
    services: Services, pdf_factory: Callable[..., Path], pki: DevPki
) -> None:
    mine = _fingerprint(pki)  # an account with CS but not TT: its acts wait in 17
    account = {"login": "agent", "certificate": mine, "siren": "212801344", "rights": "CS"}
    control(services, "/control/accounts", [account])
    act_id = _submit(services, pdf_factory(), "PARK1")
    _send(services, act_id)
    assert services.polling.poll().parked == (act_id,)
    act = services.store.get_act(act_id)
    assert act.state is ActState.SUBMITTED
    assert act.problem is not None and act.problem.code is ProblemCode.PARKED_ON_PLATFORM
    assert "17" in act.problem.message() and "actes platform confirm" in act.problem.message()
    assert act.problem.action() == "confirmez l'acte sur la plateforme de transmission"

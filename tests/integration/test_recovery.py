"""Recovery after a failed first attempt never binds an act to a transaction it did not send.

One platform account serves every collectivité of the registry and its listing carries no
SIREN (issue 14 #1): the act found by number must be proven ours (SIREN, date, nature, objet,
its own status and IDActe) before it is bound.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import CHARTRES, DREUX, control, simulated_services
from workflow.adapters.pki import DevPki
from workflow.adapters.platform_http import HttpPlatform
from workflow.errors import TransientError
from workflow.lifecycle import ActState
from workflow.platform import (
    ListedTransaction,
    PlatformStatus,
    TransactionDetails,
)
from workflow.store import NewAct
from workflow.usecases import Services

A, B = DREUX, CHARTRES


@pytest.fixture
def services(pki: DevPki, tmp_path: Path, database_url: str) -> Iterator[Services]:
    # one development account acting for both collectivités
    with simulated_services(pki, tmp_path, database_url, known=(A, B)) as services:
        yield services


def _submit(services: Services, pdf: Path, siren: str, objet: str) -> int:
    act, _ = services.submission.submit(
        NewAct(
            siren,
            f"key-{siren}",
            "DEL2024_001",
            "DEL2024_001",
            dt.date(2026, 1, 5),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            objet,
            ((pdf, None),),
        )
    )
    services.submission.package(act.id)
    return act.id


def _advance(services: Services, seconds: int = 5) -> None:
    control(services, "/control/advance", {"seconds": seconds})


def test_b_is_never_bound_to_a_s_transaction_of_the_same_number(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    a_id = _submit(services, pdf_factory(), A.siren.value, "Budget primitif")
    assert services.transmission.transmit(a_id).state is ActState.SUBMITTED
    _advance(services)
    services.polling.poll()
    a = services.store.get_act(a_id)
    assert a.state is ActState.ACKNOWLEDGED
    b_id = _submit(services, pdf_factory(), B.siren.value, "Tarifs de la cantine")
    control(services, "/control/faults", {"error_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(b_id)  # a 503: B's act never reached the platform
    control(services, "/control/faults", {})
    b = services.transmission.transmit(b_id)  # recovery finds A's DEL2024_001 and must refuse it
    assert b.state is ActState.SUBMITTED
    assert b.platform_ref is not None and b.platform_ref != a.platform_ref
    _advance(services)
    services.polling.poll()
    b = services.store.get_act(b_id)
    assert b.state is ActState.ACKNOWLEDGED
    assert b.id_acte is not None and b.id_acte.split("-")[1] == B.siren.value
    assert not any("lost reply" in e.reason for e in services.store.events(b_id))


def test_identical_metadata_waits_for_proof_and_never_binds_across(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    """A and B send the same number, date, nature and objet; A's reply is lost, B's first
    send gets a 503. While A's transaction cannot show its SIREN (status 1–3) B waits; once
    it can, B is sent on its own and A is bound to its own transaction."""
    a_id = _submit(services, pdf_factory(), A.siren.value, "Objet commun")
    b_id = _submit(services, pdf_factory(), B.siren.value, "Objet commun")
    control(services, "/control/faults", {"lost_reply_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(a_id)  # stored by the platform, reply lost: A is not bound
    control(services, "/control/faults", {"error_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(b_id)
    control(services, "/control/faults", {})
    with pytest.raises(TransientError, match="SIREN"):
        services.transmission.transmit(b_id)  # A's transaction is still in status 1: no proof yet
    assert services.store.get_act(b_id).state is ActState.SUBMITTING
    _advance(services)
    b = services.transmission.transmit(b_id)
    a = services.transmission.transmit(a_id)
    assert a.state is ActState.SUBMITTED and b.state is ActState.SUBMITTED
    assert a.platform_ref is not None and b.platform_ref is not None
    assert a.platform_ref != b.platform_ref
    assert any("lost reply" in e.reason for e in services.store.events(a_id))
    assert not any("lost reply" in e.reason for e in services.store.events(b_id))


def test_lost_reply_is_bound_once_its_siren_is_proven(
    services: Services, pdf_factory: Callable[..., Path]
) -> None:
    b_id = _submit(services, pdf_factory(), B.siren.value, "Subvention")
    control(services, "/control/faults", {"lost_reply_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(b_id)  # stored by the platform, reply lost
    control(services, "/control/faults", {})
    _advance(services)
    b = services.transmission.transmit(b_id)
    assert b.state is ActState.SUBMITTED
    assert any("lost reply" in e.reason for e in services.store.events(b_id))
    platform = services.platform
    assert isinstance(platform, HttpPlatform)
    numbers = [t.number for s in PlatformStatus for t in platform.iter_transactions(s) if t.number]
    assert numbers.count("DEL2024_001") == 1


def test_an_ambiguous_match_binds_nothing_and_is_recorded(
    services: Services, pdf_factory: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transactions prove to be the act (a platform that broke its own uniqueness):
    none is bound, an incident says so, and the act goes on as if nothing were found."""
    platform = services.platform
    assert isinstance(platform, HttpPlatform)
    b_id = _submit(services, pdf_factory(), B.siren.value, "Subvention")
    control(services, "/control/faults", {"lost_reply_rate": 1.0})
    with pytest.raises(TransientError):
        services.transmission.transmit(b_id)
    control(services, "/control/faults", {})
    _advance(services)
    real_find, real_details = platform.find_candidates, platform.transaction_details
    twin = "9" + "0" * 8

    def find(number: str) -> list[ListedTransaction]:
        found = real_find(number)
        return found + [dataclasses.replace(t, id=twin) for t in found]

    def details(transaction_id: str) -> TransactionDetails:
        real = real_details(
            real_find("DEL2024_001")[0].id if transaction_id == twin else transaction_id
        )
        return dataclasses.replace(real, id=transaction_id)

    monkeypatch.setattr(platform, "find_candidates", find)
    monkeypatch.setattr(platform, "transaction_details", details)
    act = services.transmission.transmit(b_id)
    assert act.platform_ref is None  # re-sent: the platform refuses the duplicate number
    assert act.state is ActState.REJECTED
    (incident,) = services.store.incidents(act_id=b_id)
    assert incident.kind == "recovery_ambiguous" and twin in incident.detail

"""``ACTES_MAX_SUBMIT_RETRIES`` is the number of automatic retries of a transient platform
failure: the task runs once plus that many times, records the next attempt on the act, and
then leaves the act ``failed`` with the reason and what to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import DREUX
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.problems import ProblemCode
from workflow.settings import Settings
from workflow.store import ActRecord, NewAct

DREUX_DAY = dt.date(2026, 1, 5)


@pytest.mark.parametrize("retries", [0, 2, 5])  # 5: past Celery's own default of 3
def test_max_submit_retries_is_honoured(
    retries: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pdf_factory: Callable[..., Path],
) -> None:
    from workers import tasks

    monkeypatch.setenv("ACTES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ACTES_DATABASE_URL", raising=False)
    monkeypatch.setenv("ACTES_PLATFORM_URL", f"http://127.0.0.1:{free_port()}")  # nobody there
    monkeypatch.setenv("ACTES_MAX_SUBMIT_RETRIES", str(retries))
    tasks._build.cache_clear()
    services = tasks.services()
    try:
        services.store.add_collectivite(DREUX)
        act, _ = services.submission.submit(
            NewAct(
                "212801344",
                "k",
                "R1",
                "R1",
                DREUX_DAY,
                "DE",
                "8.1",
                DREUX_DAY,
                "Objet",
                ((pdf_factory(), None),),
            )
        )
        services.submission.package(act.id)
        calls: list[ActRecord] = []
        transmit = services.transmission.transmit

        def counted(act_id: int) -> ActRecord:
            calls.append(services.store.get_act(act_id))
            return transmit(act_id)

        monkeypatch.setattr(services.transmission, "transmit", counted)
        tasks.submit_act.apply(args=[act.id])
        assert len(calls) == 1 + retries
        if retries:  # while retrying, the act said why and when the next attempt comes
            waiting = calls[-1].problem
            assert waiting is not None and waiting.code is ProblemCode.PLATFORM_UNREACHABLE
            assert waiting.next_attempt is not None
        failed = services.store.get_act(act.id)
        assert failed.state is ActState.FAILED
        assert failed.problem is not None and failed.problem.code is ProblemCode.RETRIES_EXHAUSTED
        assert Settings().max_submit_retries == retries
    finally:
        services.close()
        tasks._build.cache_clear()

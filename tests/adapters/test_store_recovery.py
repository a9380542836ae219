"""The store's part in recovery, on SQLite and PostgreSQL: the poll lease holds across
connections (and expires), an act's current problem keeps its first moment, a replacement is
linked both ways once, and acts are listed by IDActe, number, state and age."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adapters import test_store as base
from tests.adapters.test_store import NOW, _new
from workflow.adapters.store.engine import make_engine
from workflow.adapters.store.repository import SqlStore
from workflow.errors import Conflict
from workflow.lifecycle import ActState
from workflow.problems import CurrentProblem, ProblemCode
from workflow.store import ActFilter
from workflow.usecases.resend import derive_number

store = base.store


def test_one_lease_holder_at_a_time_until_it_expires(
    store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    other = SqlStore(make_engine(database_url), tmp_path / "files")  # another process's pool
    until = NOW + dt.timedelta(minutes=10)
    assert store.acquire_lease("poll", "a", until=until, now=NOW)
    assert not other.acquire_lease("poll", "b", until=until, now=NOW)
    assert store.acquire_lease("poll", "a", until=until, now=NOW)  # its holder renews it
    assert other.acquire_lease(
        "poll", "b", until=until + until.resolution, now=until + until.resolution
    )
    store.release_lease("poll", "a")  # not a's any more: nothing released
    assert not store.acquire_lease("poll", "a", until=until, now=NOW)
    other.release_lease("poll", "b")
    assert store.acquire_lease("poll", "a", until=until, now=NOW)
    other.close()


def test_concurrent_takers_get_the_lease_once(store: SqlStore) -> None:
    won: list[str] = []
    barrier = threading.Barrier(6)

    def take(name: str) -> None:
        barrier.wait()
        if store.acquire_lease("poll", name, until=NOW + dt.timedelta(minutes=5), now=NOW):
            won.append(name)

    threads = [threading.Thread(target=take, args=(f"h{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_problem_keeps_its_first_moment_and_clears_when_the_act_moves(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="t")
    later = NOW + dt.timedelta(hours=1)
    code = ProblemCode.PLATFORM_UNREACHABLE
    store.set_problem(act.id, CurrentProblem(code, NOW, "HTTP 503", later))
    store.set_problem(
        act.id, CurrentProblem(code, later, "HTTP 503 again", later + dt.timedelta(minutes=2))
    )
    problem = store.get_act(act.id).problem
    assert problem is not None and problem.since == NOW and problem.detail == "HTTP 503 again"
    assert (
        store.transition(act.id, ActState.PACKAGED, actor="t", reason="t", at=later).problem is None
    )


def test_a_replacement_is_linked_both_ways_once(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    old, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="t")
    first = _new(pdf_factory(), key="r1", numero="N1A")
    new, _ = store.create_act(
        type(first)(**{**_fields(first), "replaces": old.id}), at=NOW, actor="t"
    )
    assert (new.replaces, store.get_act(old.id).replaced_by) == (old.id, new.id)
    second = _new(pdf_factory(), key="r2", numero="N1B")
    with pytest.raises(Conflict):
        store.create_act(type(second)(**{**_fields(second), "replaces": old.id}), at=NOW, actor="t")
    assert store.act_by_numero("212801344", "N1B") is None  # nothing half-written


def test_acts_are_listed_by_id_acte_number_state_and_age(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    a, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="t")
    b, _ = store.create_act(
        _new(pdf_factory(), "k2", "N2"), at=NOW + dt.timedelta(days=3), actor="t"
    )
    store.transition(
        b.id,
        ActState.ACKNOWLEDGED,
        actor="t",
        reason="t",
        at=NOW + dt.timedelta(days=3),
        id_acte="028-212801344-20261120-N2-DE",
    )
    ids = lambda where: [x.id for x in store.list_acts(where=where)]  # noqa: E731
    assert ids(ActFilter(id_acte="028-212801344-20261120-N2-DE")) == [b.id]
    assert ids(ActFilter(numero="N1")) == [a.id]
    assert ids(ActFilter(states=[ActState.RECEIVED])) == [a.id]
    assert ids(ActFilter(state_before=NOW + dt.timedelta(days=1))) == [a.id]
    assert ids(ActFilter(sirens=frozenset({"214502494"}))) == []


def test_derived_numbers_follow_the_number_rule() -> None:
    assert derive_number("DEL2022_148", lambda n: False) == "DEL2022_148A"
    assert derive_number("DEL2022_148", lambda n: n.endswith("A")) == "DEL2022_148B"
    assert derive_number("ABCDEFGHIJKLMN1", lambda n: False) == "ABCDEFGHIJKLMNA"  # 15 at most
    with pytest.raises(Conflict):
        derive_number("N1", lambda n: True)


def _fields(new: object) -> dict[str, object]:
    return {name: getattr(new, name) for name in new.__dataclass_fields__}  # type: ignore[attr-defined]

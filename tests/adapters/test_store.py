"""The store on SQLite and PostgreSQL: migrations, idempotency, transitions, exactly-once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.support import DREUX, open_store
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite
from workflow.errors import AlreadyExists, Conflict, IllegalTransition, NotFound
from workflow.lifecycle import ActState
from workflow.platform import Attempt
from workflow.store import NewAct

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
OTHER = Collectivite.from_mapping(
    {"name": "Autre", "siren": "214502494", "departement": "045", "emails": ["a@autre.fr"]}
)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[SqlStore]:
    with open_store(database_url, tmp_path, DREUX, OTHER) as store:
        yield store


def _new(pdf: Path, key: str = "k1", numero: str = "N1", siren: str = "212801344") -> NewAct:
    return NewAct(
        siren,
        key,
        numero,
        numero,
        dt.date(2026, 11, 20),
        "DE",
        "8.1",
        dt.date(2019, 3, 1),
        "Objet",
        ((pdf, None),),
    )


def test_migrations_reach_head(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    upgrade_to_head(engine)  # idempotent
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "collectivites",
        "acts",
        "documents",
        "act_documents",
        "packages",
        "transactions",
        "attempts",
        "messages",
        "events",
        "alembic_version",
    } <= tables


def test_create_is_idempotent_and_documents_are_stored_once(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    pdf = pdf_factory()
    first, created = store.create_act(_new(pdf), at=NOW, actor="test")
    again, created_again = store.create_act(_new(pdf), at=NOW, actor="test")
    assert created and not created_again
    assert first.id == again.id
    second, _ = store.create_act(_new(pdf, key="k2", numero="N2"), at=NOW, actor="test")
    assert second.documents[0].sha256 == first.documents[0].sha256
    assert store.document_path(first.documents[0].sha256).read_bytes() == pdf.read_bytes()
    with pytest.raises(AlreadyExists, match="number N1"):
        store.create_act(_new(pdf, key="k3", numero="N1"), at=NOW, actor="test")


def test_transitions_write_the_audit_trail(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="clerk")
    store.transition(act.id, ActState.PACKAGED, actor="worker", reason="archive x", at=NOW)
    with pytest.raises(IllegalTransition):
        store.transition(act.id, ActState.ACKNOWLEDGED, actor="worker", reason="no", at=NOW)
    moved = store.transition(act.id, ActState.SUBMITTING, actor="worker", reason="sending", at=NOW)
    assert moved.state is ActState.SUBMITTING
    assert [(e.from_state, e.to_state, e.actor) for e in store.events(act.id)] == [
        (None, "received", "clerk"),
        ("received", "packaged", "worker"),
        ("packaged", "submitting", "worker"),
    ]


def test_one_platform_transaction_per_act(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="test")
    store.record_transaction(act.id, "101", at=NOW)
    with pytest.raises(AlreadyExists):
        store.record_transaction(act.id, "102", at=NOW)
    assert store.get_act(act.id).platform_ref == "101"
    assert store.acts_by_platform_ref() == {"101": act.id}


def test_racing_workers_cannot_both_move_an_act(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="test")
    results: list[str] = []
    barrier = threading.Barrier(4)

    def move() -> None:
        barrier.wait()
        try:
            store.transition(act.id, ActState.PACKAGED, actor="w", reason="race", at=NOW)
            results.append("won")
        except (Conflict, IllegalTransition):
            results.append("lost")

    threads = [threading.Thread(target=move) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["lost", "lost", "lost", "won"]
    assert len([e for e in store.events(act.id) if e.to_state == "packaged"]) == 1


def test_each_collectivite_sees_only_its_acts(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="test")
    assert store.get_act(act.id, siren="212801344").id == act.id
    with pytest.raises(NotFound):
        store.get_act(act.id, siren="214502494")
    assert store.list_acts(siren="214502494") == []
    with pytest.raises(NotFound):
        store.get_collectivite("000000000")


def test_messages_attempts_and_sweep_queries(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="test")
    assert store.record_message(act.id, "in", "1-2", b"<ar/>", at=NOW)
    assert not store.record_message(act.id, "in", "1-2", b"<ar/>", at=NOW)
    store.record_attempt(act.id, Attempt("/x", 12, 200, "OK\n" + "y" * 5000), at=NOW)
    assert len(store.attempts(act.id)[0].excerpt) == 2048
    assert [a.id for a in store.acts_needing_work(idle_since=NOW)] == [act.id]
    assert store.acts_needing_work(idle_since=NOW - dt.timedelta(seconds=1)) == []
    assert store.reserve_serial("212801344", dt.date(2026, 11, 23)) == 1


def test_a_page_of_acts_is_filtered_scoped_and_cut_in_sql_without_n_plus_one(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    from sqlalchemy import event

    pdf = pdf_factory()
    for i in range(7):
        siren = "212801344" if i % 2 == 0 else "214502494"
        act, _ = store.create_act(_new(pdf, f"k{i}", f"N{i}", siren), at=NOW, actor="test")
        if i in (2, 4):
            store.transition(act.id, ActState.PACKAGED, actor="t", reason="r", at=NOW)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        first = store.page_acts(sirens={"212801344"}, limit=3)
        listed = store.list_acts()
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert [a.numero for a in first] == ["N6", "N4", "N2"]  # newest first, one collectivité
    assert all(len(a.documents) == 1 for a in first)
    assert len(statements) <= 2 * 3 + 1  # acts, documents, refs: per call, not per act
    assert len(listed) == 7 and [a.id for a in listed] == sorted(a.id for a in listed)
    rest = store.page_acts(sirens={"212801344"}, before=first[-1].id, limit=3)
    assert [a.numero for a in rest] == ["N0"]
    packaged = store.page_acts(states={ActState.PACKAGED}, limit=10)
    assert [a.numero for a in packaged] == ["N4", "N2"]
    assert store.page_acts(sirens=frozenset(), limit=10) == []  # a token that sees none
    assert len(store.page_acts(limit=50)) == 7


def test_every_change_of_an_acts_legal_facts_makes_its_deadline_rows_stale(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    from workflow.store import ExchangeRecord, PublicityRecord

    act, _ = store.create_act(_new(pdf_factory()), at=NOW, actor="test")
    other, _ = store.create_act(_new(pdf_factory("b"), "k2", "N2", "214502494"), at=NOW, actor="t")
    in_eure = {"name": "Dreux", "siren": "212801344", "departement": "027"}

    def stale() -> dict[int, int]:
        return {a.id: version for a, version in store.stale_deadline_acts()}

    def settle() -> dict[int, int]:
        versions = stale()
        for act_id, version in versions.items():
            assert store.replace_deadlines(act_id, [("prefet_defere", NOW.date())], version=version)
        assert stale() == {}
        return versions

    assert set(settle()) == {act.id, other.id}  # a new act has no rows yet
    changes = [
        lambda: store.transition(act.id, ActState.PACKAGED, actor="t", reason="r", at=NOW),
        lambda: store.record_publicity(
            act.id, PublicityRecord("posting", NOW.date(), None), at=NOW
        ),
        lambda: store.record_exchange(
            act.id, ExchangeRecord("3-1", NOW.date(), "ref-1", None, "pièces")
        ),
        lambda: store.answer_exchange(act.id, "3-1", NOW.date()),
        lambda: store.add_collectivite(
            Collectivite.from_mapping({**in_eure, "emails": ["a@dreux.fr"]})
        ),
    ]
    last = 0
    for change in changes:
        change()
        versions = settle()
        assert set(versions) == {act.id}, change  # the other collectivité's act is untouched
        assert versions[act.id] > last
        last = versions[act.id]
    store.add_collectivite(Collectivite.from_mapping({**in_eure, "emails": ["x@dreux.fr"]}))
    assert stale() == {}  # same département: the deadlines do not move
    day = NOW.date()
    assert store.acts_due_between(day, day, states=[ActState.PACKAGED]) == [act.id]
    assert store.acts_due_between(day, day, states=[ActState.RECEIVED]) == [other.id]
    assert store.acts_due_between(day, day, states=[ActState.RECEIVED], siren="212801344") == []
    assert store.acts_due_between(day + dt.timedelta(1), day + dt.timedelta(9), states=[
        ActState.PACKAGED, ActState.RECEIVED]) == []  # fmt: skip

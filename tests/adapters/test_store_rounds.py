"""How many transactions the store spends (issue 13): reads shared by ``reading()``, a move
carrying its archive, message or platform transaction atomically, attempts in one round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.support import DREUX, open_store
from workflow.adapters.store.repository import SqlStore
from workflow.errors import AlreadyExists, Conflict
from workflow.lifecycle import ActState
from workflow.platform import Attempt
from workflow.store import KeptMessage, KeptPackage, KeptTransaction, NewAct

NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[SqlStore]:
    with open_store(database_url, tmp_path, DREUX) as store:
        yield store


def _commits(store: SqlStore) -> list[int]:
    count = [0]

    def commit(*_: object) -> None:
        count[0] += 1

    event.listen(store.engine, "commit", commit)
    return count


def _act(store: SqlStore, pdf: Path, numero: str = "N1") -> int:
    new = NewAct(
        "212801344",
        numero,
        numero,
        numero,
        dt.date(2026, 11, 20),
        "DE",
        "8.1",
        dt.date(2019, 3, 1),
        "Objet",
        ((pdf, None),),
    )
    return store.create_act(new, at=NOW, actor="t")[0].id


def _package(tmp_path: Path, serial: int) -> KeptPackage:
    name = f"SLO-EACT--212801344--20261129-{serial}.tar.gz"
    archive = tmp_path / name
    archive.write_bytes(b"archive")
    return KeptPackage("212801344", NOW.date(), name, archive, "a" * 64, 7)


def test_reads_in_a_reading_block_share_one_transaction(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _act(store, pdf_factory())
    commits = _commits(store)
    with store.reading():
        act = store.get_act(act_id)
        store.get_collectivite(act.siren)
        store.attempts(act_id)
        store.latest_package(act_id)
    assert commits[0] == 1
    store.get_act(act_id)
    store.get_collectivite(act.siren)
    assert commits[0] == 3  # outside the block: one each, as before


def test_a_move_carries_its_archive_and_message_in_its_own_transaction(
    store: SqlStore, pdf_factory: Callable[..., Path], tmp_path: Path
) -> None:
    act_id = _act(store, pdf_factory())
    commits = _commits(store)
    moved = store.transition(
        act_id,
        ActState.PACKAGED,
        actor="t",
        reason="archive",
        at=NOW,
        keep=(_package(tmp_path, 1), KeptMessage("out", "1-1", b"<acte/>")),
    )
    assert commits[0] == 1
    assert moved.state is ActState.PACKAGED
    assert store.latest_package(act_id) == tmp_path / "SLO-EACT--212801344--20261129-1.tar.gz"
    assert store.message(act_id, "1-1") == b"<acte/>"


def test_a_taken_serial_undoes_the_move_and_the_message(
    store: SqlStore, pdf_factory: Callable[..., Path], tmp_path: Path
) -> None:
    first = _act(store, pdf_factory(), "N1")
    second = _act(store, pdf_factory(text="Autre délibération"), "N2")
    store.transition(
        first, ActState.PACKAGED, actor="t", reason="r", at=NOW, keep=(_package(tmp_path, 1),)
    )
    with pytest.raises(AlreadyExists):
        store.transition(
            second,
            ActState.PACKAGED,
            actor="t",
            reason="r",
            at=NOW,
            keep=(_package(tmp_path, 1), KeptMessage("out", "1-1", b"<acte n='2'/>")),
        )
    assert store.get_act(second).state is ActState.RECEIVED  # all or nothing
    assert store.message(second, "1-1") is None
    assert [e.to_state for e in store.events(second)] == ["received"]


def test_the_binding_comes_with_the_move_and_a_second_one_is_refused(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _act(store, pdf_factory())
    for state in (ActState.PACKAGED, ActState.SUBMITTING):
        store.transition(act_id, state, actor="t", reason="r", at=NOW)
    bound = store.transition(
        act_id, ActState.SUBMITTED, actor="p", reason="r", at=NOW, keep=(KeptTransaction("42"),)
    )
    assert bound.platform_ref == "42" and bound.state is ActState.SUBMITTED
    with pytest.raises(Conflict):  # moved already: nothing of the second call is kept
        store.transition(
            act_id,
            ActState.SUBMITTED,
            actor="p",
            reason="r",
            at=NOW,
            keep=(KeptTransaction("43"),),
        )
    assert store.acts_by_platform_ref() == {"42": act_id}
    assert store.acts_by_platform_ref({"43"}) == {}
    assert store.acts_by_platform_ref(set()) == {}


def test_attempts_are_recorded_in_one_transaction(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _act(store, pdf_factory())
    commits = _commits(store)
    attempts = [Attempt(f"/call{i}", 3, 200, "OK") for i in range(3)]
    store.record_attempts(act_id, attempts, at=NOW)
    store.record_attempts(act_id, [], at=NOW)  # nothing to record: no transaction
    assert commits[0] == 1
    assert [a.endpoint for a in store.attempts(act_id)] == ["/call0", "/call1", "/call2"]


def test_a_task_sees_whether_the_sweep_claimed_the_act(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    act_id = _act(store, pdf_factory())
    assert not store.get_act(act_id).claimed
    assert store.claim(act_id, until=NOW + dt.timedelta(minutes=1), now=NOW)
    assert store.get_act(act_id).claimed
    store.release(act_id)
    assert not store.get_act(act_id).claimed


def test_the_same_document_for_two_acts_is_recorded_once(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    pdf = pdf_factory()
    first, second = _act(store, pdf, "N1"), _act(store, pdf, "N2")
    assert store.get_act(first).documents[0].sha256 == store.get_act(second).documents[0].sha256


def _statements(store: SqlStore) -> list[str]:
    seen: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    return seen


def test_one_act_is_read_with_its_documents_and_reference_in_one_statement(
    store: SqlStore, pdf_factory: Callable[..., Path]
) -> None:
    new = NewAct(
        "212801344",
        "N1",
        "N1",
        "N1",
        dt.date(2026, 11, 20),
        "DE",
        "8.1",
        dt.date(2019, 3, 1),
        "Objet",
        ((pdf_factory(), "99_DE"), (pdf_factory(text="Annexe"), "22_DA")),
        file_names=("acte.pdf", "annexe.pdf"),
    )
    created = store.create_act(new, at=NOW, actor="t")[0]
    act_id = created.id
    for state in (ActState.PACKAGED, ActState.SUBMITTING):
        store.transition(act_id, state, actor="t", reason="r", at=NOW)
    moved = store.transition(
        act_id, ActState.SUBMITTED, actor="p", reason="r", at=NOW, keep=(KeptTransaction("42"),)
    )
    statements = _statements(store)
    read = store.get_act(act_id)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    # the same record as the batch reading of lists, and as the move and the creation built
    assert read == store.get_acts([act_id])[0] == moved
    assert read.platform_ref == "42"
    assert [(d.position, d.file_name, d.typology) for d in read.documents] == [
        (0, "acte.pdf", "99_DE"),
        (1, "annexe.pdf", "22_DA"),
    ]
    assert created.documents == read.documents and created.platform_ref is None
    assert store.act_by_numero("212801344", "N1") == read
    assert store.act_by_numero("212801344", "N2") is None


def test_serials_are_reserved_per_collectivite_and_day_and_never_given_twice(
    store: SqlStore, pdf_factory: Callable[..., Path], tmp_path: Path
) -> None:
    day, other_day = NOW.date(), NOW.date() + dt.timedelta(days=1)
    act_id = _act(store, pdf_factory())
    # archives made before the counter (a store upgraded during the day): it follows them
    store.transition(
        act_id, ActState.PACKAGED, actor="t", reason="r", at=NOW, keep=(_package(tmp_path, 7),)
    )
    assert [store.reserve_serial("212801344", day) for _ in range(3)] == [8, 9, 10]
    assert store.reserve_serial("212801344", other_day) == 1  # from 1 each day
    assert store.reserve_serial("214502494", day) == 1  # each collectivité its own


def test_concurrent_reservations_never_share_a_serial(store: SqlStore) -> None:
    import concurrent.futures

    day = NOW.date()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        serials = list(pool.map(lambda _: store.reserve_serial("212801344", day), range(200)))
    assert sorted(serials) == list(range(1, 201))

"""``actes backup`` / ``actes restore``: a round trip into an empty place finds every act,
event and document; a backup taken while acts are moving restores to a consistent, identical
store; a damaged backup or a non-empty target is refused. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from workflow.adapters.backup import backup, restore, table_digests
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite
from workflow.errors import Conflict, SecurityError
from workflow.lifecycle import ActState
from workflow.platform import Attempt
from workflow.store import NewAct

from ..conftest import POSTGRES_URL

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@x.fr"]}
)
AT = dt.datetime(2026, 11, 9, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def other_postgres() -> Iterator[str]:
    """A second empty PostgreSQL schema (the restore target)."""
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


class Place:
    """A store and its directories (files, outbox)."""

    def __init__(self, root: Path, url: str, *, migrate: bool = True) -> None:
        self.url, self.files, self.outbox = url, root / "files", root / "outbox"
        engine = make_engine(url)
        if migrate:
            upgrade_to_head(engine)
        self.store = SqlStore(engine, self.files)

    def close(self) -> None:
        self.store.close()


def act(place: Place, n: int, pdf: Path) -> int:
    record, _ = place.store.create_act(
        NewAct(
            DREUX.siren.value,
            f"k{n}",
            f"B{n}",
            f"B{n}",
            dt.date(2026, 1, 5),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            f"Objet {n}",
            ((pdf, None),),
        ),
        at=AT,
        actor="test",
    )
    return record.id


def fill(place: Place, pdf_factory: Callable[..., Path]) -> list[int]:
    place.store.add_collectivite(DREUX)
    ids = [act(place, n, pdf_factory(f"Délibération {n}")) for n in range(3)]
    place.store.transition(ids[0], ActState.PACKAGED, actor="w", reason="r", at=AT)
    archive = place.outbox / str(ids[0]) / "SLO-EACT--212801344--20261109-1.tar.gz"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"archive bytes")
    sha = hashlib.sha256(b"archive bytes").hexdigest()
    place.store.record_package(
        ids[0], "212801344", AT.date(), archive.name, archive, sha, 13, at=AT
    )
    for state in (ActState.SUBMITTING, ActState.SUBMITTED):
        place.store.transition(ids[0], state, actor="w", reason="r", at=AT)
    place.store.record_transaction(ids[0], "42", at=AT)
    place.store.record_attempt(ids[0], Attempt("/submit", 5, 200, "OK\n42"), at=AT)
    place.store.record_message(ids[0], "out", "1-1", b"<xml/>", at=AT)
    place.store.save_nomenclature(DREUX.siren.value, dt.date(2024, 1, 1), b"<x/>", at=AT)
    return ids


def snapshot(place: Place) -> dict[int, tuple[dict[str, object], list[object]]]:
    return {
        a.id: (
            {k: v for k, v in a.as_dict().items() if k != "state_since"},
            [
                (e.actor, e.event, e.from_state, e.to_state, e.reason)
                for e in place.store.events(a.id)
            ],
        )
        for a in place.store.list_acts()
    }


def test_round_trip_finds_every_act_event_and_document(
    tmp_path: Path,
    database_url: str,
    pdf_factory: Callable[..., Path],
    request: pytest.FixtureRequest,
) -> None:
    source = Place(tmp_path / "source", database_url)
    ids = fill(source, pdf_factory)
    (source.files / "ab").mkdir(exist_ok=True)  # a document's hash may start with ab
    (source.files / "ab" / ".tmp-half").write_bytes(b"a document being written")
    manifest = backup(source.url, source.files, source.outbox, tmp_path / "backup")
    assert manifest.tables["acts"]["rows"] == 3
    assert not any(".tmp-" in name for name in manifest.files)  # not part of the snapshot
    target_url = (
        request.getfixturevalue("other_postgres")
        if database_url.startswith("postgresql")
        else f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    )
    target_root = tmp_path / "elsewhere"
    restore(tmp_path / "backup", target_url, target_root / "files", target_root / "outbox")
    target = Place(target_root, target_url, migrate=False)
    assert snapshot(target) == snapshot(source)
    for act_id in ids:
        for document in target.store.get_act(act_id).documents:
            path = target.store.document_path(document.sha256)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == document.sha256
    archive = target.store.latest_package(ids[0])
    assert archive is not None and archive.is_relative_to(target_root / "outbox")
    assert archive.read_bytes() == b"archive bytes"
    assert target.store.nomenclature(DREUX.siren.value) == b"<x/>"
    assert len(target.store.attempts(ids[0])) == 1
    new = act(target, 99, pdf_factory("après restauration"))  # the sequences go on
    assert new > max(ids)
    source.close()
    target.close()


def test_backup_during_a_run_restores_to_a_consistent_identical_store(
    tmp_path: Path, database_url: str, pdf_factory: Callable[..., Path]
) -> None:
    source = Place(tmp_path / "source", database_url)
    source.store.add_collectivite(DREUX)
    pdfs = [pdf_factory(f"Délibération {n}") for n in range(40)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for n, pdf in enumerate(pdfs):
                if stop.is_set():
                    return
                act_id = act(source, n, pdf)
                for state in (ActState.PACKAGED, ActState.SUBMITTING, ActState.SUBMITTED):
                    source.store.transition(act_id, state, actor="w", reason="r", at=AT)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    writer = threading.Thread(target=run)
    writer.start()
    while not source.store.list_acts():
        pass
    manifest = backup(source.url, source.files, source.outbox, tmp_path / "backup")
    stop.set()
    writer.join(timeout=60)
    assert errors == []
    target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restore(tmp_path / "backup", target_url, tmp_path / "r" / "files", tmp_path / "r" / "outbox")
    target = Place(tmp_path / "r", target_url, migrate=False)
    engine = make_engine(target_url)
    with engine.connect() as connection:
        assert table_digests(connection) == manifest.tables  # identical to the snapshot
    engine.dispose()
    restored = target.store.list_acts()
    assert len(restored) == manifest.tables["acts"]["rows"] >= 1
    for record in restored:  # each act whole: its last event is its state, its documents there
        events = target.store.events(record.id)
        assert events[-1].to_state == record.state.value
        for document in record.documents:
            data = target.store.document_path(document.sha256).read_bytes()
            assert hashlib.sha256(data).hexdigest() == document.sha256
    source.close()
    target.close()


def test_restore_refuses_a_damaged_backup_and_a_store_in_use(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    source = Place(tmp_path / "source", f"sqlite:///{tmp_path / 'source.sqlite3'}")
    fill(source, pdf_factory)
    backup(source.url, source.files, source.outbox, tmp_path / "backup")
    with pytest.raises(Conflict, match="not empty"):
        restore(tmp_path / "backup", source.url, tmp_path / "x" / "files", tmp_path / "x" / "o")
    with pytest.raises(Conflict, match="exists"):
        backup(source.url, source.files, source.outbox, tmp_path / "backup")
    damaged = next((tmp_path / "backup" / "files").rglob("*"))
    while damaged.is_dir():
        damaged = next(damaged.iterdir())
    damaged.write_bytes(damaged.read_bytes() + b"!")
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    with pytest.raises(SecurityError, match="SHA-256"):
        restore(tmp_path / "backup", target, tmp_path / "t" / "files", tmp_path / "t" / "o")
    source.close()


def test_cli_backup_and_restore(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    (tmp_path / "data").mkdir()
    source = Place(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'actes.sqlite3'}")
    fill(source, pdf_factory)
    source.close()

    def actes(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workflow.interfaces.cli.main", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        )

    made = actes("backup", str(tmp_path / "b"), "--data-dir", str(tmp_path / "data"))
    assert made.returncode == 0, made.stderr
    assert "revision" in made.stdout and "files" in made.stdout
    again = actes("backup", str(tmp_path / "b"), "--data-dir", str(tmp_path / "data"))
    assert again.returncode == 2 and "exists" in again.stderr
    back = actes("restore", str(tmp_path / "b"), "--data-dir", str(tmp_path / "new"))
    assert back.returncode == 0, back.stderr
    assert "3 acts" in back.stdout
    status = actes("status", "--data-dir", str(tmp_path / "new"), "--json")
    assert status.returncode == 0 and '"B2"' in status.stdout

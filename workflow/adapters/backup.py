"""``actes backup`` / ``actes restore``: the store and its documents, consistent, verifiable.

A backup is a directory: ``store.sqlite3`` (every table of the store, whatever the source
database), ``files/`` (the content-addressed documents), ``outbox/`` (the archives sent) and
``manifest.json`` (the schema revision, each table's row count and digest, each file's
SHA-256). It is written beside its final name and renamed at the end: a directory with a
manifest is a whole backup.

Consistency during a run: the database is read in one snapshot (SQLite's online backup API;
a REPEATABLE READ transaction on PostgreSQL), and the files are copied *after* it. A document
is written before the row that references it, so every document the snapshot references is
already on disk; files written later are harmless extras. Restore goes into an empty store
only, checks every file's hash, then checks every table's digest against the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, Table, inspect, select, text, update
from sqlalchemy.sql.sqltypes import DateTime

from workflow.adapters.store.engine import MIGRATIONS, make_engine, upgrade_to_head
from workflow.adapters.store.files import copy_durably, fsync_directory, write_durably
from workflow.adapters.store.models import Base, PackageRow
from workflow.errors import Conflict, InvalidInput, SecurityError

FORMAT = 1
_BATCH = 500


@dataclass(frozen=True, slots=True)
class Manifest:
    revision: str
    created_at: str
    tables: dict[str, dict[str, Any]]  # name → {"rows": n, "sha256": digest}
    files: dict[str, str]  # path relative to the backup → SHA-256
    outbox: str  # the outbox directory the archives' paths start with

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "revision": self.revision,
            "created_at": self.created_at,
            "tables": self.tables,
            "files": self.files,
            "outbox": self.outbox,
        }


# --------------------------------------------------------------------------- backup


def backup(database_url: str, files_dir: Path, outbox: Path, destination: Path) -> Manifest:
    if destination.exists():
        raise Conflict(
            f"{destination} exists: a backup goes to a new directory",
            field="destination",
            value=str(destination),
        )
    partial = destination.with_name(destination.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    snapshot = partial / "store.sqlite3"
    _snapshot(database_url, snapshot)
    engine = make_engine(f"sqlite:///{snapshot}")
    try:
        with engine.connect() as connection:
            revision = _revision(connection)
            tables = table_digests(connection)
    finally:
        engine.dispose()
    manifest = Manifest(
        revision=revision,
        created_at=dt.datetime.now(dt.UTC).isoformat(),
        tables=tables,
        files={
            **_copy_tree(files_dir, partial / "files", "files", skip="incoming"),
            **_copy_tree(outbox, partial / "outbox", "outbox"),
        },
        outbox=str(outbox.resolve()),
    )
    text = json.dumps(manifest.as_dict(), indent=1, sort_keys=True).encode()
    write_durably(io.BytesIO(text), partial / "manifest.json")
    partial.rename(destination)
    fsync_directory(destination.parent)
    return manifest


def _snapshot(database_url: str, target: Path) -> None:
    """The whole database, as of one instant, into a SQLite file."""
    if database_url.startswith("sqlite"):
        origin = sqlite3.connect(database_url.split("///", 1)[1])
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy)  # SQLite's online backup: one consistent state, WAL included
        finally:
            copy.close()
            origin.close()
        return
    engine = make_engine(database_url)
    destination = make_engine(f"sqlite:///{target}")
    try:  # one snapshot for every table
        with engine.execution_options(isolation_level="REPEATABLE READ").connect() as source:
            revision = _revision(source)
            _migrate_to(destination, revision)
            with destination.begin() as sink:
                for table in Base.metadata.sorted_tables:
                    _copy_rows(source, sink, table)
    finally:
        engine.dispose()
        destination.dispose()


def _copy_tree(source: Path, target: Path, prefix: str, *, skip: str = "") -> dict[str, str]:
    """Copy the files under ``source``; their SHA-256 by ``prefix/relative path``. Files being
    written now (temporary names) or moved away meanwhile are not part of the snapshot."""
    hashes: dict[str, str] = {}
    if not source.is_dir():
        return hashes
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or relative.parts[0] == skip or path.name.startswith(".tmp-"):
            continue
        try:
            hashes[f"{prefix}/{relative.as_posix()}"] = copy_durably(path, target / relative)
        except FileNotFoundError:
            continue  # renamed or removed since listed: written after the snapshot
    return hashes


# --------------------------------------------------------------------------- restore


def restore(backup_dir: Path, database_url: str, files_dir: Path, outbox: Path) -> Manifest:
    manifest = read_manifest(backup_dir)
    for relative, expected in manifest.files.items():
        if _sha256(backup_dir / relative) != expected:
            raise SecurityError(
                f"{relative} does not match its SHA-256 in the manifest: the backup is damaged",
                field="backup",
                value=relative,
            )
    engine = make_engine(database_url)
    try:
        _require_empty(engine)
        _migrate_to(engine, manifest.revision)
        source = make_engine(f"sqlite:///{backup_dir / 'store.sqlite3'}")
        try:
            with source.connect() as reading, engine.begin() as writing:
                for table in Base.metadata.sorted_tables:
                    _copy_rows(reading, writing, table)
                _relocate_archives(writing, manifest.outbox, outbox)
                _reset_sequences(writing)
        finally:
            source.dispose()
        with engine.connect() as connection:
            restored = table_digests(connection, relocated=(str(outbox.resolve()), manifest.outbox))
        if restored != manifest.tables:
            differ = sorted(k for k in manifest.tables if restored.get(k) != manifest.tables[k])
            raise SecurityError(
                f"the restored tables differ from the backup: {', '.join(differ)}",
                field="backup",
            )
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    for relative in manifest.files:
        head, _, rest = relative.partition("/")
        root = files_dir if head == "files" else outbox
        copy_durably(backup_dir / relative, root / rest)
    return manifest


def read_manifest(backup_dir: Path) -> Manifest:
    path = backup_dir / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"{path} is missing or unreadable: not a whole backup",
            field="backup",
            value=str(backup_dir),
        ) from exc
    if data.get("format") != FORMAT:
        raise InvalidInput(
            f"backup format {data.get('format')!r} is not {FORMAT}", field="backup", rule="format"
        )
    return Manifest(
        data["revision"], data["created_at"], data["tables"], data["files"], data["outbox"]
    )


def _require_empty(engine: Engine) -> None:
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names()) & set(Base.metadata.tables)
        for name in sorted(present):
            if connection.execute(select(Base.metadata.tables[name]).limit(1)).first():
                raise Conflict(
                    f"the target store is not empty (table {name} has rows): restore into an "
                    "empty database",
                    field="database_url",
                    rule="restore into an empty store",
                )


def _relocate_archives(connection: Connection, old: str, new: Path) -> None:
    """The packages' archive paths point into the outbox they were written to."""
    target = str(new.resolve())
    if old == target:
        return
    rows = connection.execute(select(PackageRow.id, PackageRow.archive_path)).all()
    for package_id, path in rows:
        if path.startswith(old):
            connection.execute(
                update(PackageRow)
                .where(PackageRow.id == package_id)
                .values(archive_path=target + path[len(old) :])
            )


def _reset_sequences(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is True:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our own table names
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


# --------------------------------------------------------------------------- shared


def _revision(connection: Connection) -> str:
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        raise InvalidInput("the store has no schema yet: nothing to back up", field="database_url")
    return revision


def _migrate_to(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite keeps naive UTC
    return value


def _copy_rows(source: Connection, sink: Connection, table: Table) -> None:
    times = [c.name for c in table.c if isinstance(c.type, DateTime)]
    result = source.execution_options(stream_results=True).execute(select(table))
    while batch := result.fetchmany(_BATCH):
        rows = [dict(row._mapping) for row in batch]
        for row in rows:
            for name in times:
                row[name] = _utc(row[name])
        sink.execute(table.insert(), rows)


def _canonical(value: Any) -> Any:
    value = _utc(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def table_digests(
    connection: Connection, *, relocated: tuple[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Each table's row count and the SHA-256 of its rows in key order (dialect-neutral)."""
    digests = {}
    metadata = MetaData()
    for model in Base.metadata.sorted_tables:
        table = Table(model.name, metadata, autoload_with=connection)
        keys = list(table.primary_key.columns) or list(table.c)
        digest = hashlib.sha256()
        count = 0
        for row in connection.execute(select(table).order_by(*keys)):
            values = {k: _canonical(v) for k, v in row._mapping.items()}
            if relocated and model.name == "packages":
                values["archive_path"] = _moved_back(values["archive_path"], *relocated)
            digest.update(json.dumps(values, sort_keys=True, default=str).encode() + b"\n")
            count += 1
        digests[model.name] = {"rows": count, "sha256": digest.hexdigest()}
    return digests


def _moved_back(path: str, here: str, there: str) -> str:
    return there + path[len(here) :] if path.startswith(here) else path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

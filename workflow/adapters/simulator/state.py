"""The simulator's world in its own SQLite file: transactions, rules, scheduled letters, faults.

Time is the simulator's own (wall clock + an offset the control API can advance), so tests
move acts through 1 → 2 → 3 → 4 without sleeping. Progress is computed lazily on each
request (:meth:`SimulatorState.advance`), which keeps the server free of background threads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type INTEGER NOT NULL,               -- 1 act, 2 courrier, 3 pièces, 4 observations, 5 déféré, 6 annulation
    siren TEXT NOT NULL,
    departement TEXT NOT NULL DEFAULT '',
    number TEXT NOT NULL DEFAULT '',
    nature TEXT NOT NULL DEFAULT '',
    decision_date TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL,
    status_at REAL NOT NULL,
    created_at REAL NOT NULL,
    related_id INTEGER,
    id_acte TEXT,
    message_xml BLOB,
    message_archive BLOB,                -- a préfecture message's archive (small)
    archive_file TEXT,                   -- an act's archive: a file in the archives folder
    error TEXT,
    read INTEGER NOT NULL DEFAULT 0,
    act_data TEXT,                       -- JSON: what the AR must echo
    type_reponse INTEGER,                -- the collectivité's answers (3 refusal, 4 sending)
    ar_xml BLOB,                         -- the ARActe, kept when the act leaves status 4
    account TEXT                         -- the login that created it
);
CREATE UNIQUE INDEX IF NOT EXISTS one_act_per_number ON transactions(siren, number) WHERE type = 1;
CREATE INDEX IF NOT EXISTS by_status ON transactions(status, type);
CREATE INDEX IF NOT EXISTS unread ON transactions(read, type);
CREATE INDEX IF NOT EXISTS by_id_acte ON transactions(id_acte);  -- get_status by unique_id
CREATE INDEX IF NOT EXISTS by_related ON transactions(related_id);  -- messages, answers, cancellations of an act
CREATE INDEX IF NOT EXISTS by_number ON transactions(siren, number);  -- uniqueness across types
CREATE INDEX IF NOT EXISTS by_status_at ON transactions(status, status_at);  -- listing windows
CREATE INDEX IF NOT EXISTS by_siren_created ON transactions(siren, created_at);  -- the day's envelope serial
CREATE TABLE IF NOT EXISTS accounts (
    login TEXT PRIMARY KEY,
    password TEXT NOT NULL DEFAULT '',
    certificate TEXT NOT NULL DEFAULT '*', -- SHA-256 of the client certificate; '*' any
    siren TEXT NOT NULL DEFAULT '',       -- '' sees every collectivité (development)
    rights TEXT NOT NULL DEFAULT 'CS,TT',
    rgs INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS classifications (siren TEXT PRIMARY KEY, xml BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS refusals (
    number TEXT PRIMARY KEY,             -- '*' refuses every act
    nature TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    act_id INTEGER NOT NULL,
    code TEXT NOT NULL,                  -- 2-1, 3-1, 4-1, 5-1
    due REAL NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Faults:
    """Fault injection: shares in [0, 1] and an added latency."""

    error_rate: float = 0.0  # answer 5xx without doing anything
    lost_reply_rate: float = 0.0  # do the work, then lose the reply (the dangerous one)
    reset_rate: float = 0.0  # close the connection without an answer
    latency_ms: int = 0
    stamp_fails: bool = False  # stamping fails silently: the unstamped PDF is sent (S²LOW does)


@dataclass(frozen=True, slots=True)
class Delays:
    """Seconds an act waits in each status before moving on (1 → 2 → 3 → 4), and in 4
    before it leaves for archiving (4 → 19: S²LOW archives about 62 days after the AR)."""

    posted: float = 1.0
    waiting: float = 1.0
    transmitted: float = 2.0
    archiving: float = 62 * 86400.0


class SimulatorState:
    def __init__(self, path: Path, *, delays: Delays | None = None) -> None:
        self.path = path
        self.delays = delays or Delays()
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(transactions)")}
        if "archive_file" not in columns:  # a state file from before acts' archives on disk
            self._db.execute("ALTER TABLE transactions ADD COLUMN archive_file TEXT")
        #: acts' archives, one file each, beside the state file: never held in memory whole
        self.archives = path.with_name(f"{path.stem}-archives")
        self.archives.mkdir(exist_ok=True)

    def keep_archive(self, source: Path) -> str:
        """Move ``source`` (a received or built archive) into the archives folder; its name
        there, for ``archive_file``."""
        name = f"{secrets.token_hex(16)}.tar.gz"
        shutil.move(source, self.archives / name)  # a rename on the same file system
        return name

    def archive_of(self, row: sqlite3.Row) -> Path | bytes:
        """A transaction's archive: an act's file, or a préfecture message's bytes."""
        name = row["archive_file"]
        return self.archives / name if name else bytes(row["message_archive"] or b"")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, args))

    # ----------------------------------------------------------------- clock & settings

    def _setting(self, key: str, default: str) -> str:
        rows = self.query("SELECT value FROM settings WHERE key = ?", key)
        return str(rows[0]["value"]) if rows else default

    def _set(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))

    def now(self) -> float:
        return time.time() + float(self._setting("offset", "0"))

    def today_paris(self) -> dt.date:
        return paris_day(self.now())

    def envelopes_today(self, siren: str) -> int:
        """The collectivité's transactions since midnight, Paris time: the envelope serial is a
        counter per authority, reset every day (PROTOCOL.md §3.1, ActesEnvelopeSerialSQL)."""
        midnight = dt.datetime.combine(self.today_paris(), dt.time(), tzinfo=PARIS).timestamp()
        rows = self.query(
            "SELECT COUNT(*) AS n FROM transactions WHERE siren = ? AND created_at >= ?",
            siren,
            midnight,
        )
        return int(rows[0]["n"])

    def advance_clock(self, seconds: float) -> None:
        self._set("offset", str(float(self._setting("offset", "0")) + seconds))

    def faults(self) -> Faults:
        return Faults(**json.loads(self._setting("faults", "{}")))

    def set_faults(self, faults: Faults) -> None:
        self._set("faults", json.dumps(dataclasses.asdict(faults)))

    # ----------------------------------------------------------------- refusals & letters

    def refuse(self, number: str, nature: str, detail: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO refusals(number, nature, detail) VALUES (?, ?, ?)",
                (number, nature, detail),
            )

    def refusal_for(self, number: str) -> sqlite3.Row | None:
        rows = self.query(
            "SELECT * FROM refusals WHERE number = ? OR number = '*' ORDER BY number = '*'", number
        )
        return rows[0] if rows else None

    def schedule_letter(self, act_id: int, code: str, after_seconds: float, text: str) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO letters(act_id, code, due, text) VALUES (?, ?, ?, ?)",
                (act_id, code, self.now() + after_seconds, text),
            )
            return int(cursor.lastrowid or 0)


def paris_day(timestamp: float) -> dt.date:
    """The legal day (Paris time) of a POSIX timestamp."""
    return dt.datetime.fromtimestamp(timestamp, PARIS).date()

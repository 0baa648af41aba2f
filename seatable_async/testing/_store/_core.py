"""Store plumbing: the SQLite connection, its lock and transactions, ids and lookups."""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import string
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .._cells import format_timestamp, quote_ident
from .._errors import gateway_error
from .._sql_functions import SQL_FUNCTIONS

__all__ = ["SELECT_TYPES", "Base", "Json", "StoreCore", "now_utc"]

Json = dict[str, Any]

_KEY_ALPHABET = string.ascii_letters + string.digits

SELECT_TYPES = ("single-select", "multiple-select")

_INTERNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS emu_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS emu_bases (
    uuid TEXT PRIMARY KEY, num INTEGER UNIQUE NOT NULL, name TEXT NOT NULL,
    workspace_id INTEGER NOT NULL, created_at TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS emu_api_tokens (
    token TEXT PRIMARY KEY, base_uuid TEXT NOT NULL, app_name TEXT NOT NULL,
    permission TEXT NOT NULL, generated_by TEXT NOT NULL, generated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS emu_links (
    base_uuid TEXT NOT NULL, link_id TEXT NOT NULL, row_id TEXT NOT NULL,
    other_row_id TEXT NOT NULL, seq INTEGER PRIMARY KEY,
    UNIQUE (base_uuid, link_id, row_id, other_row_id));
CREATE TABLE IF NOT EXISTS emu_comments (
    id INTEGER PRIMARY KEY, base_uuid TEXT NOT NULL, row_id TEXT NOT NULL,
    author TEXT NOT NULL, comment TEXT NOT NULL, created_at TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS emu_notifications (
    id INTEGER PRIMARY KEY, base_uuid TEXT NOT NULL, username TEXT NOT NULL,
    msg_type TEXT NOT NULL, detail TEXT NOT NULL, created_at TEXT NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS emu_snapshots (
    seq INTEGER PRIMARY KEY, base_uuid TEXT NOT NULL, dtable_name TEXT NOT NULL,
    commit_id TEXT NOT NULL, ctime INTEGER NOT NULL, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS emu_assets (
    base_uuid TEXT NOT NULL, path TEXT NOT NULL, content BLOB NOT NULL,
    PRIMARY KEY (base_uuid, path));
"""


_NO_DISK_WAITS = "PRAGMA synchronous = OFF"
"""A database file is handed to the operating system without waiting for the disk: it survives
the emulator stopping or crashing (not the machine losing power), and a write costs half."""


def now_utc() -> datetime:
    """Current time, timezone-aware."""
    return datetime.now(timezone.utc)


@dataclass
class Base:
    """One SeaTable base: identity plus its metadata document."""

    uuid: str
    num: int
    name: str
    workspace_id: int
    created_at: str
    metadata: Json

    @property
    def tables(self) -> list[Json]:
        """The table objects of ``metadata``."""
        tables: list[Json] = self.metadata["tables"]
        return tables


class StoreCore:
    """The SQLite connection, its lock and savepoint transactions, ids and lookups."""

    def __init__(
        self,
        db_path: str | None,
        *,
        rng: random.Random,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self._db = sqlite3.connect(
            db_path or ":memory:", check_same_thread=False, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        if db_path:
            self._db.execute(_NO_DISK_WAITS)
        for name, (arguments, function) in SQL_FUNCTIONS.items():
            self._db.create_function(name, arguments, function, deterministic=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._rng = rng
        self._wall_clock = clock
        self._latest = datetime.min.replace(tzinfo=timezone.utc)
        """The latest time handed out: the store's times never go back."""
        self._stamp: datetime | None = None
        """The write stamp of the outermost unit in progress (see :meth:`now`)."""
        self._bases: dict[str, Base] = {}
        self._db.executescript(_INTERNAL_SCHEMA)
        self._load_bases()
        self._reseed_after_restart()

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the store lock and run one unit of work in a savepoint: all of it or none.

        Units nest; when the outermost one fails, the bases' in-memory schema is reloaded from
        the rolled-back database, so a failed request leaves no trace anywhere. If SQLite has
        already rolled back the whole transaction (disk full, I/O error), the savepoint is gone:
        the original error propagates and the schema is reloaded all the same."""
        with self._lock:
            savepoint = f"unit{self._depth}"
            self._db.execute(f"SAVEPOINT {savepoint}")
            self._depth += 1
            outermost = self._depth == 1
            try:
                yield self._db
                if outermost:
                    self._before_commit(self._db)
            except BaseException:
                try:
                    if self._db.in_transaction:
                        self._db.execute(f"ROLLBACK TO {savepoint}")
                        self._db.execute(f"RELEASE {savepoint}")
                finally:
                    if outermost or not self._db.in_transaction:
                        self._load_bases()
                        self._discard_journal()
                raise
            else:
                self._db.execute(f"RELEASE {savepoint}")
                if outermost:
                    self._after_commit()
            finally:
                self._depth -= 1
                if outermost:
                    self._stamp = None

    def _before_commit(self, db: sqlite3.Connection) -> None:
        """Runs inside the outermost unit, just before it commits (the operation log)."""

    def _after_commit(self) -> None:
        """Runs once the outermost unit has committed (commit listeners)."""

    def _discard_journal(self) -> None:
        """Forgets what a rolled-back unit noted for its commit."""

    def _load_bases(self) -> None:
        """Make ``_bases`` mirror ``emu_bases``, updating known Base objects in place."""
        stored = self._db.execute("SELECT * FROM emu_bases ORDER BY num").fetchall()
        known = self._bases
        self._bases = {}
        for record in stored:
            base = known.get(record["uuid"]) or Base(record["uuid"], 0, "", 0, "", {})
            base.num, base.name = record["num"], record["name"]
            base.workspace_id, base.created_at = record["workspace_id"], record["created_at"]
            base.metadata = json.loads(record["metadata"])
            self._bases[base.uuid] = base

    def setting(self, key: str, factory: Callable[[], str]) -> str:
        """A persistent setting, created by ``factory`` on first use."""
        with self.transaction() as db:
            found = db.execute("SELECT value FROM emu_settings WHERE key = ?", (key,)).fetchone()
            if found is not None:
                return str(found["value"])
            value = factory()
            db.execute("INSERT INTO emu_settings (key, value) VALUES (?, ?)", (key, value))
            return value

    def _reseed_after_restart(self) -> None:
        """Give every start on a stored database its own id stream, so a seeded generator
        never hands out ids it handed out before; a fresh database keeps the plain seed."""
        with self.transaction() as db:
            found = db.execute("SELECT value FROM emu_settings WHERE key = 'starts'").fetchone()
            starts = int(found["value"]) if found is not None else int(bool(self._bases))
            db.execute(
                "INSERT OR REPLACE INTO emu_settings (key, value) VALUES ('starts', ?)",
                (str(starts + 1),),
            )
        if starts:
            self._rng.seed(f"{self._rng.getrandbits(128):x}/{starts}")

    def new_row_ids(self, count: int) -> list[str]:
        """``count`` 22-character row ids: each the URL-safe base64 of 16 random bytes, padding
        stripped. One ``randbytes`` for all (the same bytes as one draw of 16 per id), each id's
        bytes padded to 18 for one base64 pass whose every 24 characters start with an id."""
        raw = self._rng.randbytes(16 * count)
        padded = b"".join([raw[i : i + 16] + b"\0\0" for i in range(0, 16 * count, 16)])
        text = base64.urlsafe_b64encode(padded).decode()
        return [text[i : i + 22] for i in range(0, 24 * count, 24)]

    def new_key(self, taken: Iterable[str]) -> str:
        """A fresh 4-character alphanumeric id not in ``taken``."""
        used = set(taken)
        while True:
            key = "".join(self._rng.choice(_KEY_ALPHABET) for _ in range(4))
            if key not in used:
                return key

    def new_option_id(self, options: Iterable[Mapping[str, Any]]) -> str:
        """A fresh 6-digit select option id, not used by any of ``options``."""
        used = {option.get("id") for option in options}
        while True:
            option_id = str(self._rng.randint(100000, 999999))
            if option_id not in used:
                return option_id

    def _clock(self) -> datetime:
        """The store's time: one per outermost unit, as SeaTable stamps a batch, and later than
        every time handed out before (by a millisecond when the clock has not moved), so every
        update changes ``_mtime``."""
        stamp = self._stamp
        if stamp is None:
            stamp = max(self._wall_clock(), self._latest + timedelta(milliseconds=1))
            self._latest = stamp
            if self._depth:
                self._stamp = stamp
        return stamp

    def now(self) -> str:
        """The store's time as ``_ctime``/``_mtime`` text."""
        return format_timestamp(self._clock())

    @property
    def bases(self) -> list[Base]:
        """All bases, oldest first."""
        with self._lock:
            return list(self._bases.values())

    def base(self, base_uuid: str) -> Base | None:
        """The base with this uuid, if any."""
        with self._lock:
            return self._bases.get(base_uuid)

    def base_by_name(self, workspace_id: int, name: str) -> Base | None:
        """The base called ``name`` in workspace ``workspace_id``, if any."""
        with self._lock:
            for base in self._bases.values():
                if base.workspace_id == workspace_id and base.name == name:
                    return base
            return None

    def save(self, base: Base) -> None:
        """Persist ``base.metadata`` and bump its version."""
        with self.transaction() as db:
            base.metadata["version"] = int(base.metadata.get("version", 0)) + 1
            db.execute(
                "UPDATE emu_bases SET metadata = ?, name = ? WHERE uuid = ?",
                (json.dumps(base.metadata, allow_nan=False), base.name, base.uuid),
            )

    @staticmethod
    def sqlite_name(base: Base, table: Mapping[str, Any]) -> str:
        """SQLite name of a SeaTable table (unquoted; built from alphanumeric ids only)."""
        return f"r{base.num}_{table['_id']}"

    def sqlite_table(self, base: Base, table: Mapping[str, Any]) -> str:
        """Quoted SQLite name of a SeaTable table."""
        return quote_ident(self.sqlite_name(base, table))

    def table(self, base: Base, name: str | None = None, table_id: str | None = None) -> Json:
        """Find a table by name or id (404 ``table not found`` otherwise)."""
        for table in base.tables:
            if (name is not None and table["name"] == name) or (
                table_id is not None and table["_id"] == table_id
            ):
                return table
        raise gateway_error(404, f"table {name if name is not None else table_id} not found")

    @staticmethod
    def find_column(table: Mapping[str, Any], ref: str) -> Json | None:
        """A column of ``table`` by name, or by key when no name matches."""
        columns: list[Json] = table["columns"]
        for column in columns:
            if column["name"] == ref:
                return column
        for column in columns:
            if column["key"] == ref:
                return column
        return None

    def column(self, table: Mapping[str, Any], ref: str) -> Json:
        """A column by name or key (404 ``column not found`` otherwise)."""
        column = self.find_column(table, ref)
        if column is None:
            raise gateway_error(404, f"column {ref} not found")
        return column

    @staticmethod
    def view(table: Mapping[str, Any], ref: str) -> Json:
        """A view by name or id (404 ``view not found`` otherwise)."""
        views: list[Json] = table["views"]
        for view in views:
            if ref in (view["name"], view["_id"]):
                return view
        raise gateway_error(404, f"view {ref} not found")

    def query(
        self, sql: str, params: Sequence[object], *, max_rows: int | None
    ) -> tuple[list[str], list[sqlite3.Row]]:
        """Run a generated read-only statement; returns (column labels, up to max_rows records)."""
        with self._lock:
            cursor = self._db.execute(sql, params)
            labels = [d[0] for d in cursor.description or ()]
            records = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
            return labels, records

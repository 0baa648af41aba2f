"""SQLite-backed state of the emulator: bases, their schema (metadata) and their rows.

Every SeaTable table is one SQLite table ``r<base number>_<table id>`` whose user columns are
``c_<column key>``; schema metadata is kept as the JSON SeaTable returns from ``metadata/``.
All identifiers written into SQL are generated here (ids/keys are alphanumeric) and quoted;
user values always travel as bound parameters.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import string
import threading
import uuid as uuid_module
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ._cells import (
    CELL_TYPES,
    SYSTEM_FIELDS,
    check_column_data,
    column_source,
    column_storage,
    decode_cell,
    encode_cell,
    format_timestamp,
    quote_ident,
)
from ._errors import APIError, gateway_error
from ._sql_functions import SQL_FUNCTIONS
from ._views import new_view, view_condition, view_order

__all__ = ["LINK_CELL_MAX", "SYSTEM_COLUMN_TYPES", "SYSTEM_RENDER", "Base", "Json", "Store"]

Json = dict[str, Any]

_KEY_ALPHABET = string.ascii_letters + string.digits
_SELECT_TYPES = ("single-select", "multiple-select")
_DEFAULT_OPTION_COLORS = ("#FFFCB5", "#202428")
LINK_CELL_MAX = 50
"""Link cells show at most 50 linked rows in rows/SQL output (SeaTable >= 5.3)."""
_AUTO_NUMBER_PREFIXES: dict[str, Callable[[Mapping[str, Any], datetime], str]] = {
    "string": lambda data, created: str(data.get("prefix") or ""),
    "date": lambda data, created: created.strftime("%Y%m%d"),
}
"""An auto-number's prefix by ``prefix_type``: the text given, or the row's creation day
(YYYYMMDD, reference section 12.2); no ``prefix_type`` means the text given."""

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
CREATE TABLE IF NOT EXISTS emu_assets (
    base_uuid TEXT NOT NULL, path TEXT NOT NULL, content BLOB NOT NULL,
    PRIMARY KEY (base_uuid, path));
"""


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


SYSTEM_RENDER: dict[str, Callable[[Any], Any]] = {
    "_locked": lambda stored: True if stored else None,
    "_archived": bool,
}
"""System fields stored as integers but rendered as JSON booleans (``_locked`` is true/null)."""


class Store:
    """Thread-safe owner of the SQLite connection and of every base's state."""

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
        for name, (arguments, function) in SQL_FUNCTIONS.items():
            self._db.create_function(name, arguments, function, deterministic=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._rng = rng
        self._clock = clock
        self._bases: dict[str, Base] = {}
        self._db.executescript(_INTERNAL_SCHEMA)
        self._load_bases()
        self._reseed_after_restart()

    # ------------------------------------------------------------------ plumbing

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
            try:
                yield self._db
            except BaseException:
                try:
                    if self._db.in_transaction:
                        self._db.execute(f"ROLLBACK TO {savepoint}")
                        self._db.execute(f"RELEASE {savepoint}")
                finally:
                    if self._depth == 1 or not self._db.in_transaction:
                        self._load_bases()
                raise
            else:
                self._db.execute(f"RELEASE {savepoint}")
            finally:
                self._depth -= 1

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

    def new_row_id(self) -> str:
        """22-character row id: URL-safe base64 of 16 random bytes, padding stripped."""
        return base64.urlsafe_b64encode(self._rng.randbytes(16)).rstrip(b"=").decode()

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

    def now(self) -> str:
        """Timestamp for ``_ctime``/``_mtime``."""
        return format_timestamp(self._clock())

    # ------------------------------------------------------------------ bases

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

    def create_base(self, name: str, workspace_id: int, *, empty_rows: int = 0) -> Base:
        """Create a base like SeaTable does: Table1 with a text column Name and a Default View."""
        with self.transaction() as db:
            num = 1 + max((b.num for b in self._bases.values()), default=0)
            base = Base(
                str(uuid_module.UUID(bytes=self._rng.randbytes(16), version=4)),
                num,
                name,
                workspace_id,
                self.now(),
                {"tables": [], "version": 1, "format_version": 7, "settings": _base_settings()},
            )
            self._bases[base.uuid] = base
            db.execute(
                "INSERT INTO emu_bases VALUES (?, ?, ?, ?, ?, ?)",
                (base.uuid, num, name, workspace_id, base.created_at, "{}"),
            )
            table = self.create_table(base, "Table1", None, first_ids=True)
            if empty_rows:
                self.append_rows(base, table, [{}] * empty_rows, user="")
            self.save(base)
            return base

    def delete_base(self, base: Base) -> None:
        """Drop a base with all its tables, links, tokens and assets."""
        with self.transaction() as db:
            for table in base.tables:
                db.execute(f"DROP TABLE IF EXISTS {self.sqlite_table(base, table)}")
            for internal in ("emu_links", "emu_api_tokens", "emu_assets", "emu_comments"):
                db.execute(f"DELETE FROM {internal} WHERE base_uuid = ?", (base.uuid,))
            db.execute("DELETE FROM emu_bases WHERE uuid = ?", (base.uuid,))
            del self._bases[base.uuid]

    def save(self, base: Base) -> None:
        """Persist ``base.metadata`` and bump its version."""
        with self.transaction() as db:
            base.metadata["version"] = int(base.metadata.get("version", 0)) + 1
            db.execute(
                "UPDATE emu_bases SET metadata = ?, name = ? WHERE uuid = ?",
                (json.dumps(base.metadata, allow_nan=False), base.name, base.uuid),
            )

    # ------------------------------------------------------------------ API tokens

    def add_api_token(
        self, base: Base, token: str, app_name: str, permission: str, generated_by: str
    ) -> Json:
        """Register an API token for ``base``."""
        record = {
            "app_name": app_name,
            "api_token": token,
            "generated_by": generated_by,
            "generated_at": self.now(),
            "last_access": self.now(),
            "permission": permission,
        }
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO emu_api_tokens VALUES (?, ?, ?, ?, ?, ?)",
                (token, base.uuid, app_name, permission, generated_by, record["generated_at"]),
            )
        return record

    def api_tokens(self, base: Base) -> list[Json]:
        """API tokens of ``base`` in the ``ApiToken`` shape."""
        with self._lock:
            records = self._db.execute(
                "SELECT * FROM emu_api_tokens WHERE base_uuid = ? ORDER BY generated_at",
                (base.uuid,),
            ).fetchall()
        return [
            {
                "app_name": r["app_name"],
                "api_token": r["token"],
                "generated_by": r["generated_by"],
                "generated_at": r["generated_at"],
                "last_access": r["generated_at"],
                "permission": r["permission"],
            }
            for r in records
        ]

    def api_token(self, token: str) -> tuple[Base, str, str] | None:
        """(base, app_name, permission) for a registered API token."""
        with self._lock:
            record = self._db.execute(
                "SELECT * FROM emu_api_tokens WHERE token = ?", (token,)
            ).fetchone()
            if record is None or record["base_uuid"] not in self._bases:
                return None
            return self._bases[record["base_uuid"]], record["app_name"], record["permission"]

    def delete_api_token(self, base: Base, app_name: str) -> bool:
        """Remove the API token called ``app_name``; False if there was none."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM emu_api_tokens WHERE base_uuid = ? AND app_name = ?",
                (base.uuid, app_name),
            )
            return cursor.rowcount > 0

    # ------------------------------------------------------------------ lookups

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

    # ------------------------------------------------------------------ tables

    def create_table(
        self,
        base: Base,
        name: str,
        columns: Sequence[Mapping[str, Any]] | None,
        *,
        first_ids: bool = False,
    ) -> Json:
        """Create a table; without ``columns`` it gets SeaTable's default text column Name."""
        if any(t["name"] == name for t in base.tables):
            raise gateway_error(400, f"table {name} already exists")
        taken = [t["_id"] for t in base.tables]
        table_id = "0000" if first_ids and not taken else self.new_key(taken)
        table: Json = {
            "_id": table_id,
            "name": name,
            "is_header_locked": False,
            "summary_configs": {},
            "columns": [],
            "views": [new_view("0000", "Default View")],
        }
        with self.transaction() as db:
            db.execute(
                f"CREATE TABLE {self.sqlite_table(base, table)} ("
                "_seq INTEGER PRIMARY KEY, _id TEXT UNIQUE NOT NULL, _ctime TEXT, _mtime TEXT,"
                " _creator TEXT, _last_modifier TEXT, _locked INTEGER, _locked_by TEXT,"
                " _archived INTEGER NOT NULL DEFAULT 0)"
            )
            base.tables.append(table)
            specs = columns or [{"column_name": "Name", "column_type": "text"}]
            for spec in specs:
                self.insert_column(
                    base,
                    table,
                    str(spec.get("column_name", "")),
                    str(spec.get("column_type", "text")),
                    spec.get("column_data"),
                    save=False,
                )
            self.save(base)
        return table

    def rename_table(self, base: Base, table: Json, new_name: str) -> None:
        """Rename a table (400 if the name is taken)."""
        if any(t["name"] == new_name for t in base.tables if t is not table):
            raise gateway_error(400, f"table {new_name} already exists")
        table["name"] = new_name
        self.save(base)

    def delete_table(self, base: Base, table: Json) -> None:
        """Drop a table, its rows and every link column pointing at it."""
        with self.transaction() as db:
            for column in list(table["columns"]):
                if column["type"] == "link":
                    self._drop_link(base, column["data"]["link_id"])
            db.execute(f"DROP TABLE {self.sqlite_table(base, table)}")
            base.tables.remove(table)
            self.save(base)

    def duplicate_table(self, base: Base, table: Json, with_rows: bool) -> Json:
        """Copy a table as ``<name>(copy)``; link columns are not copied."""
        name = f"{table['name']}(copy)"
        columns = [
            {"column_name": c["name"], "column_type": c["type"], "column_data": c.get("data")}
            for c in table["columns"]
            if c["type"] != "link"
        ]
        copy = self.create_table(base, name, columns)
        if with_rows:
            source = self.render_many(base, table, self.select(base, table), keys=False)
            self.append_rows(base, copy, source, user="")
        return copy

    # ------------------------------------------------------------------ columns

    def insert_column(
        self,
        base: Base,
        table: Json,
        name: str,
        column_type: str,
        data: Mapping[str, Any] | None,
        *,
        anchor: str | None = None,
        save: bool = True,
        link_data: Json | None = None,
    ) -> Json:
        """Add a column (and, for links, its mirror column in the other table)."""
        if column_type not in CELL_TYPES:
            raise gateway_error(400, f"column_type {column_type} invalid")
        if not name or any(ch in name for ch in ".{}`"):
            raise gateway_error(400, "column_name invalid")
        if any(c["name"] == name for c in table["columns"]):
            raise APIError(400, f"Column {name} exists.")
        check_column_data(column_type, data)
        keys = [c["key"] for c in table["columns"]]
        column: Json = {
            "key": "0000" if not keys else self.new_key(keys),
            "type": column_type,
            "name": name,
            "editable": True,
            "width": 200,
            "resizable": True,
            "draggable": True,
            "data": self._column_data(column_type, data),
            "permission_type": "",
            "permitted_users": [],
        }
        if column_type == "link":
            column["data"] = link_data or self._new_link(base, table, data or {})
        position = len(table["columns"])
        if anchor:
            anchor_column = self.column(table, anchor)
            position = table["columns"].index(anchor_column) + 1
        with self.transaction() as db:
            db.execute(
                f"ALTER TABLE {self.sqlite_table(base, table)} "
                f"ADD COLUMN {quote_ident(column_storage(column))}"
            )
            table["columns"].insert(position, column)
            if column_type == "link" and link_data is None:
                self._add_mirror_column(base, table, column["data"])
            if save:
                self.save(base)
        return column

    def _column_data(self, column_type: str, data: Mapping[str, Any] | None) -> Json | None:
        """``column_data`` as stored: a select column always has options, each with an id."""
        if column_type not in _SELECT_TYPES:
            return dict(data) if data else None
        given: list[Json] = (data or {}).get("options") or []
        options: list[Json] = []
        for option in given:
            if "id" not in option:
                option = {**option, "id": self.new_option_id(given + options)}
            options.append(option)
        return {**(data or {}), "options": options}

    def _new_link(self, base: Base, table: Json, data: Mapping[str, Any]) -> Json:
        other_name = data.get("other_table")
        if not isinstance(other_name, str):
            raise gateway_error(400, "column_data invalid: other_table is required")
        other = self.table(base, other_name)
        links = [
            c["data"]["link_id"] for t in base.tables for c in t["columns"] if c["type"] == "link"
        ]
        return {
            "display_column_key": "0000",
            "table_id": table["_id"],
            "other_table_id": other["_id"],
            "is_internal_link": other is table,
            "is_multiple": True,
            "is_row_from_view": False,
            "other_view_id": "",
            "link_id": self.new_key(links),
        }

    def _add_mirror_column(self, base: Base, table: Json, link: Json) -> None:
        other = self.table(base, table_id=link["other_table_id"])
        if other is table:
            return
        name, suffix = table["name"], 1
        while self.find_column(other, name) is not None:
            suffix += 1
            name = f"{table['name']}{suffix}"
        self.insert_column(base, other, name, "link", None, save=False, link_data=dict(link))

    def _drop_link(self, base: Base, link_id: str) -> None:
        for table in base.tables:
            for column in list(table["columns"]):
                if column["type"] == "link" and column["data"]["link_id"] == link_id:
                    self._drop_column_storage(base, table, column)
        self._db.execute(
            "DELETE FROM emu_links WHERE base_uuid = ? AND link_id = ?", (base.uuid, link_id)
        )

    def _drop_column_storage(self, base: Base, table: Json, column: Json) -> None:
        self._db.execute(
            f"ALTER TABLE {self.sqlite_table(base, table)} "
            f"DROP COLUMN {quote_ident(column_storage(column))}"
        )
        table["columns"].remove(column)

    def delete_column(self, base: Base, table: Json, column: Json) -> None:
        """Delete a column; the first (primary) column cannot be deleted."""
        if table["columns"] and table["columns"][0] is column:
            raise gateway_error(400, "the first column can not be deleted")
        with self.transaction():
            if column["type"] == "link":
                self._drop_link(base, column["data"]["link_id"])
            else:
                self._drop_column_storage(base, table, column)
            self.save(base)

    def rename_column(self, base: Base, table: Json, column: Json, new_name: str) -> None:
        """Rename a column (400 ``column_already_exists`` if taken)."""
        if any(c["name"] == new_name for c in table["columns"] if c is not column):
            raise gateway_error(400, "column name already exists", "column_already_exists")
        column["name"] = new_name
        self.save(base)

    def modify_column_type(
        self, base: Base, table: Json, column: Json, new_type: str, data: Mapping[str, Any] | None
    ) -> None:
        """Change a column's type and convert the stored values."""
        if new_type not in CELL_TYPES or new_type == "link" or column["type"] == "link":
            raise gateway_error(400, f"column_type {new_type} invalid")
        check_column_data(new_type, data)
        storage = quote_ident(column_storage(column))
        sqlite_table = self.sqlite_table(base, table)
        new_column = {**column, "type": new_type, "data": self._column_data(new_type, data)}
        with self.transaction() as db:
            records = db.execute(f"SELECT _id, {storage} AS v FROM {sqlite_table}").fetchall()
            for record in records:
                value = encode_cell(decode_cell(record["v"], column), new_column)
                db.execute(
                    f"UPDATE {sqlite_table} SET {storage} = ? WHERE _id = ?", (value, record["_id"])
                )
            column.update(new_column)
            self.save(base)

    # ------------------------------------------------------------------ rows: write

    def _prepare(self, table: Json, row: Mapping[str, Any]) -> dict[str, object]:
        """Column names → stored values; unknown and read-only columns are ignored."""
        values: dict[str, object] = {}
        for name, value in row.items():
            column = next((c for c in table["columns"] if c["name"] == name), None)
            if column is None or not CELL_TYPES[column["type"]].writable:
                continue
            if column["type"] in _SELECT_TYPES:
                self._ensure_options(column, value)
            values[column_storage(column)] = encode_cell(value, column)
        return values

    def _ensure_options(self, column: Json, value: Any) -> None:
        """Unknown select options are created on write (SeaTable >= 4.1)."""
        names = value if isinstance(value, list) else [value]
        options: list[Json] = column["data"]["options"]
        known = {o["name"] for o in options}
        for name in names:
            if isinstance(name, str) and name and name not in known:
                color, text_color = _DEFAULT_OPTION_COLORS
                option_id = self.new_option_id(options)
                options.append(
                    {"name": name, "color": color, "textColor": text_color, "id": option_id}
                )
                known.add(name)

    def append_rows(
        self,
        base: Base,
        table: Json,
        rows: Sequence[Mapping[str, Any]],
        *,
        user: str,
        archived: bool = False,
    ) -> list[str]:
        """Insert rows (given by column names) and return their new ids."""
        ids: list[str] = []
        sqlite_table = self.sqlite_table(base, table)
        schema_before = json.dumps(table["columns"])
        with self.transaction() as db:
            seq = db.execute(f"SELECT COALESCE(MAX(_seq), 0) FROM {sqlite_table}").fetchone()[0]
            for row in rows:
                seq += 1
                created = self._clock()
                values = self._prepare(table, row)
                values.update(self._auto_numbers(table, row, seq, created))
                stamp = format_timestamp(created)
                row_id = self.new_row_id()
                record: dict[str, object] = {
                    "_id": row_id,
                    "_ctime": stamp,
                    "_mtime": stamp,
                    "_creator": user,
                    "_last_modifier": user,
                    "_archived": int(archived),
                    **values,
                }
                names = ", ".join(quote_ident(name) for name in record)
                marks = ", ".join("?" for _ in record)
                db.execute(
                    f"INSERT INTO {sqlite_table} ({names}) VALUES ({marks})", tuple(record.values())
                )
                ids.append(row_id)
            if json.dumps(table["columns"]) != schema_before:
                self.save(base)
        return ids

    @staticmethod
    def _auto_numbers(
        table: Json, row: Mapping[str, Any], seq: int, created: datetime
    ) -> dict[str, object]:
        numbers: dict[str, object] = {}
        for column in table["columns"]:
            if column["type"] == "auto-number" and column["name"] not in row:
                data = column.get("data") or {}
                digits = int(data.get("digits") or len(str(data.get("format") or "0000")))
                prefix = _AUTO_NUMBER_PREFIXES[data.get("prefix_type") or "string"](data, created)
                numbers[column_storage(column)] = f"{prefix}{seq:0{digits}d}"
        return numbers

    def update_rows(
        self,
        base: Base,
        table: Json,
        updates: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        user: str,
    ) -> None:
        """Apply ``(row_id, {column name: value})`` updates; unknown ids are skipped."""
        sqlite_table = self.sqlite_table(base, table)
        schema_before = json.dumps(table["columns"])
        with self.transaction() as db:
            for row_id, row in updates:
                values = self._prepare(table, row)
                values.update({"_mtime": self.now(), "_last_modifier": user})
                assignments = ", ".join(f"{quote_ident(name)} = ?" for name in values)
                db.execute(
                    f"UPDATE {sqlite_table} SET {assignments} WHERE _id = ?",
                    (*values.values(), row_id),
                )
            if json.dumps(table["columns"]) != schema_before:
                self.save(base)

    def delete_rows(self, base: Base, table: Json, row_ids: Sequence[str]) -> int:
        """Delete rows by id (and their links); returns how many existed."""
        sqlite_table = self.sqlite_table(base, table)
        deleted = 0
        with self.transaction() as db:
            for row_id in row_ids:
                cursor = db.execute(f"DELETE FROM {sqlite_table} WHERE _id = ?", (row_id,))
                deleted += cursor.rowcount
                db.execute(
                    "DELETE FROM emu_links WHERE base_uuid = ?"
                    " AND (row_id = ? OR other_row_id = ?)",
                    (base.uuid, row_id, row_id),
                )
        return deleted

    def set_locked(
        self, base: Base, table: Json, row_ids: Sequence[str], *, locked: bool, user: str
    ) -> None:
        """Lock or unlock rows."""
        sqlite_table = self.sqlite_table(base, table)
        with self.transaction() as db:
            for row_id in row_ids:
                db.execute(
                    f"UPDATE {sqlite_table} SET _locked = ?, _locked_by = ? WHERE _id = ?",
                    (1 if locked else None, user if locked else None, row_id),
                )

    # ------------------------------------------------------------------ rows: read

    def select(
        self,
        base: Base,
        table: Json,
        *,
        view: Json | None = None,
        limit: int | None = None,
        offset: int = 0,
        row_id: str | None = None,
    ) -> list[sqlite3.Row]:
        """Stored records in insertion order (or the view's sorts), filtered by the view."""
        clauses: list[str] = []
        params: list[object] = []
        if row_id is not None:
            clauses.append("_id = ?")
            params.append(row_id)
        order = "_seq"
        if view is not None:
            condition = view_condition(table, view, params)
            clauses += [condition] if condition else []
            order = view_order(table, view)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        query = f"SELECT * FROM {self.sqlite_table(base, table)}{where} ORDER BY {order}"
        if limit is not None:
            query += " LIMIT ? OFFSET ?"
            params.extend((limit, offset))
        with self._lock:
            return self._db.execute(query, params).fetchall()

    def render_many(
        self,
        base: Base,
        table: Json,
        records: Sequence[sqlite3.Row],
        *,
        keys: bool,
        columns: Sequence[Json] | None = None,
    ) -> list[Json]:
        """Stored records as the gateway returns them: system fields, then each shown column.

        The per-column work (output key, source, decoder) is planned once for all records,
        and link cells are fetched in one pass per link column.
        """
        if not records:
            return []
        shown = table["columns"] if columns is None else columns
        position = {name: index for index, name in enumerate(records[0].keys())}
        row_ids = [r["_id"] for r in records]
        links: dict[str, dict[str, list[Json]]] = {
            c["key"]: self.linked(base, table, c, row_ids) for c in shown if c["type"] == "link"
        }
        plan = [
            (
                column["key"] if keys else column["name"],
                column,
                CELL_TYPES[column["type"]],
                position.get(column_source(column), -1),
            )
            for column in shown
        ]
        system = [(field, position[field], SYSTEM_RENDER.get(field)) for field in SYSTEM_FIELDS]
        rows: list[Json] = []
        for record in records:
            row: Json = {}
            for field, index, convert in system:
                row[field] = record[index] if convert is None else convert(record[index])
            for label, column, cell_type, index in plan:
                if column["type"] == "link":
                    value: Any = links[column["key"]][row["_id"]][:LINK_CELL_MAX]
                else:
                    stored = record[index]
                    value = None if stored is None else cell_type.decode(stored, column)
                row[label] = value
            rows.append(row)
        return rows

    # ------------------------------------------------------------------ links

    def link_sides(self, base: Base, table: Json, link: Mapping[str, Any]) -> tuple[Json, bool]:
        """(other table, whether ``table`` is the link's own side) for a link column's data."""
        own = table["_id"] == link["table_id"]
        other_id = link["other_table_id"] if own else link["table_id"]
        return self.table(base, table_id=other_id), own

    def linked(
        self,
        base: Base,
        table: Json,
        column: Json,
        row_ids: Sequence[str],
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> dict[str, list[Json]]:
        """``{row_id: [{"row_id", "display_value"}]}`` for one link column, ordered by ctime."""
        link = column["data"]
        other, own = self.link_sides(base, table, link)
        mine, theirs = ("row_id", "other_row_id") if own else ("other_row_id", "row_id")
        display = other["columns"][0] if other["columns"] else None
        result: dict[str, list[Json]] = {row_id: [] for row_id in row_ids}
        if not row_ids:
            return result
        with self._lock:
            for row_id in row_ids:
                query = (
                    f"SELECT l.{theirs} AS target, o.* FROM emu_links AS l "
                    f"JOIN {self.sqlite_table(base, other)} AS o ON o._id = l.{theirs} "
                    f"WHERE l.base_uuid = ? AND l.link_id = ? AND l.{mine} = ? "
                    "ORDER BY o._ctime, l.seq LIMIT ? OFFSET ?"
                )
                params = (
                    base.uuid,
                    link["link_id"],
                    row_id,
                    -1 if limit is None else limit,
                    offset,
                )
                records = self._db.execute(query, params).fetchall()
                result[row_id] = [
                    {
                        "row_id": r["target"],
                        "display_value": (
                            decode_cell(r[column_source(display)], display) if display else None
                        ),
                    }
                    for r in records
                ]
        return result

    def set_links(
        self,
        base: Base,
        table: Json,
        link: Mapping[str, Any],
        mapping: Mapping[str, Sequence[str]],
        *,
        mode: str,
    ) -> int:
        """Create (``add``), replace (``replace``) or remove (``remove``) row links."""
        own = table["_id"] == link["table_id"]
        count = 0
        with self.transaction() as db:
            for row_id, others in mapping.items():
                pairs = [(row_id, o) if own else (o, row_id) for o in others]
                if mode == "replace":
                    side = "row_id" if own else "other_row_id"
                    db.execute(
                        f"DELETE FROM emu_links WHERE base_uuid = ? AND link_id = ? AND {side} = ?",
                        (base.uuid, link["link_id"], row_id),
                    )
                for left, right in pairs:
                    params = (base.uuid, link["link_id"], left, right)
                    if mode == "remove":
                        db.execute(
                            "DELETE FROM emu_links WHERE base_uuid = ? AND link_id = ?"
                            " AND row_id = ? AND other_row_id = ?",
                            params,
                        )
                        count += 1
                    else:
                        count += db.execute(
                            "INSERT OR IGNORE INTO emu_links (base_uuid, link_id, row_id,"
                            " other_row_id) VALUES (?, ?, ?, ?)",
                            params,
                        ).rowcount
        return count

    def set_archived(self, base: Base, table: Json, row_ids: Sequence[str], archived: bool) -> None:
        """Move rows between the normal and the (emulated) big-data backend."""
        sqlite_table = self.sqlite_table(base, table)
        with self.transaction() as db:
            for row_id in row_ids:
                db.execute(
                    f"UPDATE {sqlite_table} SET _archived = ? WHERE _id = ?",
                    (int(archived), row_id),
                )

    # ------------------------------------------------------------------ comments

    def add_comment(self, base: Base, row_id: str, author: str, comment: str) -> int:
        """Store a row comment; returns its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO emu_comments (base_uuid, row_id, author, comment, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (base.uuid, row_id, author, comment, self.now()),
            )
            return int(cursor.lastrowid or 0)

    def comments(
        self,
        base: Base,
        *,
        row_id: str | None = None,
        comment_id: int | None = None,
        since: str | None = None,
    ) -> list[Json]:
        """Row comments of a base, oldest first, in SeaTable's comment shape."""
        clauses: list[str] = ["base_uuid = ?"]
        params: list[object] = [base.uuid]
        for clause, value in (
            ("row_id = ?", row_id),
            ("id = ?", comment_id),
            ("created_at >= ?", since),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        query = f"SELECT * FROM emu_comments WHERE {' AND '.join(clauses)} ORDER BY id"
        with self._lock:
            records = self._db.execute(query, params).fetchall()
        return [
            {
                "id": r["id"],
                "author": r["author"],
                "comment": r["comment"],
                "dtable_uuid": base.uuid,
                "row_id": r["row_id"],
                "created_at": r["created_at"],
                "updated_at": r["created_at"],
                "resolved": r["resolved"],
            }
            for r in records
        ]

    def delete_comment(self, base: Base, comment_id: int) -> bool:
        """Delete a comment; False if there was none."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM emu_comments WHERE base_uuid = ? AND id = ?", (base.uuid, comment_id)
            )
            return cursor.rowcount > 0

    # ------------------------------------------------------------------ assets

    def put_asset(self, base: Base, path: str, content: bytes) -> None:
        """Store an uploaded file under its asset path (``files/2024-01/a.txt``)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO emu_assets VALUES (?, ?, ?)", (base.uuid, path, content)
            )

    def asset(self, base: Base, path: str) -> bytes | None:
        """The content of an asset, if it exists."""
        with self._lock:
            found = self._db.execute(
                "SELECT content FROM emu_assets WHERE base_uuid = ? AND path = ?", (base.uuid, path)
            ).fetchone()
        return None if found is None else bytes(found["content"])

    def delete_asset(self, base: Base, path: str) -> bool:
        """Delete an asset; False if it did not exist."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM emu_assets WHERE base_uuid = ? AND path = ?", (base.uuid, path)
            )
            return cursor.rowcount > 0

    # ------------------------------------------------------------------ raw SQL access

    def query(
        self, sql: str, params: Sequence[object], *, max_rows: int | None
    ) -> tuple[list[str], list[sqlite3.Row]]:
        """Run a generated read-only statement; returns (column labels, up to max_rows records)."""
        with self._lock:
            cursor = self._db.execute(sql, params)
            labels = [d[0] for d in cursor.description or ()]
            records = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
            return labels, records


def _base_settings() -> Json:
    flags = {"can_copy": False, "can_export": False, "can_print": False}
    return {"securities": {"table_settings": dict(flags), "share_user_settings": dict(flags)}}


SYSTEM_COLUMN_TYPES: dict[str, str] = {
    "_id": "text",
    "_ctime": "ctime",
    "_mtime": "mtime",
    "_creator": "creator",
    "_last_modifier": "last-modifier",
    "_locked": "checkbox",
    "_locked_by": "text",
    "_archived": "checkbox",
}
"""Column type each hidden system field is reported with in SQL metadata."""

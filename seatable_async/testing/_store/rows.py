"""Rows: writing, reading and rendering the records of a table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .._cells import (
    CELL_TYPES,
    SYSTEM_FIELDS,
    column_source,
    column_storage,
    encode_cell,
    format_timestamp,
    quote_ident,
)
from .._views import view_condition, view_order
from ._core import SELECT_TYPES, Base, Json
from .activities import ActivityStore
from .links import LINK_CELL_MAX, LinkStore

__all__ = ["SYSTEM_COLUMN_TYPES", "SYSTEM_RENDER", "RowStore"]

_DEFAULT_OPTION_COLORS = ("#FFFCB5", "#202428")

_AUTO_NUMBER_PREFIXES: dict[str, Callable[[Mapping[str, Any], datetime], str]] = {
    "string": lambda data, created: str(data.get("prefix") or ""),
    "date": lambda data, created: created.strftime("%Y%m%d"),
}
"""An auto-number's prefix by ``prefix_type``: the text given, or the row's creation day
(YYYYMMDD, reference section 12.2); no ``prefix_type`` means the text given."""

SYSTEM_RENDER: dict[str, Callable[[Any], Any]] = {
    "_locked": lambda stored: True if stored else None,
    "_archived": bool,
}
"""System fields stored as integers but rendered as JSON booleans (``_locked`` is true/null)."""

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


class RowStore(LinkStore, ActivityStore):
    """Rows of a table: append, update, delete, lock, archive, select, render."""

    def _prepare(self, table: Json, row: Mapping[str, Any]) -> dict[str, object]:
        """Column names → stored values; unknown and read-only columns are ignored."""
        values: dict[str, object] = {}
        for name, value in row.items():
            column = next((c for c in table["columns"] if c["name"] == name), None)
            if column is None or not CELL_TYPES[column["type"]].writable:
                continue
            if column["type"] in SELECT_TYPES:
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
                self._log_change(base, table, "insert_row", user, row_id, None, row)
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
                before = self._rendered(base, table, row_id)
                values = self._prepare(table, row)
                values.update({"_mtime": self.now(), "_last_modifier": user})
                assignments = ", ".join(f"{quote_ident(name)} = ?" for name in values)
                db.execute(
                    f"UPDATE {sqlite_table} SET {assignments} WHERE _id = ?",
                    (*values.values(), row_id),
                )
                if before is not None:
                    self._log_change(base, table, "modify_row", user, row_id, before, row)
            if json.dumps(table["columns"]) != schema_before:
                self.save(base)

    def delete_rows(
        self, base: Base, table: Json, row_ids: Sequence[str], *, user: str = ""
    ) -> int:
        """Delete rows by id (and their links); returns how many existed."""
        sqlite_table = self.sqlite_table(base, table)
        deleted = 0
        with self.transaction() as db:
            for row_id in row_ids:
                before = self._rendered(base, table, row_id)
                if before is not None:
                    self.log_row_activity(base, table, "delete_row", user, before, [])
                cursor = db.execute(f"DELETE FROM {sqlite_table} WHERE _id = ?", (row_id,))
                deleted += cursor.rowcount
                db.execute(
                    "DELETE FROM emu_links WHERE base_uuid = ?"
                    " AND (row_id = ? OR other_row_id = ?)",
                    (base.uuid, row_id, row_id),
                )
        return deleted

    def _rendered(self, base: Base, table: Json, row_id: str) -> Json | None:
        """One row as the gateway renders it by column keys, or None."""
        rendered = self.render_many(base, table, self.select(base, table, row_id=row_id), keys=True)
        return rendered[0] if rendered else None

    def _log_change(
        self,
        base: Base,
        table: Json,
        op_type: str,
        user: str,
        row_id: str,
        before: Json | None,
        written: Mapping[str, Any],
    ) -> None:
        """Log a row activity whose changes are the written columns whose value changed."""
        after = self._rendered(base, table, row_id)
        if after is None:
            return
        old = before or {}
        changes = [
            (column, after.get(column["key"]), old.get(column["key"]))
            for column in table["columns"]
            if column["name"] in written
            and (before is None or after.get(column["key"]) != old.get(column["key"]))
        ]
        if before is None or changes:
            self.log_row_activity(base, table, op_type, user, after, changes)

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

    def set_archived(self, base: Base, table: Json, row_ids: Sequence[str], archived: bool) -> None:
        """Move rows between the normal and the (emulated) big-data backend."""
        sqlite_table = self.sqlite_table(base, table)
        with self.transaction() as db:
            for row_id in row_ids:
                db.execute(
                    f"UPDATE {sqlite_table} SET _archived = ? WHERE _id = ?",
                    (int(archived), row_id),
                )

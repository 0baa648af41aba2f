"""Rows: writing, reading and rendering the records of a table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .._cells import (
    CELL_TYPES,
    column_storage,
    empty_cell,
    format_timestamp,
    quote_ident,
)
from .._views import view_condition, view_order
from ._core import SELECT_TYPES, Base, Json
from .activities import ActivityStore
from .batches import Change
from .links import LINK_CELL_MAX, LinkStore
from .render import (
    SYSTEM_RENDER,
    LinkCells,
    labelled_rows,
    stored_cells,
)
from .writes import (
    SelectColumns,
    Slot,
    Writer,
    cells_by_column,
    insert_runs,
    new_options,
    runs_of_distinct_ids,
    written_changes,
)

__all__ = ["SYSTEM_COLUMN_TYPES", "SYSTEM_RENDER", "RowStore"]

_DEFAULT_OPTION_COLORS = ("#FFFCB5", "#202428")

_AUTO_NUMBER_PREFIXES: dict[str, Callable[[Mapping[str, Any], datetime], str]] = {
    "string": lambda data, created: str(data.get("prefix") or ""),
    "date": lambda data, created: created.strftime("%Y%m%d"),
}
"""An auto-number's prefix by ``prefix_type``: the text given, or the row's creation day
(YYYYMMDD, reference section 12.2); no ``prefix_type`` means the text given."""

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


_CHUNK = 500
"""Row ids per ``IN (...)`` list (SQLite allows 999 parameters in old versions)."""


def _chunks(row_ids: Sequence[str]) -> list[Sequence[str]]:
    """``row_ids`` in slices of at most :data:`_CHUNK`."""
    return [row_ids[i : i + _CHUNK] for i in range(0, len(row_ids), _CHUNK)]


class RowStore(LinkStore, ActivityStore):
    """Rows of a table: append, update, delete, lock, archive, select, render."""

    @staticmethod
    def _writers(table: Json) -> dict[str, Writer | None]:
        """Each column name → how a row's value under it is written (the first column of that
        name); None for a read-only column. Built once per request."""
        writers: dict[str, Writer | None] = {}
        for column in table["columns"]:
            if column["name"] not in writers:
                cell_type = CELL_TYPES[column["type"]]
                known = (
                    {option["name"] for option in column["data"]["options"]}
                    if column["type"] in SELECT_TYPES
                    else None
                )
                writer = (column, column_storage(column), cell_type.encode, known)
                writers[column["name"]] = writer if cell_type.writable else None
        return writers

    def _prepare(
        self, row: Mapping[str, Any], writers: Mapping[str, Writer | None]
    ) -> dict[str, object]:
        """Column names → stored values (``writers`` of the table); unknown and read-only
        columns are ignored (the cell encoders of ``encode_cell``, looked up once)."""
        values: dict[str, object] = {}
        for name, value in row.items():
            writer = writers.get(name)
            if writer is not None:
                column, storage, encode, known = writer
                if known is not None:
                    self._ensure_options(column, value, known)
                values[storage] = None if empty_cell(value) else encode(value, column)
        return values

    def _ensure_options(
        self,
        column: Json,
        value: Any,
        known: set[str],
        before_draw: Callable[[], None] | None = None,
    ) -> None:
        """Unknown select options are created on write (SeaTable >= 4.1); ``known`` holds the
        column's option names and gains the new ones. ``before_draw`` runs before each new
        option's id is drawn."""
        for name in new_options(value, known):
            if before_draw is not None:
                before_draw()
            options: list[Json] = column["data"]["options"]
            color, text_color = _DEFAULT_OPTION_COLORS
            option_id = self.new_option_id(options)
            options.append({"name": name, "color": color, "textColor": text_color, "id": option_id})
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
        """Insert rows (given by column names) and return their new ids.

        All rows go in with one statement over every writable column (a cell not given is
        NULL, as if left out), at one moment (one clock reading for the whole batch), and
        their activities are logged in one batch afterwards. Row ids are drawn in bulk, but in
        the order of one per row after its cells (only a new select option's id comes between)."""
        sqlite_table = self.sqlite_table(base, table)
        schema_before = json.dumps(table["columns"])
        storage = list(
            dict.fromkeys(
                column_storage(c) for c in table["columns"] if CELL_TYPES[c["type"]].writable
            )
        )
        slots = {
            name: (storage.index(writer[1]), writer[0], writer[2], writer[3])
            for name, writer in self._writers(table).items()
            if writer is not None
        }
        select_columns = SelectColumns(table)
        with self.transaction() as db:
            first_seq = db.execute(f"SELECT COALESCE(MAX(_seq), 0) FROM {sqlite_table}").fetchone()[
                0
            ]
            created = self._clock()
            numbered = any(c["type"] == "auto-number" for c in table["columns"])
            by_column = None if numbered else cells_by_column(rows, len(storage), slots)
            if by_column is None:
                ids, by_column = self._cells_row_by_row(
                    table, rows, storage, slots, select_columns, first_seq, created, numbered
                )
            else:
                ids = self.new_row_ids(len(rows))
                select_columns.unchanged(len(rows))
            stamp = format_timestamp(created)
            count = len(ids)
            inserted = {
                "_id": ids,
                "_ctime": (stamp,) * count,
                "_mtime": (stamp,) * count,
                "_creator": (user,) * count,
                "_last_modifier": (user,) * count,
                "_archived": (int(archived),) * count,
                **dict(zip(storage, by_column, strict=True)),
            }
            names = ", ".join(map(quote_ident, inserted))
            marks = ", ".join("?" for _ in inserted)
            db.executemany(
                f"INSERT INTO {sqlite_table} ({names}) VALUES ({marks})",
                zip(*inserted.values(), strict=True),
            )
            # The rows as SELECT * would read them back: the columns have no declared type,
            # so SQLite keeps each value as written; the others are NULL.
            inserted["_seq"] = tuple(range(first_seq + 1, first_seq + count + 1))
            unset = (None,) * count
            everything = db.execute(f"SELECT * FROM {sqlite_table} LIMIT 0").description
            stored = [(name, inserted.get(name, unset)) for name, *_ in everything]
            runs = insert_runs(rows, select_columns.per_row)
            self.log_inserted_rows(base, table, user, stored, runs)
            if json.dumps(table["columns"]) != schema_before:
                self.save(base)
        return ids

    def _cells_row_by_row(
        self,
        table: Json,
        rows: Sequence[Mapping[str, Any]],
        storage: Sequence[str],
        slots: Mapping[str, Slot],
        select_columns: SelectColumns,
        first_seq: int,
        created: datetime,
        numbered: bool,
    ) -> tuple[list[str], list[Sequence[object]]]:
        """New rows' ids and stored cells (column by column), each row written in turn: its
        select options created and, if the table is ``numbered``, its auto-numbers given, the
        ids drawn as one per row."""
        ids: list[str] = []
        cell_rows: list[list[object]] = []

        def draw_owed_ids() -> None:
            """The ids of the rows prepared so far, as a draw per row would have taken them."""
            if len(cell_rows) > len(ids):
                ids.extend(self.new_row_ids(len(cell_rows) - len(ids)))

        for seq, row in enumerate(rows, start=first_seq + 1):
            cells: list[object] = [None] * len(storage)
            for name, value in row.items():
                slot = slots.get(name)
                if slot is not None:
                    index, column, encode, known = slot
                    if known is not None:
                        self._ensure_options(column, value, known, draw_owed_ids)
                    cells[index] = None if empty_cell(value) else encode(value, column)
            if numbered:
                for name, number in self._auto_numbers(table, row, seq, created).items():
                    cells[storage.index(name)] = number
            select_columns.after_row()
            cell_rows.append(cells)
        draw_owed_ids()
        by_column: list[Sequence[object]] = [*zip(*cell_rows, strict=True)] or [()] * len(storage)
        return ids, by_column

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
        """Apply ``(row_id, {column name: value})`` updates; unknown ids are skipped.

        Updates go in runs without a repeated row id: each run's rows are read before and
        after in one query each, written with one statement per set of columns, and logged
        in one batch (a row updated twice is logged twice, each against the state before)."""
        schema_before = json.dumps(table["columns"])
        with self.transaction():
            for run in runs_of_distinct_ids(updates):
                self._update_run(base, table, run, user)
            if json.dumps(table["columns"]) != schema_before:
                self.save(base)

    def _update_run(
        self, base: Base, table: Json, run: Sequence[tuple[str, Mapping[str, Any]]], user: str
    ) -> None:
        """Updates of distinct rows (see :meth:`update_rows`)."""
        sqlite_table = self.sqlite_table(base, table)
        writers = self._writers(table)
        row_ids = [row_id for row_id, _ in run]
        before = self._rendered_by_id(base, table, row_ids)
        stamp = self.now()
        select_columns = SelectColumns(table)
        statements: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
        for row_id, row in run:
            values = self._prepare(row, writers)
            values.update({"_mtime": stamp, "_last_modifier": user})
            select_columns.after_row()
            statements.setdefault(tuple(values), []).append((*values.values(), row_id))
        for names, parameters in statements.items():
            assignments = ", ".join(f"{quote_ident(name)} = ?" for name in names)
            self._db.executemany(
                f"UPDATE {sqlite_table} SET {assignments} WHERE _id = ?", parameters
            )
        after = self._rendered_by_id(base, table, list(before))
        entries: list[tuple[Json, list[Change]]] = []
        for (row_id, row), as_of in zip(run, select_columns.per_row, strict=True):
            old, new = before.get(row_id), after.get(row_id)
            if old is not None and new is not None:
                changes = written_changes(as_of, row, new, old)
                if changes:
                    entries.append((new, changes))
        self.log_row_activities(base, table, "modify_row", user, entries)

    def delete_rows(
        self, base: Base, table: Json, row_ids: Sequence[str], *, user: str = ""
    ) -> int:
        """Delete rows by id (and their links); returns how many existed."""
        sqlite_table = self.sqlite_table(base, table)
        distinct = list(dict.fromkeys(row_ids))
        with self.transaction() as db:
            before = self._rendered_by_id(base, table, distinct)
            entries: list[tuple[Json, list[Change]]] = [
                (before[row_id], []) for row_id in distinct if row_id in before
            ]
            self.log_row_activities(base, table, "delete_row", user, entries)
            deleted = 0
            for chunk in _chunks(distinct):
                marks = ", ".join("?" for _ in chunk)
                cursor = db.execute(f"DELETE FROM {sqlite_table} WHERE _id IN ({marks})", chunk)
                deleted += cursor.rowcount
                db.execute(
                    "DELETE FROM emu_links WHERE base_uuid = ?"
                    f" AND (row_id IN ({marks}) OR other_row_id IN ({marks}))",
                    (base.uuid, *chunk, *chunk),
                )
        return deleted

    def _rendered_by_id(self, base: Base, table: Json, row_ids: Sequence[str]) -> dict[str, Json]:
        """The rows of ``row_ids`` that exist, rendered by column keys, by id."""
        sqlite_table = self.sqlite_table(base, table)
        records: list[sqlite3.Row] = []
        with self._lock:
            for chunk in _chunks(row_ids):
                marks = ", ".join("?" for _ in chunk)
                query = f"SELECT * FROM {sqlite_table} WHERE _id IN ({marks}) ORDER BY _seq"
                records += self._db.execute(query, chunk).fetchall()
        rendered = self.render_many(base, table, records, keys=True)
        return {row["_id"]: row for row in rendered}

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
        """Stored records as the gateway returns them (:meth:`render_cells`, as rows)."""
        return labelled_rows(*self.render_cells(base, table, records, keys=keys, columns=columns))

    def render_cells(
        self,
        base: Base,
        table: Json,
        records: Sequence[sqlite3.Row],
        *,
        keys: bool,
        columns: Sequence[Json] | None = None,
    ) -> tuple[list[str], list[Sequence[Any]]]:
        """The rows label by label (``stored_cells``), their links read now; nothing for no
        records."""
        if not records:
            return [], []
        stored = list(zip(records[0].keys(), zip(*records, strict=True), strict=True))
        shown = table["columns"] if columns is None else columns
        return stored_cells(stored, shown, keys=keys, links=self._link_cells(base, table))

    def _link_cells(self, base: Base, table: Json) -> LinkCells:
        """The link cells of ``table``'s rows as they are stored now."""

        def links(column: Json, row_ids: Sequence[str]) -> list[Any]:
            linked = self.linked(base, table, column, row_ids)
            return [linked[row_id][:LINK_CELL_MAX] for row_id in row_ids]

        return links

    def set_archived(self, base: Base, table: Json, row_ids: Sequence[str], archived: bool) -> None:
        """Move rows between the normal and the (emulated) big-data backend."""
        sqlite_table = self.sqlite_table(base, table)
        with self.transaction() as db:
            for row_id in row_ids:
                db.execute(
                    f"UPDATE {sqlite_table} SET _archived = ? WHERE _id = ?",
                    (int(archived), row_id),
                )

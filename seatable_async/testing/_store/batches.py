"""Row batches: the row changes one write logs at once, kept as one stored value.

A modify or delete batch holds, per changed row, the row (by column key) and its changed cells
with their columns as of that row. An insert batch holds the cells as written, column by
column, with the columns they are rendered with and the columns each run of rows wrote: its
rows are rendered only when read (new rows have no links yet, so nothing else is needed). The
row activities (``listRowActivities``), the operation log (``getBaseActivityLog``, realtime)
and webhooks expand batches when read, so a write serializes its changes once instead of one
detail text per row. Batches are ``marshal`` data (plain values only, several times faster
than JSON; no code runs on loading it); a value marshal refuses goes through JSON first, as
``json.dumps(value, default=str)`` would have stored it.
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._core import Json
from .render import Stored, render_stored

__all__ = [
    "BATCH_SCHEMA",
    "ENCODER",
    "Change",
    "RowBatch",
    "RowChange",
    "Run",
    "batch_activities",
    "encode_payload",
    "inserted_payload",
    "load_payload",
    "payload_entries",
    "row_operation",
]

BATCH_SCHEMA = """CREATE TABLE IF NOT EXISTS emu_row_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT, base_uuid TEXT NOT NULL, first_id INTEGER NOT NULL,
    count INTEGER NOT NULL, op_user TEXT NOT NULL, op_type TEXT NOT NULL, op_time TEXT NOT NULL,
    payload BLOB NOT NULL)"""
"""``first_id`` is the activity id of the batch's first row; the others follow it."""

ENCODER = json.JSONEncoder(default=str)
"""``json.dumps(value, default=str)``, built once: the text of batches and log entries."""

_GROUPED = {"insert_row": "insert_rows", "modify_row": "modify_rows", "delete_row": "delete_rows"}
"""A row change's kind → the kind of the one log entry of a request's changes of that kind."""

Change = tuple[Json, object, object]
"""One changed cell of a row: (column as of the write, value, old value)."""

Run = tuple[int, list[Json]]
"""Consecutive new rows that wrote the same columns: (how many, those columns as of them)."""


@dataclass(frozen=True)
class RowChange:
    """One row inserted, modified or deleted, with each written cell's value and old value."""

    base_uuid: str
    table_id: str
    table_name: str
    op_type: str
    """``insert_row``, ``modify_row`` or ``delete_row``."""
    user: str
    row: Json
    """The row by column key: after the change (insert, modify) or before it (delete)."""
    row_data: list[Json]
    """``{column_key, column_name, column_type, column_data, value[, old_value]}`` per cell."""
    op_time: float


def _fixed(column: Json, data: Any) -> Json:
    """A changed cell's column part (its value follows)."""
    return {
        "column_key": column["key"],
        "column_name": column["name"],
        "column_type": column["type"],
        "column_data": data or {},
    }


@dataclass(frozen=True)
class RowBatch:
    """A batch journaled by the transaction in progress, as written (``batch_id``)."""

    batch_id: int
    base_uuid: str
    table: Json
    op_type: str
    user: str
    op_time: float
    payload: Json
    """The batch as stored (see :func:`payload_entries`)."""
    live: Mapping[str, Json]
    """The table's columns by key when the batch was written."""

    def changes(self) -> list[RowChange]:
        """One :class:`RowChange` per row; cells carry each column's live ``data``."""
        live = self.live
        fixed: dict[str, Json] = {}
        with_old = self.op_type != "insert_row"
        found: list[RowChange] = []
        for _, row, cells in payload_entries(self.payload):
            row_data: list[Json] = []
            for column, value, old in cells:
                part = fixed.get(column["key"])
                if part is None:
                    data = live.get(column["key"], column).get("data")
                    part = fixed[column["key"]] = _fixed(column, data)
                row_data.append(
                    {**part, "value": value, "old_value": old}
                    if with_old
                    else {**part, "value": value}
                )
            found.append(
                RowChange(
                    self.base_uuid,
                    self.table["_id"],
                    self.table["name"],
                    self.op_type,
                    self.user,
                    row,
                    row_data,
                    self.op_time,
                )
            )
        return found


def _payload(table: Json, **rows: object) -> Json:
    """A batch's table, ``first`` (the key of the column that names a row) and its rows."""
    return {
        "table_id": table["_id"],
        "table_name": table["name"],
        "first": table["columns"][0]["key"] if table["columns"] else None,
        **rows,
    }


def batch_payload(table: Json, entries: Sequence[tuple[Json, Sequence[Change]]]) -> Json:
    """A modify or delete batch: ``rows`` the entries as given (marshal writes a column shared
    by many cells once)."""
    return _payload(table, rows=entries)


def inserted_payload(table: Json, stored: Stored, runs: Sequence[Run]) -> Json:
    """An insert batch: the cells as written, the table's columns to render them with, and
    the columns each run of rows wrote (nothing is done per row)."""
    return _payload(table, stored=stored, shown=table["columns"], runs=runs)


def encode_payload(payload: Json) -> bytes:
    """The stored form of a batch."""
    try:
        return marshal.dumps(payload)
    except ValueError:  # a value that is not plain data: stored as its JSON would be
        return marshal.dumps(json.loads(ENCODER.encode(payload)))


def load_payload(stored: bytes) -> Json:
    """A batch as :func:`encode_payload` stored it."""
    payload: Json = marshal.loads(stored)
    return payload


def payload_entries(
    payload: Json, row_id: str | None = None
) -> list[tuple[int, Json, Sequence[Change]]]:
    """``(index in the batch, row by column key, its changed cells)`` of every row of a batch,
    or of ``row_id``'s rows only; an insert batch renders just those rows."""
    if "rows" in payload:
        return [
            (at, row, changes)
            for at, (row, changes) in enumerate(payload["rows"])
            if row_id is None or row["_id"] == row_id
        ]
    stored: Stored = payload["stored"]
    ids = dict(stored)["_id"]
    picked = range(len(ids)) if row_id is None else [i for i, v in enumerate(ids) if v == row_id]
    if row_id is not None:
        stored = [(name, [values[i] for i in picked]) for name, values in stored]
    rows = render_stored(stored, payload["shown"], keys=True)
    plans = [columns for count, columns in payload["runs"] for _ in range(count)]
    return [
        (at, row, [(column, row.get(column["key"]), None) for column in plans[at]])
        for at, row in zip(picked, rows, strict=True)
    ]


def _row_name(payload: Json, row: Json) -> str:
    name = row.get(payload["first"]) if payload["first"] is not None else None
    return name if isinstance(name, str) else "" if name is None else str(name)


def batch_activities(
    payload: Json, first_id: int, op_type: str, row_id: str
) -> list[tuple[int, Json]]:
    """``(activity id, detail)`` of ``row_id``'s changes in a decoded batch, newest first."""
    with_old = op_type != "insert_row"
    found: list[tuple[int, Json]] = []
    for at, row, changes in reversed(payload_entries(payload, row_id)):
        cells: list[Json] = []
        for column, value, old in changes:
            cell = {**_fixed(column, column.get("data")), "value": value}
            cells.append({**cell, "old_value": old} if with_old else cell)
        detail = {
            "table_id": payload["table_id"],
            "table_name": payload["table_name"],
            "row_name": _row_name(payload, row),
            "row_data": cells,
        }
        found.append((first_id + at, detail))
    return found


def row_operation(op_type: str, payloads: Sequence[Json]) -> Json:
    """The log entry of a request's row changes of one kind in one table (its batches)."""
    entries = [entry for payload in payloads for entry in payload_entries(payload)]
    rows = [row for _, row, _ in entries]
    operation: Json = {
        "op_type": _GROUPED[op_type],
        "table_id": payloads[0]["table_id"],
        "row_ids": [row["_id"] for row in rows],
    }
    if op_type == "insert_row":
        operation["row_datas"] = rows
    elif op_type == "modify_row":
        for name, which in (("updated", 1), ("old_rows", 2)):
            operation[name] = {
                row["_id"]: {cell[0]["key"]: cell[which] for cell in changes}
                for _, row, changes in entries
            }
    else:
        operation["deleted_rows"] = rows
    return operation

"""Row batches: the row changes one write logs at once, kept as one JSON text.

A batch holds, per changed row, the row (by column key) and its changed cells with their
columns as of that row. The row
activities (``listRowActivities``) and the operation log (``getBaseActivityLog``, realtime)
are expanded from batches when read, so a write serializes its changes once instead of one
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

__all__ = [
    "BATCH_SCHEMA",
    "ENCODER",
    "Change",
    "RowBatch",
    "RowChange",
    "batch_activities",
    "batch_payload",
    "load_payload",
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
    entries: Sequence[tuple[Json, Sequence[Change]]]
    """(row by column key, its changed cells) per row."""
    live: Mapping[str, Json]
    """The table's columns by key when the batch was written."""

    def changes(self) -> list[RowChange]:
        """One :class:`RowChange` per row; cells carry each column's live ``data``."""
        live = self.live
        fixed: dict[str, Json] = {}
        with_old = self.op_type != "insert_row"
        found: list[RowChange] = []
        for row, cells in self.entries:
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


def batch_payload(
    table: Json, op_type: str, entries: Sequence[tuple[Json, Sequence[Change]]]
) -> bytes:
    """The stored form of a batch: ``{table_id, table_name, first, rows}``, ``first`` the key
    of the column that names a row, ``rows`` the entries as given. Nothing is done per row:
    marshal writes a column shared by many cells once."""
    payload = {
        "table_id": table["_id"],
        "table_name": table["name"],
        "first": table["columns"][0]["key"] if table["columns"] else None,
        "rows": entries,
    }
    try:
        return marshal.dumps(payload)
    except ValueError:  # a value that is not plain data: stored as its JSON would be
        return marshal.dumps(json.loads(ENCODER.encode(payload)))


def load_payload(stored: bytes) -> Json:
    """A batch as :func:`batch_payload` stored it."""
    payload: Json = marshal.loads(stored)
    return payload


def _row_name(payload: Json, row: Json) -> str:
    name = row.get(payload["first"]) if payload["first"] is not None else None
    return name if isinstance(name, str) else "" if name is None else str(name)


def batch_activities(
    payload: Json, first_id: int, op_type: str, row_id: str
) -> list[tuple[int, Json]]:
    """``(activity id, detail)`` of ``row_id``'s changes in a decoded batch, newest first."""
    with_old = op_type != "insert_row"
    found: list[tuple[int, Json]] = []
    rows = payload["rows"]
    for at in range(len(rows) - 1, -1, -1):
        row, changes = rows[at]
        if row["_id"] != row_id:
            continue
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
    rows = [row for payload in payloads for row, _ in payload["rows"]]
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
                for payload in payloads
                for row, changes in payload["rows"]
            }
    else:
        operation["deleted_rows"] = rows
    return operation

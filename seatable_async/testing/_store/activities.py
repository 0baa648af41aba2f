"""Row activities: one record per inserted, modified or deleted row (``listRowActivities``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

from ._core import Base, Json
from .operations import OperationLog, RowChange

__all__ = ["ActivityStore"]

_DETAIL = json.JSONEncoder(default=str)
"""Encodes an activity's detail (``json.dumps(detail, default=str)``, built once)."""

_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring_ascii,
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}
"""How :data:`_DETAIL` writes these exact types, without a call into the encoder."""


def _json(value: object) -> str:
    """``_DETAIL.encode(value)``; a list of strings (select cells) without the encoder too."""
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    if type(value) is list and all(type(item) is str for item in value):
        return f"[{', '.join(map(encode_basestring_ascii, value))}]"
    return _DETAIL.encode(value)


class _DetailText:
    """The text ``_DETAIL.encode(detail)`` of activity details of one table, built from
    pieces: each column's fixed part is encoded once, each value on its own."""

    def __init__(self, table: Json, *, with_old: bool) -> None:
        self._head = (
            f'{{"table_id": {_json(table["_id"])}, "table_name": {_json(table["name"])},'
            ' "row_name": '
        )
        self._with_old = with_old
        self._columns: dict[int, tuple[Json, str]] = {}
        """id(column) → (column, its text up to the value); the column is kept alive so its
        id is not reused."""

    def _column(self, column: Json) -> str:
        known = self._columns.get(id(column))
        if known is None:
            fixed = {
                "column_key": column["key"],
                "column_name": column["name"],
                "column_type": column["type"],
                "column_data": column.get("data") or {},
            }
            known = self._columns[id(column)] = (column, f'{_DETAIL.encode(fixed)[:-1]}, "value": ')
        return known[1]

    def text(self, row_name: str, changes: Sequence[tuple[Json, object, object]]) -> str:
        """The detail of one row: its name and the ``(column, value, old value)`` changes."""
        if self._with_old:
            cells = [
                f'{self._column(column)}{_json(value)}, "old_value": {_json(old)}}}'
                for column, value, old in changes
            ]
        else:
            cells = [f"{self._column(column)}{_json(value)}}}" for column, value, _ in changes]
        return f'{self._head}{_json(row_name)}, "row_data": [{", ".join(cells)}]}}'


class _JournalCells:
    """The ``row_data`` cells the operation log journals for a row: what the activity's detail
    holds, with each column's live ``data`` (not a copy as of the row)."""

    def __init__(self, table: Json, *, with_old: bool) -> None:
        self._with_old = with_old
        self._live = {column["key"]: column for column in table["columns"]}
        self._fixed: dict[str, Json] = {}

    def _column(self, column: Json) -> Json:
        key = column["key"]
        fixed = self._fixed.get(key)
        if fixed is None:
            live = self._live.get(key, column)
            fixed = self._fixed[key] = {
                "column_key": key,
                "column_name": column["name"],
                "column_type": column["type"],
                "column_data": live.get("data") or {},
            }
        return fixed

    def row_data(self, changes: Sequence[tuple[Json, object, object]]) -> list[Json]:
        """One ``{column_key, column_name, column_type, column_data, value[, old_value]}`` per
        change."""
        if self._with_old:
            return [
                {**self._column(column), "value": value, "old_value": old}
                for column, value, old in changes
            ]
        return [{**self._column(column), "value": value} for column, value, _ in changes]


class ActivityStore(OperationLog):
    """The activity log of a base's rows, newest first."""

    def log_row_activity(
        self,
        base: Base,
        table: Json,
        op_type: str,
        user: str,
        row: Json,
        changes: Sequence[tuple[Json, object, object]],
    ) -> None:
        """Record ``op_type`` on ``row`` (as rendered by column key) with its
        ``(column, value, old value)`` changes."""
        self.log_row_activities(base, table, op_type, user, [(row, changes)])

    def log_row_activities(
        self,
        base: Base,
        table: Json,
        op_type: str,
        user: str,
        entries: Iterable[tuple[Json, Sequence[tuple[Json, object, object]]]],
    ) -> None:
        """Record ``op_type`` on many rows at once: (row, changes) as :meth:`log_row_activity`."""
        first = table["columns"][0]["key"] if table["columns"] else None
        details = _DetailText(table, with_old=op_type != "insert_row")
        cells = _JournalCells(table, with_old=op_type != "insert_row")
        now = self.now()
        op_time = self._clock().timestamp()
        records = []
        for row, changes in entries:
            name = row.get(first) if first is not None else None
            row_name = name if isinstance(name, str) else "" if name is None else str(name)
            detail = details.text(row_name, changes)
            records.append((base.uuid, row["_id"], user, op_type, now, detail))
            row_data = cells.row_data(changes)
            change = RowChange(
                base.uuid, table["_id"], table["name"], op_type, user, row, row_data, op_time
            )
            self.journal_row(change)
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO emu_activities (base_uuid, row_id, op_user, op_type, op_time, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                records,
            )

    def row_activities(self, base: Base, row_id: str, offset: int, limit: int) -> Json:
        """One page of a row's activities, newest first, with their ``total_count``."""
        with self._lock:
            total = self._db.execute(
                "SELECT COUNT(*) FROM emu_activities WHERE base_uuid = ? AND row_id = ?",
                (base.uuid, row_id),
            ).fetchone()[0]
            records = self._db.execute(
                "SELECT * FROM emu_activities WHERE base_uuid = ? AND row_id = ?"
                " ORDER BY id DESC LIMIT ? OFFSET ?",
                (base.uuid, row_id, limit, offset),
            ).fetchall()
        activities = [
            {
                "id": r["id"],
                "dtable_uuid": base.uuid,
                "row_id": r["row_id"],
                "op_user": r["op_user"],
                "op_type": r["op_type"],
                "op_time": r["op_time"],
                "detail": json.loads(r["detail"]),
            }
            for r in records
        ]
        return {"activities": activities, "total_count": total}

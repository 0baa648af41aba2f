"""The base operation log (``getBaseActivityLog``): one entry per successful write request.

Row changes and schema operations are journaled while a transaction runs and written with one
``executemany`` just before the outermost unit commits, so a rolled-back request logs nothing.
Once committed, the journal's row changes go to the commit listeners (webhook delivery).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._core import Base, Json, StoreCore

__all__ = ["OPERATIONS_PER_PAGE", "CommitListener", "OperationLog", "RowChange"]

OPERATIONS_PER_PAGE = 25
"""Entries one page of ``getBaseActivityLog`` holds (the spec names no size)."""

_SCHEMA = """CREATE TABLE IF NOT EXISTS emu_operations (
    op_id INTEGER PRIMARY KEY, base_uuid TEXT NOT NULL, author TEXT NOT NULL, app TEXT,
    op_time INTEGER NOT NULL, operation TEXT NOT NULL)"""
_GROUPED = {"insert_row": "insert_rows", "modify_row": "modify_rows", "delete_row": "delete_rows"}
"""A row change's kind → the kind of the one entry that logs a request's changes of that kind."""


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
    """``{column_key, column_name, column_type, value, old_value}`` per changed cell."""
    op_time: float


CommitListener = Callable[[Sequence[RowChange]], None]
"""Called after a transaction that changed rows committed, with its changes in order."""


@dataclass
class _Journal:
    rows: list[RowChange] = field(default_factory=list)
    operations: list[tuple[str, str, Json]] = field(default_factory=list)
    """``(base uuid, author, operation)`` of schema writes."""


class OperationLog(StoreCore):
    """Journals a transaction's changes and logs them as base operations when it commits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._journal = _Journal()
        self.commit_listeners: list[CommitListener] = []
        super().__init__(*args, **kwargs)
        self._db.execute(_SCHEMA)

    def journal_row(self, change: RowChange) -> None:
        """Note a row change of the transaction in progress."""
        self._journal.rows.append(change)

    def journal_operation(self, base: Base, author: str, operation: Json) -> None:
        """Note a schema operation (``op_type`` and its fields) of the transaction in progress."""
        self._journal.operations.append((base.uuid, author, operation))

    def _before_commit(self, db: sqlite3.Connection) -> None:
        """Write the journal as log entries: a request's row changes of one kind and table
        make one entry, as SeaTable logs a batch."""
        journal = self._journal
        entries: list[tuple[str, str, Json]] = list(journal.operations)
        groups: dict[tuple[str, str, str], list[RowChange]] = {}
        for change in journal.rows:
            key = (change.base_uuid, change.table_id, change.op_type)
            groups.setdefault(key, []).append(change)
        entries.extend(
            (base_uuid, changes[0].user, _row_operation(table_id, op_type, changes))
            for (base_uuid, table_id, op_type), changes in groups.items()
        )
        if entries:
            stamp = int(self._clock().timestamp() * 1000)
            db.executemany(
                "INSERT INTO emu_operations (base_uuid, author, op_time, operation)"
                " VALUES (?, ?, ?, ?)",
                [
                    (uuid, author, stamp, json.dumps(op, default=str))
                    for uuid, author, op in entries
                ],
            )

    def _after_commit(self) -> None:
        """Hand the committed row changes to the listeners; the journal starts afresh."""
        rows = self._journal.rows
        self._discard_journal()
        if rows:
            for listener in self.commit_listeners:
                listener(rows)

    def _discard_journal(self) -> None:
        self._journal = _Journal()

    def base_operations(self, base: Base, page: int) -> Json:
        """One page of the base's operation log, newest first."""
        with self._lock:
            records = self._db.execute(
                "SELECT * FROM emu_operations WHERE base_uuid = ? ORDER BY op_id DESC"
                " LIMIT ? OFFSET ?",
                (base.uuid, OPERATIONS_PER_PAGE, (page - 1) * OPERATIONS_PER_PAGE),
            ).fetchall()
        return {
            "operations": [
                {
                    "author": r["author"],
                    "app": r["app"],
                    "op_time": r["op_time"],
                    "operation": r["operation"],
                    "op_id": r["op_id"],
                }
                for r in records
            ]
        }

    def operations_after(self, base_uuid: str, op_id: int) -> list[tuple[int, Json]]:
        """The base's ``(op_id, operation)`` entries after ``op_id``, oldest first (the
        realtime channel broadcasts them)."""
        with self._lock:
            records = self._db.execute(
                "SELECT op_id, operation FROM emu_operations WHERE base_uuid = ? AND op_id > ?"
                " ORDER BY op_id",
                (base_uuid, op_id),
            ).fetchall()
        return [(r["op_id"], json.loads(r["operation"])) for r in records]

    def last_op_id(self, base_uuid: str) -> int:
        """The op id of the base's newest entry (0 before the first)."""
        with self._lock:
            row = self._db.execute(
                "SELECT MAX(op_id) FROM emu_operations WHERE base_uuid = ?", (base_uuid,)
            ).fetchone()
        return int(row[0] or 0)


def _row_operation(table_id: str, op_type: str, changes: Sequence[RowChange]) -> Json:
    """The log entry of a request's row changes of one kind in one table."""
    row_ids = [change.row["_id"] for change in changes]
    operation: Json = {"op_type": _GROUPED[op_type], "table_id": table_id, "row_ids": row_ids}
    if op_type == "insert_row":
        operation["row_datas"] = [change.row for change in changes]
    elif op_type == "modify_row":
        operation["updated"] = {_id(c): _cells(c, "value") for c in changes}
        operation["old_rows"] = {_id(c): _cells(c, "old_value") for c in changes}
    else:
        operation["deleted_rows"] = [change.row for change in changes]
    return operation


def _id(change: RowChange) -> str:
    row_id: str = change.row["_id"]
    return row_id


def _cells(change: RowChange, which: str) -> dict[str, Any]:
    return {cell["column_key"]: cell.get(which) for cell in change.row_data}

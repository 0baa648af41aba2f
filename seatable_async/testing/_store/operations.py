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
from .batches import BATCH_SCHEMA, ENCODER, RowBatch, RowChange, load_payload, row_operation

__all__ = ["OPERATIONS_PER_PAGE", "CommitListener", "OperationLog", "RowBatch", "RowChange"]

OPERATIONS_PER_PAGE = 25
"""Entries one page of ``getBaseActivityLog`` holds (the spec names no size)."""

_SCHEMA = """CREATE TABLE IF NOT EXISTS emu_operations (
    op_id INTEGER PRIMARY KEY, base_uuid TEXT NOT NULL, author TEXT NOT NULL, app TEXT,
    op_time INTEGER NOT NULL, operation TEXT NOT NULL, batches TEXT)"""
"""A row entry's ``operation`` is empty and ``batches`` lists the row batches it is made of."""

CommitListener = Callable[[Sequence[RowBatch]], None]
"""Called after a transaction that changed rows committed, with its row batches in order."""


@dataclass
class _Journal:
    rows: list[RowBatch] = field(default_factory=list)
    operations: list[tuple[str, str, Json]] = field(default_factory=list)
    """``(base uuid, author, operation)`` of schema writes."""


class OperationLog(StoreCore):
    """Journals a transaction's changes and logs them as base operations when it commits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._journal = _Journal()
        self.commit_listeners: list[CommitListener] = []
        super().__init__(*args, **kwargs)
        self._db.execute(_SCHEMA)
        self._db.execute(BATCH_SCHEMA)
        known = {column[1] for column in self._db.execute("PRAGMA table_info(emu_operations)")}
        if "batches" not in known:  # a database file of an older emulator
            self._db.execute("ALTER TABLE emu_operations ADD COLUMN batches TEXT")

    def journal_rows(self, batch: RowBatch) -> None:
        """Note a row batch of the transaction in progress (it is already written)."""
        self._journal.rows.append(batch)

    def journal_operation(self, base: Base, author: str, operation: Json) -> None:
        """Note a schema operation (``op_type`` and its fields) of the transaction in progress."""
        self._journal.operations.append((base.uuid, author, operation))

    def _before_commit(self, db: sqlite3.Connection) -> None:
        """Write the journal as log entries: a request's row batches of one kind and table
        make one entry, as SeaTable logs a batch."""
        journal = self._journal
        entries: list[tuple[str, str, str, str | None]] = [
            (uuid, author, ENCODER.encode(op), None) for uuid, author, op in journal.operations
        ]
        groups: dict[tuple[str, str, str], list[RowBatch]] = {}
        for batch in journal.rows:
            key = (batch.base_uuid, batch.table["_id"], batch.op_type)
            groups.setdefault(key, []).append(batch)
        entries.extend(
            (batches[0].base_uuid, batches[0].user, "", json.dumps([b.batch_id for b in batches]))
            for batches in groups.values()
        )
        if entries:
            stamp = int(self._clock().timestamp() * 1000)
            db.executemany(
                "INSERT INTO emu_operations (base_uuid, author, op_time, operation, batches)"
                " VALUES (?, ?, ?, ?, ?)",
                [(uuid, author, stamp, text, batches) for uuid, author, text, batches in entries],
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
                    "operation": self._operation_text(r),
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
                "SELECT op_id, operation, batches FROM emu_operations"
                " WHERE base_uuid = ? AND op_id > ? ORDER BY op_id",
                (base_uuid, op_id),
            ).fetchall()
            return [(r["op_id"], self._operation(r)) for r in records]

    def _operation_text(self, record: sqlite3.Row) -> str:
        """A log entry's operation as JSON text (``getBaseActivityLog`` answers the text)."""
        if record["batches"] is None:
            text: str = record["operation"]
            return text
        return ENCODER.encode(self._operation(record))

    def _operation(self, record: sqlite3.Row) -> Json:
        """A log entry's operation; a row entry's expanded from its batches."""
        if record["batches"] is None:
            operation: Json = json.loads(record["operation"])
            return operation
        ids = json.loads(record["batches"])
        with self._lock:
            batches = self._db.execute(
                "SELECT op_type, payload FROM emu_row_batches"
                f" WHERE id IN ({', '.join('?' for _ in ids)}) ORDER BY id",
                ids,
            ).fetchall()
        if not batches:  # its base was deleted with its batches
            return {}
        payloads = [load_payload(b["payload"]) for b in batches]
        return row_operation(batches[0]["op_type"], payloads)

    def last_op_id(self, base_uuid: str) -> int:
        """The op id of the base's newest entry (0 before the first)."""
        with self._lock:
            row = self._db.execute(
                "SELECT MAX(op_id) FROM emu_operations WHERE base_uuid = ?", (base_uuid,)
            ).fetchone()
        return int(row[0] or 0)

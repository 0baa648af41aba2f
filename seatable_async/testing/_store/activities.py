"""Row activities: one record per inserted, modified or deleted row (``listRowActivities``),
stored as row batches (see ``batches``) and expanded when read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ._core import Base, Json
from .batches import (
    Change,
    RowBatch,
    Run,
    batch_activities,
    batch_payload,
    encode_payload,
    inserted_payload,
    load_payload,
)
from .operations import OperationLog
from .render import Stored

__all__ = ["ActivityStore"]


class ActivityStore(OperationLog):
    """The activity log of a base's rows, newest first."""

    def log_row_activity(
        self,
        base: Base,
        table: Json,
        op_type: str,
        user: str,
        row: Json,
        changes: Sequence[Change],
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
        entries: Iterable[tuple[Json, Sequence[Change]]],
    ) -> None:
        """Record ``op_type`` on many rows at once (one batch): (row, changes) as
        :meth:`log_row_activity`."""
        listed = list(entries)
        if listed:
            self._log_batch(base, table, op_type, user, batch_payload(table, listed), len(listed))

    def log_inserted_rows(
        self, base: Base, table: Json, user: str, stored: Stored, runs: Sequence[Run]
    ) -> None:
        """Record the insertion of rows written as ``stored`` (column by column), each run of
        them with the columns it wrote; they are rendered when read."""
        count = sum(rows for rows, _ in runs)
        if count:
            payload = inserted_payload(table, stored, runs)
            self._log_batch(base, table, "insert_row", user, payload, count)

    def _log_batch(
        self, base: Base, table: Json, op_type: str, user: str, payload: Json, count: int
    ) -> None:
        """Store one batch of ``count`` row changes and journal it for the commit."""
        now = self.now()
        op_time = self._clock().timestamp()
        with self.transaction() as db:
            last = db.execute(
                "SELECT first_id + count FROM emu_row_batches ORDER BY id DESC LIMIT 1"
            ).fetchone()
            cursor = db.execute(
                "INSERT INTO emu_row_batches"
                " (base_uuid, first_id, count, op_user, op_type, op_time, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    base.uuid,
                    last[0] if last else 1,
                    count,
                    user,
                    op_type,
                    now,
                    encode_payload(payload),
                ),
            )
            live = {column["key"]: column for column in table["columns"]}
            batch_id = int(cursor.lastrowid or 0)
            self.journal_rows(
                RowBatch(batch_id, base.uuid, table, op_type, user, op_time, payload, live)
            )

    def row_activities(self, base: Base, row_id: str, offset: int, limit: int) -> Json:
        """One page of a row's activities, newest first, with their ``total_count``."""
        with self._lock:
            records = self._db.execute(
                "SELECT first_id, op_user, op_type, op_time, payload FROM emu_row_batches"
                " WHERE base_uuid = ? AND instr(payload, ?) > 0 ORDER BY id DESC",
                (base.uuid, row_id.encode()),
            ).fetchall()
        activities = [
            {
                "id": activity_id,
                "dtable_uuid": base.uuid,
                "row_id": row_id,
                "op_user": r["op_user"],
                "op_type": r["op_type"],
                "op_time": r["op_time"],
                "detail": detail,
            }
            for r in records
            for activity_id, detail in batch_activities(
                load_payload(r["payload"]), r["first_id"], r["op_type"], row_id
            )
        ]
        return {"activities": activities[offset : offset + limit], "total_count": len(activities)}

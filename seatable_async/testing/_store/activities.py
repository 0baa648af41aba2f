"""Row activities: one record per inserted, modified or deleted row (``listRowActivities``),
stored as row batches (see ``batches``) and expanded when read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ._core import Base, Json
from .batches import Change, RowBatch, batch_activities, batch_payload, load_payload
from .operations import OperationLog

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
        if not listed:
            return
        payload = batch_payload(table, op_type, listed)
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
                (base.uuid, last[0] if last else 1, len(listed), user, op_type, now, payload),
            )
            live = {column["key"]: column for column in table["columns"]}
            batch_id = int(cursor.lastrowid or 0)
            self.journal_rows(
                RowBatch(batch_id, base.uuid, table, op_type, user, op_time, listed, live)
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

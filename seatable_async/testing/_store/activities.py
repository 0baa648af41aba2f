"""Row activities: one record per inserted, modified or deleted row (``listRowActivities``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from ._core import Base, Json, StoreCore

__all__ = ["ActivityStore"]

_DETAIL = json.JSONEncoder(default=str)
"""Encodes an activity's detail (``json.dumps(detail, default=str)``, built once)."""


class ActivityStore(StoreCore):
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
        with_old = op_type != "insert_row"
        records = []
        for row, changes in entries:
            name = row.get(first) if first is not None else None
            detail = {
                "table_id": table["_id"],
                "table_name": table["name"],
                "row_name": name if isinstance(name, str) else "" if name is None else str(name),
                "row_data": [
                    {
                        "column_key": column["key"],
                        "column_name": column["name"],
                        "column_type": column["type"],
                        "column_data": column.get("data") or {},
                        "value": value,
                        **({"old_value": old} if with_old else {}),
                    }
                    for column, value, old in changes
                ],
            }
            records.append(
                (base.uuid, row["_id"], user, op_type, self.now(), _DETAIL.encode(detail))
            )
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

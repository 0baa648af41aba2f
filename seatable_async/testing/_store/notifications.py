"""Base notifications (one user's, per base)."""

from __future__ import annotations

import json
from typing import Any

from ._core import Base, Json, StoreCore

__all__ = ["NotificationStore"]


class NotificationStore(StoreCore):
    """Notifications of a base, e.g. a row comment for a collaborator."""

    def add_notification(
        self, base: Base, username: str, msg_type: str, detail: dict[str, Any]
    ) -> int:
        """Store an unseen notification; returns its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO emu_notifications (base_uuid, username, msg_type, detail, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (base.uuid, username, msg_type, json.dumps(detail), self.now()),
            )
            return int(cursor.lastrowid or 0)

    def notifications(self, base: Base) -> list[Json]:
        """The base's notifications, newest first, in SeaTable's shape."""
        with self._lock:
            records = self._db.execute(
                "SELECT * FROM emu_notifications WHERE base_uuid = ? ORDER BY id DESC",
                (base.uuid,),
            ).fetchall()
        return [
            {
                "id": r["id"],
                "username": r["username"],
                "msg_type": r["msg_type"],
                "created_at": r["created_at"],
                "detail": json.loads(r["detail"]),
                "seen": r["seen"],
            }
            for r in records
        ]

    def mark_notifications(self, base: Base, seen: bool, notification_id: int | None = None) -> int:
        """Set ``seen`` on one notification (or all); how many there were."""
        query = "UPDATE emu_notifications SET seen = ? WHERE base_uuid = ?"
        params: list[object] = [int(seen), base.uuid]
        if notification_id is not None:
            query += " AND id = ?"
            params.append(notification_id)
        with self.transaction() as db:
            return db.execute(query, params).rowcount

    def delete_notifications(self, base: Base) -> None:
        """Delete every notification of the base."""
        with self.transaction() as db:
            db.execute("DELETE FROM emu_notifications WHERE base_uuid = ?", (base.uuid,))

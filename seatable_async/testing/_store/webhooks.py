"""Webhooks registered on bases (``listWebhooks`` and friends); the emulator delivers them."""

from __future__ import annotations

from typing import Any

from ._core import Base, Json, StoreCore

__all__ = ["WebhookStore"]

_SCHEMA = """CREATE TABLE IF NOT EXISTS emu_webhooks (
    id INTEGER PRIMARY KEY, base_uuid TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL,
    creator TEXT NOT NULL, created_at TEXT NOT NULL)"""


class WebhookStore(StoreCore):
    """Each base's webhooks: a URL and the secret its deliveries are signed with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._db.execute(_SCHEMA)

    def add_webhook(self, base: Base, url: str, secret: str, creator: str) -> Json:
        """Register a webhook; returns it in the ``Webhook`` shape."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO emu_webhooks (base_uuid, url, secret, creator, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (base.uuid, url, secret, creator, self.now()),
            )
        found = self.webhook(base, int(cursor.lastrowid or 0))
        assert found is not None
        return found

    def webhooks(self, base_uuid: str) -> list[Json]:
        """A base's webhooks, oldest first."""
        with self._lock:
            records = self._db.execute(
                "SELECT * FROM emu_webhooks WHERE base_uuid = ? ORDER BY id", (base_uuid,)
            ).fetchall()
        return [
            {
                "id": r["id"],
                "dtable_uuid": r["base_uuid"],
                "url": r["url"],
                "creator": r["creator"],
                "created_at": r["created_at"],
                "settings": {"secret": r["secret"]},
            }
            for r in records
        ]

    def webhook(self, base: Base, webhook_id: int) -> Json | None:
        return next((w for w in self.webhooks(base.uuid) if w["id"] == webhook_id), None)

    def update_webhook(self, base: Base, webhook_id: int, url: str, secret: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE emu_webhooks SET url = ?, secret = ? WHERE base_uuid = ? AND id = ?",
                (url, secret, base.uuid, webhook_id),
            )

    def delete_webhook(self, base: Base, webhook_id: int) -> bool:
        """Remove a webhook; False if there was none."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM emu_webhooks WHERE base_uuid = ? AND id = ?", (base.uuid, webhook_id)
            )
            return cursor.rowcount > 0

"""Assets: uploaded files by asset path."""

from __future__ import annotations

from ._core import Base, StoreCore

__all__ = ["AssetStore"]


class AssetStore(StoreCore):
    """Uploaded files of a base, by asset path."""

    def put_asset(self, base: Base, path: str, content: bytes) -> None:
        """Store an uploaded file under its asset path (``files/2024-01/a.txt``)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO emu_assets VALUES (?, ?, ?)", (base.uuid, path, content)
            )

    def asset(self, base: Base, path: str) -> bytes | None:
        """The content of an asset, if it exists."""
        with self._lock:
            found = self._db.execute(
                "SELECT content FROM emu_assets WHERE base_uuid = ? AND path = ?", (base.uuid, path)
            ).fetchone()
        return None if found is None else bytes(found["content"])

    def delete_asset(self, base: Base, path: str) -> bool:
        """Delete an asset; False if it did not exist."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM emu_assets WHERE base_uuid = ? AND path = ?", (base.uuid, path)
            )
            return cursor.rowcount > 0

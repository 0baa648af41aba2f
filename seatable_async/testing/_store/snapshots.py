"""Base snapshots: when each was taken and what the base held then (as a fingerprint)."""

from __future__ import annotations

import hashlib
import json

from ._core import Base, Json
from .rows import RowStore

__all__ = ["SNAPSHOT_INTERVAL", "SnapshotStore"]

SNAPSHOT_INTERVAL = 600.0
"""Seconds that must pass between two snapshots of a base (reference section 14)."""


class SnapshotStore(RowStore):
    """Snapshots of a base; a new one needs time and a change since the last one."""

    def fingerprint(self, base: Base) -> str:
        """A digest of the base's schema, rows and links: equal digests, unchanged base."""
        digest = hashlib.sha256(json.dumps(base.metadata, sort_keys=True).encode())
        with self._lock:
            for table in base.tables:
                for record in self.select(base, table):
                    digest.update(json.dumps(dict(record), sort_keys=True, default=str).encode())
            links = self._db.execute(
                "SELECT link_id, row_id, other_row_id FROM emu_links WHERE base_uuid = ?"
                " ORDER BY seq",
                (base.uuid,),
            ).fetchall()
        digest.update(json.dumps([tuple(link) for link in links]).encode())
        return digest.hexdigest()

    def last_snapshot(self, base: Base) -> Json | None:
        """The base's newest snapshot (with its ``fingerprint``), if any."""
        with self._lock:
            record = self._db.execute(
                "SELECT * FROM emu_snapshots WHERE base_uuid = ? ORDER BY seq DESC LIMIT 1",
                (base.uuid,),
            ).fetchone()
        return None if record is None else dict(record)

    def add_snapshot(self, base: Base, commit_id: str, ctime: int, fingerprint: str) -> Json:
        """Record a snapshot; returns it as ``createSnapshot`` shows it."""
        name = f"{base.name}.dtable"
        with self.transaction() as db:
            db.execute(
                "INSERT INTO emu_snapshots (base_uuid, dtable_name, commit_id, ctime, fingerprint)"
                " VALUES (?, ?, ?, ?, ?)",
                (base.uuid, name, commit_id, ctime, fingerprint),
            )
        return {
            "dtable_uuid": base.uuid,
            "dtable_name": name,
            "commit_id": commit_id,
            "ctime": ctime,
        }

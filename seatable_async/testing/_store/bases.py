"""Bases and their API tokens."""

from __future__ import annotations

import uuid as uuid_module

from ._core import Base, Json
from .schema import SchemaStore

__all__ = ["BaseStore"]


def _base_settings() -> Json:
    flags = {"can_copy": False, "can_export": False, "can_print": False}
    return {"securities": {"table_settings": dict(flags), "share_user_settings": dict(flags)}}


class BaseStore(SchemaStore):
    """Bases (created with SeaTable's first table) and their API tokens."""

    def create_base(self, name: str, workspace_id: int, *, empty_rows: int = 0) -> Base:
        """Create a base like SeaTable does: Table1 with a text column Name and a Default View."""
        with self.transaction() as db:
            num = 1 + max((b.num for b in self._bases.values()), default=0)
            base = Base(
                str(uuid_module.UUID(bytes=self._rng.randbytes(16), version=4)),
                num,
                name,
                workspace_id,
                self.now(),
                {"tables": [], "version": 1, "format_version": 7, "settings": _base_settings()},
            )
            self._bases[base.uuid] = base
            db.execute(
                "INSERT INTO emu_bases VALUES (?, ?, ?, ?, ?, ?)",
                (base.uuid, num, name, workspace_id, base.created_at, "{}"),
            )
            table = self.create_table(base, "Table1", None, first_ids=True)
            if empty_rows:
                self.append_rows(base, table, [{}] * empty_rows, user="")
            self.save(base)
            return base

    def delete_base(self, base: Base) -> None:
        """Drop a base with all its tables, links, tokens and assets."""
        with self.transaction() as db:
            for table in base.tables:
                db.execute(f"DROP TABLE IF EXISTS {self.sqlite_table(base, table)}")
            for internal in (
                "emu_links",
                "emu_api_tokens",
                "emu_assets",
                "emu_comments",
                "emu_notifications",
                "emu_snapshots",
                "emu_row_batches",
            ):
                db.execute(f"DELETE FROM {internal} WHERE base_uuid = ?", (base.uuid,))
            db.execute("DELETE FROM emu_bases WHERE uuid = ?", (base.uuid,))
            del self._bases[base.uuid]

    def add_api_token(
        self, base: Base, token: str, app_name: str, permission: str, generated_by: str
    ) -> Json:
        """Register an API token for ``base``."""
        record = {
            "app_name": app_name,
            "api_token": token,
            "generated_by": generated_by,
            "generated_at": self.now(),
            "last_access": self.now(),
            "permission": permission,
        }
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO emu_api_tokens VALUES (?, ?, ?, ?, ?, ?)",
                (token, base.uuid, app_name, permission, generated_by, record["generated_at"]),
            )
        return record

    def api_tokens(self, base: Base) -> list[Json]:
        """API tokens of ``base`` in the ``ApiToken`` shape."""
        with self._lock:
            records = self._db.execute(
                "SELECT * FROM emu_api_tokens WHERE base_uuid = ? ORDER BY generated_at",
                (base.uuid,),
            ).fetchall()
        return [
            {
                "app_name": r["app_name"],
                "api_token": r["token"],
                "generated_by": r["generated_by"],
                "generated_at": r["generated_at"],
                "last_access": r["generated_at"],
                "permission": r["permission"],
            }
            for r in records
        ]

    def api_token(self, token: str) -> tuple[Base, str, str] | None:
        """(base, app_name, permission) for a registered API token."""
        with self._lock:
            record = self._db.execute(
                "SELECT * FROM emu_api_tokens WHERE token = ?", (token,)
            ).fetchone()
            if record is None or record["base_uuid"] not in self._bases:
                return None
            return self._bases[record["base_uuid"]], record["app_name"], record["permission"]

    def delete_api_token(self, base: Base, app_name: str) -> bool:
        """Remove the API token called ``app_name``; False if there was none."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM emu_api_tokens WHERE base_uuid = ? AND app_name = ?",
                (base.uuid, app_name),
            )
            return cursor.rowcount > 0

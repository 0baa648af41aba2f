"""Row links: the ``emu_links`` pairs behind link columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._cells import column_source, decode_cell
from ._core import Base, Json, StoreCore

__all__ = ["LINK_CELL_MAX", "LinkStore"]

LINK_CELL_MAX = 50
"""Link cells show at most 50 linked rows in rows/SQL output (SeaTable >= 5.3)."""


class LinkStore(StoreCore):
    """Row links: reading and writing the pairs of a link column."""

    def link_sides(self, base: Base, table: Json, link: Mapping[str, Any]) -> tuple[Json, bool]:
        """(other table, whether ``table`` is the link's own side) for a link column's data."""
        own = table["_id"] == link["table_id"]
        other_id = link["other_table_id"] if own else link["table_id"]
        return self.table(base, table_id=other_id), own

    def linked(
        self,
        base: Base,
        table: Json,
        column: Json,
        row_ids: Sequence[str],
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> dict[str, list[Json]]:
        """``{row_id: [{"row_id", "display_value"}]}`` for one link column, ordered by ctime."""
        link = column["data"]
        other, own = self.link_sides(base, table, link)
        mine, theirs = ("row_id", "other_row_id") if own else ("other_row_id", "row_id")
        display = other["columns"][0] if other["columns"] else None
        result: dict[str, list[Json]] = {row_id: [] for row_id in row_ids}
        if not row_ids:
            return result
        with self._lock:
            for row_id in row_ids:
                query = (
                    f"SELECT l.{theirs} AS target, o.* FROM emu_links AS l "
                    f"JOIN {self.sqlite_table(base, other)} AS o ON o._id = l.{theirs} "
                    f"WHERE l.base_uuid = ? AND l.link_id = ? AND l.{mine} = ? "
                    "ORDER BY o._ctime, l.seq LIMIT ? OFFSET ?"
                )
                params = (
                    base.uuid,
                    link["link_id"],
                    row_id,
                    -1 if limit is None else limit,
                    offset,
                )
                records = self._db.execute(query, params).fetchall()
                result[row_id] = [
                    {
                        "row_id": r["target"],
                        "display_value": (
                            decode_cell(r[column_source(display)], display) if display else None
                        ),
                    }
                    for r in records
                ]
        return result

    def set_links(
        self,
        base: Base,
        table: Json,
        link: Mapping[str, Any],
        mapping: Mapping[str, Sequence[str]],
        *,
        mode: str,
    ) -> int:
        """Create (``add``), replace (``replace``) or remove (``remove``) row links."""
        own = table["_id"] == link["table_id"]
        count = 0
        with self.transaction() as db:
            for row_id, others in mapping.items():
                pairs = [(row_id, o) if own else (o, row_id) for o in others]
                if mode == "replace":
                    side = "row_id" if own else "other_row_id"
                    db.execute(
                        f"DELETE FROM emu_links WHERE base_uuid = ? AND link_id = ? AND {side} = ?",
                        (base.uuid, link["link_id"], row_id),
                    )
                for left, right in pairs:
                    params = (base.uuid, link["link_id"], left, right)
                    if mode == "remove":
                        db.execute(
                            "DELETE FROM emu_links WHERE base_uuid = ? AND link_id = ?"
                            " AND row_id = ? AND other_row_id = ?",
                            params,
                        )
                        count += 1
                    else:
                        count += db.execute(
                            "INSERT OR IGNORE INTO emu_links (base_uuid, link_id, row_id,"
                            " other_row_id) VALUES (?, ?, ?, ?)",
                            params,
                        ).rowcount
        return count

"""Row comments."""

from __future__ import annotations

from ._core import Base, Json, StoreCore

__all__ = ["CommentStore"]


class CommentStore(StoreCore):
    """Row comments of a base."""

    def add_comment(self, base: Base, row_id: str, author: str, comment: str) -> int:
        """Store a row comment; returns its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO emu_comments (base_uuid, row_id, author, comment, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (base.uuid, row_id, author, comment, self.now()),
            )
            return int(cursor.lastrowid or 0)

    def comments(
        self,
        base: Base,
        *,
        row_id: str | None = None,
        comment_id: int | None = None,
        since: str | None = None,
    ) -> list[Json]:
        """Row comments of a base, oldest first, in SeaTable's comment shape."""
        clauses: list[str] = ["base_uuid = ?"]
        params: list[object] = [base.uuid]
        for clause, value in (
            ("row_id = ?", row_id),
            ("id = ?", comment_id),
            ("created_at >= ?", since),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        query = f"SELECT * FROM emu_comments WHERE {' AND '.join(clauses)} ORDER BY id"
        with self._lock:
            records = self._db.execute(query, params).fetchall()
        return [
            {
                "id": r["id"],
                "author": r["author"],
                "comment": r["comment"],
                "dtable_uuid": base.uuid,
                "row_id": r["row_id"],
                "created_at": r["created_at"],
                "updated_at": r["created_at"],
                "resolved": r["resolved"],
            }
            for r in records
        ]

    def delete_comment(self, base: Base, comment_id: int) -> bool:
        """Delete a comment; False if there was none."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM emu_comments WHERE base_uuid = ? AND id = ?", (base.uuid, comment_id)
            )
            return cursor.rowcount > 0

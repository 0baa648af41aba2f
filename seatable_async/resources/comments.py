"""Row comments: list a row's comments, read, add and delete one (the official SDK has none)."""

from __future__ import annotations

from typing import Any, cast

from .._operations import Decoding, Operation
from .._validation import require_int, require_text
from ..types import RowComment, Success
from .base_info import BaseInfoResource

_COMMENTS = "/api-gateway/api/v2/dtables/{base_uuid}/comments/"
LIST_ROW_COMMENTS: Operation[list[Any]] = Operation(
    "list_row_comments", "listRowComments", "GET", _COMMENTS, "base", list,
    decode=Decoding.JSON_ARRAY,
)  # fmt: skip
CREATE_ROW_COMMENT: Operation[Success] = Operation(
    "add_row_comment", "createRowComment", "POST", _COMMENTS, "base", Success
)
GET_COMMENT: Operation[RowComment] = Operation(
    "get_row_comment", "getComment", "GET", _COMMENTS + "{comment_id}/", "base", RowComment
)
DELETE_COMMENT: Operation[Success] = Operation(
    "delete_row_comment", "deleteComment", "DELETE", _COMMENTS + "{comment_id}/", "base", Success
)


class CommentsResource(BaseInfoResource):
    """Row comments; tables by name or id (a new comment sends the table's id)."""

    async def list_row_comments(self, row_id: str) -> list[RowComment]:
        """Every comment on the row, oldest first (`listRowComments`; the spec has no paging)."""
        params = {"row_id": require_text("row_id", row_id)}
        return cast(list[RowComment], await self._call(LIST_ROW_COMMENTS, params=params))

    async def get_row_comment(self, comment_id: int) -> RowComment:
        """One comment by its id (`getComment`)."""
        return await self._call(GET_COMMENT, segments=_comment(comment_id))

    async def add_row_comment(self, table_name: str, row_id: str, comment: str) -> Success:
        """Comments on a row; the answer holds no id, `list_row_comments` finds it
        (`createRowComment`)."""
        row_id = require_text("row_id", row_id)
        body = {"comment": require_text("comment", comment)}
        table, _ = await self._table(require_text("table_name", table_name))
        params = {"table_id": table["_id"], "row_id": row_id}
        return await self._call(CREATE_ROW_COMMENT, params=params, json=body)

    async def delete_row_comment(self, comment_id: int) -> Success:
        """Deletes a comment by its id (`deleteComment`)."""
        return await self._call(DELETE_COMMENT, segments=_comment(comment_id))


def _comment(comment_id: object) -> dict[str, int]:
    return {"comment_id": require_int("comment_id", comment_id, 1)}

"""Row-comment handlers."""

from __future__ import annotations

from datetime import datetime, timezone

from .._cells import format_timestamp
from .._errors import gateway_error
from .._http import query_int
from .._store import Json
from ._call import NATURAL, OK, Call

__all__ = [
    "comments_within_days",
    "count_comments",
    "create_comment",
    "delete_comment",
    "get_comment",
    "list_comments",
    "rows_comments_num",
]


def _comment_id(call: Call) -> int:
    """The path's comment id; 404 when it is no id a comment can have."""
    text = call.request.path_params["comment_id"]
    if not (text.isascii() and text.isdigit() and len(text) < 20 and int(text) in NATURAL):
        raise gateway_error(404, "comment not found")
    return int(text)


def _row_id_param(call: Call) -> str:
    row_id = call.request.query_params.get("row_id")
    if not row_id:
        raise gateway_error(400, "row_id invalid")
    return row_id


def list_comments(call: Call) -> list[Json]:
    """``listRowComments``: a bare array."""
    comments: list[Json] = call.store.comments(call.base, row_id=_row_id_param(call))
    return comments


def create_comment(call: Call) -> Json:
    """``createRowComment`` (6.2): query ``table_id`` + ``row_id``; the new id is not returned."""
    query = call.request.query_params
    table = call.table({"table_id": query.get("table_id"), "table_name": query.get("table_name")})
    row_id = _row_id_param(call)
    if not call.store.select(call.base, table, row_id=row_id):
        raise gateway_error(404, "row _id not exits")
    comment = (call.body()).get("comment")
    if not isinstance(comment, str) or not comment:
        raise gateway_error(400, "comment invalid")
    call.store.add_comment(call.base, row_id, call.user, comment)
    return OK


def get_comment(call: Call) -> Json:
    """``getComment``."""
    found = call.store.comments(call.base, comment_id=_comment_id(call))
    if not found:
        raise gateway_error(404, "comment not found")
    return found[0]


def delete_comment(call: Call) -> Json:
    """``deleteComment``."""
    if not call.store.delete_comment(call.base, _comment_id(call)):
        raise gateway_error(404, "comment not found")
    return OK


def count_comments(call: Call) -> Json:
    """``getRowCommentsCount``."""
    return {"count": len(call.store.comments(call.base, row_id=_row_id_param(call)))}


def comments_within_days(call: Call) -> Json:
    """``listCommentsWithinDays``: comments of the whole base from the last ``days`` days."""
    days = query_int(call.request, "days", 1, gateway_error)
    if days < 1:
        raise gateway_error(400, "days invalid")
    now = call.state.clock()
    since = datetime.fromtimestamp(now - min(days * 86400, now), timezone.utc)  # epoch at most
    return {"comments": call.store.comments(call.base, since=format_timestamp(since))}


def rows_comments_num(call: Call) -> Json:
    """``getNumberOfComments`` (a dtable-web path taking a base token)."""
    counts: dict[str, int] = {}
    for comment in call.store.comments(call.base):
        counts[comment["row_id"]] = counts.get(comment["row_id"], 0) + 1
    return {"rows_comments_num": counts}

"""Row handlers: list, get, append, update, delete, lock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._cells import storable_scalar
from .._errors import gateway_error
from .._http import EncodedJSON, encode_object, encode_rows, query_bool, query_int
from .._store import Json
from .._views import visible_columns
from ._call import LIMITS, OK, Call, list_field, new_rows, row_id_list

__all__ = [
    "append_rows",
    "delete_rows",
    "get_row",
    "list_rows",
    "lock_rows",
    "unlock_rows",
    "update_rows",
]


def list_rows(call: Call) -> EncodedJSON:
    """``listRows``: ``start``/``limit`` pages (1..1000), optional view, keys or names."""
    request = call.request
    table = call.table(request.query_params)
    view_ref = request.query_params.get("view_name") or request.query_params.get("view_id")
    view = call.store.view(table, view_ref) if view_ref else None
    start = query_int(request, "start", 0, gateway_error)
    limit = query_int(request, "limit", LIMITS["list"], gateway_error)
    if not 1 <= limit <= LIMITS["list"]:
        raise gateway_error(400, f"limit must be between 1 and {LIMITS['list']}")
    if start < 0 or not storable_scalar(start):
        raise gateway_error(400, "start invalid")
    records = call.store.select(call.base, table, view=view, limit=limit, offset=start)
    keys = not query_bool(request, "convert_keys", False)
    columns = visible_columns(table, view)
    cells = call.store.render_cells(call.base, table, records, keys=keys, columns=columns)
    return encode_object({"rows": encode_rows(*cells)})


def get_row(call: Call) -> Json:
    """``getRow``: one row by id."""
    request = call.request
    table = call.table(request.query_params)
    row_id = request.path_params["row_id"]
    records = call.store.select(call.base, table, row_id=row_id)
    if not records:
        raise gateway_error(404, "row _id not exits")  # sic: SeaTable's own wording
    keys = not query_bool(request, "convert_keys", False)
    rendered: Json = call.store.render_many(call.base, table, records, keys=keys)[0]
    return rendered


def append_rows(call: Call) -> Json:
    """``appendRows``: up to 1000 rows by column names; ``first_row`` keyed by column keys."""
    body = call.body()
    table = call.table(body)
    rows = new_rows(body)
    if not rows:
        raise gateway_error(400, "rows invalid")
    ids = call.store.append_rows(call.base, table, rows, user=call.user)
    first = call.store.select(call.base, table, row_id=ids[0])
    rendered = call.store.render_many(call.base, table, first, keys=True)[0]
    first_row = {k: v for k, v in rendered.items() if v is not None and v != []}
    return {
        "inserted_row_count": len(ids),
        "row_ids": [{"_id": row_id} for row_id in ids],
        "first_row": first_row,
    }


def update_rows(call: Call) -> Json:
    """``updateRow``: up to 1000 ``{row_id, row}`` updates."""
    body = call.body()
    table = call.table(body)
    updates = list_field(body.get("updates"), "updates", LIMITS["update"])
    pairs: list[tuple[str, Mapping[str, Any]]] = []
    for update in updates:
        if not isinstance(update, dict) or not isinstance(update.get("row"), dict):
            raise gateway_error(400, "updates invalid")
        pairs.append((str(update.get("row_id")), update["row"]))
    call.store.update_rows(call.base, table, pairs, user=call.user)
    return OK


def delete_rows(call: Call) -> Json:
    """``deleteRow``: up to 10000 row ids."""
    body = call.body()
    table = call.table(body)
    call.store.delete_rows(call.base, table, row_id_list(body, LIMITS["delete"]), user=call.user)
    return OK


def _lock(call: Call, locked: bool) -> Json:
    body = call.body()
    table = call.table(body)
    call.store.set_locked(call.base, table, row_id_list(body), locked=locked, user=call.user)
    return OK


def lock_rows(call: Call) -> Json:
    """``lockRows``."""
    return _lock(call, True)


def unlock_rows(call: Call) -> Json:
    """``unlockRows``."""
    return _lock(call, False)

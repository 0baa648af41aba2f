"""Big-data handlers: archived rows in and out of the (emulated) big-data backend."""

from __future__ import annotations

import uuid

from .._checks import nonempty_text
from .._errors import gateway_error
from .._store import Json
from ._call import Call, new_rows, row_id_list

__all__ = ["add_archived_rows", "archive_view", "unarchive"]


def add_archived_rows(call: Call) -> Json:
    """``addBigDataRows``: rows go straight to the (emulated) big-data backend."""
    body = call.body()
    table = call.table(body)
    ids = call.store.append_rows(call.base, table, new_rows(body), user=call.user, archived=True)
    return {"inserted_row_count": len(ids)}


def archive_view(call: Call) -> Json:
    """``moveRowsToBigData``: every row of the view moves to the big-data backend.

    ``view_name`` is required (6.0 replaced the old ``where`` clause with it)."""
    body = call.body()
    table = call.table(body)
    if not nonempty_text(body.get("view_name")):
        raise gateway_error(400, "view_name invalid")
    view = call.store.view(table, body["view_name"])
    row_ids = [r["_id"] for r in call.store.select(call.base, table, view=view)]
    call.store.set_archived(call.base, table, row_ids, True)
    return {"success": True, "error_message": ""}


def unarchive(call: Call) -> Json:
    """``moveRowsToNormalBackend``: done at once; the task id is for show."""
    body = call.body()
    table = call.table(body)
    call.store.set_archived(call.base, table, row_id_list(body), False)
    return {"success": True, "task_id": str(uuid.UUID(bytes=call.state.rng.randbytes(16)))}

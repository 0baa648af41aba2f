"""The row-activity (``listRowActivities``) and base operation log (``getBaseActivityLog``)
handlers."""

from __future__ import annotations

from .._errors import gateway_error
from .._http import query_int
from .._store import Json
from .._store.operations import OPERATIONS_PER_PAGE
from ._call import NATURAL, POSITIVE, Call

__all__ = ["list_base_operations", "list_row_activities"]


def list_row_activities(call: Call) -> Json:
    """``listRowActivities``: newest first, 25 a page unless ``per_page``."""
    row_id = call.request.query_params.get("row_id")
    if not row_id:
        raise gateway_error(400, "row_id invalid")
    page = query_int(call.request, "page", 1, gateway_error)
    per_page = query_int(call.request, "per_page", 25, gateway_error)
    for name, value in (("page", page), ("per_page", per_page)):
        if value not in POSITIVE:
            raise gateway_error(400, f"{name} invalid")
    if (page - 1) * per_page not in NATURAL:
        raise gateway_error(400, "page invalid")
    result: Json = call.store.row_activities(call.base, row_id, (page - 1) * per_page, per_page)
    return result


def list_base_operations(call: Call) -> Json:
    """``getBaseActivityLog``: the base's operation log, newest first, a page at a time."""
    page = query_int(call.request, "page", 1, gateway_error)
    if page not in POSITIVE or (page - 1) * OPERATIONS_PER_PAGE not in NATURAL:
        raise gateway_error(400, "page invalid")
    result: Json = call.store.base_operations(call.base, page)
    return result

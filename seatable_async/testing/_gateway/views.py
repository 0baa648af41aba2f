"""View handlers."""

from __future__ import annotations

from .._errors import APIError, gateway_error
from .._store import Json
from .._views import VIEW_SETTINGS, new_view
from ._call import OK, Call

__all__ = ["create_view", "delete_view", "get_view", "list_views", "update_view"]


def _params_invalid() -> APIError:
    return APIError(400, {"error_msg": "params invalid"})


def list_views(call: Call) -> Json:
    """``listViews``."""
    return {"views": call.table(call.request.query_params)["views"]}


def create_view(call: Call) -> Json:
    """``createView``: a duplicate name answers 400 ``params invalid``."""
    table = call.table(call.request.query_params)
    body = call.body()
    name = body.get("name")
    if not isinstance(name, str) or not name or any(v["name"] == name for v in table["views"]):
        raise _params_invalid()
    view_id = call.store.new_key(v["_id"] for v in table["views"])
    view = new_view(view_id, name, str(body.get("type") or "table"), bool(body.get("is_locked")))
    table["views"].append(view)
    call.store.save(call.base)
    return view


def get_view(call: Call) -> Json:
    """``getView``."""
    table = call.table(call.request.query_params)
    view: Json = call.store.view(table, call.request.path_params["view_name"])
    return view


def update_view(call: Call) -> Json:
    """``updateView``: absent fields stay; ``[{}]`` clears a list setting; malformed settings
    answer 400 ``params invalid`` (they would break every later read through the view)."""
    table = call.table(call.request.query_params)
    view: Json = call.store.view(table, call.request.path_params["view_name"])
    body = call.body()
    settings = {f: [] if body[f] == [{}] else body[f] for f in VIEW_SETTINGS if f in body}
    if not all(VIEW_SETTINGS[field](value) for field, value in settings.items()):
        raise _params_invalid()
    new_name = body.get("name")
    if new_name is not None:
        if any(v["name"] == new_name for v in table["views"] if v is not view):
            raise _params_invalid()
        view["name"] = str(new_name)
    view.update(settings)
    call.store.save(call.base)
    return view


def delete_view(call: Call) -> Json:
    """``deleteView``: the last view of a table cannot be deleted."""
    table = call.table(call.request.query_params)
    view = call.store.view(table, call.request.path_params["view_name"])
    if len(table["views"]) == 1:
        raise gateway_error(400, "the last view can not be deleted")
    table["views"].remove(view)
    call.store.save(call.base)
    return OK

"""dtable-web handlers of the account API beyond the basics in ``_web``: renaming and copying
bases, starring them, and changing an API token's permission (account token throughout)."""

from __future__ import annotations

import copy

from starlette.responses import JSONResponse, Response

from ._errors import web_error
from ._stars import set_star, starred
from ._store import Base, Json, Store
from ._web import Auth, Handler, WebCall, _account_base, _base_json, _workspace

__all__ = ["ROUTES"]

_COPIED_TABLES = ("emu_links", "emu_assets")
"""Per-base internal tables whose rows a copy takes along (tokens and comments stay)."""


def _named_base(call: WebCall, workspace_id: int, name: str) -> Base:
    base = call.state.store.base_by_name(workspace_id, name)
    if base is None:
        raise web_error(404, f"dtable {name} not found.")
    return base


def rename_base(call: WebCall) -> Json:
    """``updateBase``: form ``name`` (the old one) and ``new_name``."""
    form = call.form
    workspace_id = _workspace(call, call.request.path_params["workspace_id"])
    base = _named_base(call, workspace_id, form.fields.get("name", ""))
    new_name = form.fields.get("new_name", "").strip()
    store = call.state.store
    if new_name and new_name != base.name:
        if store.base_by_name(workspace_id, new_name) is not None:
            raise web_error(400, f"dtable {new_name} already exists.")
        base.name = new_name
        store.save(base)
    return {"table": _base_json(call, base)}


def _free_name(store: Store, workspace_id: int, name: str) -> str:
    """``name``, or ``name (copy)``, ``name (copy 2)`` ... when it is taken in the workspace."""
    candidate, counter = name, 0
    while store.base_by_name(workspace_id, candidate) is not None:
        counter += 1
        candidate = f"{name} (copy)" if counter == 1 else f"{name} (copy {counter})"
    return candidate


def copy_into(store: Store, source: Base, workspace_id: int) -> Base:
    """A new base with the source's schema, rows, links and assets, all or nothing."""
    with store.transaction() as db:
        target = store.create_base(_free_name(store, workspace_id, source.name), workspace_id)
        for table in target.tables:
            db.execute(f"DROP TABLE {store.sqlite_table(target, table)}")
        target.metadata = copy.deepcopy(source.metadata)
        for table in source.tables:
            (ddl,) = db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                (store.sqlite_name(source, table),),
            ).fetchone()
            old, new = store.sqlite_table(source, table), store.sqlite_table(target, table)
            db.execute(
                ddl.replace(store.sqlite_name(source, table), store.sqlite_name(target, table), 1)
            )
            db.execute(f"INSERT INTO {new} SELECT * FROM {old}")
        for internal in _COPIED_TABLES:
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({internal})")]
            rest = ", ".join(c for c in columns if c not in ("base_uuid", "seq"))
            db.execute(
                f"INSERT INTO {internal} (base_uuid, {rest}) SELECT ?, {rest} FROM {internal}"
                " WHERE base_uuid = ?",
                (target.uuid, source.uuid),
            )
        store.save(target)
    return target


def copy_base(call: WebCall) -> Json:
    """``copyBaseFromWorkspace``: form ``src_workspace_id``, ``name``, ``dst_workspace_id``."""
    form = call.form
    fields = form.fields
    if not all(fields.get(key) for key in ("src_workspace_id", "name", "dst_workspace_id")):
        raise web_error(400, "src_workspace_id, name or dst_workspace_id invalid.")
    source = _named_base(call, _workspace(call, fields["src_workspace_id"]), fields["name"])
    destination = _workspace(call, fields["dst_workspace_id"])
    return {"dtable": _base_json(call, copy_into(call.state.store, source, destination))}


def list_favorites(call: WebCall) -> Json:
    """``listFavorites``."""
    store = call.state.store
    bases = [store.base(uuid) for uuid in starred(store)]
    return {"user_starred_dtable_list": [_base_json(call, b) for b in bases if b is not None]}


def _starred_base(call: WebCall, base_uuid: str) -> str:
    if call.state.store.base(base_uuid) is None:
        raise web_error(404, f"dtable {base_uuid} not found.")
    return base_uuid


def favorite_base(call: WebCall) -> Json:
    """``favoriteBase``: form ``dtable_uuid``; starring twice is no error."""
    form = call.form
    set_star(call.state.store, _starred_base(call, form.fields.get("dtable_uuid", "")), True)
    return {"success": True}


def unfavorite_base(call: WebCall) -> Json:
    """``unfavoriteBase``: query ``dtable_uuid``."""
    base_uuid = _starred_base(call, call.request.query_params.get("dtable_uuid", ""))
    set_star(call.state.store, base_uuid, False)
    return {"success": True}


def update_api_token(call: WebCall) -> Response:
    """``updateApiToken``: form ``permission``, ``rw`` or ``r``."""
    base = _account_base(call)
    app_name = call.request.path_params["app_name"]
    form = call.form
    permission = form.fields.get("permission", "rw") or "rw"
    store = call.state.store
    found = next((t for t in store.api_tokens(base) if t["app_name"] == app_name), None)
    if found is None:
        raise web_error(404, f"api token {app_name} not found.")
    if permission not in ("rw", "r"):
        raise web_error(400, "permission invalid.")
    record = store.add_api_token(
        base, found["api_token"], app_name, permission, found["generated_by"]
    )
    return JSONResponse(record)


_BASE_PATH = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}"

ROUTES: tuple[tuple[str, str, Handler, Auth], ...] = (
    ("PUT", "/api/v2.1/workspace/{workspace_id}/dtable/", rename_base, "account"),
    ("POST", "/api/v2.1/dtable-copy/", copy_base, "account"),
    ("GET", "/api/v2.1/starred-dtables/", list_favorites, "account"),
    ("POST", "/api/v2.1/starred-dtables/", favorite_base, "account"),
    ("DELETE", "/api/v2.1/starred-dtables/", unfavorite_base, "account"),
    ("PUT", f"{_BASE_PATH}/api-tokens/{{app_name}}/", update_api_token, "account"),
)
"""The account routes this module serves."""

"""API-gateway handlers: base operations under ``/api-gateway/api/v2/dtables/{base_uuid}/``.

``ROUTES`` is the whole surface: (method, path suffix, handler). Handlers receive a
:class:`Call` whose base token (and its read/write permission) the app already checked.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ._cells import OPTION_CHANGE, SQLITE_INTEGERS, format_timestamp, storable_scalar
from ._checks import integer_in, nonempty_text
from ._errors import APIError, gateway_error
from ._http import json_body, query_bool, query_int
from ._sql import run_sql
from ._store import Base, Json, Store
from ._views import VIEW_SETTINGS, new_view, visible_columns

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["LIMITS", "ROUTES", "Call", "Endpoint"]

LIMITS = {"list": 1000, "append": 1000, "update": 1000, "delete": 10_000}
"""Rows per call (reference section 14.1)."""
LINKS_DEFAULT_LIMIT = 10
LINKS_MAX_LIMIT = 100
_NO_APPEND_COLUMN_TYPES = {"formula", "link", "link-formula"}
_OK: Json = {"success": True}
_NATURAL = range(SQLITE_INTEGERS.stop)
_POSITIVE = range(1, SQLITE_INTEGERS.stop)
"""Counts SQLite can bind: offsets (0 up) and limits, widths (1 up)."""


@dataclass
class Call:
    """One authenticated gateway request."""

    emulator: Emulator
    request: Request
    base: Base
    user: str
    permission: str
    raw_body: bytes
    """Read before the handler runs, so handlers never suspend inside their transaction."""

    @property
    def store(self) -> Store:
        """The emulator's store."""
        return self.emulator.store

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        return json_body(self.raw_body, gateway_error)

    def table(self, source: Mapping[str, Any]) -> Json:
        """The table named by ``table_name`` or ``table_id`` in a body or query."""
        name, table_id = source.get("table_name"), source.get("table_id")
        if name is None and table_id is None:
            raise gateway_error(400, "table_name invalid")
        result: Json = self.store.table(self.base, name, table_id)
        return result


Handler = Callable[[Call], Any]
"""A base operation: the call → its JSON answer."""
Endpoint = Callable[[Call], Response]


def atomic(handler: Handler) -> Endpoint:
    """One request, one store transaction: a handler that raises, or whose answer cannot be
    rendered, leaves the base unchanged. The answer is rendered under the store lock, so it is
    a consistent snapshot. Handlers check client values themselves (an :class:`APIError`);
    any other exception is an emulator bug and stays a visible 500."""

    @functools.wraps(handler)
    def run(call: Call) -> Response:
        with call.store.transaction():
            return JSONResponse(handler(call))

    return run


def _list_field(value: Any, what: str, limit: int | None = None) -> list[Any]:
    """A list body field (at most ``limit`` items); 400 ``<what> invalid`` otherwise."""
    if not isinstance(value, list):
        raise gateway_error(400, f"{what} invalid")
    if limit is not None and len(value) > limit:
        raise gateway_error(400, f"the number of {what} exceeds the limit of {limit}")
    return value


def _row_ids(body: Mapping[str, Any], limit: int | None = None) -> list[str]:
    """``row_ids``: a list of row id strings (at most ``limit``)."""
    row_ids = _list_field(body.get("row_ids"), "row_ids", limit)
    if not all(isinstance(row_id, str) for row_id in row_ids):
        raise gateway_error(400, "row_ids invalid")
    return row_ids


def _new_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``rows`` to append: up to 1000 objects keyed by column name."""
    rows = _list_field(body.get("rows"), "rows", LIMITS["append"])
    if not all(isinstance(row, dict) for row in rows):
        raise gateway_error(400, "rows invalid")
    return rows


def _int_field(body: Mapping[str, Any], name: str, allowed: range, default: int) -> int:
    """An optional integer body field within ``allowed`` (absent or null: ``default``)."""
    value = body.get(name)
    if value is None:
        return default
    if not integer_in(allowed)(value):
        raise gateway_error(400, f"{name} invalid")
    result: int = value
    return result


def _flag(body: Mapping[str, Any], name: str, default: bool) -> bool:
    """An optional JSON boolean body field."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise gateway_error(400, f"{name} invalid")
    return value


# ---------------------------------------------------------------------- base info


def get_metadata(call: Call) -> Json:
    """``getMetadata``: tables, columns, views and settings."""
    return {"metadata": call.base.metadata}


def list_collaborators(call: Call) -> Json:
    """``listCollaborators``: the emulator's single user."""
    emulator = call.emulator
    return {
        "user_list": [
            {
                "email": emulator.user_id,
                "name": emulator.display_name,
                "contact_email": emulator.username or "",
                "avatar_url": "",
                "id_in_org": "",
            }
        ]
    }


# ---------------------------------------------------------------------- rows


def query_sql(call: Call) -> Json:
    """``querySQL``: SELECT/INSERT/UPDATE/DELETE through the sqlglot translator."""
    body = call.body()
    sql = body.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise gateway_error(400, "sql invalid")
    parameters = body.get("parameters")
    if parameters is not None and not (
        isinstance(parameters, list) and all(storable_scalar(p) for p in parameters)
    ):
        raise gateway_error(400, "parameters invalid")
    if call.permission != "rw" and not sql.lstrip().lower().startswith("select"):
        raise read_only_error()
    return run_sql(
        call.store,
        call.base,
        sql,
        parameters,
        convert_keys=_flag(body, "convert_keys", True),
        user=call.user,
        server_only=_flag(body, "server_only", False),
    )


def list_rows(call: Call) -> Json:
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
    return {"rows": call.store.render_many(call.base, table, records, keys=keys, columns=columns)}


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
    rows = _new_rows(body)
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
    updates = _list_field(body.get("updates"), "updates", LIMITS["update"])
    pairs: list[tuple[str, Mapping[str, Any]]] = []
    for update in updates:
        if not isinstance(update, dict) or not isinstance(update.get("row"), dict):
            raise gateway_error(400, "updates invalid")
        pairs.append((str(update.get("row_id")), update["row"]))
    call.store.update_rows(call.base, table, pairs, user=call.user)
    return _OK


def delete_rows(call: Call) -> Json:
    """``deleteRow``: up to 10000 row ids."""
    body = call.body()
    table = call.table(body)
    call.store.delete_rows(call.base, table, _row_ids(body, LIMITS["delete"]))
    return _OK


def _lock(call: Call, locked: bool) -> Json:
    body = call.body()
    table = call.table(body)
    call.store.set_locked(call.base, table, _row_ids(body), locked=locked, user=call.user)
    return _OK


def lock_rows(call: Call) -> Json:
    """``lockRows``."""
    return _lock(call, True)


def unlock_rows(call: Call) -> Json:
    """``unlockRows``."""
    return _lock(call, False)


def add_archived_rows(call: Call) -> Json:
    """``addBigDataRows``: rows go straight to the (emulated) big-data backend."""
    body = call.body()
    table = call.table(body)
    ids = call.store.append_rows(call.base, table, _new_rows(body), user=call.user, archived=True)
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
    call.store.set_archived(call.base, table, _row_ids(body), False)
    return {"success": True, "task_id": str(uuid.UUID(bytes=call.emulator.rng.randbytes(16)))}


_TOAST_TYPES = frozenset({"success", "warning", "error"})


def send_toast(call: Call) -> Json:
    """``sendToastNotification``: checked and recorded in ``Emulator.toasts``."""
    body = call.body()
    to_user, toast_type, detail = body.get("to_user"), body.get("toast_type"), body.get("detail")
    if not isinstance(to_user, str) or not to_user:
        raise gateway_error(400, "to_user invalid")
    if toast_type not in _TOAST_TYPES:
        raise gateway_error(400, "toast_type invalid")
    if not isinstance(detail, dict) or not isinstance(detail.get("msg"), str):
        raise gateway_error(400, "detail invalid")
    call.emulator.toasts.append({"to_user": to_user, "toast_type": toast_type, "detail": detail})
    return _OK


# ---------------------------------------------------------------------- comments


def _comment_id(call: Call) -> int:
    """The path's comment id; 404 when it is no id a comment can have."""
    text = call.request.path_params["comment_id"]
    if not (text.isascii() and text.isdigit() and len(text) < 20 and int(text) in _NATURAL):
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
    return _OK


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
    return _OK


def count_comments(call: Call) -> Json:
    """``getRowCommentsCount``."""
    return {"count": len(call.store.comments(call.base, row_id=_row_id_param(call)))}


def comments_within_days(call: Call) -> Json:
    """``listCommentsWithinDays``: comments of the whole base from the last ``days`` days."""
    days = query_int(call.request, "days", 1, gateway_error)
    if days < 1:
        raise gateway_error(400, "days invalid")
    now = call.emulator.clock()
    since = datetime.fromtimestamp(now - min(days * 86400, now), timezone.utc)  # epoch at most
    return {"comments": call.store.comments(call.base, since=format_timestamp(since))}


def rows_comments_num(call: Call) -> Json:
    """``getNumberOfComments`` (a dtable-web path taking a base token)."""
    counts: dict[str, int] = {}
    for comment in call.store.comments(call.base):
        counts[comment["row_id"]] = counts.get(comment["row_id"], 0) + 1
    return {"rows_comments_num": counts}


# ---------------------------------------------------------------------- links


def _link_column(call: Call, table: Json, body: Mapping[str, Any]) -> Json:
    ref = body.get("link_column_name") or body.get("link_column_key") or body.get("link_column")
    column: Json = call.store.column(table, str(ref))
    if column["type"] != "link":
        raise gateway_error(400, f"column {ref} is not a link column")
    return column


def query_links(call: Call) -> Json:
    """``listRowLinks``: per-row ``offset``/``limit`` (default 10, max 100)."""
    body = call.body()
    table = call.table(body)
    column = _link_column(call, table, body)
    result: Json = {}
    for spec in _list_field(body.get("rows"), "rows"):
        if not isinstance(spec, dict) or "row_id" not in spec:
            raise gateway_error(400, "rows invalid")
        limit = min(_int_field(spec, "limit", _POSITIVE, LINKS_DEFAULT_LIMIT), LINKS_MAX_LIMIT)
        offset = _int_field(spec, "offset", _NATURAL, 0)
        row_id = str(spec["row_id"])
        cells = call.store.linked(call.base, table, column, [row_id], offset=offset, limit=limit)
        result[row_id] = cells[row_id]
    return result


def _link_request(call: Call, body: Mapping[str, Any]) -> tuple[Json, Json, dict[str, list[str]]]:
    table = call.table(body)
    link_id = body.get("link_id")
    column = next(
        (c for c in table["columns"] if c["type"] == "link" and c["data"]["link_id"] == link_id),
        None,
    )
    if column is None:
        raise gateway_error(400, "link_id invalid")
    mapping = body.get("other_rows_ids_map")
    if not isinstance(mapping, dict) or not all(isinstance(v, list) for v in mapping.values()):
        raise gateway_error(400, "other_rows_ids_map invalid")
    return table, column["data"], {str(k): [str(x) for x in v] for k, v in mapping.items()}


def create_links(call: Call) -> Json:
    """``createRowLink``: creating an existing link is an error, as documented."""
    table, link, mapping = _link_request(call, call.body())
    column = next(c for c in table["columns"] if c["type"] == "link" and c["data"] is link)
    existing = call.store.linked(call.base, table, column, list(mapping))
    for row_id, others in mapping.items():
        if {cell["row_id"] for cell in existing[row_id]} & set(others):
            raise gateway_error(400, f"link between {row_id} and {others} exists")
    call.store.set_links(call.base, table, link, mapping, mode="add")
    return _OK


def auto_links(call: Call) -> Json:
    """``autoLinks``: link every row pair whose matching columns hold equal values.

    The work is done at once; the returned task id reports ``success`` on ``auto-link-task``.
    """
    body = call.body()
    link_id = body.get("link_id")
    tables = call.base.tables
    column = next(
        (
            c
            for t in tables
            for c in t["columns"]
            if c["type"] == "link" and c["data"]["link_id"] == link_id
        ),
        None,
    )
    if column is None:
        raise gateway_error(400, "link_id invalid")
    link = column["data"]
    own = call.store.table(call.base, table_id=link["table_id"])
    other = call.store.table(call.base, table_id=link["other_table_id"])
    pairs: list[tuple[Json, Json]] = []
    for spec in _list_field(body.get("matching_keys"), "matching_keys"):
        if not isinstance(spec, dict):
            raise gateway_error(400, "matching_keys invalid")
        left = call.store.column(own, str(spec.get("table1_key")))
        right = call.store.column(other, str(spec.get("table2_key")))
        if {left["type"], right["type"]} & {"formula", "link-formula", "link"}:
            raise gateway_error(400, "formula and link columns can not be matched")
        pairs.append((left, right))
    if not pairs:
        raise gateway_error(400, "matching_keys invalid")
    own_rows = call.emulator.rows(own["name"], base_uuid=call.base.uuid, convert_keys=False)
    other_rows = call.emulator.rows(other["name"], base_uuid=call.base.uuid, convert_keys=False)
    mapping: dict[str, list[str]] = {}
    for row in own_rows:
        key = tuple(row[left["key"]] for left, _ in pairs)
        if None in key:
            continue
        matches = [o["_id"] for o in other_rows if tuple(o[r["key"]] for _, r in pairs) == key]
        if matches:
            mapping[row["_id"]] = matches
    call.store.set_links(call.base, own, link, mapping, mode="add")
    task_id = str(uuid.UUID(bytes=call.emulator.rng.randbytes(16)))
    call.emulator.tasks[task_id] = "success"
    return {"task_id": task_id}


def auto_link_task(call: Call) -> Json:
    """``autoLinkTask``: the task id may come as a query parameter or in a JSON body."""
    task_id = call.request.query_params.get("task_id")
    if task_id is None:
        task_id = str((call.body()).get("task_id", ""))
    status = call.emulator.tasks.get(task_id)
    if status is None:
        raise gateway_error(404, f"task {task_id} not found")
    return {"status": status}


def update_links(call: Call) -> Json:
    """``updateRowLink``: replace the links of each listed row."""
    table, link, mapping = _link_request(call, call.body())
    call.store.set_links(call.base, table, link, mapping, mode="replace")
    return _OK


def delete_links(call: Call) -> Json:
    """``deleteRowLink``: counts requested pairs, like SeaTable 6.0 does (API_ISSUES #9)."""
    table, link, mapping = _link_request(call, call.body())
    count = call.store.set_links(call.base, table, link, mapping, mode="remove")
    return {"deleted_links_count": count, "success": True}


# ---------------------------------------------------------------------- tables


def create_table(call: Call) -> Json:
    """``createTable``."""
    body = call.body()
    name = body.get("table_name")
    if not isinstance(name, str) or not name:
        raise gateway_error(400, "table_name invalid")
    columns = body.get("columns")
    if columns is not None and not isinstance(columns, list):
        raise gateway_error(400, "columns invalid")
    plain = [c for c in columns or [] if isinstance(c, dict) and c.get("column_type") != "link"]
    table = call.store.create_table(call.base, name, plain or None)
    for spec in columns or []:
        if isinstance(spec, dict) and spec.get("column_type") == "link":
            call.store.insert_column(
                call.base, table, str(spec.get("column_name", "")), "link", spec.get("column_data")
            )
    return {**table, "rows": [], "id_row_map": {}}


def rename_table(call: Call) -> Json:
    """``renameTable``."""
    body = call.body()
    new_name = body.get("new_table_name")
    if not isinstance(new_name, str) or not new_name:
        raise gateway_error(400, "new_table_name invalid")
    call.store.rename_table(call.base, call.table(body), new_name)
    return _OK


def delete_table(call: Call) -> Json:
    """``deleteTable``."""
    body = call.body()
    call.store.delete_table(call.base, call.table(body))
    return _OK


def duplicate_table(call: Call) -> Json:
    """``duplicateTable``: ``<name>(copy)``, optionally with its rows."""
    body = call.body()
    table = call.table(body)
    copy = call.store.duplicate_table(call.base, table, bool(body.get("is_duplicate_records")))
    return {**copy, "rows": [], "id_row_map": {}}


# ---------------------------------------------------------------------- views


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
    return _OK


# ---------------------------------------------------------------------- columns


def list_columns(call: Call) -> Json:
    """``listColumns``: the columns visible in a view (all without a view)."""
    query = call.request.query_params
    table = call.table(query)
    view_ref = query.get("view_name") or query.get("view_id")
    view = call.store.view(table, view_ref) if view_ref else None
    return {"columns": visible_columns(table, view)}


def insert_column(call: Call) -> Json:
    """``insertColumn``: a duplicate name answers the bare string ``"Column X exists."``."""
    body = call.body()
    table = call.table(body)
    name, column_type = body.get("column_name"), body.get("column_type")
    if not isinstance(name, str) or not isinstance(column_type, str):
        raise gateway_error(400, "column_name or column_type invalid")
    data = body.get("column_data")
    anchor = body.get("anchor_column")
    column: Json = call.store.insert_column(
        call.base,
        table,
        name,
        column_type,
        data if isinstance(data, dict) else None,
        anchor=str(anchor) if anchor else None,
    )
    return column


def update_column(call: Call) -> Json:
    """``updateColumn``: the ``op_type`` table below names every supported operation."""
    body = call.body()
    table = call.table(body)
    column: Json = call.store.column(table, str(body.get("column")))
    operation = _COLUMN_OPERATIONS.get(str(body.get("op_type")))
    if operation is None:
        raise gateway_error(400, "op_type invalid")
    operation(call, table, column, body)
    call.store.save(call.base)
    return column


def _rename_column(call: Call, table: Json, column: Json, body: Mapping[str, Any]) -> None:
    call.store.rename_column(call.base, table, column, str(body.get("new_column_name") or ""))


def _modify_column_type(call: Call, table: Json, column: Json, body: Mapping[str, Any]) -> None:
    data = body.get("column_data")
    new_type = str(body.get("new_column_type"))
    call.store.modify_column_type(
        call.base, table, column, new_type, data if isinstance(data, dict) else None
    )


def _resize_column(call: Call, table: Json, column: Json, body: Mapping[str, Any]) -> None:
    column["width"] = _int_field(body, "new_column_width", _POSITIVE, column["width"])


def _move_column(call: Call, table: Json, column: Json, body: Mapping[str, Any]) -> None:
    target = call.store.column(table, str(body.get("target_column")))
    if target is column:
        raise gateway_error(400, "target_column invalid")
    table["columns"].remove(column)
    table["columns"].insert(table["columns"].index(target) + 1, column)


def _freeze_column(call: Call, table: Json, column: Json, body: Mapping[str, Any]) -> None:
    column["frozen"] = bool(body.get("frozen"))


_COLUMN_OPERATIONS: dict[str, Callable[[Call, Json, Json, Mapping[str, Any]], None]] = {
    "rename_column": _rename_column,
    "modify_column_type": _modify_column_type,
    "resize_column": _resize_column,
    "move_column": _move_column,
    "freeze_column": _freeze_column,
}


def delete_column(call: Call) -> Json:
    """``deleteColumn``."""
    body = call.body()
    table = call.table(body)
    call.store.delete_column(call.base, table, call.store.column(table, str(body.get("column"))))
    return _OK


def append_columns(call: Call) -> Json:
    """``appendColumns``: no formula, link or link-formula columns."""
    body = call.body()
    table = call.table(body)
    specs = _list_field(body.get("columns"), "columns")
    for spec in specs:
        if not isinstance(spec, dict) or spec.get("column_type") in _NO_APPEND_COLUMN_TYPES:
            raise gateway_error(400, "columns invalid")
    columns = [
        call.store.insert_column(
            call.base,
            table,
            str(spec.get("column_name") or ""),
            str(spec.get("column_type")),
            spec.get("column_data") if isinstance(spec.get("column_data"), dict) else None,
        )
        for spec in specs
    ]
    return {"columns": columns}


def _select_column(call: Call, body: Mapping[str, Any]) -> tuple[Json, Json]:
    table = call.table(body)
    column: Json = call.store.column(table, str(body.get("column")))
    if column["type"] not in ("single-select", "multiple-select"):
        raise gateway_error(400, "column is not a select column")
    return table, column


def add_select_options(call: Call) -> Json:
    """``addSelectOption``: options need ``name``, ``color`` and ``textColor``."""
    body = call.body()
    _, column = _select_column(call, body)
    options: list[Json] = column["data"]["options"]
    for option in _list_field(body.get("options"), "options"):
        if not (isinstance(option, dict) and nonempty_text(option.get("name"))):
            raise gateway_error(400, "options invalid")
        if any(o["name"] == option["name"] for o in options):
            continue
        options.append({**option, "id": call.store.new_option_id(options)})
    call.store.save(call.base)
    return _OK


def update_select_options(call: Call) -> Json:
    """``updateSelectOption``: by option ``id``; cells follow renamed options."""
    body = call.body()
    table, column = _select_column(call, body)
    options: list[Json] = column["data"]["options"]
    renames: dict[str, str] = {}
    for change in _list_field(body.get("options"), "options"):
        if not OPTION_CHANGE(change):
            raise gateway_error(400, "options invalid")
        current = next((o for o in options if o["id"] == change["id"]), None)
        if current is None:
            raise gateway_error(400, f"option {change['id']} not found")
        if "name" in change and change["name"] != current["name"]:
            renames[current["name"]] = str(change["name"])
        current.update({k: v for k, v in change.items() if k != "id"})
    _rewrite_select_cells(call, table, column, renames)
    call.store.save(call.base)
    return {"options": options} if body.get("return_options") else _OK


def delete_select_options(call: Call) -> Json:
    """``deleteSelectOption``: removed options also vanish from cells."""
    body = call.body()
    table, column = _select_column(call, body)
    names = {str(n) for n in _list_field(body.get("option_names"), "option_names")}
    column["data"]["options"] = [o for o in column["data"]["options"] if o["name"] not in names]
    _rewrite_select_cells(call, table, column, dict.fromkeys(names))
    call.store.save(call.base)
    return _OK


def _rewrite_select_cells(
    call: Call, table: Json, column: Json, renames: Mapping[str, str | None]
) -> None:
    """Apply option renames (None: removal) to every cell of a select column."""
    if not renames:
        return
    updates: list[tuple[str, Mapping[str, Any]]] = []
    for row in call.emulator.rows(table["name"], base_uuid=call.base.uuid):
        value = row.get(column["name"])
        if isinstance(value, list):
            names = [renames.get(v, v) if isinstance(v, str) else v for v in value]
            new: Any = [name for name in names if name is not None]
        elif isinstance(value, str) and value in renames:
            new = renames[value]
        else:
            continue
        updates.append((row["_id"], {column["name"]: new}))
    call.store.update_rows(call.base, table, updates, user=call.user)


def update_column_cascade(call: Call) -> Json:
    """``updateColumnCascade``: stored on the child column's ``data``."""
    body = call.body()
    table = call.table(body)
    parent = call.store.column(table, str(body.get("parent_column")))
    child = call.store.column(table, str(body.get("child_column")))
    settings = body.get("cascade_settings")
    selects = parent["type"] == child["type"] == "single-select"
    if not isinstance(settings, dict) or not selects:
        raise gateway_error(400, "cascade_settings invalid")
    child["data"] = {**(child.get("data") or {}), "cascade_column_key": parent["key"]}
    child["data"]["cascade_settings"] = settings
    call.store.save(call.base)
    return _OK


_OPERATIONS: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/metadata/", get_metadata),
    ("GET", "/related-users/", list_collaborators),
    ("POST", "/ui-toasts/", send_toast),
    ("POST", "/sql/", query_sql),
    ("GET", "/rows/", list_rows),
    ("POST", "/rows/", append_rows),
    ("PUT", "/rows/", update_rows),
    ("DELETE", "/rows/", delete_rows),
    ("GET", "/rows/{row_id}/", get_row),
    ("PUT", "/lock-rows/", lock_rows),
    ("PUT", "/unlock-rows/", unlock_rows),
    ("POST", "/query-links/", query_links),
    ("POST", "/links/", create_links),
    ("PUT", "/links/", update_links),
    ("DELETE", "/links/", delete_links),
    ("POST", "/auto-links/", auto_links),
    ("GET", "/auto-link-task/", auto_link_task),
    ("POST", "/tables/", create_table),
    ("PUT", "/tables/", rename_table),
    ("DELETE", "/tables/", delete_table),
    ("POST", "/tables/duplicate-table/", duplicate_table),
    ("GET", "/views/", list_views),
    ("POST", "/views/", create_view),
    ("GET", "/views/{view_name}/", get_view),
    ("PUT", "/views/{view_name}/", update_view),
    ("DELETE", "/views/{view_name}/", delete_view),
    ("GET", "/columns/", list_columns),
    ("POST", "/columns/", insert_column),
    ("PUT", "/columns/", update_column),
    ("DELETE", "/columns/", delete_column),
    ("POST", "/batch-append-columns/", append_columns),
    ("POST", "/column-options/", add_select_options),
    ("PUT", "/column-options/", update_select_options),
    ("DELETE", "/column-options/", delete_select_options),
    ("POST", "/column-cascade-settings/", update_column_cascade),
    ("POST", "/add-archived-rows/", add_archived_rows),
    ("POST", "/archive-view/", archive_view),
    ("POST", "/unarchive/", unarchive),
    ("GET", "/comments/", list_comments),
    ("POST", "/comments/", create_comment),
    ("GET", "/comments/{comment_id}/", get_comment),
    ("DELETE", "/comments/{comment_id}/", delete_comment),
    ("GET", "/comments-count/", count_comments),
    ("GET", "/comments-within-days/", comments_within_days),
    ("GET", "/api/v2.1/dtables/{base_uuid}/rows-comments-num/", rows_comments_num),
)
"""Every served base operation: method, path below ``/api-gateway/api/v2/dtables/{base_uuid}``
(or, when it starts with ``/api/``, a full dtable-web path that takes a base token), handler."""

ROUTES: tuple[tuple[str, str, Endpoint], ...] = tuple(
    (method, path, atomic(handler)) for method, path, handler in _OPERATIONS
)
"""The operations as served: each request runs in one store transaction (see :func:`atomic`)."""

READ_ONLY_ALLOWED = {("POST", "/sql/"), ("POST", "/query-links/")}
"""Non-GET routes a read-only (``r``) base token may call; SQL checks the statement itself."""


def read_only_error() -> APIError:
    """The answer to a write with a read-only token."""
    return APIError(
        403, {"error_msg": "You don't have permission to perform this operation on this base."}
    )

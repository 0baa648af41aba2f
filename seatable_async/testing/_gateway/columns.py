"""Column handlers: columns, select options and cascades."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._cells import OPTION_CHANGE
from .._checks import nonempty_text
from .._errors import gateway_error
from .._store import Json
from .._views import visible_columns
from ._call import OK, POSITIVE, Call, int_field, list_field

__all__ = [
    "add_select_options",
    "append_columns",
    "delete_column",
    "delete_select_options",
    "insert_column",
    "list_columns",
    "update_column",
    "update_column_cascade",
    "update_select_options",
]

_NO_APPEND_COLUMN_TYPES = {"formula", "link", "link-formula"}


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
    column["width"] = int_field(body, "new_column_width", POSITIVE, column["width"])


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
    return OK


def append_columns(call: Call) -> Json:
    """``appendColumns``: no formula, link or link-formula columns."""
    body = call.body()
    table = call.table(body)
    specs = list_field(body.get("columns"), "columns")
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
    for option in list_field(body.get("options"), "options"):
        if not (isinstance(option, dict) and nonempty_text(option.get("name"))):
            raise gateway_error(400, "options invalid")
        if any(o["name"] == option["name"] for o in options):
            continue
        options.append({**option, "id": call.store.new_option_id(options)})
    call.store.save(call.base)
    return OK


def update_select_options(call: Call) -> Json:
    """``updateSelectOption``: by option ``id``; cells follow renamed options."""
    body = call.body()
    table, column = _select_column(call, body)
    options: list[Json] = column["data"]["options"]
    renames: dict[str, str] = {}
    for change in list_field(body.get("options"), "options"):
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
    return {"options": options} if body.get("return_options") else OK


def delete_select_options(call: Call) -> Json:
    """``deleteSelectOption``: removed options also vanish from cells."""
    body = call.body()
    table, column = _select_column(call, body)
    names = {str(n) for n in list_field(body.get("option_names"), "option_names")}
    column["data"]["options"] = [o for o in column["data"]["options"] if o["name"] not in names]
    _rewrite_select_cells(call, table, column, dict.fromkeys(names))
    call.store.save(call.base)
    return OK


def _rewrite_select_cells(
    call: Call, table: Json, column: Json, renames: Mapping[str, str | None]
) -> None:
    """Apply option renames (None: removal) to every cell of a select column."""
    if not renames:
        return
    updates: list[tuple[str, Mapping[str, Any]]] = []
    for row in call.rows(table, keys=False):
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
    return OK

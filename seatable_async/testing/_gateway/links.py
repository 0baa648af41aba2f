"""Link handlers: query, create, update, delete and auto-link row links."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from .._errors import gateway_error
from .._store import Json
from ._call import NATURAL, OK, POSITIVE, Call, int_field, list_field

__all__ = [
    "auto_link_task",
    "auto_links",
    "create_links",
    "delete_links",
    "query_links",
    "update_links",
]

LINKS_DEFAULT_LIMIT = 10


LINKS_MAX_LIMIT = 100


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
    for spec in list_field(body.get("rows"), "rows"):
        if not isinstance(spec, dict) or "row_id" not in spec:
            raise gateway_error(400, "rows invalid")
        limit = min(int_field(spec, "limit", POSITIVE, LINKS_DEFAULT_LIMIT), LINKS_MAX_LIMIT)
        offset = int_field(spec, "offset", NATURAL, 0)
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
    return OK


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
    for spec in list_field(body.get("matching_keys"), "matching_keys"):
        if not isinstance(spec, dict):
            raise gateway_error(400, "matching_keys invalid")
        left = call.store.column(own, str(spec.get("table1_key")))
        right = call.store.column(other, str(spec.get("table2_key")))
        if {left["type"], right["type"]} & {"formula", "link-formula", "link"}:
            raise gateway_error(400, "formula and link columns can not be matched")
        pairs.append((left, right))
    if not pairs:
        raise gateway_error(400, "matching_keys invalid")
    own_rows = call.rows(own, keys=True)
    other_rows = call.rows(other, keys=True)
    mapping: dict[str, list[str]] = {}
    for row in own_rows:
        key = tuple(row[left["key"]] for left, _ in pairs)
        if None in key:
            continue
        matches = [o["_id"] for o in other_rows if tuple(o[r["key"]] for _, r in pairs) == key]
        if matches:
            mapping[row["_id"]] = matches
    call.store.set_links(call.base, own, link, mapping, mode="add")
    task_id = str(uuid.UUID(bytes=call.state.rng.randbytes(16)))
    call.state.tasks[task_id] = "success"
    return {"task_id": task_id}


def auto_link_task(call: Call) -> Json:
    """``autoLinkTask``: the task id may come as a query parameter or in a JSON body."""
    task_id = call.request.query_params.get("task_id")
    if task_id is None:
        task_id = str((call.body()).get("task_id", ""))
    status = call.state.tasks.get(task_id)
    if status is None:
        raise gateway_error(404, f"task {task_id} not found")
    return {"status": status}


def update_links(call: Call) -> Json:
    """``updateRowLink``: replace the links of each listed row."""
    table, link, mapping = _link_request(call, call.body())
    call.store.set_links(call.base, table, link, mapping, mode="replace")
    return OK


def delete_links(call: Call) -> Json:
    """``deleteRowLink``: counts requested pairs, like SeaTable 6.0 does (API_ISSUES #9)."""
    table, link, mapping = _link_request(call, call.body())
    count = call.store.set_links(call.base, table, link, mapping, mode="remove")
    return {"deleted_links_count": count, "success": True}

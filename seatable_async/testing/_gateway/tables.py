"""Table handlers: create, rename, delete, duplicate."""

from __future__ import annotations

from .._errors import gateway_error
from .._store import Json
from ._call import OK, Call

__all__ = ["create_table", "delete_table", "duplicate_table", "rename_table"]


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
    return OK


def delete_table(call: Call) -> Json:
    """``deleteTable``."""
    body = call.body()
    call.store.delete_table(call.base, call.table(body))
    return OK


def duplicate_table(call: Call) -> Json:
    """``duplicateTable``: ``<name>(copy)``, optionally with its rows."""
    body = call.body()
    table = call.table(body)
    copy = call.store.duplicate_table(call.base, table, bool(body.get("is_duplicate_records")))
    return {**copy, "rows": [], "id_row_map": {}}

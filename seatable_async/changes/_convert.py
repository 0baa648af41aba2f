"""SeaTable operations (socket.io messages, operation-log entries) as typed change events.

An operation names cells by column key and select values by option id; events name both as
the rest of the client does (column names, option names, long text as its text). A key the
metadata does not know is kept as it is (``_id``, ``_mtime``, a column added since it was read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from ._events import Change, ChangeSourceName, RowDeleted, RowInserted, RowUpdated, SchemaChanged

__all__ = [
    "ROW_OPERATIONS",
    "SCHEMA_SUFFIXES",
    "changes_of_operation",
    "is_schema_operation",
    "row_by_names",
    "table_of",
]

Json = Mapping[str, Any]
_RowPart = tuple[str, Json, Json | None]
"""A row an operation touched: its id, its cells (new, or last for a delete), its old cells."""
_Rows = Callable[[Json], Iterator[_RowPart]]
"""Where an operation keeps its rows."""


def _single(cells: str, old: str | None = None) -> _Rows:
    """Rows of a one-row operation: ``row_id`` with the cells under ``cells`` (and ``old``)."""

    def rows(operation: Json) -> Iterator[_RowPart]:
        row_id = operation.get("row_id")
        if isinstance(row_id, str):
            yield row_id, _dict(operation.get(cells)), _old(operation, old)

    return rows


def _batch(cells: str, old: str | None = None) -> _Rows:
    """Rows of a batch operation: ``row_ids``, with per-row cells as a list in the same order
    or as a mapping by row id (``updated``/``old_rows`` of ``modify_rows``)."""

    def rows(operation: Json) -> Iterator[_RowPart]:
        row_ids = operation.get("row_ids")
        if not isinstance(row_ids, list):
            return
        for index, row_id in enumerate(row_ids):
            if isinstance(row_id, str):
                olds = None if old is None else _nth(operation.get(old), index, row_id)
                yield row_id, _nth(operation.get(cells), index, row_id), olds

    return rows


ROW_OPERATIONS: Mapping[str, tuple[type[RowInserted | RowUpdated | RowDeleted], _Rows]] = {
    "insert_row": (RowInserted, _single("row_data")),
    "append_row": (RowInserted, _single("row_data")),
    "insert_rows": (RowInserted, _batch("row_datas")),
    "append_rows": (RowInserted, _batch("row_datas")),
    "modify_row": (RowUpdated, _single("updated", "old_row")),
    "modify_rows": (RowUpdated, _batch("updated", "old_rows")),
    "delete_row": (RowDeleted, _single("deleted_row")),
    "delete_rows": (RowDeleted, _batch("deleted_rows")),
}
"""Row operations: the event each row makes, and where the operation keeps its rows."""


SCHEMA_SUFFIXES = ("_table", "_column", "_columns", "_view", "_column_options", "_cascade")
"""An ``op_type`` ending so changes tables, columns or views (``insert_column``,
``rename_table``, ``modify_view``...); others (row locks, links) make no event."""


def is_schema_operation(op_type: str) -> bool:
    """Whether an operation changes tables, columns or views."""
    return op_type.endswith(SCHEMA_SUFFIXES)


def _dict(value: object) -> Json:
    return value if isinstance(value, Mapping) else {}


def _old(operation: Json, key: str | None) -> Json | None:
    return None if key is None else _dict(operation.get(key))


def _nth(value: object, index: int, row_id: str) -> Json:
    """The ``index``-th row of a list, or the row under ``row_id`` of a mapping."""
    if isinstance(value, list):
        return _dict(value[index]) if index < len(value) else {}
    return _dict(value.get(row_id)) if isinstance(value, Mapping) else {}


def table_of(metadata: Json | None, table_id: object) -> Json | None:
    """The metadata's table with that ``_id``."""
    tables = metadata.get("tables") if metadata is not None else None
    if not isinstance(tables, list):
        return None
    return next((t for t in tables if isinstance(t, dict) and t.get("_id") == table_id), None)


def _select_names(column: Json) -> dict[Any, Any]:
    data = column.get("data")
    options = data.get("options") if isinstance(data, Mapping) else None
    if not isinstance(options, list):
        return {}
    return {o.get("id"): o.get("name") for o in options if isinstance(o, Mapping)}


def _single_select(value: Any, column: Json) -> Any:
    return _select_names(column).get(value, value) if isinstance(value, str) else value


def _multiple_select(value: Any, column: Json) -> Any:
    if not isinstance(value, list):
        return value
    names = _select_names(column)
    return [names.get(v, v) if isinstance(v, str) else v for v in value]


def _long_text(value: Any, column: Json) -> Any:
    return value.get("text", "") if isinstance(value, Mapping) else value


_VALUE_READERS: Mapping[str, Callable[[Any, Json], Any]] = {
    "single-select": _single_select,
    "multiple-select": _multiple_select,
    "long-text": _long_text,
}
"""Column types whose operation values differ from what the REST API returns."""


def row_by_names(cells: Json, table: Json | None) -> dict[str, Any]:
    """Cells keyed by column key as a row keyed by column name, values as the REST API shows."""
    columns = table.get("columns") if table is not None else None
    by_key = {
        c.get("key"): c
        for c in (columns if isinstance(columns, list) else ())
        if isinstance(c, dict)
    }
    row: dict[str, Any] = {}
    for key, value in cells.items():
        column = by_key.get(key)
        if column is None:
            row[key] = value
            continue
        reader = _VALUE_READERS.get(str(column.get("type")))
        row[str(column.get("name"))] = value if reader is None else reader(value, column)
    return row


def _table_id(operation: Json, metadata: Json | None) -> str:
    """The table an operation is about: its ``table_id``, or the table it names."""
    table_id = operation.get("table_id")
    if isinstance(table_id, str):
        return table_id
    data = operation.get("table_data")
    if isinstance(data, Mapping) and isinstance(data.get("_id"), str):
        return str(data["_id"])
    name = operation.get("table_name")
    tables = metadata.get("tables") if metadata is not None else None
    for table in tables if isinstance(tables, list) else ():
        if isinstance(table, dict) and table.get("name") == name:
            return str(table.get("_id"))
    return ""


def changes_of_operation(
    operation: Json,
    metadata: Json | None,
    *,
    cursor: str,
    source: ChangeSourceName,
    op_time: datetime | None = None,
    op_user: str | None = None,
) -> list[Change]:
    """The events of one operation, in its row order: one per row of a row operation, one
    :class:`SchemaChanged` for a change of tables, columns or views, none for anything else."""
    op_type = str(operation.get("op_type"))
    table_id = _table_id(operation, metadata)
    table = table_of(metadata, table_id)
    table_name = table.get("name") if table is not None else operation.get("table_name")
    common: dict[str, Any] = {
        "table_id": table_id,
        "table_name": table_name if isinstance(table_name, str) else None,
        "cursor": cursor,
        "op_time": op_time,
        "source": source,
        "op_user": op_user,
        "raw": operation,
    }
    handled = ROW_OPERATIONS.get(op_type)
    if handled is None:
        if not is_schema_operation(op_type):
            return []
        return [SchemaChanged(row_id=None, op_type=op_type, detail=operation, **common)]
    kind, rows = handled
    changes: list[Change] = []
    for row_id, cells, old in rows(operation):
        row = row_by_names(cells, table)
        if kind is RowUpdated:
            olds = None if old is None else row_by_names(old, table)
            changes.append(RowUpdated(row_id=row_id, row=row, old_values=olds, **common))
        else:
            changes.append(kind(row_id=row_id, row=row, **common))
    return changes

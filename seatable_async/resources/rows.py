"""Rows: list, page through, get, append, insert, update, delete, lock and unlock."""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from .._constants import DEFAULT_BATCH_LIMITS, MAX_LIST_ROWS
from .._encoding import row_values
from .._exceptions import InvalidInputError, SeaTableError
from .._operations import Operation
from .._validation import (
    check_range,
    is_object,
    optional_flag,
    optional_text,
    require_flag,
    require_int,
    require_text,
    without_none,
)
from ..types import AppendedRows, RowsPage, Success
from ._batch import in_chunks
from ._resource import Row
from .base_info import BaseInfoResource

_ROWS = "/api-gateway/api/v2/dtables/{base_uuid}/rows/"
_GATEWAY = "/api-gateway/api/v2/dtables/{base_uuid}/"
LIST_ROWS: Operation[RowsPage] = Operation(
    "list_rows", "listRows", "GET", _ROWS, "base", RowsPage, max_items=MAX_LIST_ROWS
)
GET_ROW: Operation[Row] = Operation("get_row", "getRow", "GET", _ROWS + "{row_id}/", "base", dict)
APPEND_ROWS: Operation[AppendedRows] = Operation(
    "batch_append_rows", "appendRows", "POST", _ROWS, "base", AppendedRows,
    max_items=DEFAULT_BATCH_LIMITS.append_rows,
)  # fmt: skip
UPDATE_ROWS: Operation[Success] = Operation(
    "batch_update_rows", "updateRow", "PUT", _ROWS, "base", Success,
    max_items=DEFAULT_BATCH_LIMITS.update_rows,
)  # fmt: skip
DELETE_ROWS: Operation[Success] = Operation(
    "batch_delete_rows", "deleteRow", "DELETE", _ROWS, "base", Success,
    max_items=DEFAULT_BATCH_LIMITS.delete_rows,
)  # fmt: skip
LOCK_ROWS: Operation[Success] = Operation(
    "lock_rows", "lockRows", "PUT", _GATEWAY + "lock-rows/", "base", Success
)
UNLOCK_ROWS: Operation[Success] = Operation(
    "unlock_rows", "unlockRows", "PUT", _GATEWAY + "unlock-rows/", "base", Success
)
_ONE_ROW_APPENDED = {"first_row": is_object}
"""What `append_row` reads of an `appendRows` answer."""
_NO_SORTING = (
    "list_rows cannot sort: SeaTable's listRows dropped order_by and direction in 4.4 (a server "
    "ignores them); sort the view, or use query() with ORDER BY"
)
_UPDATE_KEYS = frozenset({"row_id", "row"})
_T = TypeVar("_T")


class RowsResource(BaseInfoResource):
    """Row operations with the official SDK's names and argument order."""

    """How batch methods split their input; a client may set its own."""

    async def list_rows(
        self,
        table_name: str,
        view_name: str | None = None,
        order_by: str | None = None,
        desc: bool = False,
        start: int | None = None,
        limit: int | None = None,
    ) -> list[Row]:
        """One page of rows keyed by column name (server default: the first 1000; `listRows`).

        With a view, only the view's rows and visible columns, in its order. `order_by` and
        `desc` keep the official SDK's positions but are refused: SeaTable no longer sorts here.
        """
        if order_by is not None or require_flag("desc", desc):
            raise InvalidInputError(_NO_SORTING)
        params = without_none(
            table_name=require_text("table_name", table_name),
            view_name=optional_text("view_name", view_name),
            start=check_range("start", start, 0),
            limit=check_range("limit", limit, 1, MAX_LIST_ROWS),
            convert_keys=True,
        )
        answer = await self._call(LIST_ROWS, params=params)
        return answer["rows"]

    def iter_rows(
        self, table_name: str, view_name: str | None = None, page_size: int = MAX_LIST_ROWS
    ) -> AsyncIterator[Row]:
        """Every row of a table or view (`async for`), holding one `listRows` page at a time.

        Pages by offset, each its own call: rows added or deleted meanwhile may shift a page.
        """
        require_text("table_name", table_name)
        optional_text("view_name", view_name)
        require_int("page_size", page_size, 1, MAX_LIST_ROWS)
        return _RowIterator(self, table_name, view_name, page_size)

    async def get_row(self, table_name: str, row_id: str) -> Row:
        """One row by `_id`, keyed by column name (`getRow`)."""
        params = {"table_name": require_text("table_name", table_name), "convert_keys": True}
        segments = {"row_id": require_text("row_id", row_id)}
        return await self._call(GET_ROW, segments=segments, params=params)

    async def append_row(
        self,
        table_name: str,
        row_data: Mapping[str, Any],
        apply_default: bool | None = None,
    ) -> Row:
        """Appends one row and returns it keyed by column name, with its new `_id`.

        Not retried on 5xx or after a timeout: the server may have stored it already.
        """
        body = without_none(
            table_name=require_text("table_name", table_name),
            rows=[row_values("row_data", row_data)],
            apply_default=optional_flag("apply_default", apply_default),
        )
        written = [name for name in body["rows"][0] if not name.startswith("_")]
        async with self._call_scope("append_row()"):
            names, fresh = await self._column_names(table_name, knowing=written)
            answer = await self._call(APPEND_ROWS, json=body, expect=_ONE_ROW_APPENDED)
            return await self._named(table_name, answer["first_row"], names, fresh=fresh)

    async def insert_row(
        self,
        table_name: str,
        row_data: Mapping[str, Any],
        anchor_row_id: str,
        apply_default: bool | None = None,
    ) -> Row:
        """`append_row`: 6.2's `appendRows` takes no anchor (no operation uses the spec's
        `insert_row` schema), so the row goes last, as in the official SDK."""
        require_text("anchor_row_id", anchor_row_id)
        return await self.append_row(table_name, row_data, apply_default)

    async def batch_append_rows(
        self,
        table_name: str,
        rows_data: Iterable[Mapping[str, Any]],
        apply_default: bool | None = None,
    ) -> AppendedRows:
        """Appends any number of rows in `appendRows` calls of `append_rows` rows, in order.

        Never retried once sent. If a call fails, the error's `partial` holds the count and ids
        the earlier calls stored; the failed call's rows may or may not have been stored.
        """
        table_name = require_text("table_name", table_name)
        rows = [row_values(f"rows_data[{i}]", row) for i, row in enumerate(_items(rows_data))]
        flag = optional_flag("apply_default", apply_default)

        async def send(chunk: Sequence[dict[str, Any]]) -> AppendedRows:
            body = without_none(table_name=table_name, rows=list(chunk), apply_default=flag)
            return await self._call(APPEND_ROWS, json=body)

        nothing: AppendedRows = {"inserted_row_count": 0, "row_ids": []}
        size = self._batch_limits.append_rows
        return await in_chunks("batch_append_rows", rows, size, send, nothing)

    async def update_row(
        self, table_name: str, row_id: str, row_data: Mapping[str, Any]
    ) -> Success:
        """Sets some cells of one row, by column name (`updateRow`); safe to repeat."""
        return await self.batch_update_rows(table_name, [{"row_id": row_id, "row": row_data}])

    async def batch_update_rows(
        self, table_name: str, rows_data: Iterable[Mapping[str, Any]]
    ) -> Success:
        """Applies `{"row_id": ..., "row": {...}}` updates in `updateRow` calls of
        `update_rows` updates, in order; safe to repeat, so retried like a read."""
        table_name = require_text("table_name", table_name)
        updates = [_update(f"rows_data[{i}]", item) for i, item in enumerate(_items(rows_data))]

        async def send(chunk: Sequence[dict[str, Any]]) -> Success:
            body = {"table_name": table_name, "updates": list(chunk)}
            return await self._call(UPDATE_ROWS, json=body)

        size = self._batch_limits.update_rows
        return await in_chunks("batch_update_rows", updates, size, send, {"success": True})

    async def delete_row(self, table_name: str, row_id: str) -> Success:
        """Deletes one row by `_id` (`deleteRow`)."""
        return await self.batch_delete_rows(table_name, [row_id])

    async def batch_delete_rows(self, table_name: str, row_ids: Iterable[str]) -> Success:
        """Deletes rows by `_id` in `deleteRow` calls of `delete_rows` ids; safe to repeat."""
        table_name = require_text("table_name", table_name)
        ids = _row_ids(row_ids)

        async def send(chunk: Sequence[str]) -> Success:
            body = {"table_name": table_name, "row_ids": list(chunk)}
            return await self._call(DELETE_ROWS, json=body)

        size = self._batch_limits.delete_rows
        return await in_chunks("batch_delete_rows", ids, size, send, {"success": True})

    async def lock_rows(self, table_name: str, row_ids: Iterable[str]) -> Success:
        """Locks rows against editing (`lockRows`, enterprise only); locked ones may be included."""
        body = {"table_name": require_text("table_name", table_name), "row_ids": _row_ids(row_ids)}
        return await self._call(LOCK_ROWS, json=body)

    async def unlock_rows(self, table_name: str, row_ids: Iterable[str]) -> Success:
        """Unlocks rows (`unlockRows`); unlocked ones may be included."""
        body = {"table_name": require_text("table_name", table_name), "row_ids": _row_ids(row_ids)}
        return await self._call(UNLOCK_ROWS, json=body)

    async def _named(self, table_name: str, row: Row, names: dict[str, str], *, fresh: bool) -> Row:
        """A row the server keyed by column key (as append answers), keyed by name instead.

        A key the names lack means the schema changed: unless they were just read, the
        metadata is read once more. Runs after a write succeeded, so it never raises: a column
        it cannot name (metadata unreachable) keeps its key rather than failing a stored row.
        """
        if not fresh and not all(key.startswith("_") or key in names for key in row):
            self._schema.invalidate()
            with contextlib.suppress(SeaTableError):
                refreshed, _ = await self._column_names(table_name)
                names = {**names, **refreshed}
        return {names.get(key, key): value for key, value in row.items()}


class _RowIterator:
    """The rows of `iter_rows`. A page that fails to load is asked for again by the next
    `__anext__`, so iteration may go on after an error; nothing needs closing."""

    def __init__(
        self, rows: RowsResource, table_name: str, view_name: str | None, page_size: int
    ) -> None:
        self._rows = rows
        self._table_name = table_name
        self._view_name = view_name
        self._page_size = page_size
        self._page: deque[Row] = deque()
        self._start = 0
        self._last_page = False

    def __aiter__(self) -> _RowIterator:
        return self

    async def __anext__(self) -> Row:
        if not self._page and not self._last_page:
            page = await self._rows.list_rows(
                self._table_name, self._view_name, start=self._start, limit=self._page_size
            )
            self._page, self._start = deque(page), self._start + self._page_size
            self._last_page = len(page) < self._page_size
        if not self._page:
            raise StopAsyncIteration
        return self._page.popleft()


def _items(value: object, name: str = "rows_data") -> list[Any]:
    """The items of a list, tuple or other iterable (not a string or mapping), read once."""
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{name} must be a list, got {type(value).__name__}")
    return list(value)


def _row_ids(value: object) -> list[str]:
    return [
        require_text(f"row_ids[{i}]", row_id) for i, row_id in enumerate(_items(value, "row_ids"))
    ]


def _update(name: str, item: object) -> dict[str, Any]:
    """One `{"row_id": ..., "row": {...}}` update, checked and encoded."""
    if not isinstance(item, Mapping) or set(item) != _UPDATE_KEYS:
        raise InvalidInputError(f"{name} must be {{'row_id': ..., 'row': {{...}}}}")
    return {
        "row_id": require_text(f"{name}['row_id']", item["row_id"]),
        "row": row_values(f"{name}['row']", item["row"]),
    }

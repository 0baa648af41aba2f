"""Rows: list and append (the pattern every later row operation follows)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from .._constants import MAX_LIST_ROWS
from .._encoding import row_values
from .._exceptions import SeaTableError
from .._operations import Operation
from .._validation import (
    check_range,
    is_object,
    optional_flag,
    optional_text,
    require_text,
    without_none,
)
from ..types import AppendedRows, RowsPage
from ._resource import Row
from .base_info import BaseInfoResource

_ROWS = "/api-gateway/api/v2/dtables/{base_uuid}/rows/"
LIST_ROWS: Operation[RowsPage] = Operation(
    "list_rows", "listRows", "GET", _ROWS, "base", RowsPage, max_items=MAX_LIST_ROWS
)
APPEND_ROWS: Operation[AppendedRows] = Operation(
    "batch_append_rows", "appendRows", "POST", _ROWS, "base", AppendedRows, max_items=1000
)
_ONE_ROW_APPENDED = {"first_row": is_object}
"""What `append_row` reads of an `appendRows` answer."""


class RowsResource(BaseInfoResource):
    """Row operations with the official SDK's names and argument order."""

    async def list_rows(
        self,
        table_name: str,
        view_name: str | None = None,
        *,
        start: int | None = None,
        limit: int | None = None,
    ) -> list[Row]:
        """One page of rows keyed by column name (server default: the first 1000).

        With a view, only the view's rows and visible columns are returned.
        """
        params = without_none(
            table_name=require_text("table_name", table_name),
            view_name=optional_text("view_name", view_name),
            start=check_range("start", start, 0),
            limit=check_range("limit", limit, 1, MAX_LIST_ROWS),
            convert_keys=True,
        )
        answer = await self._call(LIST_ROWS, params=params)
        return answer["rows"]

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

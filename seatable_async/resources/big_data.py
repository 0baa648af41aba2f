"""Big data: rows added straight to the big-data (archive) backend, and rows moved to it and
back. `archive_view` and `unarchive_rows` are this library's names; the official SDK has none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._constants import DEFAULT_BATCH_LIMITS
from .._encoding import row_values
from .._exceptions import InvalidInputError
from .._operations import Operation
from .._validation import require_ids, require_text
from ..types import BigDataRowsAdded, RowsUnarchived, ViewArchived
from ._batch import in_chunks
from .base_info import BaseInfoResource

_GATEWAY = "/api-gateway/api/v2/dtables/{base_uuid}/"
ADD_BIG_DATA_ROWS: Operation[BigDataRowsAdded] = Operation(
    "big_data_insert_rows", "addBigDataRows", "POST", _GATEWAY + "add-archived-rows/", "base",
    BigDataRowsAdded, max_items=DEFAULT_BATCH_LIMITS.big_data_rows,
)  # fmt: skip
ARCHIVE_VIEW: Operation[ViewArchived] = Operation(
    "archive_view", "moveRowsToBigData", "POST", _GATEWAY + "archive-view/", "base",
    ViewArchived, idempotent=True,
)  # fmt: skip
"""Safe to repeat: a second call finds the view's rows already moved."""
UNARCHIVE_ROWS: Operation[RowsUnarchived] = Operation(
    "unarchive_rows", "moveRowsToNormalBackend", "POST", _GATEWAY + "unarchive/", "base",
    RowsUnarchived, idempotent=True,
)  # fmt: skip
"""Safe to repeat: rows already in the normal backend stay there."""


class BigDataResource(BaseInfoResource):
    """The big-data backend, which the base must have enabled."""

    async def big_data_insert_rows(
        self, table_name: str, rows_data: Sequence[Mapping[str, Any]]
    ) -> BigDataRowsAdded:
        """Adds rows (by column name) to the big-data backend (`addBigDataRows`), any number,
        in order, 1000 a call; not retried once sent, a part-way failure says how far it got."""
        table = require_text("table_name", table_name)
        if not isinstance(rows_data, (list, tuple)):
            raise InvalidInputError("rows_data must be a list of rows")
        rows = [row_values(f"rows_data[{i}]", row) for i, row in enumerate(rows_data)]

        async def send(chunk: Sequence[dict[str, Any]]) -> BigDataRowsAdded:
            body = {"table_name": table, "rows": list(chunk)}
            return await self._call(ADD_BIG_DATA_ROWS, json=body)

        size = self._batch_limits.big_data_rows
        return await in_chunks("big_data_insert_rows", rows, size, send, {"inserted_row_count": 0})

    async def archive_view(self, table_name: str, view_name: str) -> ViewArchived:
        """Moves every row of a view to the big-data backend (`moveRowsToBigData`)."""
        body = {
            "table_name": require_text("table_name", table_name),
            "view_name": require_text("view_name", view_name),
        }
        return await self._call(ARCHIVE_VIEW, json=body)

    async def unarchive_rows(self, table_name: str, row_ids: Sequence[str]) -> RowsUnarchived:
        """Moves rows back from the big-data backend to the normal one (`moveRowsToNormalBackend`);
        the server does it in a task. The table may be named or given by id."""
        require_text("table_name", table_name)
        ids = require_ids("row_ids", row_ids)
        if not ids:
            raise InvalidInputError("row_ids must name at least one row")
        async with self._call_scope("unarchive_rows()"):
            table, _ = await self._table(table_name)
            return await self._call(UNARCHIVE_ROWS, json={"table_id": table["_id"], "row_ids": ids})

"""Filters: the official SDK's `filter` condition strings and `filter_rows` filters, run as
parameterized SQL paged to every matching row (SeaTable's SQL alone stops at 100)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._exceptions import InvalidInputError
from .._filters import (
    condition_columns,
    conditions_to_sql,
    filter_columns,
    filters_to_sql,
    parse_conditions,
)
from .._validation import optional_text, require_text
from ._resource import Row
from .base_info import objects, table_in
from .rows import RowsResource
from .sql import SQLResource


class FiltersResource(RowsResource, SQLResource):
    """`filter` and `filter_rows` with the official SDK's names and argument order.

    Both return every matching row keyed by column name, in `_id` order, or in the view's
    order when a view is given; a view's rows are listed with `listRows` and intersected.
    """

    async def filter(
        self, table_name: str, conditions: str = "", view_name: str | None = None
    ) -> list[Row]:
        """The rows matching a condition string like `"Age > 30 and Name like 'A%'"` (`querySQL`).

        The official SDK returns a QuerySet over the first 1000 rows; this returns the rows.
        """
        require_text("table_name", table_name)
        optional_text("view_name", view_name)
        tree = parse_conditions(conditions)
        async with self._call_scope("filter()"):
            names = condition_columns(tree)
            name, columns = await self._filter_schema(table_name, names, view_name)
            sql, parameters = conditions_to_sql(tree, name, columns)
            return await self._filtered(sql, parameters, table_name, view_name)

    async def filter_rows(
        self,
        table_name: str,
        filters: Sequence[Mapping[str, Any]],
        view_name: str | None = None,
        filter_conjunction: str = "And",
    ) -> list[Row]:
        """The rows matching SeaTable view filters (`column_name`, `filter_predicate`, ...),
        as SQL (`querySQL`) rather than the SDK's deprecated `filtered-rows` endpoint."""
        require_text("table_name", table_name)
        optional_text("view_name", view_name)
        named = filter_columns(filters, filter_conjunction)
        async with self._call_scope("filter_rows()"):
            name, columns = await self._filter_schema(table_name, named, view_name)
            sql, parameters = filters_to_sql(filters, filter_conjunction, name, columns)
            return await self._filtered(sql, parameters, table_name, view_name)

    async def _filter_schema(
        self, table_name: str, names: Sequence[str], view_name: str | None
    ) -> tuple[str, list[dict[str, Any]]]:
        """The table's name and columns, from the cached metadata unless it lacks the table,
        a column of `names` or the view: then the metadata is read again, once."""
        cached = self._schema.metadata
        table = table_in(cached, table_name) if cached is not None else None
        if table is None or not _knows(table, names, view_name):
            table = table_in(await self.get_metadata(), table_name)
        if table is None:
            raise InvalidInputError(f"table_name: the base has no table {table_name!r}")
        if view_name is not None and not _has_view(table, view_name):
            raise InvalidInputError(f"view_name: table {table_name!r} has no view {view_name!r}")
        name = table.get("name")
        return name if isinstance(name, str) else table_name, objects(table.get("columns"))

    async def _filtered(
        self, sql: str, parameters: list[object], table_name: str, view_name: str | None
    ) -> list[Row]:
        """Every row the statement selects; with a view, those the view shows, in its order.

        SQL cannot name a view, so the view's row ids are listed (only when some row matched).
        """
        rows = await self.query_all(sql, parameters)
        if view_name is None or not rows:
            return rows
        ids = await self._view_row_ids(table_name, view_name)
        order = {row_id: index for index, row_id in enumerate(ids)}
        shown = [row for row in rows if isinstance(row.get("_id"), str) and row["_id"] in order]
        return sorted(shown, key=lambda row: order[row["_id"]])

    async def _view_row_ids(self, table_name: str, view_name: str) -> list[str]:
        """The ids of a view's rows in its order, read page by page."""
        return [
            row["_id"]
            async for row in self.iter_rows(table_name, view_name)
            if isinstance(row.get("_id"), str)
        ]


def _knows(table: dict[str, Any], names: Sequence[str], view_name: str | None) -> bool:
    """Whether a table's metadata holds every column of `names` and the view."""
    known = {column.get("name") for column in objects(table.get("columns"))}
    return set(names) <= known and (view_name is None or _has_view(table, view_name))


def _has_view(table: dict[str, Any], view_name: str) -> bool:
    """Whether the table has a view of that name (or id)."""
    return any(
        view_name in (view.get("name"), view.get("_id")) for view in objects(table.get("views"))
    )

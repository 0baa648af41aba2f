"""Links between rows: create, replace and remove them, list a row's linked records, and find a
link column's `link_id`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from .._constants import DEFAULT_BATCH_LIMITS, MAX_LINKED_RECORDS
from .._exceptions import InvalidInputError
from .._operations import Operation
from .._validation import AnswerCheck, check_range, is_rows, is_text, require_ids, require_text
from ..types import LinkedRecord, LinkedRecords, LinksDeleted, LinksWritten
from ._batch import in_chunks
from .base_info import BaseInfoResource, objects

_LINKS = "/api-gateway/api/v2/dtables/{base_uuid}/links/"
CREATE_LINKS: Operation[LinksWritten] = Operation(
    "batch_add_links", "createRowLink", "POST", _LINKS, "base", LinksWritten,
    max_items=DEFAULT_BATCH_LIMITS.links,
)  # fmt: skip
UPDATE_LINKS: Operation[LinksWritten] = Operation(
    "batch_update_links", "updateRowLink", "PUT", _LINKS, "base", LinksWritten,
    max_items=DEFAULT_BATCH_LIMITS.links,
)  # fmt: skip
DELETE_LINKS: Operation[LinksDeleted] = Operation(
    "batch_remove_links", "deleteRowLink", "DELETE", _LINKS, "base", LinksDeleted,
    max_items=DEFAULT_BATCH_LIMITS.links,
)  # fmt: skip
QUERY_LINKS: Operation[LinkedRecords] = Operation(
    "get_linked_records", "listRowLinks", "POST",
    "/api-gateway/api/v2/dtables/{base_uuid}/query-links/", "base", LinkedRecords,
    idempotent=True, max_items=MAX_LINKED_RECORDS,
)  # fmt: skip
"""A read sent by POST: safe to repeat. `max_items` is the most records per row one call returns."""

_NOTHING: dict[Operation[Any], dict[str, Any]] = {
    CREATE_LINKS: {"success": True},
    UPDATE_LINKS: {"success": True},
    DELETE_LINKS: {"deleted_links_count": 0, "success": True},
}
"""What a batch of no rows answers (it sends nothing)."""
WrittenT = TypeVar("WrittenT", LinksWritten, LinksDeleted)
_ROW_SPEC_KEYS = frozenset({"row_id", "offset", "limit"})

LinkMap = Mapping[str, Sequence[str]]
"""Row id in the table → the row ids in the other table (`other_rows_ids_map`)."""
_Pairs = list[tuple[str, list[str]]]


def _link_map(name: str, value: object) -> _Pairs:
    """`other_rows_ids_map` checked, as (row id, other row ids) pairs in the order given."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{name} must map row ids to lists of other row ids")
    return [
        (require_text(f"{name} key", row_id), require_ids(f"{name}[{row_id!r}]", others))
        for row_id, others in value.items()
    ]


def _row_specs(rows: object) -> dict[str, tuple[int, int | None]]:
    """`rows` of `get_linked_records` checked: row id → (offset, how many records or None)."""
    if not isinstance(rows, (list, tuple)):
        raise InvalidInputError(f"rows must be a list of row dicts, got {type(rows).__name__}")
    specs: dict[str, tuple[int, int | None]] = {}
    for i, spec in enumerate(rows):
        where = f"rows[{i}]"
        if not isinstance(spec, Mapping) or not set(spec) <= _ROW_SPEC_KEYS:
            raise InvalidInputError(f"{where} must be a dict of row_id, offset and limit")
        row_id = require_text(f"{where}['row_id']", spec.get("row_id"))
        if row_id in specs:
            raise InvalidInputError(f"{where} asks for row {row_id!r} a second time")
        offset = check_range(f"{where}['offset']", spec.get("offset"), 0) or 0
        specs[row_id] = offset, check_range(f"{where}['limit']", spec.get("limit"), 1)
    return specs


class LinksResource(BaseInfoResource):
    """Link operations with the official SDK's names and argument order; tables by name or id
    (writes send the ids the spec requires, from the cached metadata)."""

    async def add_link(
        self, link_id: str, table_name: str, other_table_name: str, row_id: str, other_row_id: str
    ) -> LinksWritten:
        """Links one row to a row of the other table (`createRowLink`); linking twice fails.

        Not retried on 5xx or after a timeout: the server may have stored it already.
        """
        pairs = [(require_text("row_id", row_id), [require_text("other_row_id", other_row_id)])]
        async with self._call_scope("add_link()"):
            return await self._write_links(
                CREATE_LINKS, link_id, table_name, other_table_name, pairs
            )

    async def remove_link(
        self, link_id: str, table_name: str, other_table_name: str, row_id: str, other_row_id: str
    ) -> LinksDeleted:
        """Unlinks one pair of rows (`deleteRowLink`); other links stay."""
        pairs = [(require_text("row_id", row_id), [require_text("other_row_id", other_row_id)])]
        async with self._call_scope("remove_link()"):
            return await self._write_links(
                DELETE_LINKS, link_id, table_name, other_table_name, pairs
            )

    async def update_link(
        self,
        link_id: str,
        table_name: str,
        other_table_name: str,
        row_id: str,
        other_rows_ids: Sequence[str],
    ) -> LinksWritten:
        """Replaces the links of one row by `other_rows_ids` (`updateRowLink`); [] unlinks all."""
        pairs = [(require_text("row_id", row_id), require_ids("other_rows_ids", other_rows_ids))]
        async with self._call_scope("update_link()"):
            return await self._write_links(
                UPDATE_LINKS, link_id, table_name, other_table_name, pairs
            )

    async def batch_update_links(
        self,
        link_id: str,
        table_name: str,
        other_table_name: str,
        row_id_list: Sequence[str],
        other_rows_ids_map: LinkMap,
    ) -> LinksWritten:
        """Replaces the links of each row of `row_id_list` by its entry in the map
        (`updateRowLink`), any number of rows in order, 1000 a call; safe to repeat."""
        order = require_ids("row_id_list", row_id_list)
        links = dict(_link_map("other_rows_ids_map", other_rows_ids_map))
        if len(set(order)) != len(order) or set(order) != set(links):
            raise InvalidInputError(
                "row_id_list must name each row of other_rows_ids_map once, and no other"
            )
        pairs = [(row_id, links[row_id]) for row_id in order]
        return await self._write_links(UPDATE_LINKS, link_id, table_name, other_table_name, pairs)

    async def batch_add_links(
        self, link_id: str, table_name: str, other_table_name: str, other_rows_ids_map: LinkMap
    ) -> LinksWritten:
        """Creates the links of the map (`createRowLink`), any number of rows, 1000 a call.

        Not retried once sent: a call that fails part-way raises with `.partial` set.
        """
        pairs = _link_map("other_rows_ids_map", other_rows_ids_map)
        return await self._write_links(CREATE_LINKS, link_id, table_name, other_table_name, pairs)

    async def batch_remove_links(
        self, link_id: str, table_name: str, other_table_name: str, other_rows_ids_map: LinkMap
    ) -> LinksDeleted:
        """Removes the links of the map (`deleteRowLink`), any number of rows, 1000 a call."""
        pairs = _link_map("other_rows_ids_map", other_rows_ids_map)
        return await self._write_links(DELETE_LINKS, link_id, table_name, other_table_name, pairs)

    async def _write_links(
        self,
        operation: Operation[WrittenT],
        link_id: object,
        table_name: object,
        other_table_name: object,
        pairs: _Pairs,
    ) -> WrittenT:
        """Sends the pairs in calls of at most `max_items` rows, after the tables' ids."""
        link = require_text("link_id", link_id)
        own_name = require_text("table_name", table_name)
        other_name = require_text("other_table_name", other_table_name)
        nothing = cast(WrittenT, dict(_NOTHING[operation]))
        if not pairs:
            return nothing
        table, _ = await self._table(own_name)
        other_table, _ = await self._table(other_name)

        async def send(chunk: Sequence[tuple[str, list[str]]]) -> WrittenT:
            body = {
                "link_id": link,
                "table_id": table["_id"],
                "other_table_id": other_table["_id"],
                "other_rows_ids_map": dict(chunk),
            }
            return await self._call(operation, json=body)

        size = self._batch_limits.links
        return await in_chunks(operation.sdk_name, pairs, size, send, nothing)

    async def get_linked_records(
        self, table_id: str, link_column_key: str, rows: Sequence[Mapping[str, Any]]
    ) -> LinkedRecords:
        """Every record each row links to (`listRowLinks`), oldest first, from each row's
        `offset`, `limit` of them if given: pages of 100 for all the rows at once."""
        body = {
            "table_id": require_text("table_id", table_id),
            "link_column_key": require_text("link_column_key", link_column_key),
        }
        wanted = _row_specs(rows)
        found: dict[str, list[LinkedRecord]] = {row_id: [] for row_id in wanted}
        async with self._call_scope("get_linked_records()"):
            while wanted:
                pages = {
                    row_id: min(MAX_LINKED_RECORDS, left or MAX_LINKED_RECORDS)
                    for row_id, (_, left) in wanted.items()
                }
                specs = [
                    {"row_id": row_id, "offset": offset, "limit": pages[row_id]}
                    for row_id, (offset, _) in wanted.items()
                ]
                expect: dict[str, AnswerCheck] = {row_id: _is_records for row_id in wanted}
                answer = await self._call(QUERY_LINKS, json={**body, "rows": specs}, expect=expect)
                wanted = _still_wanted(wanted, pages, answer, found)
        return found

    async def get_column_link_id(self, table_name: str, column_name: str) -> str:
        """The `link_id` of a link column, from the cached metadata (`getMetadata`, read again
        at most once); a missing or other column is an `InvalidInputError`, no request."""
        require_text("table_name", table_name)
        require_text("column_name", column_name)
        async with self._call_scope("get_column_link_id()"):
            table, fresh = await self._table(table_name)
            column = _column_in(table, column_name)
            if column is None and not fresh:
                table, _ = await self._table(table_name, reread=True)
                column = _column_in(table, column_name)
        if column is None:
            raise InvalidInputError(f"table {table_name!r} has no column {column_name!r}")
        data = column.get("data")
        link_id = data.get("link_id") if isinstance(data, dict) else None
        if column.get("type") != "link" or not is_text(link_id):
            raise InvalidInputError(
                f"column {column_name!r} of table {table_name!r} is not a link column"
            )
        return link_id


def _is_records(records: object) -> bool:
    """Linked records, each naming the row it is (a longer page than asked is trimmed later)."""
    return is_rows(records) and all(is_text(record.get("row_id")) for record in records)


def _still_wanted(
    wanted: Mapping[str, tuple[int, int | None]],
    pages: Mapping[str, int],
    answer: Mapping[str, list[LinkedRecord]],
    found: dict[str, list[LinkedRecord]],
) -> dict[str, tuple[int, int | None]]:
    """Adds a page of records to `found`; the rows whose page came full, and where they go on."""
    more: dict[str, tuple[int, int | None]] = {}
    for row_id, (offset, left) in wanted.items():
        page = answer[row_id][: pages[row_id]]
        found[row_id].extend(page)
        rest = None if left is None else left - len(page)
        if len(page) == pages[row_id] and rest != 0:
            more[row_id] = offset + len(page), rest
    return more


def _column_in(table: Mapping[str, Any], column_name: str) -> dict[str, Any] | None:
    """The column of a table's metadata with that name, if any."""
    return next((c for c in objects(table.get("columns")) if c.get("name") == column_name), None)

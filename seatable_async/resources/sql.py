"""SQL: SELECT, INSERT, UPDATE and DELETE through `POST sql/`, and SELECTs paged to every row."""

from __future__ import annotations

import re
import warnings
from collections.abc import AsyncIterator, Sequence
from typing import Any

from .._encoding import json_value
from .._exceptions import InvalidInputError, SeaTableTruncationWarning
from .._operations import Operation
from .._sql_paging import Page, Pager, plan_pages, truncation_cap, truncation_message
from .._validation import AnswerCheck, is_rows, require_flag, require_text
from ..types import SQLResult
from ._resource import GatewayResource, Row

QUERY_SQL: Operation[SQLResult] = Operation(
    "query", "querySQL", "POST", "/api-gateway/api/v2/dtables/{base_uuid}/sql/", "base", SQLResult
)

_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*\n?|#[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_ANSWER: dict[bool, dict[str, AnswerCheck]] = {True: {"results": is_rows}, False: {}}
"""What a SELECT answer must hold; a write's answer is taken as it comes, never failing after it."""


def is_read_only(sql: str) -> bool:
    """True for a SELECT statement, which is safe to retry; writes are not."""
    statement = _LEADING_NOISE.sub("", sql).lstrip("(")
    return statement[:6].upper() == "SELECT" and not statement[6:7].isalnum()


class SQLResource(GatewayResource):
    """SeaTable's MySQL-like SQL; SELECT is retried like a GET, writes like an append."""

    async def query(
        self, sql: str, convert: bool = True, parameters: Sequence[Any] | None = None
    ) -> list[Row]:
        """The result rows (keyed by column name when `convert`); `?` binds `parameters`.

        SeaTable returns 100 rows unless the statement has a LIMIT, and 10000 at the most; an
        answer of exactly that many rows warns with `SeaTableTruncationWarning` (`querySQL`).
        """
        body = _body(sql, convert, parameters)
        rows = await self._sql(body)
        cap = truncation_cap(sql, body.get("parameters"))
        if cap is not None and len(rows) == cap:
            warnings.warn(truncation_message(cap), SeaTableTruncationWarning, stacklevel=2)
        return rows

    async def query_all(self, sql: str, parameters: Sequence[Any] | None = None) -> list[Row]:
        """Every row of a SELECT, keyed by column name: pages of 10000 ordered by a unique key,
        one `querySQL` call (retried like a GET) each; not a snapshot if rows change meanwhile."""
        return [row async for row in self.iter_query(sql, parameters)]

    def iter_query(
        self, sql: str, parameters: Sequence[Any] | None = None, *, page_size: int | None = None
    ) -> AsyncIterator[Row]:
        """`query_all`'s rows one at a time, holding one page (`page_size`, default 10000) in
        memory; the statement is checked when this is called, before any request."""
        return _QueryRows(self, _pager(sql, parameters, page_size))

    async def _sql(self, body: dict[str, Any]) -> list[Row]:
        """One `querySQL` call; a SELECT is safe to repeat and must answer rows."""
        read_only = is_read_only(body["sql"])
        answer = await self._call(
            QUERY_SQL, json=body, idempotent=read_only, expect=_ANSWER[read_only]
        )
        results = answer.get("results")
        return results if is_rows(results) else []

    async def _page(self, page: Page) -> list[Row]:
        """One page: a `querySQL` call, safe to repeat, whose answer holds at most the page."""
        body: dict[str, Any] = {"sql": page.sql, "convert_keys": True}
        if page.parameters is not None:
            body["parameters"] = list(page.parameters)
        expect = {"results": lambda rows: is_rows(rows) and len(rows) <= page.limit}
        answer = await self._call(QUERY_SQL, json=body, idempotent=True, expect=expect)
        rows: list[Row] = answer.get("results", [])
        return rows


class _QueryRows:
    """The rows of a paged SELECT, one page in memory; no generator, so an iterator left
    unfinished holds nothing open (trio warns about unfinished async generators).

    Each page is its own call with its own retry budget: no deadline spans a caller's pause
    between pages, nor bounds the length of an unbounded read.
    """

    def __init__(self, owner: SQLResource, pager: Pager) -> None:
        self._owner = owner
        self._pager = pager
        self._next: Page | None = pager.first()
        self._rows: list[Row] = []

    def __aiter__(self) -> _QueryRows:
        return self

    async def __anext__(self) -> Row:
        while not self._rows:
            page = self._next
            if page is None:
                raise StopAsyncIteration
            rows = await self._owner._page(page)
            self._next = self._pager.next(page, len(rows))
            self._rows = rows[::-1]
        return self._rows.pop()


def _body(sql: object, convert: object, parameters: object) -> dict[str, Any]:
    """The `querySQL` body, every argument checked."""
    body: dict[str, Any] = {
        "sql": require_text("sql", sql),
        "convert_keys": require_flag("convert", convert),
    }
    if parameters is not None:
        body["parameters"] = sql_parameters(parameters)
    return body


def _pager(sql: object, parameters: object, page_size: int | None) -> Pager:
    """The pages of a SELECT, or InvalidInputError for a statement that cannot be paged."""
    body = _body(sql, True, parameters)
    return plan_pages(body["sql"], body.get("parameters"), page_size=page_size)


def sql_parameters(parameters: object) -> list[Any]:
    """The values that replace the `?`s, each encoded like a cell value but never a list."""
    if isinstance(parameters, (str, bytes, bytearray)) or not isinstance(parameters, Sequence):
        raise InvalidInputError("parameters must be a list of values")
    values = [json_value(f"parameters[{i}]", value) for i, value in enumerate(parameters)]
    for i, value in enumerate(values):
        if isinstance(value, (list, dict)):
            raise InvalidInputError(f"parameters[{i}] must be a single value, not a collection")
    return values

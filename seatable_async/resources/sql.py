"""SQL: SELECT, INSERT, UPDATE and DELETE through `POST sql/`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .._encoding import json_value
from .._exceptions import InvalidInputError
from .._operations import Operation
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

        SeaTable returns 100 rows unless the statement has a LIMIT, and 10000 at the most.
        """
        body: dict[str, Any] = {
            "sql": require_text("sql", sql),
            "convert_keys": require_flag("convert", convert),
        }
        if parameters is not None:
            body["parameters"] = sql_parameters(parameters)
        read_only = is_read_only(sql)
        answer = await self._call(
            QUERY_SQL, json=body, idempotent=read_only, expect=_ANSWER[read_only]
        )
        results = answer.get("results")
        return results if is_rows(results) else []


def sql_parameters(parameters: object) -> list[Any]:
    """The values that replace the `?`s, each encoded like a cell value but never a list."""
    if isinstance(parameters, (str, bytes, bytearray)) or not isinstance(parameters, Sequence):
        raise InvalidInputError("parameters must be a list of values")
    values = [json_value(f"parameters[{i}]", value) for i, value in enumerate(parameters)]
    for i, value in enumerate(values):
        if isinstance(value, (list, dict)):
            raise InvalidInputError(f"parameters[{i}] must be a single value, not a collection")
    return values

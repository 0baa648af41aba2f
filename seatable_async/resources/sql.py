"""SQL: SELECT, INSERT, UPDATE and DELETE through `POST sql/`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .._exceptions import InvalidInputError
from .._validation import AnswerCheck, is_list, require_text
from ._resource import GatewayResource, Row

_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*\n?|#[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_PARAMETER_TYPES = (str, int, float, bool, type(None))
_ANSWER: dict[bool, dict[str, AnswerCheck]] = {True: {"results": is_list}, False: {}}
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
        body: dict[str, Any] = {"sql": require_text("sql", sql), "convert_keys": convert}
        if parameters is not None:
            if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence):
                raise InvalidInputError("parameters must be a list of values")
            if not all(isinstance(value, _PARAMETER_TYPES) for value in parameters):
                raise InvalidInputError("parameters must be strings, numbers, booleans or None")
            body["parameters"] = list(parameters)
        read_only = is_read_only(sql)
        answer = await self._gateway(
            "POST", "sql/", json=body, idempotent=read_only, expect=_ANSWER[read_only]
        )
        results: list[Row] = answer.get("results") or []
        return results

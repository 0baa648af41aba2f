"""Batches: any number of items sent in calls of at most a limit's size, in order, one after
another, with one answer that adds up all of them.

A failed call raises its own typed error (so `except RateLimitError` still works), with
`.partial` set to the merged answer of the calls before it and a note in its message saying
how far the batch got; the failed call's items may or may not have been applied.
Each call has its own `max_elapsed`: one budget for a whole 100,000-row batch would be either
too tight or too loose.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from .._exceptions import SeaTableError

ItemT = TypeVar("ItemT")
AnswerT = TypeVar("AnswerT", bound=Mapping[str, Any])


def merged(total: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """Two answers as one: counts added, lists joined in order, anything else kept as first seen."""
    result = dict(total)
    for key, value in answer.items():
        before = result.get(key)
        if _is_count(before) and _is_count(value):
            result[key] = before + value
        elif isinstance(before, list) and isinstance(value, list):
            result[key] = [*before, *value]
        elif key not in result:
            result[key] = value
    return result


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def in_chunks(
    name: str,
    items: Sequence[ItemT],
    size: int,
    send: Callable[[Sequence[ItemT]], Awaitable[AnswerT]],
    nothing: AnswerT,
) -> AnswerT:
    """Sends `items` in chunks of at most `size`, answers merged into `nothing` (no items: no
    request)."""
    total: dict[str, Any] = dict(nothing)
    calls = -(-len(items) // size)
    for number, start in enumerate(range(0, len(items), size)):
        chunk = items[start : start + size]
        try:
            answer = await send(chunk)
        except SeaTableError as error:
            _record_partial(error, total, name, number, calls, start, len(items))
            raise
        total = merged(total, answer)
    return cast(AnswerT, total)


def _record_partial(
    error: SeaTableError,
    stored: dict[str, Any],
    name: str,
    failed: int,
    calls: int,
    done: int,
    items: int,
) -> None:
    """Gives `error` what the calls before the failed one stored, as `partial`."""
    error.partial = dict(stored)
    if calls > 1:
        error.message += (
            f" ({name}: call {failed + 1} of {calls} failed; the calls before it covered"
            f" {done} of {items} items, their answers merged in .partial; the rest were not sent)"
        )
        error.args = (error.message, *error.args[1:])

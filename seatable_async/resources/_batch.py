"""Batches: any number of items sent in calls of at most an operation's `max_items`, in order,
one after another, with one answer that adds up the counts of all of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from .._exceptions import BatchIncompleteError, SeaTableError
from .._operations import Operation

ItemT = TypeVar("ItemT")
AnswerT = TypeVar("AnswerT", bound=Mapping[str, object])


def merged(total: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """Two answers as one: counts (ints) added up, any other field as the later one has it."""
    result = dict(total)
    for key, value in answer.items():
        before = result.get(key)
        counts = all(isinstance(v, int) and not isinstance(v, bool) for v in (before, value))
        result[key] = before + value if counts else value
    return result


async def in_chunks(
    operation: Operation[Any],
    items: Sequence[ItemT],
    send: Callable[[Sequence[ItemT]], Awaitable[AnswerT]],
    nothing: AnswerT,
) -> AnswerT:
    """Sends `items` in chunks of at most `max_items`, answers merged into `nothing` (no items:
    no request); a failure after a stored chunk is a `BatchIncompleteError`."""
    total: dict[str, Any] = dict(nothing)
    size = operation.max_items or len(items) or 1
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        try:
            answer = await send(chunk)
        except SeaTableError as error:
            if start == 0:
                raise
            raise BatchIncompleteError(
                f"{operation.sdk_name}: the first {start} of {len(items)} were stored; the call"
                f" with the next {len(chunk)} failed ({error}), and the rest were not sent",
                done=start,
                failed=len(chunk),
            ) from error
        total = merged(total, answer)
    return cast(AnswerT, total)

"""Counting API calls: per client (what users read as `client.usage`) and per job in progress.

SeaTable Cloud bills API calls per month, so every request that reaches the network counts,
retries and token exchanges included. The transport reports each request and each retry to
the client's counter and to every meter open in the current context (`metered()`), so a bulk
job can say how many calls it made however its chunks are spread over tasks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Usage", "UsageCounter", "count_request", "count_retry", "metered"]


@dataclasses.dataclass(frozen=True)
class Usage:
    """API calls counted so far; add two to combine them."""

    requests: int = 0
    """HTTP requests sent: every attempt of every call, token exchanges included."""
    retries: int = 0
    """Attempts that repeated a failed one (already included in `requests`)."""
    rate_limited: int = 0
    """Requests the server answered 429 Too Many Requests."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    def __sub__(self, other: Usage) -> Usage:
        return Usage(*(a - b for a, b in zip(_values(self), _values(other), strict=True)))


def _values(usage: Usage) -> tuple[int, ...]:
    return dataclasses.astuple(usage)


class UsageCounter:
    """A running count; `snapshot()` reads it as a frozen `Usage`."""

    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0

    def snapshot(self) -> Usage:
        return Usage(self.requests, self.retries, self.rate_limited)


_METERS: ContextVar[tuple[UsageCounter, ...]] = ContextVar("seatable_async_meters", default=())


@contextmanager
def metered() -> Iterator[UsageCounter]:
    """Counts the calls made inside the block, in this task and in tasks it starts."""
    counter = UsageCounter()
    reset = _METERS.set((*_METERS.get(), counter))
    try:
        yield counter
    finally:
        _METERS.reset(reset)


def _counters(client: UsageCounter | None) -> tuple[UsageCounter, ...]:
    meters = _METERS.get()
    return meters if client is None else (client, *meters)


def count_request(client: UsageCounter | None, status_code: int | None) -> None:
    """One request went out; `status_code` is None when no answer came back."""
    for counter in _counters(client):
        counter.requests += 1
        if status_code == 429:
            counter.rate_limited += 1


def count_retry(client: UsageCounter | None) -> None:
    """The retry layer is about to repeat a failed attempt."""
    for counter in _counters(client):
        counter.retries += 1

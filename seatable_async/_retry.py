"""The retry policy users configure, and the server-hint arithmetic the scheduler applies."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import anyio
import httpx

from ._exceptions import InvalidInputError

__all__ = ["RetryEvent", "RetryPolicy", "server_hint", "server_now"]

CLOCK_AGREEMENT = 1.0
"""Seconds by which our clock may differ from a `Date` header and still count as agreeing."""


@dataclass(frozen=True)
class RetryEvent:
    """What the scheduler reports before it sleeps: never a token, only where and why."""

    attempt: int
    """The attempt that just failed, counting from 1."""
    delay: float
    """Seconds the scheduler sleeps before the next attempt."""
    method: str
    path: str
    status_code: int | None
    """The HTTP status that failed, or None for a connection error or timeout."""
    error: BaseException


@dataclass(frozen=True)
class RetryPolicy:
    """How calls survive transient failures: 429, 5xx, connection errors and timeouts.

    Waits are full-jitter exponential (uniform between 0 and `initial_delay * 2**n`, capped at
    `max_delay`) unless the server sends a hint (`Retry-After`, or `x-ratelimit-reset` on 429).
    `RetryPolicy(max_attempts=1)` turns retries off.
    """

    max_attempts: int = 5
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_elapsed: float = 60.0
    """Seconds one call may take, sleeps included; a longer server hint fails at once."""
    retry_non_idempotent_on_5xx: bool = False
    """Retry writes such as append rows on 5xx too; off because it may duplicate data."""
    retry_budget: int | None = 20
    """Retries one client may make in a burst, so that a bulk job cannot multiply an outage:
    each retry spends one, each call that succeeds at once earns back a tenth, and with none
    left a failure is raised instead of retried. Retries after a 429 cost nothing (the server
    says when to come back). None: no budget."""
    on_retry: Callable[[RetryEvent], None] | None = field(default=None, compare=False)
    """Called before every sleep, after the `seatable_async` logger has reported it."""
    sleep: Callable[[float], Awaitable[None]] = field(
        default=anyio.sleep, compare=False, repr=False
    )
    """The sleep to use; tests inject a recorder instead of waiting."""
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)
    """The monotonic clock that measures `max_elapsed`; swapped together with `sleep` in tests."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidInputError("max_attempts must be at least 1")
        if min(self.initial_delay, self.max_delay, self.max_elapsed) < 0:
            raise InvalidInputError("delays and max_elapsed must not be negative")
        budget = self.retry_budget
        if budget is not None and (not isinstance(budget, int) or budget < 0):
            raise InvalidInputError("retry_budget must be a non-negative int or None")
        if self.initial_delay > self.max_delay:
            raise InvalidInputError("initial_delay must not exceed max_delay")

    def backoff(self, attempt: int) -> float:
        """The jittered wait after the given failed attempt (1-based) when no hint is known."""
        ceiling = min(self.max_delay, self.initial_delay * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)

    def hint_jitter(self) -> float:
        """A small random addition to a server hint so that clients do not retry in lockstep."""
        return random.uniform(0, min(self.initial_delay, 1.0))


def _retry_after_seconds(value: str, now: float) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def server_now(response: httpx.Response) -> float:
    """The server's clock in unix seconds, so that a reset time survives clock skew.

    Our own clock when it agrees with the `Date` header (which has whole seconds only), the
    header's time when the two clocks disagree, and ours when there is no usable header.
    """
    now = time.time()
    date = response.headers.get("date")
    stamp = _date_stamp(date) if date is not None else None
    if stamp is not None and not stamp - CLOCK_AGREEMENT <= now <= stamp + 1 + CLOCK_AGREEMENT:
        return stamp
    return now


@functools.lru_cache(maxsize=4)
def _date_stamp(date: str) -> float | None:
    """An HTTP date in unix seconds (None if unreadable), parsed once: it changes every second
    and the limiter reads it on every answer."""
    try:
        return parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def server_hint(response: httpx.Response, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: `Retry-After`, else on 429 `x-ratelimit-reset` - now.

    "Now" is the server's `Date` when it sent one, our clock otherwise. A reset time already
    past, or one of a window with calls left, says nothing about how long to wait: backoff
    applies instead.
    """
    now = server_now(response) if now is None else now
    retry_after = response.headers.get("retry-after")
    if retry_after is not None and (seconds := _retry_after_seconds(retry_after, now)) is not None:
        return seconds
    reset = response.headers.get("x-ratelimit-reset")
    if response.status_code != 429 or reset is None or not _window_spent(response):
        return None
    try:
        seconds = float(reset) - now
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _window_spent(response: httpx.Response) -> bool:
    """Whether the window `x-ratelimit-reset` describes is used up, so that it caused the 429.

    With calls still left in it, another limit (per user, per IP) throttled this call, and the
    window's reset time says nothing about when that one lifts.
    """
    remaining = response.headers.get("x-ratelimit-remaining")
    try:
        return remaining is None or float(remaining) <= 0
    except ValueError:
        return True

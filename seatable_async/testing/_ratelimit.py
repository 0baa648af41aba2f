"""Per-base sliding-window rate limit with SeaTable's ``x-ratelimit-*`` headers.

SeaTable counts calls per base per minute and checks "the relevant period ... at the time of
access" (reference section 14), i.e. a sliding window; ``x-ratelimit-reset`` is unix seconds.
The window is a setting (default 60 s) so a benchmark can allow, say, 100 calls per 10 s.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SERVER_DEFAULT_LIMIT", "RateLimiter", "RateState"]

SERVER_DEFAULT_LIMIT = 500
"""SeaTable Server's default ``base_api_limit_per_minute``: without a configured limit the
headers still count calls against it, but the emulator never answers 429."""


@dataclass(frozen=True)
class RateState:
    """The outcome of counting one request."""

    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        """The gateway's rate-limit headers."""
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
        }


class RateLimiter:
    """Sliding window of ``window`` seconds, ``limit`` calls per key (None: never refused)."""

    def __init__(
        self,
        limit: int | None,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError("rate_limit must be a positive number of calls per window")
        if not window > 0:
            raise ValueError("rate_window must be a positive number of seconds")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateState:
        """Count a call for ``key`` unless the window is full; report the headers' values."""
        return self._state(key, count=True)

    def peek(self, key: str) -> RateState:
        """The headers' values for ``key`` without counting a call (an answer the limit never
        saw, such as an injected fault)."""
        return self._state(key, count=False)

    def _state(self, key: str, *, count: bool) -> RateState:
        now = self._clock()
        limit = self.limit if self.limit is not None else SERVER_DEFAULT_LIMIT
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            allowed = self.limit is None or len(calls) < self.limit
            if allowed and count:
                calls.append(now)
            oldest = calls[0] if calls else now
            return RateState(
                allowed=allowed,
                limit=limit,
                remaining=max(limit - len(calls), 0),
                reset=math.ceil(oldest + self.window),
            )

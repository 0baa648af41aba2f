"""What a server says about its rate-limit window, and the client's copies of sliding windows:
SeaTable's documented limit, and the server's own window as this client's calls show it.

Times are on the clock of the calls' `RetryPolicy` (monotonic seconds); a server's reset time
(unix seconds) is turned into one on arrival.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import httpx

from .._retry import server_now

__all__ = [
    "MAX_RESET_WAIT",
    "WINDOW_SECONDS",
    "Mirror",
    "Sent",
    "SlidingWindow",
    "Window",
    "announced_window",
]

WINDOW_SECONDS = 60.0
"""SeaTable's documented limits are per minute."""
MAX_RESET_WAIT = 2 * WINDOW_SECONDS
"""The longest a reset time is believed: a later one is probed again after this long."""


class Window(NamedTuple):
    """What an answer's `x-ratelimit-*` headers announce."""

    limit: int
    remaining: int
    resets_in: float
    """Seconds until the window frees calls again, on the server's clock."""


RATE_HEADERS = (b"x-ratelimit-limit", b"x-ratelimit-remaining", b"x-ratelimit-reset")


def announced_window(response: httpx.Response) -> Window | None:
    """The window an answer announces; None when it sends no complete, sane set of headers."""
    found: dict[bytes, bytes] = {}
    for name, value in response.headers.raw:  # one pass: every answer is read
        if name[:12].lower() == b"x-ratelimit-":
            found[name.lower()] = value
    if len(found) < len(RATE_HEADERS):
        return None
    try:
        limit, remaining, reset = (found[name] for name in RATE_HEADERS)
        window = Window(int(limit), int(remaining), float(reset))
    except (KeyError, ValueError):
        return None
    if window.limit < 1 or window.remaining < 0 or not math.isfinite(window.resets_in):
        return None
    resets_in = min(MAX_RESET_WAIT, max(0.0, window.resets_in - server_now(response)))
    return window._replace(resets_in=resets_in)


class SlidingWindow:
    """At most `limit` sends in any `seconds`: SeaTable's own kind of window, mirrored."""

    def __init__(self, limit: int, seconds: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.seconds = seconds
        self._sent: deque[float] = deque()

    def delay(self, now: float) -> float:
        sent = self._sent
        while sent and sent[0] <= now - self.seconds:
            sent.popleft()
        return 0.0 if len(sent) < self.limit else sent[0] + self.seconds - now

    def take(self, now: float) -> None:
        self._sent.append(now)


class Sent:
    """One request a scope let through: when it went out and when its answer came back."""

    __slots__ = ("answered", "sent", "seq")

    def __init__(self, seq: int, sent: float) -> None:
        self.seq = seq
        self.sent = sent
        self.answered = math.inf
        """inf while in flight."""


class Mirror:
    """The server's sliding window as this scope's own calls show it, so that the budget grows
    as the calls in it age out rather than only once `x-ratelimit-reset` has passed.

    SeaTable keeps every call in a base's window for a fixed span and announces when the
    oldest leaves it (whole seconds, rounded up). An answer says how many calls the window
    holds, so which of ours is the oldest; the reset minus that call's send time bounds the
    span from above, and a call answered at `a` has left by `a` plus the bound. Calls are
    freed oldest first, one by one, and never one the answers do not place in the window.
    It assumes the scope's calls are the window's only ones and that the server counted each:
    an answer that contradicts it (the window holds a call the bound says has left) or any 429
    switches it off for good, leaving the announced budget and its reset alone. A call the
    server may not have counted (a 5xx, an answer without rate headers, no answer at all)
    only puts it in doubt until that call is older than the window.
    """

    KEEP = 600
    """Calls remembered before any answer gave the limit (SeaTable Server's 500, and some)."""
    MAX_KEEP = 4096
    """Calls remembered at most, whatever the limit: beyond, the oldest in a window are
    freed only at the reset (a server that allows that many calls seldom needs more)."""

    def __init__(self) -> None:
        self.log: deque[Sent] = deque()
        self.next_seq = 0
        self.out: set[Sent] = set()
        self.span = math.inf
        """The least upper bound on the window's span seen so far; inf: none, or switched off."""
        self.on = True
        self.doubt = -1
        """The last call the server may not have counted: it and older ones count for nothing."""
        self.cursor = 0
        """The oldest call the last accepted answer places in the window and not yet freed."""
        self.oldest_leaves = math.inf
        """The announced reset, when the window's oldest call leaves; inf once freed."""
        self.keep = self.KEEP
        self.anchor = -1
        """The call whose answer set the budget."""

    def send(self, now: float) -> Sent:
        sent = Sent(self.next_seq, now)
        self.next_seq += 1
        self.log.append(sent)
        self.out.add(sent)
        if len(self.log) > self.keep:
            self.log.popleft()
        return sent

    def answered(self, sent: Sent, now: float) -> None:
        sent.answered = now
        self.out.discard(sent)

    def off(self) -> None:
        self.on, self.span = False, math.inf

    def doubtful(self) -> None:
        """The calls so far may not all have been counted: which is which is unknown until the
        window holds none of them."""
        self.doubt, self.span = self.next_seq - 1, math.inf

    def learn(self, sent: Sent, window: Window, now: float, reset_at: float) -> None:
        """Bounds the span from the answer's count: the window's oldest call leaves by the
        reset, and the call before it had left when the server counted `sent`. Calls sent
        before `sent` and still unanswered may not have been counted yet, so the oldest may
        be that many calls further back."""
        self.keep = max(self.KEEP, min(window.limit, self.MAX_KEEP) + 64)
        if not self.on:
            return
        seq = sent.seq
        behind = sum(other.seq < seq for other in self.out) if self.out else 0
        oldest = seq - max(window.limit - window.remaining, 0) + 1 - behind
        if oldest - 1 <= self.doubt:
            return
        log, index = self.log, oldest - self.next_seq + len(self.log)
        if 0 <= index < len(log) and (first := log[index].sent) < reset_at:
            self.span = min(self.span, reset_at - first)
        if 0 < index <= len(log):
            self.span = min(self.span, now - log[index - 1].sent)

    def place(self, sent: Sent | None, window: Window, reset_at: float) -> None:
        """Starts freeing from the window's oldest call as the answer to `sent` counts it."""
        self.oldest_leaves = reset_at
        if sent is None:
            self.cursor = self.next_seq
            return
        self.anchor = sent.seq
        self.cursor = _oldest(sent, window)
        oldest = self._entry(self.cursor) if self.cursor > self.doubt else None
        if oldest is not None and oldest.answered + self.span <= sent.sent:
            self.off()  # it has left by our bound, yet the server counts it: not ours alone

    def release(self, now: float) -> int:
        """Slots freed by `now` since the last call, oldest first."""
        freed = 0
        if self.oldest_leaves <= now:
            freed, self.oldest_leaves = 1, math.inf
            if self._entry(self.cursor) is not None:
                self.cursor += 1
        log = self.log
        while True:
            index = max(self.cursor - self.next_seq + len(log), 0)
            if index >= len(log):
                return freed
            entry = log[index]
            if entry.seq <= self.doubt or entry.answered + self.span > now:
                return freed
            freed += 1
            self.cursor, self.oldest_leaves = entry.seq + 1, math.inf

    def next_free(self) -> float:
        """When the next slot frees: the announced reset, or the oldest unfreed call's bound."""
        entry = self._entry(max(self.cursor, self._start()))
        if entry is None or entry.seq <= self.doubt:
            return self.oldest_leaves
        return min(self.oldest_leaves, entry.answered + self.span)

    def _start(self) -> int:
        return self.next_seq - len(self.log)

    def _entry(self, seq: int) -> Sent | None:
        index = seq - self._start()
        return self.log[index] if 0 <= index < len(self.log) else None


def _oldest(sent: Sent, window: Window) -> int:
    """The window's oldest call when the server counted `sent`, if all in it are ours."""
    return sent.seq - max(window.limit - window.remaining, 0) + 1

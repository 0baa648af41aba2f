"""The pacing state of one rate-limit scope: concurrency slots, the server's announced budget
and a mirror of its sliding window, a sliding window of SeaTable's documented limit, and an
adaptive rate after unexplained 429s.

Times are on the clock of the calls' `RetryPolicy` (monotonic seconds); a server's reset time
(unix seconds) is turned into one on arrival.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Awaitable, Callable
from typing import NamedTuple

import anyio
import httpx

from .._ratelimit import RateLimit
from .._retry import server_now

__all__ = ["Pacer", "Sent", "Window", "announced_window"]

WINDOW_SECONDS = 60.0
"""SeaTable's documented limits are per minute."""
MAX_RESET_WAIT = 2 * WINDOW_SECONDS
"""The longest a reset time is believed: a later one is probed again after this long."""
RESET_TOLERANCE = 0.5
"""Seconds a reset time must move to mean a newer window (the header has whole seconds), for
an answer the limiter cannot place in the order of its calls: within a window the lowest
budget holds, since answers may arrive out of order; once the known window has reset, any
answer is news."""
NO_WAIT = 1e-6
"""Waits shorter than this are rounding errors of the bucket arithmetic: the call goes."""
UNTIL_ANSWERED = math.inf
"""The delay that means "until the next answer", not a time one could sleep."""


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


class _SlidingWindow:
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


class _Mirror:
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


class _Cubic:
    """botocore's adaptive mode: a token bucket whose rate drops to `BETA` times the measured
    send rate on a throttle and climbs back along TCP CUBIC's curve (design anchors 7.1)."""

    SCALE = 0.4
    BETA = 0.7
    MIN_RATE = 0.5
    SMOOTHING = 0.8
    BUCKET = 0.5

    def __init__(self, now: float) -> None:
        self.enabled = False
        """Off until the first throttle, so an unthrottled client pays nothing."""
        self.measured = 0.0
        """Sends per second, smoothed over half-second buckets."""
        self._count = 0
        self._first = now
        self._bucket = math.floor(now / self.BUCKET) * self.BUCKET
        self.rate = 0.0
        self._tokens = 0.0
        self._stamp = now
        self._w_max = 0.0
        self._k = 0.0
        self._throttled_at = now

    def record_send(self, now: float) -> None:
        self._count += 1
        bucket = math.floor(now / self.BUCKET) * self.BUCKET
        if bucket > self._bucket:
            current = self._count / (bucket - self._bucket)
            self.measured = current * self.SMOOTHING + self.measured * (1 - self.SMOOTHING)
            self._count = 0
            self._bucket = bucket

    def delay(self, now: float) -> float:
        if not self.enabled:
            return 0.0
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        if self.enabled:
            self._tokens -= 1

    def throttled(self, now: float) -> None:
        rate = min(self.measured, self.rate) if self.enabled else self._measured_so_far(now)
        self._w_max = rate
        self._k = (rate * (1 - self.BETA) / self.SCALE) ** (1 / 3)
        self._throttled_at = now
        if not self.enabled:
            self.enabled, self._tokens, self._stamp = True, 1.0, now
        self._set_rate(rate * self.BETA, now)

    def _measured_so_far(self, now: float) -> float:
        """The send rate, also early in a job, before a first bucket has ended (when botocore's
        measure is still 0 and the first throttle would cut to the minimum rate)."""
        if self.measured > 0:
            return self.measured
        return self._count / max(now - self._first, self.BUCKET)

    def succeeded(self, now: float) -> None:
        if self.enabled:
            elapsed = now - self._throttled_at - self._k
            cap = 2 * self._measured_so_far(now)
            self._set_rate(min(self.SCALE * elapsed**3 + self._w_max, cap), now)

    def _refill(self, now: float) -> None:
        capacity = max(self.rate, 1.0)
        self._tokens = min(capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def _set_rate(self, rate: float, now: float) -> None:
        self._refill(now)
        self.rate = max(rate, self.MIN_RATE)
        self._tokens = min(self._tokens, max(self.rate, 1.0))


class _Slots:
    """A first-come, first-served semaphore whose uncontended take does not yield, so that
    a free slot costs no trip through the event loop (`anyio.CapacityLimiter` always yields)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._waiting: deque[anyio.Event] = deque()

    async def take(self) -> None:
        if self.used < self.total and not self._waiting:
            self.used += 1
            return
        turn = anyio.Event()
        self._waiting.append(turn)
        try:
            await turn.wait()
        except BaseException:
            if turn.is_set():
                self.give_back()  # handed over just as the wait was cancelled
            else:
                self._waiting.remove(turn)
            raise

    def give_back(self) -> None:
        """Hands the slot to the longest waiter, if the total still allows it."""
        if self._waiting and self.used <= self.total:
            self._waiting.popleft().set()
        else:
            self.used -= 1

    def resize(self, total: int) -> None:
        """A new total: more slots go to waiters at once; fewer take effect as slots return."""
        self.total = total
        while self._waiting and self.used < total:
            self.used += 1
            self._waiting.popleft().set()


class Pacer:
    """One scope's limiter, shared by every client that reaches it in one event loop.

    Waiting callers queue on one lock, first come first served: the one at the head sleeps
    until it may send, the others wait behind it, so that no crowd rushes out when a window
    opens. When the announced budget is spent, calls go again as the mirror of the server's
    window frees slots, the first at the announced reset; when nothing more is known to free,
    they wait for an answer that tells. The very first call of a scope goes alone, to learn
    the window.
    """

    def __init__(self, default_per_minute: int | None) -> None:
        self._slots = _Slots(1)
        self._gate = anyio.Lock()
        self._answer = anyio.Event()
        self._waiting_for_answer = False
        self._members: list[RateLimit] = []
        """The settings of the clients using this scope, one entry per client."""
        self._documented = (
            _SlidingWindow(default_per_minute) if default_per_minute is not None else None
        )
        """Paces calls to the documented limit until the server announces a window (and no
        client sets its own ceiling)."""
        self._ceiling: _SlidingWindow | None = None
        self._adaptive = False
        self._cubic: _Cubic | None = None
        self._mirror = _Mirror()
        self.budget: int | None = None
        """Calls the server's last announced window still allows, less those sent since, plus
        those the mirror has freed."""
        self.reset_at = -math.inf
        self.in_flight = 0
        self._probing = False
        """The first call of all is out to learn the window."""
        self._heard = False
        """Whether any answer came back: until then one call goes first to learn the window."""

    def join(self, config: RateLimit) -> None:
        """Adds a client's settings: the tightest of all joined clients apply."""
        self._members.append(config)
        self._apply()

    def leave(self, config: RateLimit) -> None:
        """Removes a closed client's settings: the others' tightest apply from now on."""
        if config in self._members:
            self._members.remove(config)
        if self._members:
            self._apply()

    def _apply(self) -> None:
        members = self._members
        self._slots.resize(min(config.max_concurrency for config in members))
        ceilings = [c.requests_per_minute for c in members if c.requests_per_minute is not None]
        if not ceilings:
            self._ceiling = None
        elif self._ceiling is None:
            self._ceiling = _SlidingWindow(min(ceilings))
        else:
            self._ceiling.limit = min(ceilings)  # the calls it counted still count
        self._adaptive = any(config.adaptive for config in members)
        if not self._adaptive:
            self._cubic = None

    @property
    def max_concurrency(self) -> int:
        return self._slots.total

    async def take_slot(self) -> None:
        """One of the scope's concurrency slots, for one request."""
        await self._slots.take()

    def give_back_slot(self) -> None:
        self._slots.give_back()

    async def admit(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        deadline_left: Callable[[], float] | None,
    ) -> Sent | float:
        """Waits for this request's turn and returns its record; returns instead the wait that
        would outlast the call's deadline, without sleeping."""
        now = clock()
        if not self._gate.locked() and self._delay(now) < NO_WAIT:
            return self._take(now)
        async with self._gate:
            while True:
                now = clock()
                delay = self._delay(now)
                if delay < NO_WAIT:
                    return self._take(now)
                if delay == UNTIL_ANSWERED:
                    self._waiting_for_answer = True
                    await self._answer.wait()
                    continue
                if deadline_left is not None and delay > deadline_left():
                    return delay
                if self.budget is not None and self.budget < 1 and self.in_flight:
                    await self._sleep_or_answer(sleep, delay)  # it may free a slot sooner
                else:
                    await sleep(delay)

    async def _sleep_or_answer(
        self, sleep: Callable[[float], Awaitable[None]], delay: float
    ) -> None:
        """Sleeps `delay` seconds, or less if an answer comes back first."""
        answer = self._answer
        self._waiting_for_answer = True
        async with anyio.create_task_group() as tasks:

            async def sleeper() -> None:
                await sleep(delay)
                tasks.cancel_scope.cancel()

            tasks.start_soon(sleeper)
            await answer.wait()
            tasks.cancel_scope.cancel()

    def _delay(self, now: float) -> float:
        """Seconds until a request may go out, the longest any of the limits asks for."""
        if self.budget is not None:
            if self.budget < 1:
                self.budget += self._mirror.release(now)
            if self.budget >= 1:
                delay = 0.0
            elif (frees := self._mirror.next_free()) < math.inf:
                delay = frees - now
            else:
                delay = UNTIL_ANSWERED if self.in_flight else 0.0
        elif not self._heard and self._probing:
            delay = UNTIL_ANSWERED
        else:
            documented = self._documented if self._ceiling is None else None
            delay = documented.delay(now) if documented is not None else 0.0
        if self._ceiling is not None:
            delay = max(delay, self._ceiling.delay(now))
        if self._cubic is not None:
            delay = max(delay, self._cubic.delay(now))
        return delay

    def _take(self, now: float) -> Sent:
        self.in_flight += 1
        if self.budget is not None:
            self.budget -= 1
        else:
            self._probing = not self._heard
            if self._documented is not None:
                self._documented.take(now)
        if self._ceiling is not None:
            self._ceiling.take(now)
        if self._adaptive:
            if self._cubic is None:
                self._cubic = _Cubic(now)
            self._cubic.take()
            self._cubic.record_send(now)
        return self._mirror.send(now)

    def answered(self, response: httpx.Response, now: float, sent: Sent | None = None) -> None:
        """Learns from an answer: the window it announces, and whether it was throttled."""
        self.in_flight -= 1
        self._heard = True
        mirror = self._mirror
        if sent is not None:
            mirror.answered(sent, now)
        throttled = response.status_code == 429
        window = announced_window(response)
        if throttled:
            mirror.off()
        elif window is None or response.status_code >= 500:
            mirror.doubtful()
        if window is not None:
            self._learn(window, now, sent)
        if self._cubic is not None:
            if not throttled:
                self._cubic.succeeded(now)
            elif window is None or window.remaining > 0:
                self._cubic.throttled(now)
        self._done()

    def _learn(self, window: Window, now: float, sent: Sent | None) -> None:
        """Takes the budget an answer announces when it is news: lower than the budget held,
        or from a window that has moved on (its reset passed or moved); and, when the call it
        answers is known, only if no later call's answer came first (answers may arrive out
        of order, and an earlier count tells less)."""
        mirror = self._mirror
        budget = window.remaining - self.in_flight
        reset_at = now + window.resets_in
        if sent is not None:
            mirror.learn(sent, window, now, reset_at)
        if self.budget is None:
            news = True
        else:
            self.budget += mirror.release(now)
            moved = now >= self.reset_at or reset_at > self.reset_at + RESET_TOLERANCE
            news = (moved or budget < self.budget) and (sent is None or sent.seq > mirror.anchor)
        if news:
            self.budget, self.reset_at = budget, reset_at
            mirror.place(sent, window, reset_at)

    def unanswered(self, sent: Sent | None = None, now: float = -math.inf) -> None:
        """A request ended without an answer (a connection error, a timeout, a cancel)."""
        self.in_flight -= 1
        if sent is not None:
            self._mirror.answered(sent, now)
            self._mirror.doubtful()
        self._done()

    def _done(self) -> None:
        self._probing = False
        if self._waiting_for_answer:
            self._waiting_for_answer = False
            self._answer.set()
            self._answer = anyio.Event()

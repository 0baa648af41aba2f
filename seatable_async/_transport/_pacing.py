"""The pacing state of one rate-limit scope: concurrency slots and the server's announced
budget, combined with the window copies of `_window` and the adaptive rate of `_adaptive`.

Times are on the clock of the calls' `RetryPolicy` (monotonic seconds); a server's reset time
(unix seconds) is turned into one on arrival.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Awaitable, Callable

import anyio
import httpx

from .._ratelimit import RateLimit
from ._adaptive import Cubic
from ._window import Mirror, Sent, SlidingWindow, Window, announced_window

__all__ = ["Pacer"]

RESET_TOLERANCE = 0.5
"""Seconds a reset time must move to mean a newer window (the header has whole seconds), for
an answer the limiter cannot place in the order of its calls: within a window the lowest
budget holds, since answers may arrive out of order; once the known window has reset, any
answer is news."""
NO_WAIT = 1e-6
"""Waits shorter than this are rounding errors of the bucket arithmetic: the call goes."""
UNTIL_ANSWERED = math.inf
"""The delay that means "until the next answer", not a time one could sleep."""


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
            SlidingWindow(default_per_minute) if default_per_minute is not None else None
        )
        """Paces calls to the documented limit until the server announces a window (and no
        client sets its own ceiling)."""
        self._ceiling: SlidingWindow | None = None
        self._adaptive = False
        self._cubic: Cubic | None = None
        self._mirror = Mirror()
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
            self._ceiling = SlidingWindow(min(ceilings))
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
                self._cubic = Cubic(now)
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

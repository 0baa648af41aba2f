"""Rate limiter layer: caps the calls in flight per base and paces them to the server's budget.

Below the token layer and inside the retry layer, so each attempt waits for its own turn and a
retry's backoff sleep holds no slot. The state of a scope (a base, or a server's account API)
lives once per event loop and is shared by every client that reaches it (`_pacing.py`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import anyio
import anyio.lowlevel
import httpx

from .._exceptions import APIStatusError, APITimeoutError
from .._ratelimit import RateLimit, Scope, scope_of
from ._options import CallOptions, call_options, describe
from ._pacing import Pacer

__all__ = ["LimiterTransport"]

ScopeKey = tuple[str, str, str]
"""Server host, scope name, and the base UUID ("" for a host-wide scope)."""

_PACERS: weakref.WeakKeyDictionary[object, dict[ScopeKey, Pacer]] = weakref.WeakKeyDictionary()
"""Per event loop (anyio primitives belong to one), the pacer of every scope reached."""


def _current_loop() -> object:
    return anyio.lowlevel.current_token().native_token


def _shared_pacer(loop: object, key: ScopeKey, scope: Scope, config: RateLimit) -> Pacer:
    pacers = _PACERS.get(loop)
    if pacers is None:
        pacers = _PACERS[loop] = {}
    pacer = pacers.get(key)
    if pacer is None:
        pacer = pacers[key] = Pacer(scope.default_per_minute(key[0]))
    pacer.join(config)
    return pacer


def _deadline_left(options: CallOptions) -> Callable[[], float] | None:
    deadline = options.deadline
    if deadline is None:
        return None
    clock = options.retry.clock
    return lambda: deadline - clock()


class LimiterTransport(httpx.AsyncBaseTransport):
    """Takes a slot and a turn from the request's scope before sending, and reports back what
    the server said about its window."""

    def __init__(self, inner: httpx.AsyncBaseTransport, config: RateLimit) -> None:
        self._inner = inner
        self._config = config
        self._loop: weakref.ref[object] | None = None
        self._pacers: dict[ScopeKey, Pacer] = {}
        """The pacers this client has joined, for the loop it last ran in."""

    def _pacer(self, request: httpx.Request) -> Pacer | None:
        found = scope_of(request.url.path)
        if found is None:
            return None
        scope, base_uuid = found
        key = (request.url.netloc.decode("ascii"), scope.name, base_uuid)
        loop = _current_loop()
        if self._loop is None or self._loop() is not loop:
            self._loop, self._pacers = weakref.ref(loop), {}
        pacer = self._pacers.get(key)
        if pacer is None:
            pacer = self._pacers[key] = _shared_pacer(loop, key, scope, self._config)
        return pacer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pacer = self._pacer(request)
        if pacer is None:
            return await self._inner.handle_async_request(request)
        options = call_options(request)
        policy = options.retry
        await pacer.take_slot()
        try:
            sent = await pacer.admit(policy.clock, policy.sleep, _deadline_left(options))
            if isinstance(sent, float):
                raise _too_long(request, sent)
            try:
                response = await self._inner.handle_async_request(request)
            except APIStatusError as error:
                pacer.answered(error.response, policy.clock(), sent)
                raise
            except BaseException:
                pacer.unanswered(sent, policy.clock())
                raise
            pacer.answered(response, policy.clock(), sent)
            return response
        finally:
            pacer.give_back_slot()

    async def aclose(self) -> None:
        """Leaves the shared pacers, so that this client's settings bind the others no more."""
        for pacer in self._pacers.values():
            pacer.leave(self._config)
        self._pacers = {}
        await self._inner.aclose()


def _too_long(request: httpx.Request, delay: float) -> APITimeoutError:
    error = APITimeoutError(
        f"{describe(request)} would have to wait {delay:.1f} s for SeaTable's rate limit,"
        " longer than its max_elapsed leaves",
        request=request,
        sent=False,
    )
    error.retries_exhausted = True
    return error

"""One logical call: the options of the client view that made it and its hard deadline, which
every request it causes inherits (the token exchange included)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

import anyio
import httpx

from ._exceptions import APITimeoutError
from ._retry import RetryPolicy
from ._transport import describe

__all__ = ["ClientOptions", "LogicalCall", "logical_call"]


@dataclasses.dataclass(frozen=True)
class ClientOptions:
    """The settings `with_options` may change; everything else a view shares with its client."""

    timeout: float
    connect_timeout: float
    retry: RetryPolicy

    def timeouts(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout, connect=self.connect_timeout)


@dataclasses.dataclass
class LogicalCall:
    """A public call in progress: whose options rule it and when its budget runs out."""

    options: ClientOptions
    expires: float
    """When `max_elapsed` runs out, on the policy's clock (what retry decisions compare with)."""
    request: httpx.Request | None = None
    """The request the call sent last (the one in flight), named when the deadline cuts it off."""
    name: str = "call"


_ACTIVE: ContextVar[LogicalCall | None] = ContextVar("seatable_async_call", default=None)


@asynccontextmanager
async def logical_call(options: ClientOptions, name: str = "call") -> AsyncIterator[LogicalCall]:
    """Joins the call in progress, or starts one that `max_elapsed` ends wherever it is.

    The deadline is a cancel scope on the event loop's clock, so it also cuts short an attempt
    in flight, a backoff sleep or a wait for a token; it then raises `APITimeoutError`.
    """
    active = _ACTIVE.get()
    if active is not None:
        yield active
        return
    policy = options.retry
    call = LogicalCall(options, expires=policy.clock() + policy.max_elapsed, name=name)
    reset = _ACTIVE.set(call)
    try:
        with anyio.CancelScope(deadline=anyio.current_time() + policy.max_elapsed) as scope:
            yield call
    finally:
        _ACTIVE.reset(reset)
    if scope.cancelled_caught:
        raise _deadline_error(call)


def _deadline_error(call: LogicalCall) -> APITimeoutError:
    what = describe(call.request) if call.request is not None else call.name
    error = APITimeoutError(
        f"{what} ran past its max_elapsed of {call.options.retry.max_elapsed:g} s",
        request=call.request,
        sent=call.request is not None,
    )
    error.retries_exhausted = True
    return error

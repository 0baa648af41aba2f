"""A gate in front of httpx's connection pool, so that cancelling calls can never wedge it.

httpcore 1.0.x loses a connection slot whenever a request is cancelled after the pool has handed
it a new connection but before it used it (encode/httpcore#1093); once `max_connections` slots
are lost, every later request fails with `PoolTimeout`. The gate admits at most
`max_connections` requests into the pool at a time, so none ever waits in httpcore's queue:
callers wait in an anyio semaphore instead, which cancellation leaves consistent.

There is one gate per httpcore pool, so a `Base` from an `Account` and clients given the same
`httpx.AsyncClient` share it. Requests sent through that client by other code bypass the gate.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import AsyncIterator, Callable

import anyio
import httpx

from ._borrowed import UserClientTransport

_gates: weakref.WeakKeyDictionary[object, anyio.Semaphore] = weakref.WeakKeyDictionary()
"""The gate of each httpcore pool, made on its first request (inside the event loop)."""


def _gate_for(transport: httpx.AsyncBaseTransport) -> anyio.Semaphore | None:
    """The gate of the httpcore pool behind an httpx transport; None when there is no such pool.

    Reads httpx's and httpcore's private `_pool` and `_max_connections`: httpx does not expose
    a transport's limits.
    """
    pool = getattr(transport, "_pool", None)
    limit = getattr(pool, "_max_connections", None)
    if pool is None or not isinstance(limit, int):
        return None
    gate = _gates.get(pool)
    if gate is None:
        gate = _gates[pool] = anyio.Semaphore(limit)
    return gate


_EARLY = 0.005
"""Seconds before the call's own deadline at which a wait for the gate gives up."""


def _give_up_at(request: httpx.Request) -> float:
    """When a wait for the gate ends: the `pool` timeout, as the pool itself would wait.

    The client gives each attempt the same deadline as its pool timeout; where those meet, the
    wait ends just before, so it is reported as a pool timeout (never sent, safe to retry)
    rather than as the attempt's timeout. An earlier deadline of the caller's cancels as usual.
    """
    timeout = request.extensions.get("timeout", {}).get("pool")
    pool_deadline = anyio.current_time() + (math.inf if timeout is None else timeout)
    enclosing = anyio.current_effective_deadline()
    if pool_deadline - _EARLY <= enclosing <= pool_deadline:
        return enclosing - _EARLY
    return pool_deadline


async def _enter(gate: anyio.Semaphore, request: httpx.Request) -> None:
    """Takes a free slot, or waits for one until `_give_up_at` and raises `PoolTimeout`."""
    try:
        gate.acquire_nowait()
        return
    except anyio.WouldBlock:
        pass
    with anyio.move_on_at(_give_up_at(request)):
        await gate.acquire()
        return
    raise httpx.PoolTimeout("no pool connection became free in time", request=request)


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its slot back once it is closed and out of the pool."""

    def __init__(self, stream: httpx.AsyncByteStream, gate: anyio.Semaphore) -> None:
        self._stream = stream
        self._gate: anyio.Semaphore | None = gate

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            gate, self._gate = self._gate, None
            if gate is not None:
                gate.release()


class CancelSafePool(httpx.AsyncBaseTransport):
    """Innermost layer: admits requests into the pool no faster than it has connections.

    `route` names the httpx transport that will carry a request, whose pool's gate applies;
    a transport without an httpcore pool (a mock, say) is not gated.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        route: Callable[[httpx.URL], httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self._inner = inner
        self._route = route

    @classmethod
    def for_client(cls, client: httpx.AsyncClient) -> CancelSafePool:
        """Sends through a user's `httpx.AsyncClient`, gated by the pool it picks for each URL."""
        return cls(UserClientTransport(client), route=client._transport_for_url)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        carrier = self._inner if self._route is None else self._route(request.url)
        gate = _gate_for(carrier)
        if gate is None:
            return await self._inner.handle_async_request(request)
        await _enter(gate, request)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            gate.release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, gate)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

"""Cancelling calls at any point leaves the connection pool usable (encode/httpcore#1093)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import httpcore
import httpx
import pytest

from seatable_async import SeaTableError

from .helpers import grant

pytestmark = pytest.mark.anyio

SEED = 1093
POOL_SIZE = 4
LIMITS = httpx.Limits(max_connections=POOL_SIZE)
MAX_LATENCY = 0.0005
"""Seconds the loopback server (and the simulated network) may stall at each step."""

Call = Callable[[], Awaitable[object]]


# A loopback HTTP/1.1 server in the test's own event loop, with random latency and 503s.


def _answer(path: str) -> dict[str, Any]:
    """What SeaTable answers on the routes these tests call."""
    if path == "/api2/auth-token/":
        return {"token": "account-token"}
    if path.endswith("access-token/"):
        return grant()
    if path.endswith("/sql/"):
        return {"success": True, "results": []}
    return {"rows": []}


async def _read_request(stream: anyio.abc.ByteStream, buffer: bytearray) -> str:
    """Reads one request off the connection; returns its path and leaves what follows."""
    while b"\r\n\r\n" not in buffer:
        buffer += await stream.receive()
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end]).decode("latin-1").lower()
    length = next(
        (
            int(line.split(":", 1)[1])
            for line in head.split("\r\n")
            if line.startswith("content-length:")
        ),
        0,
    )
    while len(buffer) < end + length:
        buffer += await stream.receive()
    del buffer[: end + length]
    return head.split(" ", 2)[1].split("?", 1)[0]


class LoopbackServer:
    """Answers `_answer` on 127.0.0.1 from the test's event loop, stalling a little at each step.

    A share `failure_rate` of the answers are 503s.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.failure_rate = 0.0
        self.url = ""

    async def handle(self, stream: anyio.abc.ByteStream) -> None:
        buffer = bytearray()
        async with stream:
            try:
                while True:
                    path = await _read_request(stream, buffer)
                    status = 503 if self.rng.random() < self.failure_rate else 200
                    body = httpx.Response(200, json=_answer(path)).content
                    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    await anyio.sleep(self.rng.uniform(0, MAX_LATENCY))
                    await stream.send(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
                    await anyio.sleep(self.rng.uniform(0, MAX_LATENCY))
                    await stream.send(body)
            except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                pass


@asynccontextmanager
async def loopback_server(rng: random.Random) -> AsyncIterator[LoopbackServer]:
    server = LoopbackServer(rng)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    server.url = f"http://127.0.0.1:{listener.extra(anyio.abc.SocketAttribute.local_port)}"
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, server.handle)
        yield server
        tasks.cancel_scope.cancel()


def httpcore_pool(transport: Any) -> httpcore.AsyncConnectionPool:
    """The httpcore pool at the bottom of a stack of transports that keep theirs in `_inner`."""
    while not isinstance(pool := getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        transport = transport._inner
    return pool


def stuck_connections(
    pool: httpcore.AsyncConnectionPool,
) -> list[httpcore.AsyncConnectionInterface]:
    """Connections that hold a slot while no request is in the pool: the #1093 leak."""
    if pool._requests:
        return []
    return [conn for conn in pool.connections if not (conn.is_idle() or conn.is_closed())]


async def churn(call: Call, rng: random.Random, calls: int, max_deadline: float) -> Counter[str]:
    """Makes `calls` calls, three per pool connection at once, each cancelled at a random time."""
    outcomes: Counter[str] = Counter()
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            with anyio.move_on_after(rng.uniform(0, max_deadline)) as scope:
                try:
                    await call()
                except (SeaTableError, httpx.TransportError) as error:
                    outcomes[type(error).__name__] += 1
                    continue
            outcomes["cancelled" if scope.cancelled_caught else "completed"] += 1

    async with anyio.create_task_group() as workers:
        for _ in range(3 * POOL_SIZE):
            workers.start_soon(worker)
    return outcomes


# encode/httpcore#1093 against a plain httpx client.


async def test_httpcore_1093_cancelled_waiters_wedge_a_plain_pool() -> None:
    """Reproduces the upstream bug (seen with httpcore 1.0.9, httpx 0.28.1); failing means fixed."""
    rng = random.Random(SEED)
    async with loopback_server(rng) as server, httpx.AsyncClient(limits=LIMITS) as client:
        url = server.url
        pool = httpcore_pool(client._transport)
        with anyio.fail_after(10):
            for _ in range(100):
                await churn(lambda: client.get(url), rng, calls=100, max_deadline=0.003)
                if len(stuck_connections(pool)) == POOL_SIZE:
                    break
        assert len(stuck_connections(pool)) == POOL_SIZE, "httpcore#1093 fixed upstream?"
        with pytest.raises(httpx.PoolTimeout):
            await client.get(url, timeout=httpx.Timeout(1, pool=0.05))

"""Cancelling calls at any point leaves the connection pool usable (encode/httpcore#1093)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import anyio
import anyio.abc
import httpcore
import httpx
import pytest

from seatable_async import Account, APITimeoutError, Base, RateLimit, RetryPolicy, SeaTableError
from seatable_async import _session as session_module
from seatable_async._transport import CancelSafePool

from .helpers import API_TOKEN, grant

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


# encode/httpcore#1093 against a plain httpx client, and the gate that mitigates it.


async def test_httpcore_1093_cancelled_waiters_wedge_a_plain_pool() -> None:
    """Reproduces the upstream bug (seen with httpcore 1.0.9, httpx 0.28.1); failing means fixed.

    If upstream fixes it, this test fails: `CancelSafePool` may then go.
    """
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


async def test_the_gate_keeps_a_plain_pool_usable_under_the_same_churn() -> None:
    rng = random.Random(SEED)
    transport = CancelSafePool(httpx.AsyncHTTPTransport(limits=LIMITS))
    async with loopback_server(rng) as server, httpx.AsyncClient(transport=transport) as client:
        url = server.url
        with anyio.fail_after(10):
            outcomes = await churn(lambda: client.get(url), rng, calls=1000, max_deadline=0.006)
            assert stuck_connections(httpcore_pool(transport)) == []
            assert (await client.get(url, timeout=1)).status_code == 200
    assert outcomes["cancelled"] >= 500


async def _expect_pool_timeout(client: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(httpx.PoolTimeout):
        await client.get(url, timeout=httpx.Timeout(1, pool=0.2))


async def test_callers_wait_at_the_shared_gate_until_the_pool_timeout() -> None:
    """Every gated layer over one httpx client shares its gate, and a caller waits there, never
    in httpcore's queue; a wait that runs out is a `PoolTimeout` (an `APITimeoutError` for us)."""
    rng = random.Random(SEED)
    async with (
        loopback_server(rng) as server,
        httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as client,
    ):
        holder, waiter = (
            httpx.AsyncClient(transport=CancelSafePool.for_client(client)) for _ in range(2)
        )
        pool = httpcore_pool(client._transport)
        async with holder, waiter:
            with anyio.fail_after(2):
                async with holder.stream("GET", server.url), anyio.create_task_group() as tasks:
                    tasks.start_soon(_expect_pool_timeout, waiter, server.url)
                    await anyio.sleep(0.02)
                    assert len(pool._requests) == 1
            assert (await waiter.get(server.url, timeout=1)).status_code == 200


async def test_a_call_that_waits_at_the_gate_past_its_timeout_was_never_sent() -> None:
    """So even a write is safe to retry: the wait gives up just before the call's deadline."""
    rng = random.Random(SEED)
    async with (
        loopback_server(rng) as server,
        httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as client,
        Base(
            API_TOKEN,
            server.url,
            timeout=0.1,
            retry=RetryPolicy(max_attempts=1),
            http_client=client,
        ) as base,
        httpx.AsyncClient(transport=CancelSafePool.for_client(client)) as holder,
    ):
        await base.auth()
        async with holder.stream("GET", server.url):
            started = anyio.current_time()
            with pytest.raises(APITimeoutError) as timeout:
                await base.query("INSERT INTO Table1 (Name) VALUES ('Ada')")
            assert 0.05 < anyio.current_time() - started < 1
        assert timeout.value.sent is False
        assert await base.list_rows("Table1") == []


# The whole client stack, cancelled at random points of each call.

_stage: ContextVar[list[str]] = ContextVar("stage")
"""Where the current call is: a one-item list that the simulated network and backoff update."""


def mark(stage: str) -> None:
    holder = _stage.get(None)
    if holder is not None:
        holder[0] = stage


class SlowStream(httpcore.AsyncNetworkStream):
    """A loopback stream whose writes take a little while, like a real network's.

    The `timeout` parameters are httpcore's interface, hence the ASYNC109 exemptions.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream, rng: random.Random) -> None:
        self._inner = inner
        self._rng = rng

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        mark("read")
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        mark("send")
        await anyio.sleep(self._rng.uniform(0, MAX_LATENCY))
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class SlowNetwork(httpcore.AsyncNetworkBackend):
    """httpcore's own network backend, with connects and writes that take a little while."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, rng: random.Random) -> None:
        self._inner = inner
        self._rng = rng

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        mark("connect")
        await anyio.sleep(self._rng.uniform(0, MAX_LATENCY))
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return SlowStream(stream, self._rng)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def backoff_sleep() -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        mark("backoff")
        await anyio.sleep(seconds)
        mark("pool")

    return sleep


UNPACED = RateLimit(max_concurrency=10**6, requests_per_minute=10**9)
"""The limiter's slots and turns still taken and given back under cancellation, without
holding back the thousand calls (to a server that sends no rate headers) from the pool."""


@asynccontextmanager
async def base_on(
    kind: str, url: str, retry: RetryPolicy, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Base, httpcore.AsyncConnectionPool]]:
    """A `Base` on a 4-connection pool: its own client's, or the one its `Account` shares."""
    if kind == "http_client":
        async with (
            httpx.AsyncClient(limits=LIMITS) as client,
            Base(
                API_TOKEN, url, retry=retry, timeout=1, http_client=client, rate_limit=UNPACED
            ) as base,
        ):
            yield base, httpcore_pool(client._transport)
        return
    monkeypatch.setattr(session_module, "DEFAULT_LIMITS", LIMITS)
    account = Account(server_url=url, token="t", retry=retry, timeout=1, rate_limit=UNPACED)
    async with account:
        base = await account.get_base(7, "Test base")
        yield base, httpcore_pool(account._session.pool)


ABANDONED_REQUEST_BODY = (
    "ignore:Exception ignored in. <async_generator object ByteStream.__aiter__"
    ":pytest.PytestUnraisableExceptionWarning"
)
"""trio's warning when a call cancelled mid-send leaves httpx's request body generator open."""


STAGES = ("pool", "connect", "send", "read", "backoff")
"""Where a call can be when it is cancelled; the churn goes on until each has been hit."""
CHURN_ROUNDS = 5


@pytest.mark.filterwarnings(ABANDONED_REQUEST_BODY)
@pytest.mark.parametrize("kind", ["account_pool", "http_client"])
async def test_random_cancellation_leaves_the_pool_fully_usable(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thousand calls, most cancelled while waiting for a connection, connecting, sending,
    reading or backing off; afterwards the pool holds no stuck connection and serves a burst."""
    rng = random.Random(SEED)
    retry = RetryPolicy(
        initial_delay=0.004, max_delay=0.004, retry_budget=None, sleep=backoff_sleep()
    )
    stages: Counter[str] = Counter()
    async with (
        loopback_server(rng) as server,
        base_on(kind, server.url, retry, monkeypatch) as (base, pool),
    ):
        pool._network_backend = SlowNetwork(pool._network_backend, rng)
        server.failure_rate = 0.5

        async def call() -> object:
            where = ["pool"]
            _stage.set(where)
            try:
                if rng.random() < 0.5:
                    return await base.list_rows("Table1")
                return await base.query("SELECT * FROM Table1")
            except anyio.get_cancelled_exc_class():
                stages[where[0]] += 1
                raise

        outcomes: Counter[str] = Counter()
        for _ in range(CHURN_ROUNDS):  # a loaded machine may leave a stage unhit in one round
            with anyio.fail_after(10):
                outcomes += await churn(call, rng, calls=1000, max_deadline=0.02)
            if all(stages[stage] for stage in STAGES):
                break
        assert stuck_connections(pool) == []
        assert pool._requests == []
        server.failure_rate = 0.0
        with anyio.fail_after(10):  # a wedged pool never serves it; a loaded machine is slow
            async with anyio.create_task_group() as burst:
                for _ in range(2 * POOL_SIZE):
                    burst.start_soon(base.list_rows, "Table1")
    assert outcomes["cancelled"] >= 500
    assert all(stages[stage] for stage in STAGES), stages

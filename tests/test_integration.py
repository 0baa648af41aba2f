"""The client against the emulator over a real loopback socket: the whole stack, end to end."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from seatable_async import BadGatewayError, Base, InternalServerError, RateLimit, RetryPolicy
from seatable_async.testing import Emulator

from .helpers import FakeTime, SharedServer

pytestmark = pytest.mark.anyio

TOKEN = "integration-api-token"


@pytest.fixture
def clock() -> FakeTime:
    """One fake time for the emulator (token expiry, rate windows) and the client's backoff."""
    return FakeTime(start=1_900_000_000.0)


@pytest.fixture
def emulator(clock: FakeTime) -> Iterator[Emulator]:
    with Emulator(api_token=TOKEN, clock=clock) as emulator:
        emulator.add_table("Contacts", [("Name", "text"), ("Age", "number")])
        yield emulator


@pytest.fixture
def server_url(emulator: Emulator, shared_server: SharedServer) -> Iterator[str]:
    with shared_server.serving(emulator) as url:
        yield url


def _statuses(emulator: Emulator, fragment: str) -> list[int]:
    return [record.status for record in emulator.request_log if fragment in record.path]


async def test_append_then_list(emulator: Emulator, server_url: str) -> None:
    async with Base(TOKEN, server_url) as base:
        added = await base.append_row("Contacts", {"Name": "Ada", "Age": 36})
        await base.append_row("Contacts", {"Name": "Grace", "Age": 45})
        rows = await base.list_rows("Contacts")
        page = await base.list_rows("Contacts", start=1, limit=1)
    assert added["Name"] == "Ada"
    assert added["Age"] == 36
    assert len(added["_id"]) == 22
    assert [(row["Name"], row["Age"]) for row in rows] == [("Ada", 36), ("Grace", 45)]
    assert [row["Name"] for row in page] == ["Grace"]
    assert [row["Name"] for row in emulator.rows("Contacts")] == ["Ada", "Grace"]
    assert base.base_uuid == emulator.base_uuid


async def test_sql_round_trip(server_url: str) -> None:
    async with Base(TOKEN, server_url) as base:
        for name, age in [("Ada", 36), ("Grace", 45), ("Linus", 28)]:
            await base.append_row("Contacts", {"Name": name, "Age": age})
        older = await base.query(
            "SELECT Name FROM Contacts WHERE Age > ? ORDER BY Age DESC", parameters=[30]
        )
    assert [row["Name"] for row in older] == ["Grace", "Ada"]


async def test_expired_base_token_is_refreshed(
    emulator: Emulator, server_url: str, clock: FakeTime
) -> None:
    emulator.token_lifetime = 60
    async with Base(TOKEN, server_url) as base:
        await base.list_rows("Contacts")
        clock.now += 120
        await base.list_rows("Contacts")
    assert _statuses(emulator, "app-access-token") == [200, 200]
    assert _statuses(emulator, "/rows") == [200, 403, 200]


@pytest.mark.parametrize(("rate_limit", "answered_429"), [(None, True), (RateLimit(), False)])
async def test_rate_limit_answers_429_and_the_client_waits(
    clock: FakeTime, rate_limit: RateLimit | None, answered_429: bool, shared_server: SharedServer
) -> None:
    """Without a limiter the server's 429s pace the client; with one it waits before them."""
    with Emulator(api_token=TOKEN, clock=clock, rate_limit=5) as emulator:
        emulator.add_table("Contacts", [("Name", "text")])
        with shared_server.serving(emulator) as url:
            async with Base(
                TOKEN, url, retry=clock.policy(max_elapsed=600), rate_limit=rate_limit
            ) as base:
                for _ in range(12):
                    await base.list_rows("Contacts")
        statuses = _statuses(emulator, "/rows")
    assert statuses.count(200) == 12
    assert (statuses.count(429) >= 1) is answered_429
    assert clock.sleeps
    assert all(0 < delay <= 62.5 for delay in clock.sleeps), clock.sleeps


async def test_injected_503s_on_reads_are_survived(emulator: Emulator, server_url: str) -> None:
    emulator.faults.script("/rows", 503, count=2, method="GET")
    policy = RetryPolicy(initial_delay=0, max_delay=0)
    async with Base(TOKEN, server_url, retry=policy) as base:
        assert await base.list_rows("Contacts") == []
    assert _statuses(emulator, "/rows") == [503, 503, 200]


async def test_a_write_that_failed_after_applying_is_not_duplicated(
    emulator: Emulator, server_url: str
) -> None:
    emulator.faults.script("/rows", 502, method="POST", apply_write=True)
    policy = RetryPolicy(initial_delay=0, max_delay=0)
    async with Base(TOKEN, server_url, retry=policy) as base:
        with pytest.raises(BadGatewayError) as caught:
            await base.append_row("Contacts", {"Name": "Once"})
    assert caught.value.attempts == 1
    assert [row["Name"] for row in emulator.rows("Contacts")] == ["Once"]


async def test_no_pool_connection_leaks_after_errors(emulator: Emulator, server_url: str) -> None:
    emulator.faults.script("/rows", 500, count=3, method="GET")
    emulator.faults.script("/rows", 429, count=2, method="GET")
    policy = RetryPolicy(initial_delay=0, max_delay=0, max_attempts=3)
    steady = RateLimit(adaptive=False)  # the scripted 429s would slow it down for real
    async with (
        httpx.AsyncClient() as client,
        Base(TOKEN, server_url, retry=policy, http_client=client, rate_limit=steady) as base,
    ):
        with pytest.raises(InternalServerError):
            await base.list_rows("Contacts")
        await base.list_rows("Contacts")
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool.connections
        assert all(connection.is_idle() for connection in pool.connections)

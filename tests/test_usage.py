"""API-call counting: every request sent (retries and token exchanges included) per client, and
per block of work with `metered()`, across the tasks that block starts."""

from __future__ import annotations

import anyio
import httpx
import pytest
import respx

from seatable_async import Base, Usage
from seatable_async._usage import metered

from .helpers import API_TOKEN, GATEWAY, SERVER, FakeTime

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"
OK_LIST = httpx.Response(200, json={"rows": []})


async def test_a_retried_call_counts_every_attempt_and_the_token_exchange(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    server.get(ROWS).mock(side_effect=[httpx.Response(429), httpx.Response(503), OK_LIST])
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        assert base.usage == Usage()
        await base.list_rows("Table1")
        assert base.usage == Usage(requests=4, retries=2, rate_limited=1)


async def test_views_share_their_clients_count(server: respx.MockRouter) -> None:
    server.get(ROWS).mock(return_value=OK_LIST)
    async with Base(API_TOKEN, SERVER) as base:
        await base.with_options(timeout=5).list_rows("Table1")
        await base.list_rows("Table1")
        assert base.usage.requests == 3
        assert base.with_options(timeout=9).usage == base.usage


async def test_a_failed_connection_is_still_a_request(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    server.get(ROWS).mock(side_effect=[httpx.ConnectError("refused"), OK_LIST])
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        await base.list_rows("Table1")
        assert base.usage == Usage(requests=3, retries=1)


async def test_metered_counts_only_its_block_across_its_tasks(server: respx.MockRouter) -> None:
    server.get(ROWS).mock(return_value=OK_LIST)
    async with Base(API_TOKEN, SERVER) as base:
        await base.auth()
        with metered() as outer:
            with metered() as inner:
                async with anyio.create_task_group() as tasks:
                    for _ in range(5):
                        tasks.start_soon(base.list_rows, "Table1")
            await base.list_rows("Table1")
        await base.list_rows("Table1")
    assert inner.snapshot() == Usage(requests=5)
    assert outer.snapshot() == Usage(requests=6)
    assert base.usage.requests == 8


def test_usages_add_and_subtract() -> None:
    first, second = Usage(3, 1, 1), Usage(5, 2, 0)
    assert first + second == Usage(8, 3, 1)
    assert (first + second) - first == second

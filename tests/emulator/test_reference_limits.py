"""Reference section 14 (rate limits), one test per claim, checked against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from seatable_async.testing import Emulator
from seatable_async.testing._store import Base

from .conftest import SERVER, FakeClock

pytestmark = pytest.mark.anyio

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@asynccontextmanager
async def limited(rate_limit: int | None, clock: FakeClock) -> AsyncIterator[Emulator]:
    """An emulator with a ``Contacts`` table, under ``rate_limit``, closed afterwards."""
    emu = Emulator(rate_limit=rate_limit, clock=clock, sleep=clock.sleep)
    emu.add_table("Contacts", [("Name", "text")])
    try:
        yield emu
    finally:
        emu.close()


async def call(
    emu: Emulator, path: str, *, base: Base | None = None, method: str = "GET", **kwargs: Any
) -> httpx.Response:
    """One base operation with a base token minted directly (no dtable-web call counted)."""
    target = base or emu.base
    headers = {"Authorization": f"Bearer {emu.issue_base_token(target)}"}
    url = f"/api-gateway/api/v2/dtables/{target.uuid}{path}"
    async with httpx.AsyncClient(transport=emu.transport(), base_url=SERVER) as client:
        return await client.request(method, url, headers=headers, **kwargs)


ANSWERS = {
    "200": ("GET", "/metadata/", {}),
    "400 bad body": ("POST", "/rows/", {"content": b"not json"}),
    "404 unknown table": ("GET", "/rows/", {"params": {"table_name": "Nope"}}),
    "404 unknown route": ("GET", "/no-such-operation/", {}),
    "405 wrong method": ("PATCH", "/metadata/", {}),
}


@pytest.mark.parametrize("answer", list(ANSWERS))
async def test_every_base_operation_answer_carries_the_limit_headers(
    answer: str, clock: FakeClock
) -> None:
    method, path, kwargs = ANSWERS[answer]
    async with limited(None, clock) as emu:
        response = await call(emu, path, method=method, **kwargs)
    assert str(response.status_code) == answer.split()[0]
    assert set(RATE_HEADERS) <= set(response.headers)


async def test_an_invalid_base_token_answer_carries_the_limit_headers(clock: FakeClock) -> None:
    async with (
        limited(None, clock) as emu,
        httpx.AsyncClient(transport=emu.transport(), base_url=SERVER) as client,
    ):
        response = await client.get(f"/api-gateway/api/v2/dtables/{emu.base_uuid}/metadata/")
    assert response.status_code == 403
    assert set(RATE_HEADERS) <= set(response.headers)


@pytest.mark.parametrize("rate_limit", [None, 10])
async def test_remaining_counts_down_on_every_call(
    rate_limit: int | None, clock: FakeClock
) -> None:
    """Also without a configured limit: the headers then count against SeaTable Server's
    default ``base_api_limit_per_minute`` of 500."""
    async with limited(rate_limit, clock) as emu:
        answers = [await call(emu, "/metadata/") for _ in range(3)]
    limit = rate_limit or 500
    assert [a.headers["x-ratelimit-limit"] for a in answers] == [str(limit)] * 3
    assert [int(a.headers["x-ratelimit-remaining"]) for a in answers] == [
        limit - 1,
        limit - 2,
        limit - 3,
    ]


async def test_without_a_configured_limit_nothing_is_refused(clock: FakeClock) -> None:
    async with limited(None, clock) as emu:
        answers = [await call(emu, "/metadata/") for _ in range(502)]
    assert {a.status_code for a in answers} == {200}
    assert [a.headers["x-ratelimit-remaining"] for a in answers[-3:]] == ["0", "0", "0"]


async def test_reset_is_the_unix_second_the_oldest_call_leaves_the_window(
    clock: FakeClock,
) -> None:
    clock.now = 1_800_000_000.25
    async with limited(2, clock) as emu:
        first = await call(emu, "/metadata/")
        clock.advance(10)
        second = await call(emu, "/metadata/")
    assert first.headers["x-ratelimit-reset"] == second.headers["x-ratelimit-reset"]
    assert first.headers["x-ratelimit-reset"] == "1800000061"


async def test_429_comes_without_any_further_output(clock: FakeClock) -> None:
    async with limited(1, clock) as emu:
        await call(emu, "/metadata/")
        refused = await call(emu, "/metadata/")
    assert refused.status_code == 429
    assert refused.content == b""
    assert "content-type" not in refused.headers
    assert refused.headers["x-ratelimit-remaining"] == "0"


HEALTH_CHECKS = ["/api2/ping/", "/api-gateway/api/v2/ping", "/server-info/"]


@pytest.mark.parametrize("path", HEALTH_CHECKS)
async def test_ping_and_server_info_are_not_limited(path: str, clock: FakeClock) -> None:
    async with (
        limited(1, clock) as emu,
        httpx.AsyncClient(transport=emu.transport(), base_url=SERVER) as client,
    ):
        health = [(await client.get(path)).status_code for _ in range(3)]
        counted = await client.get(
            "/api/v2.1/dtable/app-access-token/", headers={"Authorization": "Token test-api-token"}
        )
    assert health == [200, 200, 200]
    assert counted.status_code == 200  # the health checks left the client's one call unused


async def test_base_operations_are_counted_per_base(clock: FakeClock) -> None:
    async with limited(2, clock) as emu:
        other = emu.store.create_base("Other", emu.workspace_id)
        mine = [(await call(emu, "/metadata/")).status_code for _ in range(3)]
        theirs = await call(emu, "/metadata/", base=other)
    assert mine == [200, 200, 429]
    assert (theirs.status_code, theirs.headers["x-ratelimit-remaining"]) == (200, "1")


async def test_calls_without_a_base_are_counted_per_client_address(clock: FakeClock) -> None:
    async def token_call(emu: Emulator, address: str) -> int:
        transport = httpx.ASGITransport(app=emu.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as client:
            response = await client.get(
                "/api/v2.1/dtable/app-access-token/",
                headers={"Authorization": "Token test-api-token"},
            )
        return response.status_code

    async with limited(1, clock) as emu:
        first = [await token_call(emu, "127.0.0.2") for _ in range(2)]
        second = await token_call(emu, "127.0.0.3")
    assert (first, second) == ([200, 429], 200)

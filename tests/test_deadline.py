"""`max_elapsed` is a hard deadline over a whole public call, and a view's options govern the
token exchange its call triggers (issue 6, requirement 3)."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import httpx
import pytest
import respx

from seatable_async import (
    APITimeoutError,
    Base,
    RateLimitError,
    RetryPolicy,
    ServiceUnavailableError,
)

from .helpers import API_TOKEN, GATEWAY, SERVER, FakeTime, grant

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"
BUDGET = 0.05
"""Seconds of real time a deadline test grants a call; the tests wait at most this long."""
GUARD = 5.0
"""A test fails rather than hangs if the deadline does not fire."""


async def _hang(request: httpx.Request) -> httpx.Response:
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


def _policy(**overrides: object) -> RetryPolicy:
    return RetryPolicy(max_elapsed=BUDGET, **overrides)  # type: ignore[arg-type]


async def _elapsed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with anyio.fail_after(GUARD):
        await call()  # type: ignore[misc]
    return time.monotonic() - started


async def test_an_attempt_in_flight_is_cut_off_at_the_deadline(server: respx.MockRouter) -> None:
    """Fails if the budget were only checked between attempts: the one attempt has 30 s."""
    server.get(ROWS).mock(side_effect=_hang)
    async with Base(API_TOKEN, SERVER, timeout=30, retry=_policy()) as base:
        await base.auth()
        with pytest.raises(APITimeoutError, match="max_elapsed") as caught:
            await _elapsed(lambda: base.list_rows("Table1"))
    error = caught.value
    assert error.request is not None
    assert error.request.url.path == ROWS
    assert error.sent
    assert error.retries_exhausted


async def test_a_backoff_sleep_is_cut_off_at_the_deadline(server: respx.MockRouter) -> None:
    """A sleep that overstays (here: forever) still ends when the call's budget does."""
    server.get(ROWS).mock(return_value=httpx.Response(503))

    async def oversleep(seconds: float) -> None:
        await anyio.sleep_forever()

    policy = _policy(sleep=oversleep, initial_delay=0.0, max_delay=0.0)
    async with Base(API_TOKEN, SERVER, retry=policy) as base:
        await base.auth()
        with pytest.raises(APITimeoutError, match="max_elapsed"):
            await _elapsed(lambda: base.list_rows("Table1"))


async def test_a_hanging_token_exchange_counts_against_the_call(
    server: respx.MockRouter,
) -> None:
    server["token"].mock(side_effect=_hang)
    rows = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER, retry=_policy()) as base:
        with pytest.raises(APITimeoutError, match=r"app-access-token/ ran past") as one:
            await _elapsed(lambda: base.list_rows("Table1"))
        with pytest.raises(APITimeoutError, match=r"app-access-token/ ran past") as two:
            await _elapsed(base.auth)
    assert rows.call_count == 0
    assert one.value.request is not None
    assert two.value.request is not None  # the exchange it was waiting on


async def test_append_row_shares_one_budget_between_metadata_and_write(
    server: respx.MockRouter,
) -> None:
    server["metadata"].mock(side_effect=_hang)
    append = server.post(ROWS).mock(return_value=httpx.Response(200, json={"first_row": {}}))
    async with Base(API_TOKEN, SERVER, retry=_policy()) as base:
        await base.auth()
        with pytest.raises(APITimeoutError, match="max_elapsed"):
            await _elapsed(lambda: base.append_row("Table1", {"Name": "x"}))
    assert append.call_count == 0


async def test_a_views_retry_policy_governs_the_token_exchange(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    server["token"].mock(side_effect=[httpx.Response(503), httpx.Response(200, json=grant())])
    server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=5)) as base:
        once = base.with_options(retry=fake_time.policy(max_attempts=1))
        with pytest.raises(ServiceUnavailableError):
            await once.list_rows("Table1")
        assert server["token"].call_count == 1
        assert await base.list_rows("Table1") == []
    assert fake_time.sleeps == []


async def test_a_views_timeout_governs_the_token_exchange(server: respx.MockRouter) -> None:
    server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.with_options(timeout=3, connect_timeout=1).list_rows("Table1")
    exchange = server["token"].calls[0].request
    expected = {"connect": 1.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    assert exchange.extensions["timeout"] == expected
    assert exchange.extensions["seatable_async"].timeout == 3.0


async def test_the_exchange_leaves_the_later_call_the_rest_of_the_budget(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    """Two 429s during the exchange spend 8 of 10 s, so a 3 s hint on the read raises at once."""
    limited = httpx.Response(429, headers={"Retry-After": "4"})
    server["token"].mock(side_effect=[limited, limited, httpx.Response(200, json=grant())])
    later = httpx.Response(429, headers={"Retry-After": "3"})
    rows = server.get(ROWS).mock(side_effect=[later, httpx.Response(200, json={"rows": []})])
    policy = fake_time.policy(max_elapsed=10.0, initial_delay=0.0)
    async with Base(API_TOKEN, SERVER, retry=policy) as base:
        with pytest.raises(RateLimitError) as caught:
            await base.list_rows("Table1")
    assert fake_time.sleeps == [4.0, 4.0]
    assert rows.call_count == 1
    assert caught.value.retry_after == 3.0


def _slow(answer: httpx.Response) -> object:
    """A server that takes 60 % of the budget for every answer: two calls overrun it."""

    async def respond(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(BUDGET * 0.6)
        return answer

    return respond


LINKED_META = {
    "metadata": {
        "tables": [
            {"_id": "0000", "name": "People", "columns": [
                {"key": "lnk1", "name": "Projects", "type": "link", "data": {"link_id": "aB3x"}},
                {"key": "0000", "name": "Name", "type": "text"},
            ], "views": [{"_id": "0000", "name": "Default View"}]},
            {"_id": "0001", "name": "Projects", "columns": [], "views": []},
        ]
    }
}  # fmt: skip


@pytest.mark.parametrize(
    "call",
    [
        lambda base: base.add_link("aB3x", "People", "Projects", "r1", "r2"),
        lambda base: base.filter("People", "Name = Ada"),
        lambda base: base.filter_rows(
            "People", [{"column_name": "Name", "filter_predicate": "is", "filter_term": "Ada"}]
        ),
    ],
    ids=["add_link", "filter", "filter_rows"],
)
async def test_a_method_of_several_requests_shares_one_budget(
    server: respx.MockRouter, call: Callable[[Base], object]
) -> None:
    server["metadata"].mock(side_effect=_slow(httpx.Response(200, json=LINKED_META)))
    server.post(f"{GATEWAY}/links/").mock(side_effect=_slow(httpx.Response(200, json={})))
    sql = {"results": [], "metadata": [], "success": True}
    server.post(f"{GATEWAY}/sql/").mock(side_effect=_slow(httpx.Response(200, json=sql)))
    async with Base(API_TOKEN, SERVER, retry=_policy()) as base:
        await base.auth()
        with pytest.raises(APITimeoutError, match="max_elapsed"):
            await _elapsed(lambda: call(base))

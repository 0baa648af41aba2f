"""The backoff scheduler through the stack: what is retried, how long it waits, when it stops."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import format_datetime

import httpx
import pytest
import respx
import tenacity

from seatable_async import (
    APIConnectionError,
    APITimeoutError,
    BadGatewayError,
    Base,
    InternalServerError,
    RateLimitError,
    RetryEvent,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
)
from seatable_async._retry import server_hint

from .helpers import API_TOKEN, GATEWAY, SERVER, FakeTime

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"
OK_LIST = httpx.Response(200, json={"rows": [{"_id": "r1", "Name": "a"}]})
OK_APPEND = httpx.Response(
    200, json={"inserted_row_count": 1, "row_ids": [{"_id": "r1"}], "first_row": {"_id": "r1"}}
)


def _base(fake_time: FakeTime, **policy: object) -> Base:
    return Base(API_TOKEN, SERVER, retry=fake_time.policy(**policy))


async def test_429_with_retry_after_then_200(server: respx.MockRouter, fake_time: FakeTime) -> None:
    route = server.get(ROWS).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "3"}), OK_LIST]
    )
    async with _base(fake_time, initial_delay=0.0, max_delay=0.0) as base:
        rows = await base.list_rows("Table1")
    assert rows == [{"_id": "r1", "Name": "a"}]
    assert route.call_count == 2
    assert fake_time.sleeps == [3.0]


async def test_503_503_200_on_a_read(server: respx.MockRouter, fake_time: FakeTime) -> None:
    route = server.get(ROWS).mock(side_effect=[httpx.Response(503), httpx.Response(503), OK_LIST])
    async with _base(fake_time) as base:
        assert await base.list_rows("Table1") == [{"_id": "r1", "Name": "a"}]
    assert route.call_count == 3
    assert len(fake_time.sleeps) == 2
    assert 0 <= fake_time.sleeps[0] <= 0.5
    assert 0 <= fake_time.sleeps[1] <= 1.0


async def test_append_on_502_is_not_retried(server: respx.MockRouter, fake_time: FakeTime) -> None:
    route = server.post(ROWS).mock(return_value=httpx.Response(502, json={"error_msg": "bad"}))
    async with _base(fake_time) as base:
        with pytest.raises(BadGatewayError) as caught:
            await base.append_row("Table1", {"Name": "x"})
    assert route.call_count == 1
    assert caught.value.attempts == 1
    assert fake_time.sleeps == []


async def test_append_on_429_is_retried(server: respx.MockRouter, fake_time: FakeTime) -> None:
    route = server.post(ROWS).mock(side_effect=[httpx.Response(429), OK_APPEND])
    async with _base(fake_time) as base:
        row = await base.append_row("Table1", {"Name": "x"})
    assert row == {"_id": "r1"}
    assert route.call_count == 2


async def test_append_on_5xx_is_retried_when_opted_in(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.post(ROWS).mock(side_effect=[httpx.Response(500), OK_APPEND])
    async with _base(fake_time, retry_non_idempotent_on_5xx=True) as base:
        await base.append_row("Table1", {"Name": "x"})
    assert route.call_count == 2


async def test_attempts_run_out_with_the_last_typed_error(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(
        side_effect=[httpx.Response(503), httpx.Response(500), httpx.Response(503)]
    )
    async with _base(fake_time, max_attempts=3) as base:
        with pytest.raises(ServiceUnavailableError) as caught:
            await base.list_rows("Table1")
    assert not isinstance(caught.value, tenacity.RetryError)
    assert caught.value.attempts == 3
    assert route.call_count == 3


async def test_budget_exhaustion_raises_the_last_error(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "4"})
    route = server.get(ROWS).mock(return_value=limited)
    async with _base(fake_time, max_attempts=10, max_elapsed=10.0, initial_delay=0.0) as base:
        with pytest.raises(RateLimitError) as caught:
            await base.list_rows("Table1")
    assert fake_time.sleeps == [4.0, 4.0]
    assert route.call_count == 3
    assert caught.value.attempts == 3
    assert caught.value.retry_after == 4.0


async def test_hint_beyond_the_budget_raises_at_once(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(return_value=httpx.Response(429, headers={"Retry-After": "600"}))
    async with _base(fake_time) as base:
        with pytest.raises(RateLimitError) as caught:
            await base.list_rows("Table1")
    assert route.call_count == 1
    assert caught.value.retry_after == 600.0
    assert fake_time.sleeps == []


async def test_ratelimit_reset_header_is_the_429_hint(
    server: respx.MockRouter, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("seatable_async._retry.time.time", lambda: 1_720_710_400.0)
    headers = {"x-ratelimit-limit": "500", "x-ratelimit-remaining": "0"}
    headers["x-ratelimit-reset"] = "1720710405"
    server.get(ROWS).mock(side_effect=[httpx.Response(429, headers=headers), OK_LIST])
    async with _base(fake_time, initial_delay=0.0, max_delay=0.0) as base:
        await base.list_rows("Table1")
    assert fake_time.sleeps == [5.0]


def test_reset_is_measured_against_the_servers_date_header() -> None:
    server_date = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    headers = {"date": format_datetime(server_date, usegmt=True)}
    headers["x-ratelimit-reset"] = str(int(server_date.timestamp()) + 7)
    assert server_hint(httpx.Response(429, headers=headers)) == 7.0
    assert server_hint(httpx.Response(503, headers=headers)) is None


@pytest.mark.parametrize(
    ("reset_in", "remaining", "hint"),
    [(7, "0", 7.0), (7, None, 7.0), (-3, "0", None), (7, "12", None), (7, "?", 7.0)],
)
def test_reset_is_a_hint_only_for_a_spent_window_ahead(
    reset_in: int, remaining: str | None, hint: float | None
) -> None:
    server_date = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    headers = {"date": format_datetime(server_date, usegmt=True)}
    headers["x-ratelimit-reset"] = str(int(server_date.timestamp()) + reset_in)
    if remaining is not None:
        headers["x-ratelimit-remaining"] = remaining
    assert server_hint(httpx.Response(429, headers=headers)) == hint


async def test_rarer_5xx_are_raised_not_retried(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(return_value=httpx.Response(501, text="Not Implemented"))
    async with _base(fake_time) as base:
        with pytest.raises(ServerError) as caught:
            await base.list_rows("Table1")
    assert type(caught.value) is ServerError
    assert route.call_count == 1
    assert fake_time.sleeps == []


def test_retry_after_as_http_date() -> None:
    when = datetime(2030, 1, 1, 12, 0, 30, tzinfo=timezone.utc)
    response = httpx.Response(503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    assert server_hint(response, now=when.timestamp() - 30) == pytest.approx(30.0)
    assert server_hint(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert server_hint(httpx.Response(503, headers={"x-ratelimit-reset": "1"})) is None


def test_backoff_is_full_jitter_and_capped() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (9, 8.0)]:
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling / 2
        assert len(set(waits)) > 150


async def test_max_attempts_one_turns_retries_off(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(return_value=httpx.Response(429))
    async with _base(fake_time, max_attempts=1) as base:
        with pytest.raises(RateLimitError):
            await base.list_rows("Table1")
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("failure", "method", "retried"),
    [
        (httpx.ConnectError("refused"), "append", True),
        (httpx.ConnectTimeout("slow connect"), "append", True),
        (httpx.PoolTimeout("pool full"), "append", True),
        (httpx.ReadError("reset"), "append", False),
        (httpx.ReadTimeout("slow"), "append", False),
        (httpx.RemoteProtocolError("dropped"), "append", False),
        (httpx.ReadError("reset"), "list", True),
        (httpx.ReadTimeout("slow"), "list", True),
    ],
)
async def test_connection_errors_retried_only_when_safe(
    server: respx.MockRouter,
    fake_time: FakeTime,
    failure: httpx.TransportError,
    method: str,
    retried: bool,
) -> None:
    success = OK_APPEND if method == "append" else OK_LIST
    route = server.route(method="POST" if method == "append" else "GET", path=ROWS)
    route.mock(side_effect=[failure, success])
    async with _base(fake_time) as base:
        call = base.append_row("T", {"A": 1}) if method == "append" else base.list_rows("T")
        if retried:
            await call
        else:
            with pytest.raises(APIConnectionError) as caught:
                await call
            assert caught.value.sent is True
            assert isinstance(caught.value.__cause__, httpx.TransportError)
    assert route.call_count == (2 if retried else 1)


async def test_timeouts_raise_api_timeout_error(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    server.get(ROWS).mock(side_effect=httpx.ReadTimeout("slow"))
    async with _base(fake_time, max_attempts=2) as base:
        with pytest.raises(APITimeoutError) as caught:
            await base.list_rows("Table1")
    assert caught.value.attempts == 2


async def test_retry_hook_and_log_report_without_the_token(
    server: respx.MockRouter, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[RetryEvent] = []
    server.get(ROWS).mock(side_effect=[httpx.Response(500), OK_LIST])
    caplog.set_level(logging.INFO, logger="seatable_async")
    policy = fake_time.policy(on_retry=events.append)
    async with Base(API_TOKEN, SERVER, retry=policy) as base:
        await base.list_rows("Table1")
    [event] = events
    assert (event.attempt, event.method, event.path, event.status_code) == (1, "GET", ROWS, 500)
    assert isinstance(event.error, InternalServerError)
    assert event.delay == fake_time.sleeps[0]
    assert "retrying GET" in caplog.text
    assert ROWS in caplog.text
    assert API_TOKEN not in caplog.text
    assert "Bearer" not in caplog.text


async def test_each_call_gets_its_own_retry_state(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    import anyio

    server.get(ROWS).mock(return_value=httpx.Response(503))
    attempts: list[int] = []

    async with _base(fake_time, max_attempts=3) as base:

        async def one() -> None:
            with pytest.raises(ServiceUnavailableError) as caught:
                await base.list_rows("Table1")
            attempts.append(caught.value.attempts)

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(one)
    assert attempts == [3, 3, 3, 3, 3]

"""Client lifecycle, options, input checks, secrets hygiene and the two row calls."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
import respx

import seatable_async
from seatable_async import (
    Account,
    APIConnectionError,
    APITimeoutError,
    Base,
    ClientClosedError,
    InvalidInputError,
    NotFoundError,
    RetryEvent,
    RetryPolicy,
    ServiceUnavailableError,
    UnexpectedResponseError,
)
from seatable_async._transport import StaticToken

from .helpers import API_TOKEN, GATEWAY, METADATA, SERVER, TOKEN_PATH, FakeTime

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"


async def test_list_rows_sends_the_official_parameters(server: respx.MockRouter) -> None:
    route = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": [{"_id": "r"}]}))
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_rows("Table1", "Default View", start=10, limit=5) == [{"_id": "r"}]
        await base.list_rows("Table1")
    first, second = (call.request.url.params for call in route.calls)
    assert dict(first) == {
        "table_name": "Table1",
        "view_name": "Default View",
        "start": "10",
        "limit": "5",
        "convert_keys": "true",
    }
    assert dict(second) == {"table_name": "Table1", "convert_keys": "true"}


async def test_append_row_returns_the_row_by_column_name(server: respx.MockRouter) -> None:
    first_row = {"_id": "Bko1e60YT-egit2SljWSZA", "0000": "Max", "a1B2": 21, "_creator": "u"}
    append = server.post(ROWS).mock(
        return_value=httpx.Response(
            200,
            json={
                "inserted_row_count": 1,
                "row_ids": [{"_id": first_row["_id"]}],
                "first_row": first_row,
            },
        )
    )
    metadata = server.routes["metadata"]
    async with Base(API_TOKEN, SERVER) as base:
        row = await base.append_row("Table1", {"Name": "Max", "Age": 21}, apply_default=True)
        await base.append_row("Table1", {"Name": "Max", "Age": 21})
    assert row == {"_id": first_row["_id"], "Name": "Max", "Age": 21, "_creator": "u"}
    assert metadata.call_count == 1
    body = json.loads(append.calls[0].request.read())
    assert body == {
        "table_name": "Table1",
        "rows": [{"Name": "Max", "Age": 21}],
        "apply_default": True,
    }


APPENDED = {
    "inserted_row_count": 1,
    "row_ids": [{"_id": "Bko1e60YT-egit2SljWSZA"}],
    "first_row": {"_id": "Bko1e60YT-egit2SljWSZA", "0000": "Max", "n3W0": 7},
}


async def test_append_row_never_fails_after_the_write(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    """A column unknown to the cached metadata, whose refresh then fails, keeps its key."""
    append = server.post(ROWS).mock(return_value=httpx.Response(200, json=APPENDED))
    metadata = server.routes["metadata"]
    metadata.side_effect = [httpx.Response(200, json=METADATA), httpx.Response(404)]
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        await base.get_metadata()
        row = await base.append_row("Table1", {"Name": "Max"})
    assert row == {"_id": "Bko1e60YT-egit2SljWSZA", "Name": "Max", "n3W0": 7}
    assert append.call_count == 1
    assert metadata.call_count == 2


async def test_append_row_sends_nothing_when_metadata_fails(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    """Names are resolved before the write, so a metadata failure leaves the base untouched."""
    append = server.post(ROWS).mock(return_value=httpx.Response(200, json=APPENDED))
    server.routes["metadata"].mock(return_value=httpx.Response(503))
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=2)) as base:
        with pytest.raises(ServiceUnavailableError):
            await base.append_row("Table1", {"Name": "Max"})
    assert append.call_count == 0


@pytest.mark.parametrize(
    ("path", "answer", "call"),
    [
        (ROWS, httpx.Response(200, text="<html>maintenance</html>"), "list"),
        (ROWS, httpx.Response(200, json=["not", "an", "object"]), "list"),
        (ROWS, httpx.Response(200, json={"rows": None}), "list"),
        (TOKEN_PATH, httpx.Response(200, json={"dtable_uuid": "u"}), "list"),
        (TOKEN_PATH, httpx.Response(200, json={"access_token": "t", "dtable_uuid": " "}), "list"),
        (f"{GATEWAY}/sql/", httpx.Response(200, json={"success": True}), "query"),
    ],
)
async def test_unusable_answers_raise_unexpected_response_error(
    server: respx.MockRouter, path: str, answer: httpx.Response, call: str
) -> None:
    route = server["token"] if path == TOKEN_PATH else server.route(path=path)
    route.mock(return_value=answer)
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(UnexpectedResponseError) as caught:
            await (base.list_rows("T") if call == "list" else base.query("SELECT 1"))
    assert caught.value.status_code == 200
    assert API_TOKEN not in str(caught.value)


async def test_an_unknown_table_costs_one_metadata_request(server: respx.MockRouter) -> None:
    only_system_fields = {**APPENDED, "first_row": {"_id": "Bko1e60YT-egit2SljWSZA"}}
    server.post(ROWS).mock(return_value=httpx.Response(200, json=only_system_fields))
    async with Base(API_TOKEN, SERVER) as base:
        await base.append_row("Elsewhere", {"Name": "Max"})
    assert server.routes["metadata"].call_count == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.list_rows(""), "table_name"),
        (lambda b: b.list_rows(None), "table_name"),
        (lambda b: b.list_rows("T", limit=0), "limit"),
        (lambda b: b.list_rows("T", limit=1001), "limit"),
        (lambda b: b.list_rows("T", start=-1), "start"),
        (lambda b: b.list_rows("T", limit=True), "limit"),
        (lambda b: b.list_rows("T", view_name=""), "view_name"),
        (lambda b: b.append_row("T", ["not", "a", "row"]), "row_data"),
        (lambda b: b.append_row("T", {1: "x"}), "row_data"),
    ],
)
async def test_bad_input_fails_before_any_request(
    server: respx.MockRouter, call: object, message: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=message):
            await call(base)  # type: ignore[operator]
    assert not server.calls


@pytest.mark.parametrize(
    "make",
    [
        lambda: Base("", SERVER),
        lambda: Base(API_TOKEN, "seatable.test"),
        lambda: Base(API_TOKEN, "ftp://seatable.test"),
        lambda: Base(API_TOKEN, SERVER, timeout=0),
        lambda: Base(API_TOKEN, SERVER, retry=3),
        lambda: Account(server_url=SERVER),
        lambda: Account(server_url=SERVER, username="u", password="p", token="t"),
        lambda: RetryPolicy(max_attempts=0),
        lambda: RetryPolicy(initial_delay=9.0, max_delay=8.0),
    ],
)
def test_bad_configuration_is_a_typed_error(make: object) -> None:
    with pytest.raises(InvalidInputError):
        make()  # type: ignore[operator]
    assert issubclass(InvalidInputError, ValueError)


async def test_tokens_never_leak_into_repr_errors_or_logs(
    server: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.get(ROWS).mock(return_value=httpx.Response(404, json={"error_message": "no table"}))
    base = Base(API_TOKEN, SERVER, retry=RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0))
    async with base:
        with pytest.raises(NotFoundError) as caught:
            await base.list_rows("Missing")
        base_token = server["token"].calls[0].response.json()["access_token"]
        texts = [repr(base), str(caught.value), repr(caught.value), caplog.text]
        texts += [repr(base._base.base_token), repr(base.with_options(timeout=1))]
    for text in texts:
        assert API_TOKEN not in text
        assert base_token not in text
    account = Account(server_url=SERVER, username="me", password="hunter2")
    assert "hunter2" not in repr(account)
    await account.aclose()


async def test_tokens_never_leak_through_retries_or_transport_errors(
    server: respx.MockRouter, caplog: pytest.LogCaptureFixture, fake_time: FakeTime
) -> None:
    caplog.set_level(logging.DEBUG)
    server.get(ROWS).mock(side_effect=[httpx.Response(429), httpx.ConnectError("refused")])
    events: list[RetryEvent] = []
    policy = fake_time.policy(max_attempts=2, on_retry=events.append)
    async with Base(API_TOKEN, SERVER, retry=policy) as base:
        with pytest.raises(APIConnectionError) as caught:
            await base.list_rows("T")
        base_token = server["token"].calls[0].response.json()["access_token"]
        error = caught.value
        texts = [str(error), repr(error), repr(error.__cause__), repr(error.request.headers)]
        texts += [
            caplog.text,
            repr(events),
            repr(base._base.base_token),
            repr(StaticToken(API_TOKEN)),
        ]
    assert len(events) == 1
    assert "retrying GET" in caplog.text
    for text in texts:
        assert API_TOKEN not in text
        assert base_token not in text


async def test_user_agent_and_default_timeouts(server: respx.MockRouter) -> None:
    route = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.list_rows("T")
        await base.with_options(timeout=2.5, connect_timeout=1).list_rows("T")
    default, custom = (call.request for call in route.calls)
    assert default.headers["User-Agent"] == f"seatable-async/{seatable_async.__version__}"
    assert default.extensions["timeout"] == {
        "connect": 5.0,
        "read": 30.0,
        "write": 30.0,
        "pool": 30.0,
    }
    assert custom.extensions["timeout"] == {"connect": 1.0, "read": 2.5, "write": 2.5, "pool": 2.5}
    assert "seatable_async" in default.extensions
    assert not any(name.lower().startswith("x-seatable") for name in default.headers)


async def test_total_timeout_bounds_one_attempt(server: respx.MockRouter) -> None:
    async def never_answers(request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    server.get(ROWS).mock(side_effect=never_answers)
    async with Base(API_TOKEN, SERVER, timeout=0.001, retry=RetryPolicy(max_attempts=1)) as base:
        with pytest.raises(APITimeoutError, match="longer than"):
            await base.list_rows("T")


async def test_with_options_shares_pool_and_tokens(server: respx.MockRouter) -> None:
    server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER) as base:
        fast = base.with_options(retry=RetryPolicy(max_attempts=1))
        assert fast._session is base._session
        await fast.list_rows("T")
        await base.list_rows("T")
        await fast.aclose()
        await base.list_rows("T")
    assert server["token"].call_count == 1
    with pytest.raises(ClientClosedError, match="closed"):
        await fast.list_rows("T")


async def test_aclose_is_idempotent_and_closed_clients_refuse(server: respx.MockRouter) -> None:
    base = Base(API_TOKEN, SERVER)
    await base.aclose()
    await base.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        await base.list_rows("T")
    assert not server.calls


@pytest.fixture
async def user_client() -> AsyncIterator[httpx.AsyncClient]:
    client = httpx.AsyncClient()
    yield client
    await client.aclose()


async def test_user_supplied_client_is_used_and_left_open(
    server: respx.MockRouter, user_client: httpx.AsyncClient
) -> None:
    seen: list[httpx.Request] = []
    user_client.event_hooks["request"].append(lambda request: _record(seen, request))
    server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER, http_client=user_client) as base:
        await base.list_rows("T")
    assert not user_client.is_closed
    assert [request.url.path for request in seen][-1] == ROWS


async def _record(seen: list[httpx.Request], request: httpx.Request) -> None:
    seen.append(request)


class TrackingTransport(httpx.AsyncBaseTransport):
    """Answers from a respx router and counts response bodies that were never closed."""

    def __init__(self, router: respx.MockRouter, broken_bodies: int = 0) -> None:
        self.router = router
        self.open: set[int] = set()
        self.broken_bodies = broken_bodies
        """How many of the first bodies drop their connection after the first byte."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.router.async_handler(request)
        tracker = self
        breaks = self.broken_bodies > 0
        self.broken_bodies -= breaks

        class Body(httpx.AsyncByteStream):
            async def __aiter__(self) -> AsyncIterator[bytes]:
                yield answer.content[:1]
                if breaks:
                    raise httpx.ReadError("connection dropped mid-body")
                yield answer.content[1:]

            async def aclose(self) -> None:
                tracker.open.discard(id(self))

        body = Body()
        self.open.add(id(body))
        return httpx.Response(answer.status_code, headers=answer.headers, stream=body)


async def test_failed_responses_are_read_and_closed(fake_time: FakeTime) -> None:
    router = respx.MockRouter(base_url=SERVER, assert_all_called=False)
    router.get("/api/v2.1/dtable/app-access-token/").mock(
        return_value=httpx.Response(200, json={"access_token": "t", "dtable_uuid": "u"})
    )
    router.get("/api-gateway/api/v2/dtables/u/rows/").mock(
        side_effect=[
            httpx.Response(503, text="<html>down</html>"),
            httpx.Response(429),
            httpx.Response(500, json={"error_msg": "x"}),
            httpx.Response(404, json={"error_message": "no"}),
        ]
    )
    tracking = TrackingTransport(router)
    async with httpx.AsyncClient(transport=tracking) as client:
        policy = fake_time.policy(initial_delay=0, max_delay=0)  # the 429 slows the limiter
        async with Base(API_TOKEN, SERVER, http_client=client, retry=policy) as base:
            with pytest.raises(NotFoundError) as caught:
                await base.list_rows("T")
    assert caught.value.attempts == 4
    assert tracking.open == set()
    assert router.calls.call_count == 5


async def test_bodies_that_break_midway_are_closed() -> None:
    router = respx.MockRouter(base_url=SERVER, assert_all_called=False)
    router.get("/api/v2.1/dtable/app-access-token/").mock(
        return_value=httpx.Response(200, json={"access_token": "t", "dtable_uuid": "u"})
    )
    router.get("/api-gateway/api/v2/dtables/u/rows/").mock(
        return_value=httpx.Response(200, json={"rows": []})
    )
    tracking = TrackingTransport(router)
    async with httpx.AsyncClient(transport=tracking) as client:
        policy = RetryPolicy(initial_delay=0, max_delay=0)
        async with Base(API_TOKEN, SERVER, http_client=client, retry=policy) as base:
            await base.auth()
            tracking.broken_bodies = 2
            assert await base.list_rows("T") == []
    assert tracking.open == set()
    assert router.calls.call_count == 4

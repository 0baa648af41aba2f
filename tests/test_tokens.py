"""Base and account tokens: lazy exchange, single-flight refresh, refresh on rejection."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest
import respx

from seatable_async import Account, Base, PermissionDeniedError, ServiceUnavailableError
from seatable_async._transport import RenewingToken, jwt_expiry

from .helpers import API_TOKEN, BASE_UUID, GATEWAY, SERVER, FakeTime, grant, make_jwt

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"


def _bearer(request: httpx.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


async def test_api_token_is_exchanged_lazily_once(server: respx.MockRouter) -> None:
    rows = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER) as base:
        assert server["token"].call_count == 0
        await base.list_rows("Table1")
        await base.list_rows("Table1")
    token_request = server["token"].calls[0].request
    assert token_request.headers["Authorization"] == f"Bearer {API_TOKEN}"
    assert server["token"].call_count == 1
    issued = server["token"].calls[0].response.json()["access_token"]
    assert _bearer(rows.calls[0].request) == issued
    assert base.base_uuid == BASE_UUID
    assert base.workspace_id == 7
    assert base.dtable_name == "Test base"


async def test_auth_fetches_the_token_up_front(server: respx.MockRouter) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        await base.auth()
        assert server["token"].call_count == 1
        assert base.base_uuid == BASE_UUID


def _held_until(
    release: anyio.Event, *tokens: str
) -> Callable[[httpx.Request], Awaitable[httpx.Response]]:
    """A token endpoint that answers only once `release` is set, so callers pile up meanwhile."""
    grants = iter(tokens)

    async def answer(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200, json=grant(next(grants)))

    return answer


async def test_fifty_concurrent_calls_make_one_token_request(server: respx.MockRouter) -> None:
    rows = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    release = anyio.Event()
    server["token"].side_effect = _held_until(release, make_jwt(time.time() + 3600))
    async with Base(API_TOKEN, SERVER) as base, anyio.create_task_group() as group:
        for _ in range(50):
            group.start_soon(base.list_rows, "Table1")
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert server["token"].call_count == 1
    assert rows.call_count == 50


@pytest.mark.parametrize(
    "rejection",
    [
        httpx.Response(401, json={"detail": "Invalid token"}),
        httpx.Response(403, json={"error_message": "invalid token"}),
        httpx.Response(403, json={"error_msg": "Token expired."}),
    ],
)
async def test_rejected_base_token_is_refreshed_once(
    server: respx.MockRouter, rejection: httpx.Response
) -> None:
    first, second = make_jwt(time.time() + 3600, n=1), make_jwt(time.time() + 3600, n=2)
    server["token"].mock(
        side_effect=[
            httpx.Response(200, json=grant(first)),
            httpx.Response(200, json=grant(second)),
        ]
    )
    ok = httpx.Response(200, json={"rows": [{"_id": "x"}]})
    rows = server.get(ROWS).mock(side_effect=[rejection, ok])
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_rows("Table1") == [{"_id": "x"}]
    assert [_bearer(call.request) for call in rows.calls] == [first, second]
    assert server["token"].call_count == 2


async def test_concurrent_rejections_share_one_refresh(server: respx.MockRouter) -> None:
    stale, fresh = make_jwt(time.time() + 3600, n=1), make_jwt(time.time() + 3600, n=2)
    server["token"].mock(return_value=httpx.Response(200, json=grant(stale)))

    def answer(request: httpx.Request) -> httpx.Response:
        if _bearer(request) == stale:
            return httpx.Response(401, json={"detail": "Invalid token"})
        return httpx.Response(200, json={"rows": []})

    rows = server.get(ROWS).mock(side_effect=answer)
    async with Base(API_TOKEN, SERVER) as base:
        await base.auth()
        release = anyio.Event()
        server["token"].side_effect = _held_until(release, fresh)
        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(base.list_rows, "Table1")
            await anyio.wait_all_tasks_blocked()
            release.set()
    assert server["token"].call_count == 2
    assert rows.call_count == 40


async def test_permission_denied_is_not_a_token_problem(server: respx.MockRouter) -> None:
    denied = httpx.Response(403, json={"error_msg": "You don't have permission."})
    server.get(ROWS).mock(return_value=denied)
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(PermissionDeniedError):
            await base.list_rows("Table1")
    assert server["token"].call_count == 1


async def test_expired_token_is_renewed_before_use(server: respx.MockRouter) -> None:
    expired, fresh = make_jwt(time.time() - 10, n=1), make_jwt(time.time() + 3600, n=2)
    server["token"].mock(
        side_effect=[
            httpx.Response(200, json=grant(expired)),
            httpx.Response(200, json=grant(fresh)),
        ]
    )
    rows = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.auth()
        await base.list_rows("Table1")
    assert [_bearer(call.request) for call in rows.calls] == [fresh]


async def test_token_without_exp_lives_three_days() -> None:
    now = [1000.0]
    fetched: list[str] = []

    async def fetch() -> str:
        fetched.append("x")
        return "opaque-token"

    token = RenewingToken(fetch, default_lifetime=3 * 24 * 3600, clock=lambda: now[0])
    await token.token()
    now[0] += 3 * 24 * 3600 - 301
    await token.token()
    assert len(fetched) == 1
    now[0] += 2
    await token.token()
    assert len(fetched) == 2


def test_jwt_expiry_is_read_without_verifying() -> None:
    assert jwt_expiry(make_jwt(1614352594.5)) == 1614352594.5
    assert jwt_expiry(make_jwt()) is None
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry("a.!!!.c") is None


async def test_account_login_and_get_base(server: respx.MockRouter) -> None:
    account_token = "b" * 40
    login = server.post("/api2/auth-token/").mock(
        return_value=httpx.Response(200, json={"token": account_token})
    )
    access = server.get("/api/v2.1/workspace/3/dtable/My%20Base/access-token/").mock(
        return_value=httpx.Response(
            200, json={"access_token": make_jwt(time.time() + 3600), "dtable_uuid": BASE_UUID}
        )
    )
    rows = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Account(server_url=SERVER, username="me@example.com", password="s3cret") as account:
        base = await account.get_base(3, "My Base")
        assert await base.list_rows("Table1") == []
        await base.aclose()
        again = await account.get_base(3, "My Base")
        assert await again.with_options(timeout=5).list_rows("Table1") == []
    assert login.calls[0].request.content == b"username=me%40example.com&password=s3cret"
    assert access.calls[0].request.headers["Authorization"] == f"Bearer {account_token}"
    assert base.base_uuid == BASE_UUID
    assert base.workspace_id == 3
    assert rows.call_count == 2
    assert login.call_count == 1
    assert "s3cret" not in repr(account)


async def test_account_with_token_skips_login(server: respx.MockRouter) -> None:
    access = server.get("/api/v2.1/workspace/1/dtable/B/access-token/").mock(
        return_value=httpx.Response(
            200, json={"access_token": make_jwt(), "dtable_uuid": BASE_UUID}
        )
    )
    async with Account(server_url=SERVER, token="c" * 40) as account:
        await account.get_base(1, "B")
    assert access.calls[0].request.headers["Authorization"] == "Bearer " + "c" * 40


async def test_a_failing_token_exchange_is_not_retried_twice_over(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    server["token"].mock(return_value=httpx.Response(503))
    rows = server.get(ROWS).mock(return_value=httpx.Response(200, json={"rows": []}))
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=3)) as base:
        with pytest.raises(ServiceUnavailableError) as caught:
            await base.list_rows("Table1")
    assert server["token"].call_count == 3
    assert caught.value.attempts == 3
    assert rows.call_count == 0

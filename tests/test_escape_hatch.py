"""`request()` reaches any endpoint through the same stack, and `Account` takes the official
SDK's positional arguments (issue 7)."""

from __future__ import annotations

import httpx
import pytest
import respx

from seatable_async import Account, BadGatewayError, Base, InvalidInputError, NotFoundError
from seatable_async.testing import Emulator

from .helpers import API_TOKEN, BASE_UUID, GATEWAY, SERVER, FakeTime

pytestmark = pytest.mark.anyio


async def test_a_relative_path_is_a_call_on_this_base_with_the_base_token(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(f"{GATEWAY}/views/").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"views": []})]
    )
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        answer = await base.request("get", "views/", params={"table_name": "Table1"})
        base_token = server["token"].calls[0].response.json()["access_token"]
    assert answer == {"views": []}
    assert route.call_count == 2  # a GET is retried
    sent = route.calls[1].request
    assert sent.url.params["table_name"] == "Table1"
    assert sent.headers["Authorization"] == f"Bearer {base_token}"


async def test_an_absolute_dtable_web_path_takes_the_api_token(server: respx.MockRouter) -> None:
    route = server.get("/api/v2.1/dtable/app-upload-link/").mock(
        return_value=httpx.Response(200, json={"upload_link": "u", "parent_path": "/p"})
    )
    async with Base(API_TOKEN, SERVER) as base:
        answer = await base.request("GET", "/api/v2.1/dtable/app-upload-link/")
    assert answer["upload_link"] == "u"
    assert route.calls[0].request.headers["Authorization"] == f"Bearer {API_TOKEN}"


async def test_a_post_is_not_retried_and_errors_are_typed(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.post(f"{GATEWAY}/links/").mock(return_value=httpx.Response(502))
    server.get(f"{GATEWAY}/nothing/").mock(
        return_value=httpx.Response(404, json={"error_message": f"no such thing {API_TOKEN}"})
    )
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        with pytest.raises(BadGatewayError):
            await base.request("POST", "links/", json={"table_name": "T"})
        with pytest.raises(NotFoundError) as caught:
            await base.request("GET", "nothing/")
    assert route.call_count == 1
    assert API_TOKEN not in str(caught.value)


async def test_text_answers_come_back_as_text(server: respx.MockRouter) -> None:
    server.get("/api2/ping/").mock(return_value=httpx.Response(200, text="pong"))
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.request("GET", "/api2/ping/") == "pong"


async def test_the_account_sends_its_own_token_and_needs_absolute_paths(
    server: respx.MockRouter,
) -> None:
    route = server.get("/api/v2.1/user/").mock(return_value=httpx.Response(200, json={"id": 1}))
    async with Account(token="c" * 40, server_url=SERVER) as account:
        assert await account.request("GET", "/api/v2.1/user/") == {"id": 1}
        with pytest.raises(InvalidInputError, match="absolute"):
            await account.request("GET", "user/")
    assert route.calls[0].request.headers["Authorization"] == "Bearer " + "c" * 40


async def test_a_schema_change_through_the_escape_hatch_drops_the_cache(
    server: respx.MockRouter,
) -> None:
    server.post(f"{GATEWAY}/columns/").mock(return_value=httpx.Response(200, json={}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.get_metadata()
        await base.request("POST", f"/api-gateway/api/v2/dtables/{BASE_UUID}/columns/", json={})
        assert base._schema.metadata is None


async def test_account_takes_the_official_positional_arguments(
    anyio_backend: str,
) -> None:
    with Emulator(username="me@example.com", password="secret") as emulator:
        positional = Account("me@example.com", "secret", "http://127.0.0.1", http_client=None)
        keywords = Account(server_url="http://127.0.0.1", username="me@example.com", password="x")
        assert positional.username == keywords.username == "me@example.com"
        await positional.aclose()
        await keywords.aclose()
        async with (
            httpx.AsyncClient(
                transport=emulator.transport(), base_url="http://emulator.localhost"
            ) as http,
            Account(
                "me@example.com", "secret", "http://emulator.localhost", http_client=http
            ) as account,
        ):
            await account.auth()
    with pytest.raises(InvalidInputError, match="not both"):
        Account("a", "b", SERVER, username="c")
    with pytest.raises(InvalidInputError, match="server_url"):
        Account("a", "b")


class _Opaque:
    """An object a query string or JSON body cannot carry."""


@pytest.mark.parametrize(
    ("method", "path", "request_args"),
    [
        ("GET", "rows/", {"json": float("nan")}),
        ("POST", "rows/", {"json": {1, 2}}),
        ("POST", "rows/", {"json": b"bytes"}),
        ("POST", "rows/", {"files": 5}),
        ("POST", "rows/", {"data": 5}),
        ("GET", "rows/", {"params": 5}),
        ("GET", "rows/", {"params": {"a": _Opaque()}}),
        ("GET", "rows/", {"params": {"a": float("inf")}}),
        ("ÄÖ", "rows/", {}),
        ("GE T", "rows/", {}),
        ("GET", "../../api2/auth-token/", {}),
        ("GET", "//evil.example/x", {}),
        ("GET", "rows/?table_name=T", {}),
        ("GET", "", {}),
        ("GET", "rows/%2E%2e/metadata/", {}),
        ("GET", "rows/\n", {}),
        ("GET", "rows/\x7f", {}),
        ("GET", "r" * 8000, {}),
        ("GET", "rows/", {"params": {"q": "x" * 8000}}),
        ("GET", f"{GATEWAY}/{'r' * 8000}", {}),
        ("GET", f"/api/v2.1/{'r' * 8000}", {}),
    ],
)
async def test_bad_escape_hatch_input_is_refused_before_any_request(
    server: respx.MockRouter, method: str, path: str, request_args: dict[str, object]
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError):
            await base.request(method, path, **request_args)  # type: ignore[arg-type]
        assert base.usage.requests == 0
    assert not server.calls


@pytest.mark.parametrize("path", ["/api/v2.1/" + "r" * 8000, "/api/v2.1/\n", "/api/%2e%2e/"])
async def test_bad_account_paths_are_refused_before_the_login(
    server: respx.MockRouter, path: str
) -> None:
    async with Account(server_url=SERVER, username="me@example.com", password="pw") as account:
        with pytest.raises(InvalidInputError):
            await account.request("GET", path)
        assert account.usage.requests == 0
    assert not server.calls

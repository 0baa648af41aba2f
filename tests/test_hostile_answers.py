"""Whatever a server answers, a public call raises only `SeaTableError` subclasses."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatable_async import (
    Account,
    APIConnectionError,
    BadRequestError,
    Base,
    RetryPolicy,
    SeaTableError,
    UnexpectedResponseError,
)
from seatable_async._transport import jwt_expiry

from .helpers import (
    API_TOKEN,
    GATEWAY,
    METADATA,
    SERVER,
    TOKEN_PATH,
    FakeTime,
    answer_validly,
    grant,
    mock_client,
)

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"
SQL = f"{GATEWAY}/sql/"
ONCE = RetryPolicy(max_attempts=1)
DEEP = b"[" * 100_000 + b"]" * 100_000
"""JSON nested deeper than Python's parser recurses: `json.loads` raises RecursionError."""
APPENDED = {"first_row": {"_id": "Bko1e60YT-egit2SljWSZA", "0000": "Max", "n3W0": 7}}
"""An append answer with a column key (`n3W0`) the metadata does not know."""

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""Bounded so that each property runs in about a second per backend."""


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, DEEP, UnexpectedResponseError),
        (200, b'{"success": false, "results": ' + DEEP + b"}", UnexpectedResponseError),
        (400, DEEP, BadRequestError),
        (400, b'{"error_message": ' + DEEP + b"}", BadRequestError),
    ],
)
async def test_deeply_nested_json_is_an_unusable_body(
    server: respx.MockRouter, status: int, body: bytes, error: type[SeaTableError]
) -> None:
    server.get(ROWS).mock(return_value=httpx.Response(status, content=body))
    async with Base(API_TOKEN, SERVER, retry=ONCE) as base:
        with pytest.raises(error):
            await base.list_rows("T")


def _jwt(payload: bytes) -> str:
    return f"e30.{base64.urlsafe_b64encode(payload).decode().rstrip('=')}.c2ln"


@pytest.mark.parametrize(
    "payload", [DEEP, b'{"exp": 1' + b"0" * 400 + b"}", b'{"exp": NaN}', b'{"exp": 1e999}']
)
def test_a_jwt_without_a_usable_expiry_has_none(payload: bytes) -> None:
    assert jwt_expiry(_jwt(payload)) is None


class RawBody(httpx.AsyncByteStream):
    """Body bytes that respx hands on unread, as a pool would: the client decodes them."""

    def __init__(self, body: bytes) -> None:
        self.chunks = [body]

    def __aiter__(self) -> RawBody:
        return self

    async def __anext__(self) -> bytes:
        if not self.chunks:
            raise StopAsyncIteration
        return self.chunks.pop()


class RawTransport(httpx.AsyncBaseTransport):
    """Grants a base token, then answers these bytes, decoded only when the client reads them."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.answer = (status, headers, body)
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json=grant())
        if request.url.path.endswith("/metadata/"):
            return httpx.Response(200, json=METADATA)
        self.calls += 1
        status, headers, body = self.answer
        return httpx.Response(status, headers=headers, stream=RawBody(body))


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, deflate"])
async def test_a_body_that_does_not_match_its_content_encoding(
    encoding: str, fake_time: FakeTime
) -> None:
    """The body is decoded as the classifier reads it: a failed write that may have happened."""
    raw = RawTransport(200, {"content-encoding": encoding}, b'{"first_row": {}}')
    policy = fake_time.policy()
    async with (
        httpx.AsyncClient(transport=raw) as client,
        Base(API_TOKEN, SERVER, http_client=client, retry=policy) as base,
    ):
        with pytest.raises(APIConnectionError, match="DecodingError") as caught:
            await base.append_row("T", {"Name": "Max"})
    assert caught.value.sent
    assert raw.calls == 1


@pytest.mark.parametrize(
    "metadata",
    [
        {"tables": 5},
        {"tables": "Table1"},
        {"tables": [1, None, "x"]},
        {"tables": [{"name": "Table1", "columns": 7}]},
        {"tables": [{"name": "Table1", "columns": [{"name": "Name"}, 3]}]},
        {"tables": [{"name": "Table1", "columns": [{"key": ["0000"], "name": "Name"}]}]},
    ],
)
async def test_append_row_tolerates_metadata_of_any_shape(
    server: respx.MockRouter, metadata: dict[str, Any]
) -> None:
    """The names are a courtesy: columns that the metadata cannot name keep their keys."""
    server.routes["metadata"].mock(return_value=httpx.Response(200, json={"metadata": metadata}))
    append = server.post(ROWS).mock(return_value=httpx.Response(200, json=APPENDED))
    async with Base(API_TOKEN, SERVER, retry=ONCE) as base:
        assert await base.append_row("Table1", {"Name": "Max"}) == APPENDED["first_row"]
    assert append.call_count == 1


@pytest.mark.parametrize(
    ("path", "answer", "call"),
    [
        (ROWS, {"rows": [1, "row"]}, lambda base: base.list_rows("T")),
        (ROWS, {"rows": [{"_id": "r"}, None]}, lambda base: base.list_rows("T")),
        (SQL, {"success": True, "results": [1]}, lambda base: base.query("SELECT 1")),
        (TOKEN_PATH, grant("token with spaces"), lambda base: base.auth()),
        (TOKEN_PATH, grant("t\u00e9"), lambda base: base.auth()),
        (TOKEN_PATH, {**grant(), "dtable_uuid": ".."}, lambda base: base.auth()),
        (TOKEN_PATH, {**grant(), "dtable_uuid": "u" * 9000}, lambda base: base.auth()),
        (TOKEN_PATH, {**grant(), "dtable_uuid": "\ud800"}, lambda base: base.auth()),
    ],
)
async def test_answers_with_wrong_types_are_unexpected(
    server: respx.MockRouter, path: str, answer: Any, call: Callable[[Base], Awaitable[Any]]
) -> None:
    route = server["token"] if path == TOKEN_PATH else server.route(path=path)
    route.mock(return_value=httpx.Response(200, content=_dumps(answer)))
    async with Base(API_TOKEN, SERVER, retry=ONCE) as base:
        with pytest.raises(UnexpectedResponseError):
            await call(base)


async def test_what_a_write_answers_is_taken_as_it_comes(server: respx.MockRouter) -> None:
    server.post(SQL).mock(return_value=httpx.Response(200, json={"success": True, "results": 5}))
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.query("UPDATE T SET a = 1") == []


async def test_grant_fields_of_the_wrong_type_are_ignored(server: respx.MockRouter) -> None:
    answer = {**grant(), "workspace_id": "7", "dtable_name": ["Test base"]}
    server["token"].mock(return_value=httpx.Response(200, json=answer))
    async with Base(API_TOKEN, SERVER) as base:
        await base.auth()
        assert (base.workspace_id, base.dtable_name) == (None, None)


async def test_a_hostile_base_uuid_stays_one_segment(server: respx.MockRouter) -> None:
    server["token"].mock(return_value=httpx.Response(200, json={**grant(), "dtable_uuid": "a/?#"}))
    route = server.get(path__startswith="/api-gateway/").respond(200, json={"rows": []})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_rows("T") == []
    assert route.calls.last.request.url.raw_path.split(b"?")[0].split(b"/")[-3:] == [
        b"a%2F%3F%23",
        b"rows",
        b"",
    ]


# Property-based: answers drawn by hypothesis, under both backends.

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
FIELDS = [
    "rows", "first_row", "metadata", "results", "success", "access_token", "dtable_uuid",
    "token", "workspace_id", "dtable_name", "error_message", "error_msg", "detail",
    "non_field_errors", "error_type",
]  # fmt: skip
"""The fields the client reads from any answer."""
COLUMN = st.fixed_dictionaries(
    {}, optional={"key": st.sampled_from(["0000", "n3W0"]) | JSON_VALUES, "name": JSON_VALUES}
)
TABLE = st.fixed_dictionaries(
    {},
    optional={
        "name": st.just("Table1") | JSON_VALUES,
        "columns": st.lists(COLUMN | JSON_VALUES, max_size=3) | JSON_VALUES,
    },
)
METADATA_LIKE = st.fixed_dictionaries(
    {"metadata": st.fixed_dictionaries({"tables": st.lists(TABLE, max_size=2) | JSON_VALUES})}
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


BODIES = st.one_of(
    st.binary(max_size=64),
    JSON_VALUES.map(_dumps),
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=4).map(_dumps),
    METADATA_LIKE.map(_dumps),
    st.sampled_from([DEEP, b'{"success": false, "a": ' + DEEP + b"}", b"\x1f\x8b\x08junk"]),
)
ODD_HEADER_VALUES = [
    "1e309", "nan", "-inf", "-5", "0", "9" * 400, "Wed, 21 Oct 2015 07:28:00 GMT",
    "Mon, 99 Foo 99999 99:99:99 GMT", "gzip", "deflate", "br", "zstd", "identity", "gzip, br",
    "application/json; charset=utf-16", "text/html; charset=bogus",
]  # fmt: skip
HEADER_NAMES = [
    "content-type", "content-encoding", "retry-after", "x-ratelimit-reset",
    "x-ratelimit-remaining", "date", "x-other",
]  # fmt: skip
HEADER_VALUES = st.sampled_from(ODD_HEADER_VALUES) | st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=12
)
HEADERS = st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUES, max_size=4)


@st.composite
def answers(draw: st.DrawFn) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A status, headers and body bytes; sometimes gzipped as the headers say, sometimes not."""
    headers = draw(HEADERS)
    body = draw(BODIES)
    if draw(st.booleans()):
        headers["content-encoding"] = "gzip"
        body = gzip.compress(body) if draw(st.booleans()) else body
    raw = [(name.encode(), value.encode("latin-1")) for name, value in headers.items()]
    return draw(st.integers(100, 599)), raw, body


def _answering(answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> Any:
    status, headers, body = answer
    return lambda request: httpx.Response(status, headers=headers, stream=RawBody(body))


Call = Callable[[Base], Awaitable[Any]]
TARGETS: list[tuple[str, Call]] = [
    ("token", lambda base: base.list_rows("Table1")),
    ("metadata", lambda base: base.append_row("Table1", {"a": 1})),
    ("list", lambda base: base.list_rows("Table1", "View", start=1, limit=2)),
    ("append", lambda base: base.append_row("Table1", {"Name": "Max"})),
    ("sql", lambda base: base.query("SELECT * FROM T", parameters=[1])),
    ("sql", lambda base: base.query("DELETE FROM T")),
]
"""A route (of `answer_validly`) that gets the drawn answer, and a public call that reaches it."""


@PROPERTY
@given(target=st.sampled_from(TARGETS), answer=answers())
def test_any_answer_raises_only_typed_errors(
    anyio_backend: str, target: tuple[str, Call], answer: Any
) -> None:
    """Two attempts with a fake clock, so that server hints and retries are exercised too."""
    route, call = target

    async def main() -> None:
        router = respx.MockRouter(base_url=SERVER, assert_all_called=False)
        answer_validly(router)
        router.routes[route].mock(side_effect=_answering(answer))
        policy = FakeTime().policy(max_attempts=2)
        async with (
            mock_client(router) as client,
            Base(API_TOKEN, SERVER, http_client=client, retry=policy) as base,
        ):
            with contextlib.suppress(SeaTableError):
                await call(base)
        assert router.routes[route].called

    anyio.run(main, backend=anyio_backend)


@PROPERTY
@given(answer=answers(), by_password=st.booleans())
def test_any_account_answer_raises_only_typed_errors(
    anyio_backend: str, answer: Any, by_password: bool
) -> None:
    """The login and the base-token grant of `Account.get_base`."""
    route = "login" if by_password else "grant"
    credentials = {"username": "u", "password": "p"} if by_password else {"token": "a" * 40}

    async def main() -> None:
        router = respx.MockRouter(base_url=SERVER, assert_all_called=False)
        answer_validly(router)
        router.routes[route].mock(side_effect=_answering(answer))
        async with (
            mock_client(router) as client,
            Account(server_url=SERVER, http_client=client, retry=ONCE, **credentials) as account,
        ):
            with contextlib.suppress(SeaTableError):
                await account.get_base(1, "B")
        assert router.routes[route].called

    anyio.run(main, backend=anyio_backend)


@PROPERTY
@given(answer=answers())
def test_append_row_never_fails_after_its_write(anyio_backend: str, answer: Any) -> None:
    """Whatever the metadata refresh after a successful write answers, the row is returned."""

    async def main() -> None:
        router = respx.MockRouter(base_url=SERVER, assert_all_called=False)
        answer_validly(router)
        router.routes["metadata"].mock(
            side_effect=[httpx.Response(200, json=METADATA), _answering(answer)(None)]
        )
        router.routes["append"].respond(200, json=APPENDED)
        async with (
            mock_client(router) as client,
            Base(API_TOKEN, SERVER, http_client=client, retry=ONCE) as base,
        ):
            await base.get_metadata()
            row = await base.append_row("Table1", {"Name": "Max"})
        assert row["_id"] == APPENDED["first_row"]["_id"]
        assert router.routes["metadata"].call_count == 2

    anyio.run(main, backend=anyio_backend)

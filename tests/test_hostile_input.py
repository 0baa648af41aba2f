"""Whatever a caller passes, it is sent as SeaTable expects or refused before any request."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatable_async import Account, Base, InvalidInputError, RetryPolicy
from seatable_async._encoding import MAX_DEPTH
from seatable_async._validation import _length_bound

from .helpers import API_TOKEN, GATEWAY, SERVER, answer_validly, grant, mock_client

pytestmark = pytest.mark.anyio

ONCE = RetryPolicy(max_attempts=1)
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""Bounded so that each property runs in well under a second per backend."""
CEST = timezone(timedelta(hours=2))


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def _cyclic() -> list[Any]:
    value: list[Any] = []
    value.append(value)
    return value


ENCODED = [
    (datetime(2024, 5, 6, 13, 59), "2024-05-06 13:59:00"),
    (datetime(2024, 5, 6, 13, 59, 1, 250_000, tzinfo=CEST), "2024-05-06 13:59:01.250+02:00"),
    (date(2024, 5, 6), "2024-05-06"),
    (timedelta(hours=1, minutes=30), 5400),
    (timedelta(seconds=1.5), 1.5),
    (Decimal("12.50"), 12.5),
    (Decimal("1E+3"), 1000),
    (Fraction(1, 4), 0.25),
    ((1, "a", (2,)), [1, "a", [2]]),
    ({"lng": Decimal("8.5"), "lat": 50}, {"lng": 8.5, "lat": 50}),
    (10**300, 10**300),
    (True, True),
    (None, None),
]
"""Values users naturally pass, and the JSON that SeaTable gets for them."""


@pytest.mark.parametrize(("value", "sent"), ENCODED)
async def test_natural_values_are_encoded_as_seatable_expects(
    server: respx.MockRouter, value: Any, sent: Any
) -> None:
    append = server.post(f"{GATEWAY}/rows/").respond(200, json={"first_row": {"_id": "r"}})
    select = server.post(f"{GATEWAY}/sql/").respond(200, json={"results": []})
    async with Base(API_TOKEN, SERVER) as base:
        await base.append_row("Table1", {"Name": value})
        if not isinstance(sent, (list, dict)):
            await base.query("SELECT * FROM Table1 WHERE Name = ?", parameters=[value])
    assert json.loads(append.calls.last.request.content)["rows"] == [{"Name": sent}]
    if select.called:
        assert json.loads(select.calls.last.request.content)["parameters"] == [sent]


REFUSED = [
    (math.nan, "is nan"),
    (-math.inf, "is -inf"),
    ([1, [math.inf]], "is inf"),
    (Decimal("NaN"), "is NaN"),
    (Decimal("sNaN"), "is sNaN"),
    (Decimal("1E+400"), "is 1E\\+400"),
    (Fraction(10**400, 3), "is inf"),
    (10**400, "beyond"),
    ({1, 2}, "holds a set"),
    (b"bytes", "holds a bytes"),
    (object(), "holds a object"),
    (1j, "holds a complex"),
    ({1: "one"}, "non-text key"),
    ("\ud800", "lone surrogate"),
    (_nested(MAX_DEPTH + 1), "deeper than"),
    (_cyclic(), "deeper than"),
]
"""Values JSON cannot carry, and what the error says about them."""


@pytest.mark.parametrize(("value", "message"), REFUSED)
async def test_what_json_cannot_carry_is_refused_naming_the_column(
    server: respx.MockRouter, value: Any, message: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=f"^column 'Age' .*{message}"):
            await base.append_row("Table1", {"Age": value})
        with pytest.raises(InvalidInputError, match=f"^parameters\\[1\\] .*{message}"):
            await base.query("SELECT ?, ?", parameters=[1, value])
    assert not server.calls


Call = Callable[[Base], Awaitable[Any]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda base: base.query("SELECT ?", parameters=[[1, 2]]), "single value"),
        (lambda base: base.query("SELECT ?", parameters=b"ab"), "list of values"),
        (lambda base: base.query("SELECT 1", convert="yes"), "convert"),
        (lambda base: base.query("SELECT '\ud800'"), "sql holds a lone surrogate"),
        (lambda base: base.append_row("T", {"a": 1}, apply_default=1), "apply_default"),
        (lambda base: base.append_row("T", {"\udc80": 1}), "row_data"),
        (lambda base: base.list_rows("T" * 100_000), "URL longer than"),
        (lambda base: base.list_rows("T", "V" * 8_000), "URL longer than"),
        (lambda base: base.list_rows("T", start=2**53), "start"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    server: respx.MockRouter, call: Call, message: str
) -> None:
    """Not even the base-token exchange or the metadata read goes out."""
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=message):
            await call(base)
    assert not server.calls


@pytest.mark.parametrize(
    "make",
    [
        lambda: Base(API_TOKEN, SERVER, timeout=math.nan),
        lambda: Base(API_TOKEN, SERVER, timeout=math.inf),
        lambda: Base(API_TOKEN, SERVER, connect_timeout=10**400),
        lambda: Base(API_TOKEN, SERVER, timeout=-math.inf),
        lambda: Base("token\nX-Injected: 1", SERVER),
        lambda: Base("t\u00f6ken", SERVER),
        lambda: Base(API_TOKEN, "https://seatable.test:99999"),
        lambda: Base(API_TOKEN, "https://seatable.test/\x00"),
        lambda: Base(API_TOKEN, "https://\ud800"),
        lambda: Account(server_url=SERVER, token="a b"),
    ],
)
def test_bad_configuration_is_refused(make: Callable[[], Any]) -> None:
    with pytest.raises(InvalidInputError):
        make()


@pytest.mark.parametrize(
    ("name", "segment"),
    [("a/b", b"a%2Fb"), ("?#", b"%3F%23"), ("%2E%2E", b"%252E%252E"), ("..%2F", b"..%252F")],
)
async def test_a_base_name_is_escaped_into_one_segment(
    server: respx.MockRouter, name: str, segment: bytes
) -> None:
    grant_route = server.get(path__startswith="/api/v2.1/workspace/").respond(200, json=grant())
    async with Account(server_url=SERVER, token="a" * 40) as account:
        await account.get_base(7, name)
    path = grant_route.calls.last.request.url.raw_path
    assert path == b"/api/v2.1/workspace/7/dtable/" + segment + b"/access-token/"


@pytest.mark.parametrize("name", [".", "..", "x" * 8001, "%" * 2700])
async def test_a_base_name_that_cannot_be_one_segment_is_refused(
    server: respx.MockRouter, name: str
) -> None:
    async with Account(server_url=SERVER, token="a" * 40) as account:
        with pytest.raises(InvalidInputError, match="base_name"):
            await account.get_base(7, name)
    assert not server.calls


HOSTILE_NAMES = [
    ".", "..", "/", "?", "#", "%", "%2E%2E", "%2e", "a/../b", "..%2F", "\\", "&x=1", "+",
    "\x00", "\n", "\u00e9", "\U0001f600", "\ud800", " ", "",
]  # fmt: skip
NAMES = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.builds(lambda a, b: a + "\udc80" + b, st.text(max_size=3), st.text(max_size=3)),
    st.integers(0, 12_000).map(lambda n: "%/" * n),
    st.none() | st.integers() | st.binary(max_size=4),
)
"""Names a caller may pass: hostile characters, any Unicode, lengths around the URL limit."""


def _run(
    backend: str, test: Callable[[respx.MockRouter, httpx.AsyncClient], Awaitable[None]]
) -> None:
    async def main() -> None:
        router = respx.MockRouter(base_url=SERVER, assert_all_called=False)
        answer_validly(router)
        async with mock_client(router) as client:
            await test(router, client)

    anyio.run(main, backend=backend)


async def _refusal(call: Awaitable[Any]) -> str | None:
    """The message of the `InvalidInputError` the call raised; None when it went through."""
    try:
        await call
    except InvalidInputError as error:
        return str(error)
    return None


@PROPERTY
@given(name=NAMES)
def test_a_base_name_stays_one_path_segment(anyio_backend: str, name: Any) -> None:
    async def test(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
        account = Account(server_url=SERVER, token="a" * 40, http_client=client, retry=ONCE)
        if await _refusal(account.get_base(7, name)) is not None:
            assert not router.calls
            return
        path = router.routes["grant"].calls.last.request.url.raw_path
        *prefix, segment, suffix, end = path.split(b"/")
        assert (prefix, suffix, end) == (
            [b"", b"api", b"v2.1", b"workspace", b"7", b"dtable"],
            b"access-token",
            b"",
        )
        assert unquote(segment.decode(), errors="strict") == name

    _run(anyio_backend, test)


@PROPERTY
@given(table=NAMES, view=NAMES | st.none())
def test_table_and_view_names_arrive_as_they_were_given(
    anyio_backend: str, table: Any, view: Any
) -> None:
    async def test(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
        base = Base(API_TOKEN, SERVER, http_client=client, retry=ONCE)
        if await _refusal(base.list_rows(table, view)) is not None:
            assert not router.calls
            return
        url = router.routes["list"].calls.last.request.url
        assert url.path == "/api-gateway/api/v2/dtables/650d8a0d-7e27-46a8-8b18-6cc6f3db2057/rows/"
        assert (url.params["table_name"], url.params.get("view_name")) == (table, view)

    _run(anyio_backend, test)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(10**400),
    st.floats(),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=6),
    st.just("\ud800"),
    st.binary(max_size=4),
    st.datetimes(timezones=st.none() | st.just(timezone.utc) | st.just(CEST)),
    st.dates(),
    st.timedeltas(),
    st.decimals(),
    st.fractions(),
    st.complex_numbers(),
    st.builds(object),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.frozensets(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=3),
    ),
    max_leaves=6,
)
"""Row values and SQL parameters of any type, nested or not."""


def _strict_json(content: bytes) -> Any:
    """The JSON a request carried, refusing what strict JSON has not: NaN and the infinities."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} was sent")

    return json.loads(content, parse_constant=refuse)


@PROPERTY
@given(value=VALUES)
def test_row_values_are_sent_as_json_or_refused(anyio_backend: str, value: Any) -> None:
    async def test(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
        base = Base(API_TOKEN, SERVER, http_client=client, retry=ONCE)
        refusal = await _refusal(base.append_row("Table1", {"Name": value}))
        if refusal is not None:
            assert refusal.startswith("column 'Name'")
            assert not router.calls
            return
        sent = _strict_json(router.routes["append"].calls.last.request.content)
        assert list(sent["rows"][0]) == ["Name"]

    _run(anyio_backend, test)


@PROPERTY
@given(parameters=st.lists(VALUES, max_size=3))
def test_sql_parameters_are_sent_as_json_or_refused(anyio_backend: str, parameters: Any) -> None:
    async def test(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
        base = Base(API_TOKEN, SERVER, http_client=client, retry=ONCE)
        refusal = await _refusal(base.query("SELECT * FROM T WHERE a = ?", parameters=parameters))
        if refusal is not None:
            assert refusal.startswith("parameters[")
            assert not router.calls
            return
        sent = _strict_json(router.routes["sql"].calls.last.request.content)["parameters"]
        assert len(sent) == len(parameters)
        assert not any(isinstance(value, (list, dict)) for value in sent)

    _run(anyio_backend, test)


@given(
    path=st.text(max_size=40),
    params=st.dictionaries(
        st.text(max_size=10),
        st.one_of(st.text(max_size=20), st.integers(), st.lists(st.text(max_size=5), max_size=3)),
        max_size=4,
    ),
)
def test_the_quick_length_bound_never_undercounts(path: str, params: dict[str, Any]) -> None:
    """The shortcut that skips building the URL is taken only when the URL is surely short."""
    url = "https://seatable.test/api-gateway/" + path
    bound = _length_bound(url, params)
    if bound is None:
        return
    assert bound >= len(httpx.URL(url, params=params).raw_path)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["rows/\x1f", "/api/v2.1/x\x7f"])
async def test_a_path_httpx_refuses_is_a_typed_refusal(path: str) -> None:
    router = respx.MockRouter(base_url=SERVER, assert_all_called=False)
    answer_validly(router)
    async with mock_client(router) as client, Base(API_TOKEN, SERVER, http_client=client) as base:
        with pytest.raises(InvalidInputError):
            await base.request("GET", path)

"""SQL paging: `query()` warns exactly at SeaTable's caps, `query_all()` and `iter_query()`
page a SELECT (exact bodies, short page stops), refusals send nothing; then the emulator."""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from seatable_async import (
    Base,
    InvalidInputError,
    SeaTableTruncationWarning,
    UnexpectedResponseError,
)
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, GATEWAY, SERVER, FakeTime, SharedServer

pytestmark = pytest.mark.anyio

SQL = f"{GATEWAY}/sql/"


def rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"_id": f"r{i}", "Name": f"n{i}"} for i in range(start, start + count)]


def answer(count: int, start: int = 0) -> httpx.Response:
    return httpx.Response(
        200, json={"success": True, "metadata": [], "results": rows(count, start)}
    )


def bodies(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(call.request.read()) for call in route.calls]


def truncation_warnings(caught: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in caught if issubclass(w.category, SeaTableTruncationWarning)]


@pytest.mark.parametrize(
    ("sql", "parameters", "count", "warns"),
    [
        ("SELECT * FROM T", None, 100, True),
        ("SELECT * FROM T", None, 99, False),
        ("select Name from T where Name = ?", ["x"], 100, True),
        ("SELECT * FROM T LIMIT 100", None, 100, False),
        ("SELECT * FROM T LIMIT 500", None, 500, False),
        ("SELECT * FROM T LIMIT 20000", None, 10_000, True),
        ("SELECT * FROM T LIMIT 20000", None, 9_999, False),
        ("SELECT * FROM T LIMIT ? OFFSET ?", [20_000, 5], 10_000, True),
        ("SELECT * FROM T LIMIT 10000", None, 10_000, False),
        ("UPDATE T SET Name = 'a'", None, 100, False),
    ],
)
async def test_query_warns_exactly_at_the_cap(
    server: respx.MockRouter, sql: str, parameters: list[Any] | None, count: int, warns: bool
) -> None:
    server.post(SQL).mock(return_value=answer(count))
    async with Base(API_TOKEN, SERVER) as base:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = await base.query(sql, parameters=parameters)
    assert len(result) == count
    found = truncation_warnings(caught)
    assert len(found) == warns
    if warns:
        assert f"exactly {count} rows" in str(found[0].message)
        assert "query_all()" in str(found[0].message)
        assert found[0].filename == __file__


def test_the_warning_is_a_user_warning() -> None:
    assert issubclass(SeaTableTruncationWarning, UserWarning)


async def test_query_all_pages_until_a_short_page(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(
        side_effect=[answer(10_000), answer(10_000, 10_000), answer(7, 20_000)]
    )
    async with Base(API_TOKEN, SERVER) as base:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SeaTableTruncationWarning)
            result = await base.query_all("SELECT * FROM T WHERE Name != ?", ["x"])
    assert [row["_id"] for row in result] == [f"r{i}" for i in range(20_007)]
    statement = "SELECT * FROM T WHERE Name != ? ORDER BY _id"
    assert bodies(route) == [
        {
            "sql": f"{statement} LIMIT 10000 OFFSET {offset}",
            "convert_keys": True,
            "parameters": ["x"],
        }
        for offset in (0, 10_000, 20_000)
    ]


async def test_query_all_stops_at_the_statements_own_limit(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(side_effect=[answer(10_000), answer(5_000)])
    async with Base(API_TOKEN, SERVER) as base:
        result = await base.query_all("SELECT Name FROM T ORDER BY Name LIMIT ? OFFSET 3", [15_000])
    assert len(result) == 15_000
    assert bodies(route) == [
        {"sql": "SELECT Name FROM T ORDER BY Name, _id LIMIT 10000 OFFSET 3", "convert_keys": True,
         "parameters": []},
        {"sql": "SELECT Name FROM T ORDER BY Name, _id LIMIT 5000 OFFSET 10003",
         "convert_keys": True, "parameters": []},
    ]  # fmt: skip


async def test_query_all_of_an_empty_table_sends_one_request(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer(0))
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.query_all("SELECT * FROM T") == []
    assert bodies(route) == [
        {"sql": "SELECT * FROM T ORDER BY _id LIMIT 10000 OFFSET 0", "convert_keys": True}
    ]


async def test_iter_query_holds_one_page_and_a_full_last_page_needs_one_more(
    server: respx.MockRouter,
) -> None:
    route = server.post(SQL).mock(side_effect=[answer(2), answer(2, 2), answer(0)])
    seen = []
    async with Base(API_TOKEN, SERVER) as base:
        async for row in base.iter_query("SELECT * FROM T", page_size=2):
            seen.append((row["_id"], route.call_count))
    assert seen == [("r0", 1), ("r1", 1), ("r2", 2), ("r3", 2)]
    assert [body["sql"] for body in bodies(route)] == [
        f"SELECT * FROM T ORDER BY _id LIMIT 2 OFFSET {offset}" for offset in (0, 2, 4)
    ]


async def test_a_failed_page_is_retried_like_a_select(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.post(SQL).mock(
        side_effect=[answer(3), httpx.Response(503), httpx.Response(500), answer(1, 3)]
    )
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        result = [row async for row in base.iter_query("SELECT * FROM T", page_size=3)]
    assert [row["_id"] for row in result] == ["r0", "r1", "r2", "r3"]
    assert [body["sql"][-8:] for body in bodies(route)] == ["OFFSET 0"] + ["OFFSET 3"] * 3


@pytest.mark.parametrize(
    ("sql", "parameters", "page_size", "message"),
    [
        ("DELETE FROM T", None, None, "SELECT statements only"),
        ("INSERT INTO T (Name) VALUES ('a')", None, None, "SELECT statements only"),
        ("SELECT * FROM A UNION SELECT * FROM B", None, None, "UNION"),
        ("SELECT * FROM T; DELETE FROM T", None, None, "more than one statement"),
        ("SELECT * FROM T WHERE _id IN (SELECT _id FROM U)", None, None, "subqueries"),
        ("SELECT * FROM A, B WHERE A.x = B.x", None, None, "join"),
        ("SELECT 1", None, None, "no FROM"),
        ("SELECT * FROM T LIMIT ?", ["ten"], None, "whole number"),
        ("SELECT * FROM T", None, 10_001, "page_size"),
        ("SELECT * FROM T", None, 0, "page_size"),
        ("SELECT * FROM T", "abc", None, "parameters must be a list"),
        ("", None, None, "sql must be"),
    ],
)
async def test_refusals_send_nothing(
    server: respx.MockRouter, sql: str, parameters: Any, page_size: Any, message: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=message):
            base.iter_query(sql, parameters, page_size=page_size)
        if page_size is None:
            with pytest.raises(InvalidInputError, match=message):
                await base.query_all(sql, parameters)
    assert not server.calls


# --- against the emulator ---------------------------------------------------------------------

TOKEN = "sql-paging-api-token"
ROWS = 2_500


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_token=TOKEN) as emulator:
        emulator.add_table("Big", [("Name", "text"), ("Group", "number")])
        emulator.append_rows("Big", [{"Name": f"row {i}", "Group": i % 3} for i in range(ROWS)])
        yield emulator


@pytest.fixture
async def base(emulator: Emulator, shared_server: SharedServer) -> AsyncIterator[Base]:
    with shared_server.serving(emulator) as url:
        async with Base(TOKEN, url) as base:
            yield base


def sql_requests(emulator: Emulator) -> int:
    return sum(1 for record in emulator.request_log if record.path.endswith("/sql/"))


async def test_query_all_returns_every_row_once(emulator: Emulator, base: Base) -> None:
    result = await base.query_all("SELECT * FROM Big")
    assert len(result) == ROWS
    assert {row["_id"] for row in result} == {row["_id"] for row in emulator.rows("Big")}
    assert {row["Name"] for row in result} == {f"row {i}" for i in range(ROWS)}
    assert sql_requests(emulator) == 1


async def test_query_warns_where_query_all_gets_everything(base: Base) -> None:
    with pytest.warns(SeaTableTruncationWarning, match="exactly 100 rows"):
        assert len(await base.query("SELECT Name FROM Big")) == 100
    grouped = await base.query_all("SELECT Name FROM Big WHERE `Group` = ?", [1])
    assert len(grouped) == 833


async def test_iter_query_pages(emulator: Emulator, base: Base) -> None:
    names = [row["Name"] async for row in base.iter_query("SELECT Name FROM Big", page_size=1000)]
    assert sorted(names) == sorted(f"row {i}" for i in range(ROWS))
    assert sql_requests(emulator) == 3
    window = [
        row["Name"]
        async for row in base.iter_query(
            "SELECT Name FROM Big ORDER BY Name LIMIT ? OFFSET ?", [250, 2_400], page_size=60
        )
    ]
    everything = sorted(f"row {i}" for i in range(ROWS))
    assert window == everything[2_400:]
    assert sql_requests(emulator) == 3 + 2


async def test_an_abandoned_iter_query_holds_nothing_open(server: respx.MockRouter) -> None:
    """No generator behind it: leaving it unfinished warns about nothing, on trio either."""
    server.post(SQL).mock(side_effect=[answer(2), answer(2, 2), answer(1, 4)])
    async with Base(API_TOKEN, SERVER) as base:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            found = base.iter_query("SELECT * FROM T", page_size=2)
            assert (await found.__anext__())["_id"] == rows(1)[0]["_id"]
            del found


async def test_a_page_longer_than_asked_is_unexpected(server: respx.MockRouter) -> None:
    """A server that ignored LIMIT would otherwise make paging run forever."""
    server.post(SQL).mock(return_value=answer(3))
    async with Base(API_TOKEN, SERVER) as base:
        pages = base.iter_query("SELECT * FROM T", page_size=2)
        with pytest.raises(UnexpectedResponseError, match="results"):
            await pages.__anext__()

"""`filter()` and `filter_rows()`: the SQL they send (exact bodies), the cached metadata they
read, a view intersected through `listRows`, refusals that send nothing; then the emulator."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import respx

from seatable_async import Base, InvalidInputError
from seatable_async.testing import Emulator, serve, serve_in_thread

from ..helpers import API_TOKEN, GATEWAY, METADATA, SERVER

pytestmark = pytest.mark.anyio

SQL = f"{GATEWAY}/sql/"
ROWS = f"{GATEWAY}/rows/"
PAGE = "ORDER BY _id LIMIT 10000 OFFSET 0"


def with_view(name: str = "V") -> dict[str, Any]:
    metadata = copy.deepcopy(METADATA)
    metadata["metadata"]["tables"][0]["views"] = [{"_id": "0000", "name": name}]
    return metadata


def answer(*ids: str) -> httpx.Response:
    results = [{"_id": row_id, "Name": row_id} for row_id in ids]
    return httpx.Response(200, json={"success": True, "metadata": [], "results": results})


def bodies(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(call.request.read()) for call in route.calls]


async def test_filter_sends_the_conditions_as_parameterized_sql(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer("r1"))
    async with Base(API_TOKEN, SERVER) as base:
        first = await base.filter("Table1", "Age > 30 and Name = 'Ada Lovelace'")
        again = await base.filter("0000", "Name like 'A%'")
    assert first == again == [{"_id": "r1", "Name": "r1"}]
    assert bodies(route) == [
        {"sql": f"SELECT * FROM `Table1` WHERE `Age` > ? AND `Name` = ? {PAGE}",
         "convert_keys": True, "parameters": [30, "Ada Lovelace"]},
        {"sql": f"SELECT * FROM `Table1` WHERE `Name` LIKE ? {PAGE}", "convert_keys": True,
         "parameters": ["A%"]},
    ]  # fmt: skip
    assert server["metadata"].call_count == 1


async def test_empty_conditions_select_every_row(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer())
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.filter("Table1") == []
    assert bodies(route) == [
        {"sql": f"SELECT * FROM `Table1` {PAGE}", "convert_keys": True, "parameters": []}
    ]


async def test_filter_rows_sends_the_filters_as_parameterized_sql(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer("r1"))
    filters: list[dict[str, Any]] = [
        {"column_name": "Name", "filter_predicate": "contains", "filter_term": "da"},
        {"column_name": "Age", "filter_predicate": "greater_or_equal", "filter_term": 18},
    ]
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.filter_rows("Table1", filters, filter_conjunction="Or") == [
            {"_id": "r1", "Name": "r1"}
        ]
    assert bodies(route) == [
        {"sql": f"SELECT * FROM `Table1` WHERE `Name` ILIKE ? OR `Age` >= ? {PAGE}",
         "convert_keys": True, "parameters": ["%da%", 18]},
    ]  # fmt: skip


async def test_filters_may_be_any_sequence(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer())
    async with Base(API_TOKEN, SERVER) as base:
        await base.filter_rows("Table1", ({"column_name": "Age", "filter_predicate": "is_empty"},))
    assert bodies(route)[0]["sql"] == f"SELECT * FROM `Table1` WHERE `Age` IS NULL {PAGE}"


async def test_an_unknown_column_reads_the_metadata_again_once(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer())
    async with Base(API_TOKEN, SERVER) as base:
        await base.get_metadata()
        with pytest.raises(InvalidInputError, match="Nickname"):
            await base.filter("Table1", "Nickname = x")
    assert server["metadata"].call_count == 2
    assert not route.called


async def test_an_unknown_table_is_refused_after_one_read(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer())
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match="no table 'Nope'"):
            await base.filter_rows("Nope", [{"column_name": "A", "filter_predicate": "is_empty"}])
    assert server["metadata"].call_count == 1
    assert not route.called


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda base: base.filter("", "Age > 1"), "table_name"),
        (lambda base: base.filter("Table1", "Age > 1", view_name=""), "view_name"),
        (lambda base: base.filter("Table1", "Age >"), "expected a value at position 5"),
        (lambda base: base.filter("Table1", "(Age > 1)"), "parentheses"),
        (lambda base: base.filter("Table1", 3), "conditions must be a string"),
        (lambda base: base.filter_rows("Table1", []), "non-empty list"),
        (lambda base: base.filter_rows("Table1", "Age"), "non-empty list"),
        (lambda base: base.filter_rows("Table1", [{"column_name": "Age"}]), "filter_predicate"),
        (lambda base: base.filter_rows("Table1", [{"x": 1}]), "unknown keys"),
        (
            lambda base: base.filter_rows(
                "Table1", [{"column_name": "Age", "filter_predicate": "is_empty"}],
                filter_conjunction="and",
            ),
            "filter_conjunction",
        ),
    ],
)  # fmt: skip
async def test_invalid_arguments_send_nothing(
    server: respx.MockRouter, call: Callable[[Base], Any], message: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=message):
            await call(base)
    assert not server.calls


async def test_a_view_keeps_its_rows_in_its_order(server: respx.MockRouter) -> None:
    server["metadata"].respond(200, json=with_view())
    server.post(SQL).mock(return_value=answer("r0", "r1", "r2", "r3"))
    listed = server.get(ROWS).respond(
        200, json={"rows": [{"_id": "r3"}, {"_id": "r9"}, {"_id": "r1"}]}
    )
    async with Base(API_TOKEN, SERVER) as base:
        result = await base.filter("Table1", "Age > 1", view_name="V")
    assert [row["_id"] for row in result] == ["r3", "r1"]
    assert dict(listed.calls[0].request.url.params) == {
        "table_name": "Table1",
        "view_name": "V",
        "start": "0",
        "limit": "1000",
        "convert_keys": "true",
    }


async def test_a_views_rows_are_listed_page_by_page(server: respx.MockRouter) -> None:
    server["metadata"].respond(200, json=with_view())
    server.post(SQL).mock(return_value=answer("r5", "last"))
    full = {"rows": [{"_id": f"r{i}"} for i in range(1000)]}
    last = {"rows": [{"_id": "last"}]}
    listed = server.get(ROWS).mock(
        side_effect=[httpx.Response(200, json=full), httpx.Response(200, json=last)]
    )
    filters = [{"column_name": "Age", "filter_predicate": "is_not_empty"}]
    async with Base(API_TOKEN, SERVER) as base:
        result = await base.filter_rows("Table1", filters, "V")
    assert [row["_id"] for row in result] == ["r5", "last"]
    assert [call.request.url.params["start"] for call in listed.calls] == ["0", "1000"]


async def test_a_view_is_not_listed_when_no_row_matches(server: respx.MockRouter) -> None:
    server["metadata"].respond(200, json=with_view())
    server.post(SQL).mock(return_value=answer())
    listed = server.get(ROWS).respond(200, json={"rows": []})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.filter("Table1", "Age > 1", view_name="V") == []
    assert not listed.called


async def test_an_unknown_view_is_refused_before_any_sql(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=answer())
    async with Base(API_TOKEN, SERVER) as base:
        await base.get_metadata()
        with pytest.raises(InvalidInputError, match="no view 'V'"):
            await base.filter("Table1", "Age > 1", view_name="V")
    assert server["metadata"].call_count == 2
    assert not route.called


# --- against the emulator ---------------------------------------------------------------------

TOKEN = "filters-api-token"
COUNT = 2_500
STATUSES = ("open", "closed", "waiting")


def person(i: int) -> dict[str, Any]:
    return {
        "Name": f"row {i}",
        "Age": None if i % 50 == 0 else i,
        "Done": i % 2 == 0,
        "Status": STATUSES[i % 3],
        "Born": (date(2020, 1, 1) + timedelta(days=i)).isoformat(),
    }


PEOPLE = [person(i) for i in range(COUNT)]


def names(predicate: Callable[[dict[str, Any]], bool]) -> set[str]:
    return {p["Name"] for p in PEOPLE if predicate(p)}


@contextlib.contextmanager
def people_emulator() -> Iterator[Emulator]:
    with Emulator(api_token=TOKEN) as emulator:
        emulator.add_table(
            "People",
            [("Name", "text"), ("Age", "number"), ("Done", "checkbox"),
             ("Status", "single-select"), ("Born", "date")],
        )  # fmt: skip
        emulator.append_rows("People", PEOPLE)
        yield emulator


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    """The people table, built once for the tests that only read it."""
    with people_emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The people table for a test that changes the base."""
    with people_emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def shared_url(shared_emulator: Emulator) -> Iterator[str]:
    """The shared emulator, served once for the module's reading tests."""
    with serve_in_thread(shared_emulator) as url:
        yield url


@pytest.fixture
async def base(shared_url: str) -> AsyncIterator[Base]:
    async with Base(TOKEN, shared_url) as base:
        yield base


@pytest.fixture
async def own_base(emulator: Emulator) -> AsyncIterator[Base]:
    async with serve(emulator) as url, Base(TOKEN, url) as base:
        yield base


def age(p: dict[str, Any]) -> int:
    return -1 if p["Age"] is None else int(p["Age"])


CONDITIONS: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
    ("Age > 1000", lambda p: age(p) > 1000),
    ("Age <= 120", lambda p: 0 <= age(p) <= 120),
    ("Age = ''", lambda p: p["Age"] is None),
    ("Name like '%7'", lambda p: p["Name"].endswith("7")),
    ("Name = 'row 42'", lambda p: p["Name"] == "row 42"),
    ("Done = true", lambda p: p["Done"]),
    ("Status = waiting", lambda p: p["Status"] == "waiting"),
    ("Status != open and Age >= 2000", lambda p: p["Status"] != "open" and age(p) >= 2000),
    ("Born < 2020-03-01", lambda p: p["Born"] < "2020-03-01"),
    ("Name = 'row 3' or Age > 2490", lambda p: p["Name"] == "row 3" or age(p) > 2490),
]


@pytest.mark.parametrize(("conditions", "expected"), CONDITIONS, ids=[c for c, _ in CONDITIONS])
async def test_filter_returns_exactly_the_matching_rows(
    base: Base, conditions: str, expected: Callable[[dict[str, Any]], bool]
) -> None:
    result = await base.filter("People", conditions)
    assert [row["Name"] for row in result if row["Name"]] == [row["Name"] for row in result]
    assert {row["Name"] for row in result} == names(expected)
    assert len(result) == len(names(expected))


def f(column: str, predicate: str, term: Any = None, modifier: str | None = None) -> dict[str, Any]:
    item = {"column_name": column, "filter_predicate": predicate, "filter_term": term}
    return item if modifier is None else {**item, "filter_term_modifier": modifier}


FILTERS: list[tuple[str, list[dict[str, Any]], str, Callable[[dict[str, Any]], bool]]] = [
    ("contains", [f("Name", "contains", "99")], "And", lambda p: "99" in p["Name"]),
    ("greater_or_equal", [f("Age", "greater_or_equal", 2400)], "And", lambda p: age(p) >= 2400),
    ("is_empty", [f("Age", "is_empty")], "And", lambda p: p["Age"] is None),
    ("single-select", [f("Status", "is_any_of", ["open", "closed"])], "And",
     lambda p: p["Status"] != "waiting"),
    ("checkbox", [f("Done", "is", False)], "And", lambda p: not p["Done"]),
    ("date", [f("Born", "is_before", "2020-02-01", "exact_date")], "And",
     lambda p: p["Born"] < "2020-02-01"),
    ("and", [f("Done", "is", True), f("Age", "less", 300)], "And",
     lambda p: p["Done"] and 0 <= age(p) < 300),
    ("or", [f("Name", "is", "row 7"), f("Age", "greater", 2495)], "Or",
     lambda p: p["Name"] == "row 7" or age(p) > 2495),
]  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "conjunction", "expected"),
    [case[1:] for case in FILTERS],
    ids=[case[0] for case in FILTERS],
)
async def test_filter_rows_returns_exactly_the_matching_rows(
    base: Base,
    filters: list[dict[str, Any]],
    conjunction: str,
    expected: Callable[[dict[str, Any]], bool],
) -> None:
    result = await base.filter_rows("People", filters, filter_conjunction=conjunction)
    assert {row["Name"] for row in result} == names(expected)
    assert len(result) == len(names(expected))


async def test_rows_come_keyed_by_column_name(base: Base) -> None:
    [row] = await base.filter("People", "Name = 'row 7'")
    assert {key: row[key] for key in ("Name", "Age", "Done", "Status")} == {
        "Name": "row 7", "Age": 7, "Done": False, "Status": "closed"
    }  # fmt: skip
    assert row["Born"].startswith("2020-01-08")


async def test_a_view_restricts_and_orders_the_rows(emulator: Emulator, own_base: Base) -> None:
    metadata = await own_base.get_metadata()
    [table] = [table for table in metadata["tables"] if table["name"] == "People"]
    keys = {column["name"]: column["key"] for column in table["columns"]}
    await own_base.request("POST", "views/", params={"table_name": "People"}, json={"name": "Old"})
    old = {"column_key": keys["Age"], "filter_predicate": "greater", "filter_term": 1000}
    await own_base.request(
        "PUT",
        "views/Old/",
        params={"table_name": "People"},
        json={"filters": [old], "sorts": [{"column_key": keys["Age"], "sort_type": "down"}]},
    )
    result = await own_base.filter("People", "Done = true", view_name="Old")
    expected = sorted(
        (p for p in PEOPLE if p["Done"] and age(p) > 1000), key=lambda p: age(p), reverse=True
    )
    assert [row["Name"] for row in result] == [p["Name"] for p in expected]
    filtered = await own_base.filter_rows("People", [f("Status", "is", "closed")], view_name="Old")
    assert [row["Age"] for row in filtered] == sorted(
        (age(p) for p in PEOPLE if p["Status"] == "closed" and age(p) > 1000), reverse=True
    )
    listed = [r.query for r in emulator.request_log if r.path.endswith("/rows/")]
    assert ["start=1000" in query for query in listed] == [False, True] * 2

"""Big data: the exact requests (respx), inserts split by 1000 and never repeated, and a round trip
of every method through the emulator."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from seatable_async import (
    BadRequestError,
    Base,
    InvalidInputError,
    QueryError,
    ServiceUnavailableError,
)
from seatable_async.resources.big_data import ADD_BIG_DATA_ROWS, ARCHIVE_VIEW, UNARCHIVE_ROWS

from ..helpers import API_TOKEN, GATEWAY, SERVER, FakeTime
from ._emulated import TWO_TABLES, emulated_base, linked_emulator

pytestmark = pytest.mark.anyio

ADD = f"{GATEWAY}/add-archived-rows/"


def counted(request: httpx.Request) -> httpx.Response:
    """An `addBigDataRows` answer for what was sent."""
    return httpx.Response(
        200, json={"inserted_row_count": len(json.loads(request.content)["rows"])}
    )


async def test_inserts_are_split_by_1000_rows_in_order(server: respx.MockRouter) -> None:
    route = server.post(ADD).mock(side_effect=counted)
    rows = [{"Name": f"n{i}", "Age": i} for i in range(2001)]
    async with Base(API_TOKEN, SERVER) as base:
        answer = await base.big_data_insert_rows("Table1", rows)
    assert answer == {"inserted_row_count": 2001}
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [len(b["rows"]) for b in sent] == [1000, 1000, 1]
    assert all(b.keys() == {"table_name", "rows"} and b["table_name"] == "Table1" for b in sent)
    assert [row for b in sent for row in b["rows"]] == rows


async def test_an_insert_is_never_repeated(server: respx.MockRouter, fake_time: FakeTime) -> None:
    route = server.post(ADD).respond(503, json={"error_message": "busy"})
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=3)) as base:
        with pytest.raises(ServiceUnavailableError):
            await base.big_data_insert_rows("Table1", [{"Name": "a"}])
    assert route.call_count == 1
    assert not ADD_BIG_DATA_ROWS.safe_to_repeat
    assert ARCHIVE_VIEW.safe_to_repeat
    assert UNARCHIVE_ROWS.safe_to_repeat


async def test_an_insert_failing_part_way_says_how_far_it_got(server: respx.MockRouter) -> None:
    stored = httpx.Response(200, json={"inserted_row_count": 1000})
    server.post(ADD).mock(side_effect=[stored, httpx.Response(503, json={"error_message": "x"})])
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(ServiceUnavailableError) as caught:
            await base.big_data_insert_rows("Table1", [{"Name": "a"}] * 1500)
    assert caught.value.partial == {"inserted_row_count": 1000}
    assert "call 2 of 2 failed" in str(caught.value)


async def test_archive_and_unarchive_send_the_spec_body(server: respx.MockRouter) -> None:
    server.routes["metadata"].respond(200, json=TWO_TABLES)
    archive = server.post(f"{GATEWAY}/archive-view/").respond(
        200, json={"success": True, "error_message": ""}
    )
    unarchive = server.post(f"{GATEWAY}/unarchive/").respond(
        200, json={"success": True, "task_id": "t-1"}
    )
    async with Base(API_TOKEN, SERVER) as base:
        assert (await base.archive_view("Projects", "Old"))["success"] is True
        assert (await base.unarchive_rows("Projects", ["r1", "r2"]))["task_id"] == "t-1"
    assert json.loads(archive.calls.last.request.content) == {
        "table_name": "Projects",
        "view_name": "Old",
    }
    assert json.loads(unarchive.calls.last.request.content) == {
        "table_id": "k9Lm",
        "row_ids": ["r1", "r2"],
    }


async def test_an_archive_that_reports_failure_raises(server: respx.MockRouter) -> None:
    server.post(f"{GATEWAY}/archive-view/").respond(
        200, json={"success": False, "error_message": "big data is not enabled"}
    )
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(QueryError, match="big data is not enabled"):
            await base.archive_view("Table1", "Default View")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.big_data_insert_rows("", []), "table_name"),
        (lambda b: b.big_data_insert_rows("T", {"Name": "a"}), "rows_data must be a list"),
        (lambda b: b.big_data_insert_rows("T", [{"Name": "a"}, "b"]), "rows_data[1]"),
        (lambda b: b.big_data_insert_rows("T", [{"N": float("nan")}]), "column 'N'"),
        (lambda b: b.archive_view("T", None), "view_name"),
        (lambda b: b.unarchive_rows("T", []), "at least one row"),
        (lambda b: b.unarchive_rows("T", "r1"), "row_ids must be a list"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    server: respx.MockRouter, call: object, message: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError) as caught:
            await call(base)  # type: ignore[operator]
    assert message in str(caught.value)
    assert not server.calls


async def test_every_big_data_method_round_trips_through_the_emulator() -> None:
    with linked_emulator() as emulator:
        kept = emulator.append_rows("Projects", [{"Title": "normal"}])
        async with emulated_base(emulator) as base:
            added = await base.big_data_insert_rows("Projects", [{"Title": "big"}] * 1001)
            archived = await base.archive_view("Projects", "Default View")
            moved_back = await base.unarchive_rows("Projects", kept)
        rows = emulator.rows("Projects")
    assert added == {"inserted_row_count": 1001}
    assert archived["success"] is True
    assert "task_id" in moved_back
    assert [row["_archived"] for row in rows if row["_id"] in kept] == [False]
    assert sum(row["_archived"] for row in rows) == 1001
    assert [row["Title"] for row in rows].count("big") == 1001


@pytest.mark.parametrize("view", [{}, {"view_name": ""}, {"where": "Title = 'big'"}])
async def test_the_emulator_requires_the_view_to_archive(view: dict[str, str]) -> None:
    """6.0's `moveRowsToBigData` takes `view_name` (required), no longer a `where` clause."""
    with linked_emulator() as emulator:
        emulator.append_rows("Projects", [{"Title": "big"}])
        async with emulated_base(emulator) as base:
            with pytest.raises(BadRequestError, match="view_name invalid"):
                await base.request("POST", "archive-view/", json={"table_name": "Projects", **view})
        assert [row["_archived"] for row in emulator.rows("Projects")] == [False]

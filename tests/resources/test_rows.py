"""Row methods: the exact requests they send (respx), how batches split and fail, and a round
trip of every method through the emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from seatable_async import (
    BadGatewayError,
    BadRequestError,
    Base,
    InvalidInputError,
    NotFoundError,
    RetryPolicy,
    SeaTableError,
    UnexpectedResponseError,
)
from seatable_async._constants import DEFAULT_BATCH_LIMITS, BatchLimits
from seatable_async.resources.rows import APPEND_ROWS, DELETE_ROWS, UPDATE_ROWS
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, GATEWAY, SERVER

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"
NO_RETRY = RetryPolicy(max_attempts=1)
IDS = [f"row{i:019d}" for i in range(6)]
"""Row ids of the 22 characters SeaTable's ids have."""


def _bodies(route: respx.Route) -> list[Any]:
    return [json.loads(call.request.read()) for call in route.calls]


def _appended(*ids: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "inserted_row_count": len(ids),
            "row_ids": [{"_id": row_id} for row_id in ids],
            "first_row": {"_id": ids[0], "0000": "x"},
        },
    )


@pytest.fixture
async def base() -> AsyncIterator[Base]:
    async with Base(API_TOKEN, SERVER, retry=NO_RETRY) as client:
        yield client


# ---------------------------------------------------------------------- requests (respx)


def test_batch_limits_are_the_documented_maxima_and_the_operations_carry_them() -> None:
    documented = BatchLimits(append_rows=1000, update_rows=1000, delete_rows=10_000)
    assert documented == DEFAULT_BATCH_LIMITS
    assert APPEND_ROWS.max_items == 1000
    assert UPDATE_ROWS.max_items == 1000
    assert DELETE_ROWS.max_items == 10_000
    assert not APPEND_ROWS.safe_to_repeat
    assert UPDATE_ROWS.safe_to_repeat
    assert DELETE_ROWS.safe_to_repeat


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "10"])
def test_batch_limits_must_be_positive_ints(value: object) -> None:
    with pytest.raises(InvalidInputError, match="update_rows"):
        BatchLimits(update_rows=value)  # type: ignore[arg-type]


async def test_get_row_sends_the_id_as_one_segment(server: respx.MockRouter, base: Base) -> None:
    route = server.get(path__startswith=ROWS).respond(200, json={"_id": "a/b", "Name": "Ada"})
    assert await base.get_row("Table1", "a/b") == {"_id": "a/b", "Name": "Ada"}
    request = route.calls[0].request
    assert request.url.raw_path.split(b"?")[0] == f"{ROWS}a%2Fb/".encode()
    assert dict(request.url.params) == {"table_name": "Table1", "convert_keys": "true"}


async def test_get_row_of_a_missing_id_is_not_found(server: respx.MockRouter, base: Base) -> None:
    server.get(f"{ROWS}{IDS[0]}/").respond(404, json={"error_message": "row _id not exits"})
    with pytest.raises(NotFoundError, match="not exits"):
        await base.get_row("Table1", IDS[0])


async def test_list_rows_takes_the_official_positions(server: respx.MockRouter, base: Base) -> None:
    route = server.get(ROWS).respond(200, json={"rows": []})
    await base.list_rows("Table1", "View", None, False, 10, 5)
    assert dict(route.calls[0].request.url.params) == {
        "table_name": "Table1",
        "view_name": "View",
        "start": "10",
        "limit": "5",
        "convert_keys": "true",
    }


@pytest.mark.parametrize(("order_by", "desc"), [("Name", False), ("Name", True), (None, True)])
async def test_list_rows_refuses_to_sort(
    server: respx.MockRouter, base: Base, order_by: str | None, desc: bool
) -> None:
    """The gateway ignores `order_by`: a silently unsorted page would be worse than an error."""
    with pytest.raises(InvalidInputError, match="ORDER BY"):
        await base.list_rows("Table1", None, order_by, desc)
    assert not server.calls


async def test_iter_rows_pages_until_a_short_page(server: respx.MockRouter, base: Base) -> None:
    pages = [[{"_id": "a"}, {"_id": "b"}], [{"_id": "c"}, {"_id": "d"}], [{"_id": "e"}]]
    route = server.get(ROWS)
    route.side_effect = [httpx.Response(200, json={"rows": page}) for page in pages]
    rows = [row["_id"] async for row in base.iter_rows("Table1", "View", page_size=2)]
    assert rows == ["a", "b", "c", "d", "e"]
    params = [dict(call.request.url.params) for call in route.calls]
    assert [(p["start"], p["limit"], p["view_name"]) for p in params] == [
        ("0", "2", "View"),
        ("2", "2", "View"),
        ("4", "2", "View"),
    ]


async def test_iter_rows_reads_one_more_page_after_a_full_one(
    server: respx.MockRouter, base: Base
) -> None:
    route = server.get(ROWS)
    route.side_effect = [
        httpx.Response(200, json={"rows": [{"_id": "a"}]}),
        httpx.Response(200, json={"rows": []}),
    ]
    assert [row["_id"] async for row in base.iter_rows("Table1", page_size=1)] == ["a"]
    assert route.call_count == 2
    assert "view_name" not in route.calls[0].request.url.params


async def test_iter_rows_fetches_a_page_only_when_asked_and_may_stop_early(
    server: respx.MockRouter, base: Base
) -> None:
    route = server.get(ROWS).respond(200, json={"rows": [{"_id": "a"}, {"_id": "b"}]})
    rows = base.iter_rows("Table1", page_size=2)
    assert route.call_count == 0
    async for row in rows:
        assert row["_id"] == "a"
        break
    assert route.call_count == 1
    assert (await rows.__anext__())["_id"] == "b"
    assert route.call_count == 1


async def test_iter_rows_asks_for_a_failed_page_again(server: respx.MockRouter, base: Base) -> None:
    route = server.get(ROWS)
    route.side_effect = [
        httpx.Response(200, json={"rows": [{"_id": "a"}]}),
        httpx.Response(502),
        httpx.Response(200, json={"rows": [{"_id": "b"}]}),
        httpx.Response(200, json={"rows": []}),
    ]
    rows = base.iter_rows("Table1", page_size=1)
    assert (await rows.__anext__())["_id"] == "a"
    with pytest.raises(BadGatewayError):
        await rows.__anext__()
    assert [row["_id"] async for row in rows] == ["b"]
    starts = [call.request.url.params["start"] for call in route.calls]
    assert starts == ["0", "1", "1", "2"]


async def test_batch_append_rows_splits_in_order_and_adds_up(
    server: respx.MockRouter, base: Base
) -> None:
    base._batch_limits = BatchLimits(append_rows=2)
    route = server.post(ROWS)
    route.side_effect = [_appended(*IDS[0:2]), _appended(*IDS[2:4]), _appended(IDS[4])]
    rows = [{"Name": f"n{i}"} for i in range(5)]
    answer = await base.batch_append_rows("Table1", rows, apply_default=True)
    assert answer == {
        "inserted_row_count": 5,
        "row_ids": [{"_id": row_id} for row_id in IDS[:5]],
        "first_row": {"_id": IDS[0], "0000": "x"},
    }
    assert _bodies(route) == [
        {"table_name": "Table1", "rows": rows[0:2], "apply_default": True},
        {"table_name": "Table1", "rows": rows[2:4], "apply_default": True},
        {"table_name": "Table1", "rows": rows[4:5], "apply_default": True},
    ]


async def test_batch_append_rows_encodes_values_and_takes_any_iterable(
    server: respx.MockRouter, base: Base
) -> None:
    route = server.post(ROWS).mock(return_value=_appended(IDS[0]))
    await base.batch_append_rows("Table1", (row for row in [{"Tags": ("a", "b")}]))
    assert _bodies(route) == [{"table_name": "Table1", "rows": [{"Tags": ["a", "b"]}]}]


async def test_batch_append_rows_of_nothing_sends_nothing(
    server: respx.MockRouter, base: Base
) -> None:
    assert await base.batch_append_rows("Table1", []) == {"inserted_row_count": 0, "row_ids": []}
    assert not server.calls


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.Response(400, json={"error_message": "rows invalid"}), BadRequestError),
        (httpx.Response(502), BadGatewayError),
    ],
)
async def test_a_failed_append_call_tells_what_the_earlier_calls_stored(
    server: respx.MockRouter, failure: httpx.Response, error: type[SeaTableError]
) -> None:
    """Appends are never retried once sent (a 502 may follow a stored write), and the caller
    learns which rows are stored: nothing is lost or silently duplicated."""
    route = server.post(ROWS)
    route.side_effect = [_appended(*IDS[0:2]), failure, _appended(IDS[4])]
    async with Base(API_TOKEN, SERVER, retry=RetryPolicy(initial_delay=0, max_delay=0)) as base:
        base._batch_limits = BatchLimits(append_rows=2)
        with pytest.raises(error) as caught:
            await base.batch_append_rows("Table1", [{"Name": str(i)} for i in range(5)])
    assert route.call_count == 2
    assert _counted(caught.value.partial) == {
        "inserted_row_count": 2,
        "row_ids": [{"_id": IDS[0]}, {"_id": IDS[1]}],
    }
    assert "call 2 of 3 failed" in str(caught.value)
    assert "covered 2 of 5 items" in str(caught.value)


async def test_a_failed_single_append_call_says_nothing_was_stored(
    server: respx.MockRouter, base: Base
) -> None:
    server.post(ROWS).respond(400, json={"error_message": "rows invalid"})
    with pytest.raises(BadRequestError) as caught:
        await base.batch_append_rows("Table1", [{"Name": "x"}])
    assert caught.value.partial == {"inserted_row_count": 0, "row_ids": []}
    assert str(caught.value) == "400 Bad Request: rows invalid"


@pytest.mark.parametrize(
    "answer",
    [
        {"inserted_row_count": 1},
        {"inserted_row_count": 1, "row_ids": [{}]},
        {"inserted_row_count": 1, "row_ids": [{"_id": 5}]},
    ],
)
async def test_an_append_answer_without_ids_is_unexpected(
    server: respx.MockRouter, base: Base, answer: dict[str, Any]
) -> None:
    server.post(ROWS).respond(200, json=answer)
    with pytest.raises(UnexpectedResponseError, match="row_ids") as caught:
        await base.batch_append_rows("Table1", [{"Name": "x"}])
    assert caught.value.partial == {"inserted_row_count": 0, "row_ids": []}


async def test_insert_row_appends_as_the_gateway_has_no_anchor(
    server: respx.MockRouter, base: Base
) -> None:
    route = server.post(ROWS).mock(return_value=_appended(IDS[0]))
    row = await base.insert_row("Table1", {"Name": "Max"}, IDS[1], apply_default=False)
    assert row == {"_id": IDS[0], "Name": "x"}
    assert _bodies(route) == [
        {"table_name": "Table1", "rows": [{"Name": "Max"}], "apply_default": False}
    ]


async def test_update_row_and_batch_update_rows_send_updates(
    server: respx.MockRouter, base: Base
) -> None:
    base._batch_limits = BatchLimits(update_rows=2)
    route = server.put(ROWS).respond(200, json={"success": True})
    assert await base.update_row("Table1", IDS[0], {"Age": 3}) == {"success": True}
    updates = [{"row_id": row_id, "row": {"Name": row_id}} for row_id in IDS[:3]]
    assert await base.batch_update_rows("Table1", updates) == {"success": True}
    assert _bodies(route) == [
        {"table_name": "Table1", "updates": [{"row_id": IDS[0], "row": {"Age": 3}}]},
        {"table_name": "Table1", "updates": updates[0:2]},
        {"table_name": "Table1", "updates": updates[2:3]},
    ]


async def test_updates_are_retried_as_they_are_safe_to_repeat(server: respx.MockRouter) -> None:
    route = server.put(ROWS)
    route.side_effect = [httpx.Response(503), httpx.Response(200, json={"success": True})]
    async with Base(API_TOKEN, SERVER, retry=RetryPolicy(initial_delay=0, max_delay=0)) as base:
        await base.update_row("Table1", IDS[0], {"Age": 3})
    assert route.call_count == 2


async def test_delete_row_and_batch_delete_rows_send_ids(
    server: respx.MockRouter, base: Base
) -> None:
    base._batch_limits = BatchLimits(delete_rows=4)
    route = server.delete(ROWS).respond(200, json={"success": True})
    assert await base.delete_row("Table1", IDS[0]) == {"success": True}
    assert await base.batch_delete_rows("Table1", IDS) == {"success": True}
    assert await base.batch_delete_rows("Table1", []) == {"success": True}
    assert _bodies(route) == [
        {"table_name": "Table1", "row_ids": [IDS[0]]},
        {"table_name": "Table1", "row_ids": IDS[0:4]},
        {"table_name": "Table1", "row_ids": IDS[4:6]},
    ]


@pytest.mark.parametrize(
    ("method", "path"), [("lock_rows", "lock-rows"), ("unlock_rows", "unlock-rows")]
)
async def test_lock_and_unlock_rows(
    server: respx.MockRouter, base: Base, method: str, path: str
) -> None:
    route = server.put(f"{GATEWAY}/{path}/").respond(200, json={"success": True})
    assert await getattr(base, method)("Table1", IDS[:2]) == {"success": True}
    assert _bodies(route) == [{"table_name": "Table1", "row_ids": IDS[:2]}]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.get_row("", IDS[0]), "table_name"),
        (lambda b: b.get_row("T", ""), "row_id"),
        (lambda b: b.get_row("T", 7), "row_id"),
        (lambda b: b.get_row("T", ".."), "row_id"),
        (lambda b: b.list_rows("T", None, None, "yes"), "desc"),
        (lambda b: b.batch_append_rows("T", {"Name": "x"}), "rows_data must be a list"),
        (lambda b: b.batch_append_rows("T", "rows"), "rows_data must be a list"),
        (lambda b: b.batch_append_rows("T", [{"N": 1}] * 3 + [{"N": float("nan")}]), "'N'"),
        (lambda b: b.batch_append_rows("T", [{"N": 1}, "x"]), r"rows_data\[1\]"),
        (lambda b: b.batch_append_rows("T", [{}], apply_default=1), "apply_default"),
        (lambda b: b.insert_row("T", {"N": 1}, ""), "anchor_row_id"),
        (lambda b: b.insert_row("T", {"N": 1}, None), "anchor_row_id"),
        (lambda b: b.update_row("T", "", {"N": 1}), r"rows_data\[0\]\['row_id'\]"),
        (lambda b: b.update_row("T", IDS[0], ["N"]), r"rows_data\[0\]\['row'\]"),
        (lambda b: b.batch_update_rows("T", [{"row_id": IDS[0]}]), r"rows_data\[0\] must be"),
        (
            lambda b: b.batch_update_rows("T", [{"row_id": IDS[0], "row": {}, "extra": 1}]),
            r"rows_data\[0\] must be",
        ),
        (lambda b: b.batch_update_rows("", []), "table_name"),
        (lambda b: b.delete_row("T", None), r"row_ids\[0\]"),
        (lambda b: b.batch_delete_rows("T", IDS[0]), "row_ids must be a list"),
        (lambda b: b.batch_delete_rows("T", [IDS[0], 3]), r"row_ids\[1\]"),
        (lambda b: b.lock_rows("T", None), "row_ids must be a list"),
        (lambda b: b.unlock_rows("", []), "table_name"),
    ],
)
async def test_bad_input_fails_before_any_request(
    server: respx.MockRouter, base: Base, call: Any, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await call(base)
    assert not server.calls


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(("",), "table_name"), (("T", ""), "view_name"), (("T", None, 0), "page_size")],
)
def test_iter_rows_checks_its_arguments_when_called(arguments: Any, message: str) -> None:
    base = Base(API_TOKEN, SERVER)
    with pytest.raises(InvalidInputError, match=message):
        base.iter_rows(*arguments)


# ---------------------------------------------------------------------- round trips (emulator)

TOKEN = "rows-api-token"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_token=TOKEN) as emulator:
        emulator.add_table("Contacts", [("Name", "text"), ("Age", "number")])
        yield emulator


@pytest.fixture
async def live(emulator: Emulator) -> AsyncIterator[Base]:
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as http,
        Base(TOKEN, "http://127.0.0.1", retry=NO_RETRY, http_client=http) as base,
    ):
        yield base


def _names(emulator: Emulator) -> list[str]:
    return [row["Name"] for row in emulator.rows("Contacts")]


async def test_emulator_get_row(emulator: Emulator, live: Base) -> None:
    [row_id] = emulator.append_rows("Contacts", [{"Name": "Ada", "Age": 36}])
    row = await live.get_row("Contacts", row_id)
    assert (row["_id"], row["Name"], row["Age"]) == (row_id, "Ada", 36)
    with pytest.raises(NotFoundError):
        await live.get_row("Contacts", "x" * 22)


async def test_emulator_batch_append_rows_over_several_calls(
    emulator: Emulator, live: Base
) -> None:
    live._batch_limits = BatchLimits(append_rows=2)
    answer = await live.batch_append_rows("Contacts", [{"Name": f"n{i}"} for i in range(5)])
    stored = emulator.rows("Contacts")
    assert answer["inserted_row_count"] == 5
    assert answer["row_ids"] == [{"_id": row["_id"]} for row in stored]
    assert _names(emulator) == [f"n{i}" for i in range(5)]
    assert emulator.request_log[-1].method == "POST"
    assert sum(record.method == "POST" for record in emulator.request_log) == 3


async def test_emulator_takes_calls_of_the_default_sizes(emulator: Emulator, live: Base) -> None:
    """The server's maxima are the defaults: one more item takes one more call, and each
    full call is accepted."""
    answer = await live.batch_append_rows("Contacts", [{"Age": i} for i in range(1001)])
    ids = [item["_id"] for item in answer["row_ids"]]
    await live.batch_update_rows("Contacts", [{"row_id": i, "row": {"Age": 1}} for i in ids])
    await live.batch_delete_rows("Contacts", ids + [f"{i:022d}" for i in range(9000)])
    methods = [record.method for record in emulator.request_log if record.status == 200]
    assert [methods.count(method) for method in ("POST", "PUT", "DELETE")] == [2, 2, 2]
    assert emulator.rows("Contacts") == []


@pytest.mark.parametrize("applied", [False, True])
async def test_emulator_partial_append_tells_what_was_stored(
    emulator: Emulator, live: Base, applied: bool
) -> None:
    """The second call fails; with `applied` its rows were stored all the same (a 502 after
    the write), which `partial` cannot know and the message does not claim otherwise."""

    def fail_the_next_append(record: Any) -> None:
        if record.method == "POST" and record.status == 200:
            emulator.faults.script("/rows", 502, method="POST", apply_write=applied)
            emulator.on_request = None

    emulator.on_request = fail_the_next_append
    live._batch_limits = BatchLimits(append_rows=2)
    with pytest.raises(BadGatewayError, match="covered 2 of 6 items") as caught:
        await live.batch_append_rows("Contacts", [{"Name": f"n{i}"} for i in range(6)])
    stored = emulator.rows("Contacts")
    assert _counted(caught.value.partial) == {
        "inserted_row_count": 2,
        "row_ids": [{"_id": row["_id"]} for row in stored[:2]],
    }
    assert _names(emulator) == ["n0", "n1", "n2", "n3"][: 4 if applied else 2]


async def test_emulator_insert_row_appends_last(emulator: Emulator, live: Base) -> None:
    first, _ = emulator.append_rows("Contacts", [{"Name": "a"}, {"Name": "b"}])
    row = await live.insert_row("Contacts", {"Name": "c", "Age": 1}, first)
    assert (row["Name"], row["Age"]) == ("c", 1)
    assert _names(emulator) == ["a", "b", "c"]


async def test_emulator_update_rows(emulator: Emulator, live: Base) -> None:
    ids = emulator.append_rows("Contacts", [{"Name": str(i)} for i in range(3)])
    live._batch_limits = BatchLimits(update_rows=2)
    await live.update_row("Contacts", ids[0], {"Age": 10})
    await live.batch_update_rows(
        "Contacts", [{"row_id": row_id, "row": {"Name": f"u{i}"}} for i, row_id in enumerate(ids)]
    )
    rows = emulator.rows("Contacts")
    assert [(row["Name"], row["Age"]) for row in rows] == [("u0", 10), ("u1", None), ("u2", None)]


async def test_emulator_delete_rows(emulator: Emulator, live: Base) -> None:
    ids = emulator.append_rows("Contacts", [{"Name": str(i)} for i in range(5)])
    live._batch_limits = BatchLimits(delete_rows=2)
    await live.delete_row("Contacts", ids[0])
    await live.batch_delete_rows("Contacts", ids[1:4])
    await live.batch_delete_rows("Contacts", ids[1:4])
    assert _names(emulator) == ["4"]


async def test_emulator_lock_and_unlock_rows(emulator: Emulator, live: Base) -> None:
    ids = emulator.append_rows("Contacts", [{"Name": "a"}, {"Name": "b"}])
    await live.lock_rows("Contacts", ids[:1])
    await live.lock_rows("Contacts", ids[:1])
    assert [row["_locked"] for row in emulator.rows("Contacts")] == [True, None]
    await live.unlock_rows("Contacts", ids)
    assert [row["_locked"] for row in emulator.rows("Contacts")] == [None, None]


async def test_emulator_iter_rows_and_list_rows(emulator: Emulator, live: Base) -> None:
    emulator.append_rows("Contacts", [{"Name": f"n{i}", "Age": i} for i in range(7)])
    every = [row["Name"] async for row in live.iter_rows("Contacts", page_size=3)]
    assert every == [f"n{i}" for i in range(7)]
    page = await live.list_rows("Contacts", None, None, False, 5, 10)
    assert [row["Name"] for row in page] == ["n5", "n6"]
    default_view = [row["Name"] async for row in live.iter_rows("Contacts", "Default View")]
    assert default_view == every


def _counted(partial: dict[str, Any] | None) -> dict[str, Any]:
    """What a partial append answer says was stored (its `first_row` aside)."""
    assert partial is not None
    return {key: partial[key] for key in ("inserted_row_count", "row_ids")}


async def test_batch_limits_are_a_client_setting(server: respx.MockRouter) -> None:
    route = server.delete(ROWS).mock(return_value=httpx.Response(200, json={"success": True}))
    limits = BatchLimits(delete_rows=3)
    async with Base(API_TOKEN, SERVER, batch_limits=limits) as base:
        await base.batch_delete_rows("Table1", IDS[:5])
        assert base.with_options(timeout=5)._batch_limits is limits
    assert [len(json.loads(call.request.read())["row_ids"]) for call in route.calls] == [3, 2]
    with pytest.raises(InvalidInputError, match="batch_limits"):
        Base(API_TOKEN, SERVER, batch_limits={"delete_rows": 3})  # type: ignore[arg-type]

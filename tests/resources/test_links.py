"""Links: the exact requests (respx), batches split and failing part-way, paging of linked records,
link ids from metadata, and a round trip of every method through the emulator."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx

from seatable_async import (
    BadRequestError,
    Base,
    InvalidInputError,
    ServiceUnavailableError,
    UnexpectedResponseError,
)
from seatable_async.resources.links import CREATE_LINKS, DELETE_LINKS, QUERY_LINKS, UPDATE_LINKS

from ..helpers import API_TOKEN, GATEWAY, SERVER, FakeTime
from ._emulated import TWO_TABLES, emulated_base, linked_emulator

pytestmark = pytest.mark.anyio

LINKS = f"{GATEWAY}/links/"
QUERY = f"{GATEWAY}/query-links/"
IDS = {"link_id": "aB3x", "table_id": "0000", "other_table_id": "k9Lm"}
"""What every link write sends for People → Projects, resolved from `TWO_TABLES`."""


@pytest.fixture
def links(server: respx.MockRouter) -> respx.MockRouter:
    """The mocked server with two linked tables."""
    server.routes["metadata"].mock(return_value=httpx.Response(200, json=TWO_TABLES))
    return server


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def body(call: Any) -> Any:
    return body_of(call.request)


def many(count: int) -> dict[str, list[str]]:
    """A links map of `count` rows, each linked to one other row."""
    return {f"row{i:05}": [f"other{i:05}"] for i in range(count)}


async def test_single_link_writes_send_the_spec_body(links: respx.MockRouter) -> None:
    post = links.post(LINKS).respond(200, json={"success": True})
    put = links.put(LINKS).respond(200, json={"success": True})
    delete = links.delete(LINKS).respond(200, json={"deleted_links_count": 1, "success": True})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.add_link("aB3x", "People", "Projects", "r1", "o1") == {"success": True}
        await base.update_link("aB3x", "People", "k9Lm", "r1", ["o2", "o3"])
        removed = await base.remove_link("aB3x", "0000", "Projects", "r1", "o2")
    assert removed["deleted_links_count"] == 1
    assert body(post.calls.last) == {**IDS, "other_rows_ids_map": {"r1": ["o1"]}}
    assert body(put.calls.last) == {**IDS, "other_rows_ids_map": {"r1": ["o2", "o3"]}}
    assert body(delete.calls.last) == {**IDS, "other_rows_ids_map": {"r1": ["o2"]}}
    assert links.routes["metadata"].call_count == 1


async def test_batches_split_by_1000_rows_in_order_and_add_up(links: respx.MockRouter) -> None:
    post = links.post(LINKS).respond(200, json={"success": True})
    delete = links.delete(LINKS).mock(
        side_effect=lambda request: httpx.Response(
            200, json={"deleted_links_count": len(body_of(request)["other_rows_ids_map"])}
        )
    )
    mapping = many(2500)
    async with Base(API_TOKEN, SERVER) as base:
        added = await base.batch_add_links("aB3x", "People", "Projects", mapping)
        removed = await base.batch_remove_links("aB3x", "People", "Projects", mapping)
    assert added == {"success": True}
    assert removed == {"deleted_links_count": 2500, "success": True}
    for route in (post, delete):
        sent = [body(call)["other_rows_ids_map"] for call in route.calls]
        assert [len(chunk) for chunk in sent] == [1000, 1000, 500]
        assert [row for chunk in sent for row in chunk] == list(mapping)
        assert all(body(call).keys() == {*IDS, "other_rows_ids_map"} for call in route.calls)


async def test_batch_update_follows_row_id_list(links: respx.MockRouter) -> None:
    put = links.put(LINKS).respond(200, json={"success": True})
    mapping = many(1001)
    order = sorted(mapping, reverse=True)
    async with Base(API_TOKEN, SERVER) as base:
        await base.batch_update_links("aB3x", "People", "Projects", order, mapping)
    sent = [body(call)["other_rows_ids_map"] for call in put.calls]
    assert [list(chunk) for chunk in sent] == [order[:1000], order[1000:]]
    assert sent[1] == {order[1000]: mapping[order[1000]]}


async def test_empty_batches_send_nothing(links: respx.MockRouter) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.batch_add_links("aB3x", "People", "Projects", {}) == {"success": True}
        removed = await base.batch_remove_links("aB3x", "People", "Projects", {})
        await base.batch_update_links("aB3x", "People", "Projects", [], {})
    assert removed == {"deleted_links_count": 0, "success": True}
    assert not links.calls


async def test_a_batch_failing_part_way_says_how_far_it_got(links: respx.MockRouter) -> None:
    post = links.post(LINKS).mock(
        side_effect=[
            httpx.Response(200, json={"success": True}),
            httpx.Response(400, json={"error_message": "link exists"}),
        ]
    )
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(BadRequestError) as caught:
            await base.batch_add_links("aB3x", "People", "Projects", many(2500))
    assert caught.value.partial == {"success": True}
    assert "call 2 of 3 failed; the calls before it covered 1000 of 2500 items" in str(caught.value)
    assert post.call_count == 2


async def test_a_batch_failing_at_once_raises_that_error(links: respx.MockRouter) -> None:
    links.post(LINKS).respond(400, json={"error_message": "link exists"})
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(BadRequestError, match="link exists"):
            await base.batch_add_links("aB3x", "People", "Projects", many(2500))


async def test_creating_links_is_not_retried_but_replacing_is(
    links: respx.MockRouter, fake_time: FakeTime
) -> None:
    unavailable = httpx.Response(503, json={"error_message": "busy"})
    post = links.post(LINKS).mock(side_effect=[unavailable, httpx.Response(200, json={})])
    put = links.put(LINKS).mock(side_effect=[unavailable, httpx.Response(200, json={})])
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=2)) as base:
        with pytest.raises(ServiceUnavailableError):
            await base.add_link("aB3x", "People", "Projects", "r1", "o1")
        await base.update_link("aB3x", "People", "Projects", "r1", [])
    assert (post.call_count, put.call_count) == (1, 2)
    assert not CREATE_LINKS.safe_to_repeat
    assert UPDATE_LINKS.safe_to_repeat
    assert DELETE_LINKS.safe_to_repeat
    assert QUERY_LINKS.safe_to_repeat


async def test_an_unknown_table_is_refused_before_the_write(links: respx.MockRouter) -> None:
    post = links.post(LINKS).respond(200, json={"success": True})
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match="no table 'Nope'"):
            await base.add_link("aB3x", "People", "Nope", "r1", "o1")
    assert not post.called
    assert links.routes["metadata"].call_count == 2


BAD_CALLS: dict[str, Callable[[Base], Awaitable[object]]] = {
    "link_id": lambda b: b.add_link("", "People", "Projects", "r", "o"),
    "table_name": lambda b: b.remove_link("aB3x", None, "Projects", "r", "o"),  # type: ignore[arg-type]
    "other_table_name": lambda b: b.batch_add_links("aB3x", "People", " ", {"r": ["o"]}),
    "other_row_id": lambda b: b.add_link("aB3x", "People", "Projects", "r", 7),  # type: ignore[arg-type]
    "other_rows_ids": lambda b: b.update_link("aB3x", "People", "Projects", "r", "o"),
    "other_rows_ids_map": lambda b: b.batch_add_links("aB3x", "People", "Projects", [("r", ["o"])]),  # type: ignore[arg-type]
    "other_rows_ids_map['r'][1]": lambda b: b.batch_remove_links(
        "aB3x", "People", "Projects", {"r": ["o", ""]}
    ),
    "row_id_list": lambda b: b.batch_update_links(
        "aB3x", "People", "Projects", ["r", "s"], {"r": ["o"]}
    ),
    "rows[1]['row_id']": lambda b: b.get_linked_records("0000", "Lk01", [{"row_id": "r"}, {}]),
    "rows[0]['limit']": lambda b: b.get_linked_records(
        "0000", "Lk01", [{"row_id": "r", "limit": 0}]
    ),
    "rows[0] must be": lambda b: b.get_linked_records("0000", "Lk01", [{"row_id": "r", "x": 1}]),
    "a second time": lambda b: b.get_linked_records("0000", "Lk01", [{"row_id": "r"}] * 2),
    "rows must be": lambda b: b.get_linked_records("0000", "Lk01", "r"),  # type: ignore[arg-type]
    "link_column_key": lambda b: b.get_linked_records("0000", "", []),
    "column_name": lambda b: b.get_column_link_id("People", ""),
}


@pytest.mark.parametrize("argument", list(BAD_CALLS))
async def test_bad_arguments_are_refused_before_any_request(
    links: respx.MockRouter, argument: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError) as caught:
            await BAD_CALLS[argument](base)
    assert argument.split("[")[0] in str(caught.value)
    assert not links.calls


def linked_pages(links_per_row: dict[str, int]) -> Callable[[httpx.Request], httpx.Response]:
    """A `query-links/` server: row r links to records r-0, r-1, ... honouring offset and limit."""

    def answer(request: httpx.Request) -> httpx.Response:
        found = {}
        for spec in body_of(request)["rows"]:
            row, offset, limit = spec["row_id"], spec.get("offset", 0), spec.get("limit", 10)
            end = min(links_per_row[row], offset + min(limit, 100))
            found[row] = [{"row_id": f"{row}-{i}", "display_value": i} for i in range(offset, end)]
        return httpx.Response(200, json=found)

    return answer


async def test_linked_records_are_paged_past_100_per_row_with_few_calls(
    server: respx.MockRouter,
) -> None:
    route = server.post(QUERY).mock(side_effect=linked_pages({"a": 250, "b": 3, "c": 100}))
    rows = [{"row_id": "a"}, {"row_id": "b"}, {"row_id": "c"}]
    async with Base(API_TOKEN, SERVER) as base:
        found = await base.get_linked_records("0000", "Lk01", rows)
    assert {row: len(records) for row, records in found.items()} == {"a": 250, "b": 3, "c": 100}
    assert [record["row_id"] for record in found["a"]] == [f"a-{i}" for i in range(250)]
    sent = [body(call) for call in route.calls]
    assert all(b.keys() == {"table_id", "link_column_key", "rows"} for b in sent)
    assert (sent[0]["table_id"], sent[0]["link_column_key"]) == ("0000", "Lk01")
    assert [b["rows"] for b in sent] == [
        [{"row_id": r, "offset": 0, "limit": 100} for r in "abc"],
        [
            {"row_id": "a", "offset": 100, "limit": 100},
            {"row_id": "c", "offset": 100, "limit": 100},
        ],
        [{"row_id": "a", "offset": 200, "limit": 100}],
    ]


async def test_linked_records_honour_offset_and_limit(server: respx.MockRouter) -> None:
    route = server.post(QUERY).mock(side_effect=linked_pages({"a": 250, "b": 30}))
    rows = [{"row_id": "a", "offset": 20, "limit": 150}, {"row_id": "b", "offset": 5, "limit": 5}]
    async with Base(API_TOKEN, SERVER) as base:
        found = await base.get_linked_records("0000", "Lk01", rows)
    assert [r["display_value"] for r in found["a"]] == list(range(20, 170))
    assert [r["display_value"] for r in found["b"]] == list(range(5, 10))
    assert [body(call)["rows"] for call in route.calls] == [
        [{"row_id": "a", "offset": 20, "limit": 100}, {"row_id": "b", "offset": 5, "limit": 5}],
        [{"row_id": "a", "offset": 120, "limit": 50}],
    ]


async def test_linked_records_trims_a_page_longer_than_asked(server: respx.MockRouter) -> None:
    records = [{"row_id": f"o{i}", "display_value": i} for i in range(8)]
    server.post(QUERY).respond(200, json={"a": records})
    async with Base(API_TOKEN, SERVER) as base:
        found = await base.get_linked_records("0000", "Lk01", [{"row_id": "a", "limit": 5}])
    assert found == {"a": records[:5]}


async def test_linked_records_of_a_row_the_answer_lacks_are_an_error(
    server: respx.MockRouter,
) -> None:
    server.post(QUERY).respond(200, json={"a": []})
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(UnexpectedResponseError, match="without a valid b"):
            await base.get_linked_records("0000", "Lk01", [{"row_id": "a"}, {"row_id": "b"}])


@pytest.mark.parametrize("record", [{}, {"row_id": 5}, {"row_id": ""}, "o1"])
async def test_a_linked_record_that_names_no_row_is_unexpected(
    server: respx.MockRouter, record: object
) -> None:
    server.post(QUERY).respond(200, json={"a": [record]})
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(UnexpectedResponseError, match="without a valid a"):
            await base.get_linked_records("0000", "Lk01", [{"row_id": "a"}])


async def test_column_link_id_comes_from_the_cached_metadata(links: respx.MockRouter) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.get_column_link_id("People", "Projects") == "aB3x"
        assert await base.get_column_link_id("0000", "Projects") == "aB3x"
        with pytest.raises(InvalidInputError, match="'Name' of table 'People' is not a link"):
            await base.get_column_link_id("People", "Name")
        with pytest.raises(InvalidInputError, match="no column 'Nope'"):
            await base.get_column_link_id("People", "Nope")
        with pytest.raises(InvalidInputError, match="no table 'Nope'"):
            await base.get_column_link_id("Nope", "Projects")
    assert links.routes["metadata"].call_count == 3  # at first, for the column, for the table


async def test_column_link_id_of_a_column_added_since_is_read_again(
    links: respx.MockRouter,
) -> None:
    later = json.loads(json.dumps(TWO_TABLES))
    later["metadata"]["tables"][1]["columns"].append(
        {"key": "Lk02", "name": "Owners", "type": "link", "data": {"link_id": "Zz99"}}
    )
    links.routes["metadata"].mock(
        side_effect=[httpx.Response(200, json=TWO_TABLES), httpx.Response(200, json=later)]
    )
    async with Base(API_TOKEN, SERVER) as base:
        await base.get_metadata()
        assert await base.get_column_link_id("Projects", "Owners") == "Zz99"


async def test_every_link_method_round_trips_through_the_emulator() -> None:
    with linked_emulator() as emulator:
        people = emulator.append_rows("People", [{"Name": name} for name in "ABC"])
        projects = emulator.append_rows("Projects", [{"Title": f"P{i}"} for i in range(120)])
        async with emulated_base(emulator) as base:
            link_id = await base.get_column_link_id("People", "Projects")
            await base.add_link(link_id, "People", "Projects", people[0], projects[0])
            await base.batch_add_links(
                link_id, "People", "Projects", {people[1]: projects, people[2]: projects[:3]}
            )
            with pytest.raises(BadRequestError):
                await base.add_link(link_id, "People", "Projects", people[0], projects[0])
            await base.remove_link(link_id, "People", "Projects", people[2], projects[0])
            removed = await base.batch_remove_links(
                link_id, "People", "Projects", {people[1]: projects[:10]}
            )
            await base.update_link(link_id, "People", "Projects", people[0], projects[5:7])
            await base.batch_update_links(
                link_id, "Projects", "People", [projects[119]], {projects[119]: [people[0]]}
            )
            metadata = await base.get_metadata()
            table = next(t for t in metadata["tables"] if t["name"] == "People")
            key = next(c["key"] for c in table["columns"] if c["name"] == "Projects")
            found = await base.get_linked_records(
                table["_id"], key, [{"row_id": r} for r in people]
            )
    assert removed["deleted_links_count"] == 10
    assert [r["display_value"] for r in found[people[0]]] == ["P5", "P6", "P119"]
    assert [r["row_id"] for r in found[people[1]]] == projects[10:119]
    assert [r["row_id"] for r in found[people[2]]] == projects[1:3]

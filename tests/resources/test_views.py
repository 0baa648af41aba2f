"""Views: the exact requests (respx, the view name escaped once in the path), arguments refused
before any request, and a round trip through the emulator."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from seatable_async import Base
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, GATEWAY, SERVER
from ._emulated import TOKEN, emulated_base
from ._refusals import assert_refused

pytestmark = pytest.mark.anyio

VIEWS = f"{GATEWAY}/views/"
VIEW = {"_id": "0000", "name": "A/B ?#%"}
ESCAPED = f"{VIEWS}A%2FB%20%3F%23%25/"
TABLE = httpx.QueryParams({"table_name": "Table1"})


def body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


async def test_view_calls_send_the_escaped_name_and_the_table(server: respx.MockRouter) -> None:
    listed = server.get(VIEWS).respond(200, json={"views": [VIEW]})
    created = server.post(VIEWS).respond(200, json=VIEW)
    got = server.get(path__regex=r"/views/.+/$").respond(200, json=VIEW)
    put = server.put(path__regex=r"/views/.+/$").respond(200, json=VIEW)
    deleted = server.delete(path__regex=r"/views/.+/$").respond(200, json={"success": True})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_views("Table1") == [VIEW]
        assert await base.add_view("Table1", "A/B ?#%") == VIEW
        assert await base.get_view_by_name("Table1", "A/B ?#%") == VIEW
        await base.rename_view("Table1", "A/B ?#%", "New")
        assert body(put) == {"name": "New"}
        await base.update_view(
            "Table1",
            "A/B ?#%",
            filters=[{"column_key": "0000", "filter_predicate": "contains", "filter_term": "x"}],
            filter_conjunction="Or",
            sorts=[{"column_key": "0000", "sort_type": "down"}],
            groupbys=[],
            hidden_columns=["a1B2"],
            is_locked=False,
        )
        assert await base.delete_view("Table1", "A/B ?#%") == {"success": True}
    assert body(created) == {"name": "A/B ?#%"}
    assert body(put) == {
        "filters": [{"column_key": "0000", "filter_predicate": "contains", "filter_term": "x"}],
        "filter_conjunction": "Or",
        "sorts": [{"column_key": "0000", "sort_type": "down"}],
        "groupbys": [{}],
        "hidden_columns": ["a1B2"],
        "is_locked": False,
    }
    for route in (listed, created, got, put, deleted):
        assert route.calls.last.request.url.params == TABLE
    for route in (got, put, deleted):
        assert route.calls.last.request.url.raw_path.decode() == f"{ESCAPED}?table_name=Table1"


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda b: b.list_views(""), "table_name"),
        (lambda b: b.get_view_by_name("T", ""), "view_name"),
        (lambda b: b.get_view_by_name("T", ".."), "view_name"),
        (lambda b: b.add_view("T", None), "view_name"),
        (lambda b: b.rename_view("T", "V", ""), "new_view_name"),
        (lambda b: b.delete_view("T", 3), "view_name"),
        (lambda b: b.update_view("T", "V"), "at least one setting"),
        (lambda b: b.update_view("T", "V", filters={}), "filters"),
        (lambda b: b.update_view("T", "V", filters=[{"column_key": "a"}]), "filter_predicate"),
        (lambda b: b.update_view("T", "V", sorts=[{"column_key": "a"}]), "sort_type"),
        (lambda b: b.update_view("T", "V", groupbys=[{"key": "a"}]), "groupbys"),
        (lambda b: b.update_view("T", "V", hidden_columns=[""]), "hidden_columns"),
        (lambda b: b.update_view("T", "V", filter_conjunction="and"), "filter_conjunction"),
        (lambda b: b.update_view("T", "V", is_locked=1), "is_locked"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    server: respx.MockRouter, call: Any, named: str
) -> None:
    await assert_refused(server, call, named)


async def test_every_view_method_round_trips_through_the_emulator() -> None:
    with Emulator(api_token=TOKEN) as emulator:
        emulator.add_table("Tasks", [("Title", "text"), ("Points", "number")])
        emulator.append_rows(
            "Tasks", [{"Title": t, "Points": p} for t, p in (("a1", 1), ("b2", 2), ("a3", 3))]
        )
        async with emulated_base(emulator) as base:
            created = await base.add_view("Tasks", "A/B view")
            assert (await base.get_view_by_name("Tasks", "A/B view"))["_id"] == created["_id"]
            renamed = await base.rename_view("Tasks", "A/B view", "Mine?")
            assert renamed["name"] == "Mine?"
            points = await base.get_column_by_name("Tasks", "Points")
            assert points is not None
            title = {"column_key": "0000", "filter_predicate": "contains", "filter_term": "a"}
            await base.update_view(
                "Tasks",
                "Mine?",
                filters=[title],
                sorts=[{"column_key": points["key"], "sort_type": "down"}],
                hidden_columns=[points["key"]],
            )
            rows = await base.list_rows("Tasks", "Mine?")
            assert [row["Title"] for row in rows] == ["a3", "a1"]
            cleared = await base.update_view("Tasks", "Mine?", filters=[], sorts=[])
            assert (cleared["filters"], cleared["sorts"]) == ([], [])
            assert len(await base.list_rows("Tasks", "Mine?")) == 3
            names = [view["name"] for view in await base.list_views("Tasks")]
            assert names == ["Default View", "Mine?"]
            await base.delete_view("Tasks", "Mine?")
            assert [view["name"] for view in await base.list_views("Tasks")] == ["Default View"]

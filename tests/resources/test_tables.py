"""Tables: the exact requests (respx), arguments refused before any request, and a round trip
through the emulator in which the metadata cache follows every schema change."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from seatable_async import Base, ColumnType, ServiceUnavailableError
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, GATEWAY, SERVER, FakeTime
from ._emulated import TOKEN, emulated_base
from ._refusals import assert_refused

pytestmark = pytest.mark.anyio

TABLES = f"{GATEWAY}/tables/"
NEW_TABLE = {"_id": "x9Yz", "name": "Tasks", "columns": [], "views": []}


def body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


async def test_table_writes_send_the_spec_body(server: respx.MockRouter) -> None:
    post = server.post(TABLES).respond(200, json=NEW_TABLE)
    put = server.put(TABLES).respond(200, json={"success": True})
    delete = server.delete(TABLES).respond(200, json={"success": True})
    columns = [
        {"column_name": "Title", "column_type": ColumnType.TEXT},
        {"column_name": "Due", "column_type": "date", "column_data": {"format": "YYYY-MM-DD"}},
    ]
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.add_table("Tasks") == NEW_TABLE
        assert body(post) == {"table_name": "Tasks", "lang": "en"}
        await base.add_table("Tasks", "zh-cn", columns)
        assert await base.rename_table("Tasks", "Jobs") == {"success": True}
        await base.delete_table("Jobs")
    assert body(post) == {
        "table_name": "Tasks",
        "lang": "zh-cn",
        "columns": [
            {"column_name": "Title", "column_type": "text"},
            {"column_name": "Due", "column_type": "date", "column_data": {"format": "YYYY-MM-DD"}},
        ],
    }
    assert body(put) == {"table_name": "Tasks", "new_table_name": "Jobs"}
    assert body(delete) == {"table_name": "Jobs"}


async def test_tables_are_read_from_fresh_metadata(server: respx.MockRouter) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        assert [t["name"] for t in await base.list_tables()] == ["Table1"]
        table = await base.get_table_by_name("Table1")
        assert await base.get_table_by_name("Nope") is None
    assert table is not None
    assert table["_id"] == "0000"
    assert server.routes["metadata"].call_count == 3


async def test_creating_a_table_is_not_retried(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    post = server.post(TABLES).respond(503)
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=2)) as base:
        with pytest.raises(ServiceUnavailableError):
            await base.add_table("Tasks")
    assert post.call_count == 1


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda b: b.add_table(""), "table_name"),
        (lambda b: b.add_table("T", "de"), "lang"),
        (lambda b: b.add_table("T", "en", {"column_name": "A"}), "columns"),
        (
            lambda b: b.add_table("T", "en", [{"column_name": "A", "column_type": "txt"}]),
            "ColumnType",
        ),
        (lambda b: b.add_table("T", "en", [{"column_name": "A", "type": "text"}]), "columns[0]"),
        (
            lambda b: b.add_table("T", "en", [{"column_name": "A", "column_type": "checkbox"}]),
            "columns[0] must be one of",
        ),
        (
            lambda b: b.add_table(
                "T", "en", [{"column_name": "A", "column_type": "text"}, {"column_type": "text"}]
            ),
            "columns[1]['column_name']",
        ),
        (
            lambda b: b.add_table(
                "T",
                "en",
                [
                    {"column_name": "A", "column_type": "text"},
                    {"column_name": "F", "column_type": "formula"},
                ],
            ),
            "columns[1]['column_data'] is required",
        ),
        (lambda b: b.rename_table("T", " "), "new_table_name"),
        (lambda b: b.delete_table(None), "table_name"),
        (lambda b: b.get_table_by_name(3), "table_name"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    server: respx.MockRouter, call: Any, named: str
) -> None:
    await assert_refused(server, call, named)


async def test_schema_changes_keep_the_cache_true_on_the_emulator() -> None:
    with Emulator(api_token=TOKEN) as emulator:
        async with emulated_base(emulator) as base:
            created = await base.add_table(
                "Tasks", columns=[{"column_name": "Title", "column_type": "text"}]
            )
            assert created["name"] == "Tasks"
            row = await base.append_row("Tasks", {"Title": "a"})
            assert row["Title"] == "a"
            column = await base.insert_column("Tasks", "Due", ColumnType.NUMBER)
            await base.rename_column("Tasks", column["key"], "Points")
            row = await base.append_row("Tasks", {"Title": "b", "Points": 3})
            assert row["Points"] == 3
            await base.rename_table("Tasks", "Jobs")
            assert (await base.append_row("Jobs", {"Title": "c"}))["Title"] == "c"
            assert await base.get_table_by_name("Tasks") is None
            await base.delete_table("Jobs")
            assert [t["name"] for t in await base.list_tables()] == ["Table1"]

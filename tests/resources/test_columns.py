"""Columns, select options and cascade settings: the exact requests (respx), arguments refused
before any request, the metadata cache dropped by a schema change, and emulator round trips."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from seatable_async import Base, ColumnType, InvalidInputError, ServiceUnavailableError
from seatable_async.resources.columns import REQUIRED_DATA
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, GATEWAY, METADATA, SERVER, FakeTime
from ._emulated import TOKEN, emulated_base
from ._refusals import assert_refused

pytestmark = pytest.mark.anyio

COLUMNS = f"{GATEWAY}/columns/"
OPTIONS = f"{GATEWAY}/column-options/"
CASCADE = f"{GATEWAY}/column-cascade-settings/"
AGE = {"key": "a1B2", "name": "Age", "type": "number"}
LISTED = {"columns": [{"key": "0000", "name": "Name", "type": "text"}, AGE]}


def body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


async def test_column_reads_send_the_table_and_view(server: respx.MockRouter) -> None:
    get = server.get(COLUMNS).respond(200, json=LISTED)
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_columns("Table1", "Default View") == LISTED["columns"]
        assert get.calls.last.request.url.params == httpx.QueryParams(
            {"table_name": "Table1", "view_name": "Default View"}
        )
        assert await base.get_column_by_name("Table1", "Age") == AGE
        assert await base.get_column_by_name("Table1", "Nope") is None
        assert await base.get_columns_by_type("Table1", ColumnType.NUMBER) == [AGE]
        assert await base.get_columns_by_type("Table1", "checkbox") == []
    assert get.calls.last.request.url.params == httpx.QueryParams({"table_name": "Table1"})


async def test_column_writes_send_the_spec_body(server: respx.MockRouter) -> None:
    post = server.post(COLUMNS).respond(200, json=AGE)
    put = server.put(COLUMNS).respond(200, json=AGE)
    delete = server.delete(COLUMNS).respond(200, json={"success": True})
    link = {"table": "Table1", "other_table": "Other"}
    update = {"op_type": "", "table_name": "Table1", "column": "a1B2"}
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.insert_column("Table1", "Age", ColumnType.NUMBER) == AGE
        assert body(post) == {"table_name": "Table1", "column_name": "Age", "column_type": "number"}
        await base.insert_column("Table1", "Other", "link", "0000", link)
        assert body(post) == {
            "table_name": "Table1",
            "column_name": "Other",
            "column_type": "link",
            "anchor_column": "0000",
            "column_data": link,
        }
        expected = [
            (base.rename_column("Table1", "a1B2", "Years"), {"new_column_name": "Years"}),
            (base.resize_column("Table1", "a1B2", 300), {"new_column_width": 300}),
            (base.freeze_column("Table1", "a1B2", True), {"frozen": True}),
            (base.move_column("Table1", "a1B2", "0000"), {"target_column": "0000"}),
            (base.modify_column_type("Table1", "a1B2", "text"), {"new_column_type": "text"}),
        ]
        for call, fields in expected:
            assert await call == AGE
            op_type = body(put)["op_type"]
            assert body(put) == {**update, "op_type": op_type, **fields}
        assert [json.loads(c.request.content)["op_type"] for c in put.calls] == [
            "rename_column", "resize_column", "freeze_column", "move_column", "modify_column_type",
        ]  # fmt: skip
        await base.modify_column_type("Table1", "a1B2", "date", {"format": "YYYY-MM-DD"})
        assert body(put)["column_data"] == {"format": "YYYY-MM-DD"}
        assert await base.delete_column("Table1", "a1B2") == {"success": True}
    assert body(delete) == {"table_name": "Table1", "column": "a1B2"}


async def test_option_and_cascade_writes_send_the_spec_body(server: respx.MockRouter) -> None:
    post = server.post(OPTIONS).respond(200, json={"success": True})
    put = server.put(OPTIONS).respond(200, json={"options": [{"id": "119376", "name": "Done"}]})
    delete = server.delete(OPTIONS).respond(200, json={"success": True})
    cascade = server.post(CASCADE).respond(200, json={"success": True})
    option = {"name": "Open", "color": "#4ECCCB", "textColor": "#FFFFFF"}
    async with Base(API_TOKEN, SERVER) as base:
        await base.add_column_options("Table1", "Status", [option])
        changed = await base.update_column_options(
            "Table1", "Status", [{"id": "119376", "name": "Done"}], True
        )
        await base.delete_column_options("Table1", "Status", ["Open"])
        await base.add_column_cascade_settings("Table1", "City", "Country", {"DE": ["Berlin"]})
    assert changed == {"options": [{"id": "119376", "name": "Done"}]}
    assert body(post) == {"table_name": "Table1", "column": "Status", "options": [option]}
    assert body(put) == {
        "table_name": "Table1",
        "column": "Status",
        "options": [{"id": "119376", "name": "Done"}],
        "return_options": True,
    }
    assert body(delete) == {"table_name": "Table1", "column": "Status", "option_names": ["Open"]}
    assert body(cascade) == {
        "table_name": "Table1",
        "child_column": "City",
        "parent_column": "Country",
        "cascade_settings": {"DE": ["Berlin"]},
    }


async def test_creating_writes_are_sent_once_and_settings_are_retried(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    post = server.post(COLUMNS).respond(503)
    cascade = server.post(CASCADE).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"success": True})]
    )
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=2)) as base:
        with pytest.raises(ServiceUnavailableError):
            await base.insert_column("Table1", "Age", "number")
        await base.add_column_cascade_settings("Table1", "City", "Country", {"DE": ["Berlin"]})
    assert post.call_count == 1
    assert cascade.call_count == 2


async def test_a_renamed_column_is_named_anew_by_the_next_append(server: respx.MockRouter) -> None:
    renamed = {"metadata": {"tables": [{**METADATA["metadata"]["tables"][0]}]}}
    renamed["metadata"]["tables"][0]["columns"] = [
        {"key": "0000", "name": "Name", "type": "text"},
        {**AGE, "name": "Years"},
    ]
    server.routes["metadata"].side_effect = [
        httpx.Response(200, json=METADATA),
        httpx.Response(200, json=renamed),
    ]
    server.put(COLUMNS).respond(200, json={**AGE, "name": "Years"})
    first_row = {"_id": "r1", "0000": "Max", "a1B2": 30}
    server.post(f"{GATEWAY}/rows/").respond(
        200, json={"first_row": first_row, "inserted_row_count": 1, "row_ids": [{"_id": "r1"}]}
    )
    async with Base(API_TOKEN, SERVER) as base:
        assert (await base.append_row("Table1", {"Name": "Max"}))["Age"] == 30
        await base.rename_column("Table1", "a1B2", "Years")
        row = await base.append_row("Table1", {"Name": "Max"})
    assert row == {"_id": "r1", "Name": "Max", "Years": 30}
    assert server.routes["metadata"].call_count == 2


def _types_needing_data() -> list[ColumnType]:
    return sorted(REQUIRED_DATA, key=lambda kind: kind.value)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda b: b.list_columns(""), "table_name"),
        (lambda b: b.list_columns("T", 5), "view_name"),
        (lambda b: b.get_column_by_name("T", None), "column_name"),
        (lambda b: b.get_columns_by_type("T", "txt"), "column_type must be a ColumnType"),
        (lambda b: b.insert_column("T", "", "text"), "column_name"),
        (lambda b: b.insert_column("T", "A", "nope"), "column_type"),
        (lambda b: b.insert_column("T", "A", "text", 7), "column_key"),
        (lambda b: b.insert_column("T", "A", "text", None, [1]), "column_data must be a dict"),
        (lambda b: b.insert_column("T", "A", "link", None, {"table": "T"}), "other_table"),
        (lambda b: b.rename_column("T", "", "B"), "column_key"),
        (lambda b: b.rename_column("T", "A", ""), "new_column_name"),
        (lambda b: b.resize_column("T", "A", 0), "new_column_width"),
        (lambda b: b.resize_column("T", "A", 100.5), "new_column_width"),
        (lambda b: b.freeze_column("T", "A", 1), "frozen"),
        (lambda b: b.move_column("T", "A", None), "target_column_key"),
        (lambda b: b.modify_column_type("T", "A", ColumnType.LINK), "cannot be link"),
        (lambda b: b.modify_column_type("T", "A", "x"), "new_column_type"),
        (lambda b: b.delete_column("T", ""), "column_key"),
        (lambda b: b.add_column_options("T", "S", []), "options"),
        (
            lambda b: b.add_column_options("T", "S", [{"color": "#fff"}]),
            "options[0]['name']",
        ),
        (lambda b: b.add_column_options("T", "S", [{"name": "a", "color": 1}]), "'color'"),
        (lambda b: b.update_column_options("T", "S", [{"name": "a"}]), "'id'"),
        (lambda b: b.update_column_options("T", "S", [{"id": "a"}], 1), "return_options"),
        (lambda b: b.delete_column_options("T", "S", []), "option_names"),
        (lambda b: b.delete_column_options("T", "S", "Open"), "option_names"),
        (lambda b: b.add_column_cascade_settings("T", "C", "P", {}), "cascade_settings"),
        (lambda b: b.add_column_cascade_settings("T", "C", "P", {"a": "b"}), "cascade_settings"),
        (lambda b: b.add_column_cascade_settings("T", "", "P", {"a": ["b"]}), "child_column"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    server: respx.MockRouter, call: Any, named: str
) -> None:
    await assert_refused(server, call, named)


@pytest.mark.parametrize("kind", _types_needing_data(), ids=lambda kind: kind.value)
async def test_types_that_need_column_data_are_refused_without_it(
    server: respx.MockRouter, kind: ColumnType
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match="column_data is required"):
            await base.insert_column("T", "A", kind)
    assert not server.calls


EVERY_TYPE: dict[ColumnType, dict[str, Any] | None] = {
    **dict.fromkeys(ColumnType),
    ColumnType.RATE: {"rate_max_number": 5},
    ColumnType.FORMULA: {"formula": "1 + 1"},
    ColumnType.LINK: {"table": "Tasks", "other_table": "Table1"},
    ColumnType.LINK_FORMULA: {"formula": "count_links", "link_column": "Link"},
    ColumnType.BUTTON: {"button_type": "", "button_name": "Go"},
    ColumnType.NUMBER: {"format": "euro", "decimal": "comma", "thousands": "space"},
    ColumnType.DATE: {"format": "YYYY-MM-DD HH:mm"},
    ColumnType.AUTO_NUMBER: {"format": "0000", "digits": 4, "prefix_type": "string"},
}
"""A column of every type, with `column_data` where it needs or takes some."""


async def test_every_column_type_is_inserted_on_the_emulator() -> None:
    with Emulator(api_token=TOKEN) as emulator:
        emulator.add_table("Tasks", [("Title", "text")])
        async with emulated_base(emulator) as base:
            link = await base.insert_column(
                "Tasks", "Link", "link", None, EVERY_TYPE[ColumnType.LINK]
            )
            for kind, data in EVERY_TYPE.items():
                if kind is ColumnType.LINK:
                    continue
                column = await base.insert_column("Tasks", kind.value, kind, None, data)
                assert (column["name"], column["type"]) == (kind.value, kind.value)
            listed = await base.list_columns("Tasks")
        assert {c["type"] for c in listed} == {kind.value for kind in ColumnType}
        assert link["data"]["link_id"]


async def test_every_column_method_round_trips_through_the_emulator() -> None:
    with Emulator(api_token=TOKEN) as emulator:
        emulator.add_table("Tasks", [("Title", "text")])
        async with emulated_base(emulator) as base:
            due = await base.insert_column("Tasks", "Due", ColumnType.DATE, "Title")
            await base.insert_column("Tasks", "Status", ColumnType.SINGLE_SELECT, "Title")
            assert [c["name"] for c in await base.list_columns("Tasks")] == [
                "Title",
                "Status",
                "Due",
            ]
            assert (await base.resize_column("Tasks", due["key"], 320))["width"] == 320
            assert (await base.freeze_column("Tasks", "Due", True))["frozen"] is True
            await base.move_column("Tasks", "Due", "Title")
            assert [c["name"] for c in await base.list_columns("Tasks")] == [
                "Title",
                "Due",
                "Status",
            ]
            retyped = await base.modify_column_type("Tasks", "Due", ColumnType.NUMBER)
            assert retyped["type"] == "number"
            options = [
                {"name": name, "color": "#4ECCCB", "textColor": "#FFFFFF"} for name in ("A", "B")
            ]
            await base.add_column_options("Tasks", "Status", options)
            await base.append_row("Tasks", {"Title": "t", "Status": "A"})
            status = await base.get_column_by_name("Tasks", "Status")
            assert status is not None
            ids = {o["name"]: o["id"] for o in status["data"]["options"]}
            changed = await base.update_column_options(
                "Tasks", "Status", [{"id": ids["A"], "name": "Open"}], return_options=True
            )
            assert [o["name"] for o in changed["options"]] == ["Open", "B"]
            await base.delete_column_options("Tasks", "Status", ["B"])
            await base.insert_column("Tasks", "Sub", ColumnType.SINGLE_SELECT)
            await base.add_column_options("Tasks", "Sub", [{**options[0], "name": "x"}])
            await base.add_column_cascade_settings("Tasks", "Sub", "Status", {"Open": ["x"]})
            sub = await base.get_columns_by_type("Tasks", ColumnType.SINGLE_SELECT)
            assert sub[1]["data"]["cascade_settings"] == {"Open": ["x"]}
            await base.delete_column("Tasks", "Due")
            assert await base.get_column_by_name("Tasks", "Due") is None
        assert emulator.rows("Tasks")[0]["Status"] == "Open"

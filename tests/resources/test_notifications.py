"""Base notifications, snapshots and row activities: the exact requests (respx), refused
arguments, and round trips through the emulator."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import respx

from seatable_async import Base, NotFoundError
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, GATEWAY, SERVER
from ._emulated import TOKEN, emulated_base
from ._refusals import assert_refused

pytestmark = pytest.mark.anyio

NOTIFICATION = {
    "id": 200,
    "username": "1234@auth.local",
    "msg_type": "row_comment",
    "created_at": "2021-02-25T10:38:14.000Z",
    "detail": {"author": "244b@auth.local", "table_id": "0000", "row_id": "r1", "comment": "Hi"},
    "seen": 1,
}
OK = {"success": True}
ROW_ID = "NAu2B3OcRG6UrWagL-9naA"


def _form(route: respx.Route) -> dict[str, list[str]]:
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return parse_qs(request.content.decode())


async def test_list_notifications_returns_the_list(server: respx.MockRouter) -> None:
    route = server.get(f"{GATEWAY}/notifications/").respond(
        200, json={"notification_list": [NOTIFICATION]}
    )
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_notifications() == [NOTIFICATION]
    assert not route.calls.last.request.url.params


async def test_marking_sends_seen_as_a_form(server: respx.MockRouter) -> None:
    every = server.put(f"{GATEWAY}/notifications/").respond(200, json=OK)
    one = server.put(f"{GATEWAY}/notifications/200/").respond(200, json=OK)
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.mark_notifications_seen() == OK
        assert _form(every) == {"seen": ["true"]}
        assert await base.mark_notifications_seen(False) == OK
        assert _form(every) == {"seen": ["false"]}
        assert await base.mark_notification_seen(200) == OK
        assert _form(one) == {"seen": ["true"]}
        assert await base.mark_notification_seen(200, seen=False) == OK
        assert _form(one) == {"seen": ["false"]}


async def test_delete_notifications_sends_a_delete(server: respx.MockRouter) -> None:
    route = server.delete(f"{GATEWAY}/notifications/").respond(200, json=OK)
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.delete_notifications() == OK
    assert route.called


@pytest.mark.parametrize(
    ("method", "args", "named"),
    [
        ("mark_notification_seen", (0,), "notification_id"),
        ("mark_notification_seen", ("200",), "notification_id"),
        ("mark_notification_seen", (True,), "notification_id"),
        ("mark_notification_seen", (200, "yes"), "seen"),
        ("mark_notifications_seen", (1,), "seen"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    server: respx.MockRouter, method: str, args: tuple[object, ...], named: str
) -> None:
    await assert_refused(server, lambda base: getattr(base, method)(*args), named)


async def test_notifications_round_trip_through_the_emulator() -> None:
    emulator = Emulator(api_token=TOKEN)
    first = emulator.add_notification({"comment": "first"})
    emulator.add_notification({"comment": "second"})
    async with emulated_base(emulator) as base:
        listed = await base.list_notifications()
        assert [(n["detail"]["comment"], n["seen"]) for n in listed] == [
            ("second", 0),
            ("first", 0),
        ]
        assert listed[0]["username"] == emulator.user_id
        await base.mark_notification_seen(first)
        assert [n["seen"] for n in await base.list_notifications()] == [0, 1]
        await base.mark_notifications_seen()
        assert [n["seen"] for n in await base.list_notifications()] == [1, 1]
        await base.mark_notifications_seen(seen=False)
        assert [n["seen"] for n in await base.list_notifications()] == [0, 0]
        await base.delete_notifications()
        assert await base.list_notifications() == []
        with pytest.raises(NotFoundError):
            await base.mark_notification_seen(first)


SNAPSHOT = {
    "dtable_uuid": "650d8a0d-7e27-46a8-8b18-6cc6f3dbvh46",
    "dtable_name": "Example.dtable",
    "commit_id": "1234567813a3e0950d4d4f32bd744137929cef23",
    "ctime": 1622111992159,
}


async def test_create_snapshot_posts_once(server: respx.MockRouter) -> None:
    route = server.post(f"{GATEWAY}/snapshot/").respond(
        200, json={"status": "created", "snapshot": SNAPSHOT}
    )
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.create_snapshot() == {"status": "created", "snapshot": SNAPSHOT}
    assert json.loads(route.calls.last.request.content) == {}
    assert route.call_count == 1


async def test_snapshots_need_ten_minutes_and_a_change_in_the_emulator() -> None:
    now = [1_800_000_000.0]
    emulator = Emulator(api_token=TOKEN, clock=lambda: now[0])
    emulator.add_table("Notes", [("Text", "text")])
    async with emulated_base(emulator) as base:
        first = await base.create_snapshot()
        assert first["status"] == "created"
        assert first["snapshot"]["ctime"] == 1_800_000_000_000
        assert first["snapshot"]["dtable_uuid"] == emulator.base_uuid
        now[0] += 601
        assert await base.create_snapshot() == {"status": "not_created"}
        await base.append_row("Notes", {"Text": "changed"})
        now[0] = 1_800_000_599.0
        assert await base.create_snapshot() == {"status": "not_created"}
        now[0] = 1_800_000_600.0
        second = await base.create_snapshot()
        assert second["status"] == "created"
        assert second["snapshot"]["commit_id"] != first["snapshot"]["commit_id"]


async def test_list_row_activities_sends_the_row_and_the_page(server: respx.MockRouter) -> None:
    answer = {"activities": [], "total_count": 0}
    route = server.get(f"{GATEWAY}/activities/").respond(200, json=answer)
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_row_activities(ROW_ID) == answer
        assert dict(route.calls.last.request.url.params) == {
            "row_id": ROW_ID,
            "page": "1",
            "per_page": "25",
        }
        await base.list_row_activities(ROW_ID, 3, per_page=10)
    assert dict(route.calls.last.request.url.params) == {
        "row_id": ROW_ID,
        "page": "3",
        "per_page": "10",
    }


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("",), "row_id"),
        ((ROW_ID, 0), "page"),
        ((ROW_ID, 1, 0), "per_page"),
        ((ROW_ID, "2"), "page"),
    ],
)
async def test_bad_activity_arguments_are_refused(
    server: respx.MockRouter, args: tuple[object, ...], named: str
) -> None:
    await assert_refused(server, lambda base: base.list_row_activities(*args), named)


async def test_row_activities_round_trip_through_the_emulator() -> None:
    emulator = Emulator(api_token=TOKEN)
    emulator.add_table("Notes", [("Text", "text"), ("Count", "number")])
    async with emulated_base(emulator) as base:
        row_id = (await base.append_row("Notes", {"Text": "a", "Count": 1}))["_id"]
        await base.update_row("Notes", row_id, {"Count": 2})
        await base.update_row("Notes", row_id, {"Count": 2})
        listed = await base.list_row_activities(row_id)
        assert listed["total_count"] == 2
        assert [a["op_type"] for a in listed["activities"]] == ["modify_row", "insert_row"]
        (change,) = listed["activities"][0]["detail"]["row_data"]
        assert (change["column_name"], change["value"], change["old_value"]) == ("Count", 2, 1)
        assert listed["activities"][0]["detail"]["row_name"] == "a"
        assert listed["activities"][0]["op_user"] == emulator.user_id
        second = await base.list_row_activities(row_id, 2, per_page=1)
        assert [a["op_type"] for a in second["activities"]] == ["insert_row"]
        await base.delete_row("Notes", row_id)
        assert (await base.list_row_activities(row_id))["activities"][0]["op_type"] == "delete_row"


async def test_get_base_activity_log_sends_the_page(server: respx.MockRouter) -> None:
    entry = {"author": "a@auth.local", "app": None, "op_time": 1, "operation": "{}", "op_id": 7}
    route = server.get(f"{GATEWAY}/operations/").respond(200, json={"operations": [entry]})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.get_base_activity_log() == [entry]
        assert dict(route.calls.last.request.url.params) == {"page": "1"}
        await base.get_base_activity_log(4)
    assert dict(route.calls.last.request.url.params) == {"page": "4"}


@pytest.mark.parametrize("page", [0, "2", True])
async def test_a_bad_activity_log_page_is_refused(server: respx.MockRouter, page: object) -> None:
    await assert_refused(server, lambda base: base.get_base_activity_log(page), "page")  # type: ignore[arg-type]


async def test_the_activity_log_has_one_entry_per_write_newest_first() -> None:
    emulator = Emulator(api_token=TOKEN)
    emulator.add_table("Notes", [("Text", "text"), ("Count", "number")])
    async with emulated_base(emulator) as base:
        appended = await base.batch_append_rows("Notes", [{"Count": 1}, {}])
        ids = [row["_id"] for row in appended["row_ids"]]
        await base.update_row("Notes", ids[0], {"Count": 2})
        await base.insert_column("Notes", "Extra", "text")
        await base.delete_row("Notes", ids[1])
        log = await base.get_base_activity_log()
        assert await base.get_base_activity_log(2) == []
    operations = [json.loads(entry["operation"]) for entry in log]
    assert [op["op_type"] for op in operations] == [
        "delete_rows",
        "insert_column",
        "modify_rows",
        "insert_rows",
    ]
    deleted, inserted_column, modified, inserted = operations
    assert inserted["row_ids"] == ids
    assert len(inserted["row_datas"]) == 2
    (notes,) = [table for table in emulator.base.tables if table["name"] == "Notes"]
    count_key = notes["columns"][1]["key"]
    assert modified["updated"] == {ids[0]: {count_key: 2}}
    assert modified["old_rows"] == {ids[0]: {count_key: 1}}
    assert inserted_column["table_id"] == notes["_id"]
    assert inserted_column["column_name"] == "Extra"
    assert deleted["row_ids"] == [ids[1]]
    assert [entry["op_id"] for entry in log] == sorted((e["op_id"] for e in log), reverse=True)
    assert {entry["author"] for entry in log} == {emulator.user_id}
    assert all(isinstance(entry["op_time"], int) for entry in log)

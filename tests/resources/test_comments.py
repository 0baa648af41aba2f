"""Row comments: the exact requests (respx), refused arguments, and a round trip through the
emulator."""

from __future__ import annotations

import json

import pytest
import respx

from seatable_async import Base, InvalidInputError

from ..helpers import API_TOKEN, GATEWAY, SERVER
from ._emulated import emulated_base, linked_emulator

pytestmark = pytest.mark.anyio

ROW_ID = "NAu2B3OcRG6UrWagL-9naA"
COMMENT = {
    "id": 3,
    "author": "8cb2@auth.local",
    "comment": "Agreed!",
    "dtable_uuid": "650d8a0d-7e27-46a8-8b18-6cc6374yf557",
    "row_id": ROW_ID,
    "created_at": "2021-01-15T13:53:13.000Z",
    "updated_at": "2021-01-15T13:53:13.000Z",
    "resolved": 1,
}


async def test_reads_send_the_row_id_or_the_comment_id(server: respx.MockRouter) -> None:
    listing = server.get(f"{GATEWAY}/comments/").respond(200, json=[COMMENT])
    one = server.get(f"{GATEWAY}/comments/3/").respond(200, json=COMMENT)
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.list_row_comments(ROW_ID) == [COMMENT]
        assert await base.get_row_comment(3) == COMMENT
    assert dict(listing.calls.last.request.url.params) == {"row_id": ROW_ID}
    assert one.called


async def test_add_row_comment_sends_the_table_id_and_the_comment(
    server: respx.MockRouter,
) -> None:
    route = server.post(f"{GATEWAY}/comments/").respond(200, json={"success": True})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.add_row_comment("Table1", ROW_ID, "Go online?") == {"success": True}
    sent = route.calls.last.request
    assert dict(sent.url.params) == {"table_id": "0000", "row_id": ROW_ID}
    assert json.loads(sent.content) == {"comment": "Go online?"}


async def test_delete_row_comment_sends_the_id(server: respx.MockRouter) -> None:
    route = server.delete(f"{GATEWAY}/comments/12/").respond(200, json={"success": True})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.delete_row_comment(12) == {"success": True}
    assert route.called


@pytest.mark.parametrize(
    ("method", "args", "named"),
    [
        ("list_row_comments", ("",), "row_id"),
        ("get_row_comment", (0,), "comment_id"),
        ("delete_row_comment", (True,), "comment_id"),
        ("delete_row_comment", ("3",), "comment_id"),
        ("add_row_comment", ("Table1", ROW_ID, ""), "comment"),
        ("add_row_comment", ("Table1", None, "hi"), "row_id"),
        ("add_row_comment", ("Nowhere", ROW_ID, "hi"), "Nowhere"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    server: respx.MockRouter, method: str, args: tuple[object, ...], named: str
) -> None:
    route = server.route(path__startswith=f"{GATEWAY}/comments/")
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=named):
            await getattr(base, method)(*args)
    assert not route.called


async def test_comments_round_trip_through_the_emulator() -> None:
    emulator = linked_emulator()
    async with emulated_base(emulator) as base:
        row = (await base.append_row("People", {"Name": "Ada"}))["_id"]
        await base.add_row_comment("People", row, "first")
        await base.add_row_comment("People", row, "second")
        comments = await base.list_row_comments(row)
        assert [c["comment"] for c in comments] == ["first", "second"]
        assert await base.get_row_comment(comments[0]["id"]) == comments[0]
        await base.delete_row_comment(comments[0]["id"])
        assert [c["comment"] for c in await base.list_row_comments(row)] == ["second"]

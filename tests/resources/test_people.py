"""Collaborators and toasts: the exact requests (respx), refused arguments, and round trips
through the emulator."""

from __future__ import annotations

import json

import pytest
import respx

from seatable_async import Base, InvalidInputError
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, GATEWAY, SERVER
from ._emulated import TOKEN, emulated_base

pytestmark = pytest.mark.anyio

USERS = [{"email": "244b@auth.local", "name": "Ginger Ale", "contact_email": "g@example.com"}]


async def test_get_related_users_returns_the_user_list(server: respx.MockRouter) -> None:
    route = server.get(f"{GATEWAY}/related-users/").respond(200, json={"user_list": USERS})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.get_related_users() == USERS
    assert not route.calls.last.request.url.params


async def test_send_toast_notification_sends_the_sdk_body(server: respx.MockRouter) -> None:
    route = server.post(f"{GATEWAY}/ui-toasts/").respond(200, json={"success": True})
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.send_toast_notification("244b@auth.local", 42) == {"success": True}
        await base.send_toast_notification("244b@auth.local", "careful", "warning")
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert bodies == [
        {"to_user": "244b@auth.local", "toast_type": "success", "detail": {"msg": "42"}},
        {"to_user": "244b@auth.local", "toast_type": "warning", "detail": {"msg": "careful"}},
    ]


@pytest.mark.parametrize(
    ("args", "named"),
    [(("", "hi"), "username"), ((None, "hi"), "username"), (("u", "hi", "info"), "toast_type")],
)
async def test_send_toast_notification_refuses_bad_arguments(
    server: respx.MockRouter, args: tuple[object, ...], named: str
) -> None:
    route = server.post(f"{GATEWAY}/ui-toasts/")
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=named):
            await base.send_toast_notification(*args)  # type: ignore[arg-type]
    assert not route.called


async def test_people_round_trip_through_the_emulator() -> None:
    emulator = Emulator(api_token=TOKEN)
    async with emulated_base(emulator) as base:
        users = await base.get_related_users()
        assert [user["email"] for user in users] == [emulator.user_id]
        await base.send_toast_notification(emulator.user_id, "done", "error")
    assert emulator.toasts == [
        {"to_user": emulator.user_id, "toast_type": "error", "detail": {"msg": "done"}}
    ]

"""The account API: the exact requests (respx), arguments refused before sending, API tokens
masked in later errors, and a round trip of every method through the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from seatable_async import (
    Account,
    BadGatewayError,
    BadRequestError,
    InvalidInputError,
    NotFoundError,
    RetryPolicy,
)
from seatable_async.testing import Emulator

from ..helpers import SERVER

pytestmark = pytest.mark.anyio

ACCOUNT_TOKEN = "c" * 40
NEW_TOKEN = "f" * 40
BASE_PATH = "/api/v2.1/workspace/7/dtable/My%20Base"
RECORD = {"id": 3, "workspace_id": 7, "uuid": "650d8a0d-7e27-46a8-8b18-6cc6f3db2057", "name": "B"}
TOKEN_RECORD = {"app_name": "app", "api_token": NEW_TOKEN, "permission": "r"}
ONCE = RetryPolicy(max_attempts=1)


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(request.content.decode()).items()}


@pytest.fixture
def server() -> Any:
    with respx.mock(base_url=SERVER, assert_all_called=False) as router:
        yield router


async def test_reads_send_the_account_token_and_return_the_answer(server: respx.MockRouter) -> None:
    info = server.get("/api2/account/info/").respond(200, json={"email": "u@auth.local"})
    spaces = server.get("/api/v2.1/workspaces/").respond(200, json={"workspace_list": []})
    stars = server.get("/api/v2.1/starred-dtables/").respond(
        200, json={"user_starred_dtable_list": [RECORD]}
    )
    async with Account(server_url=SERVER, token=ACCOUNT_TOKEN) as account:
        assert (await account.load_account_info())["email"] == "u@auth.local"
        assert await account.list_workspaces() == {"workspace_list": []}
        await account.list_workspaces(detail=False)
        assert await account.list_starred_bases() == [RECORD]
    assert info.calls.last.request.headers["authorization"] == f"Bearer {ACCOUNT_TOKEN}"
    assert [call.request.url.query for call in spaces.calls] == [b"", b"detail=false"]
    assert stars.called


async def test_base_writes_send_the_spec_forms(server: respx.MockRouter) -> None:
    create = server.post("/api/v2.1/dtables/").respond(201, json={"table": RECORD})
    copy = server.post("/api/v2.1/dtable-copy/").respond(200, json={"dtable": RECORD})
    rename = server.put("/api/v2.1/workspace/7/dtable/").respond(200, json={"table": RECORD})
    delete = server.delete("/api/v2.1/workspace/7/dtable/").respond(200, json={"success": True})
    star = server.post("/api/v2.1/starred-dtables/").respond(200, json={"success": True})
    unstar = server.delete("/api/v2.1/starred-dtables/").respond(200, json={"success": True})
    async with Account(server_url=SERVER, token=ACCOUNT_TOKEN) as account:
        assert await account.add_base("B") == RECORD
        await account.add_base("B", 7, icon="icon-dollar", color="#E91E63")
        assert await account.copy_base(7, "B", 9) == RECORD
        assert await account.rename_base(7, "B", "C") == RECORD
        assert await account.delete_base(7, "C") == {"success": True}
        await account.star_base(RECORD["uuid"])
        await account.unstar_base(RECORD["uuid"])
    assert [form(call.request) for call in create.calls] == [
        {"name": "B"},
        {"name": "B", "workspace_id": "7", "icon": "icon-dollar", "color": "#E91E63"},
    ]
    assert form(copy.calls.last.request) == {
        "src_workspace_id": "7", "name": "B", "dst_workspace_id": "9"
    }  # fmt: skip
    assert form(rename.calls.last.request) == {"name": "B", "new_name": "C"}
    assert form(delete.calls.last.request) == {"name": "C"}
    assert form(star.calls.last.request) == {"dtable_uuid": RECORD["uuid"]}
    assert unstar.calls.last.request.url.params["dtable_uuid"] == RECORD["uuid"]


async def test_a_create_is_sent_once_even_when_it_fails(server: respx.MockRouter) -> None:
    create = server.post("/api/v2.1/dtables/").respond(502, json={})
    async with Account(server_url=SERVER, token=ACCOUNT_TOKEN) as account:
        with pytest.raises(BadGatewayError):
            await account.add_base("B")
    assert create.call_count == 1


async def test_api_tokens_are_masked_in_later_errors(server: respx.MockRouter) -> None:
    server.get(f"{BASE_PATH}/api-tokens/").respond(200, json={"api_tokens": [TOKEN_RECORD]})
    create = server.post(f"{BASE_PATH}/api-tokens/").respond(201, json=TOKEN_RECORD)
    update = server.put(f"{BASE_PATH}/api-tokens/app/").respond(200, json=TOKEN_RECORD)
    server.delete(f"{BASE_PATH}/api-tokens/app/").respond(200, json={"success": True})
    temp = "t" * 30 + ".jwt"
    server.get(f"{BASE_PATH}/temp-api-token/").respond(200, json={"api_token": temp})
    echo = server.get("/api2/account/info/").respond(400, json={"error_msg": f"{NEW_TOKEN} {temp}"})
    async with Account(server_url=SERVER, token=ACCOUNT_TOKEN) as account:
        assert await account.create_api_token(7, "My Base", "app", "r") == TOKEN_RECORD
        assert await account.list_api_tokens(7, "My Base") == [TOKEN_RECORD]
        await account.update_api_token(7, "My Base", "app", "rw")
        assert await account.delete_api_token(7, "My Base", "app") == {"success": True}
        assert await account.create_temp_api_token(7, "My Base") == temp
        with pytest.raises(BadRequestError) as caught:
            await account.load_account_info()
    assert form(create.calls.last.request) == {"app_name": "app", "permission": "r"}
    assert form(update.calls.last.request) == {"permission": "rw"}
    assert echo.called
    assert str(caught.value).count("***") == 2
    assert NEW_TOKEN not in str(caught.value)
    assert temp not in str(caught.value)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda a: a.add_base(""), "name"),
        (lambda a: a.add_base("B", 0), "workspace_id"),
        (lambda a: a.add_base("B", icon=3), "icon"),
        (lambda a: a.copy_base("7", "B", 9), "src_workspace_id"),
        (lambda a: a.copy_base(7, "B", True), "dst_workspace_id"),
        (lambda a: a.rename_base(7, "B", " "), "new_name"),
        (lambda a: a.delete_base(7, ""), "base_name"),
        (lambda a: a.list_api_tokens(7, ".."), "base_name"),
        (lambda a: a.create_api_token(7, "B", "app", "w"), "permission"),
        (lambda a: a.delete_api_token(7, "B", None), "app_name"),
        (lambda a: a.list_workspaces(detail="no"), "detail"),
        (lambda a: a.star_base(""), "base_uuid"),
        (lambda a: a.create_webhook(7, "B", ""), "url"),
        (lambda a: a.create_webhook(7, "B", "http://x", secret=""), "secret"),
        (lambda a: a.update_webhook(7, "B", 0), "webhook_id"),
        (lambda a: a.delete_webhook(0, "B", 1), "workspace_id"),
        (lambda a: a.list_webhooks(7, ""), "base_name"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    server: respx.MockRouter, call: Any, argument: str
) -> None:
    async with Account(server_url=SERVER, token=ACCOUNT_TOKEN) as account:
        with pytest.raises(InvalidInputError, match=argument):
            await call(account)
    assert not server.calls


@asynccontextmanager
async def emulated_account(emulator: Emulator) -> AsyncIterator[Account]:
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as client,
        Account(
            "me@example.com", "pw", "https://emulator.test", http_client=client, retry=ONCE
        ) as account,
    ):
        yield account


async def test_bases_round_trip_through_the_emulator() -> None:
    emulator = Emulator(username="me@example.com", password="pw")
    emulator.append_rows("Table1", [{"Name": "kept"}])
    async with emulated_account(emulator) as account:
        assert (await account.load_account_info())["email"] == emulator.user_id
        made = await account.add_base("Scratch")
        copied = await account.copy_base(1, "Test Base", 1)
        assert copied["name"] == "Test Base (copy)"
        renamed = await account.rename_base(1, "Scratch", "Renamed")
        assert renamed["uuid"] == made["uuid"]
        await account.star_base(copied["uuid"])
        assert [b["uuid"] for b in await account.list_starred_bases()] == [copied["uuid"]]
        spaces = (await account.list_workspaces())["workspace_list"]
        personal = next(w for w in spaces if w["type"] == "personal")
        assert {b["name"] for b in personal["table_list"]} == {
            "Test Base", "Renamed", "Test Base (copy)"
        }  # fmt: skip
        await account.unstar_base(copied["uuid"])
        assert await account.list_starred_bases() == []
        base = await account.get_base(1, "Test Base (copy)")
        rows = await base.list_rows("Table1")
        assert [row.get("Name") for row in rows] == ["kept"]
        await account.delete_base(1, "Renamed")
        with pytest.raises(NotFoundError):
            await account.delete_base(1, "Renamed")


async def test_api_tokens_round_trip_through_the_emulator() -> None:
    emulator = Emulator(username="me@example.com", password="pw")
    async with emulated_account(emulator) as account:
        made = await account.create_api_token(1, "Test Base", "script", "r")
        assert made["permission"] == "r"
        with pytest.raises(BadRequestError):
            await account.create_api_token(1, "Test Base", "script")
        changed = await account.update_api_token(1, "Test Base", "script", "rw")
        assert (changed["api_token"], changed["permission"]) == (made["api_token"], "rw")
        listed = await account.list_api_tokens(1, "Test Base")
        assert {t["app_name"] for t in listed} == {"emulator", "script"}
        temp = await account.create_temp_api_token(1, "Test Base")
        assert emulator.resolve_api_token(temp) is not None
        await account.delete_api_token(1, "Test Base", "script")
        with pytest.raises(NotFoundError):
            await account.delete_api_token(1, "Test Base", "script")


async def test_a_base_is_found_by_its_uuid() -> None:
    emulator = Emulator(username="me@example.com", password="pw")
    async with emulated_account(emulator) as account:
        made = await account.add_base("Other")
        base = await account.get_base_by_uuid(made["uuid"])
        assert (base.base_uuid, base.dtable_name) == (made["uuid"], "Other")
        with pytest.raises(InvalidInputError, match="UUID"):
            await account.get_base_by_uuid("0" * 36)

"""Webhooks: signatures verified in constant time, bodies parsed into the change events, the
account calls that manage them, and the emulator's signed deliveries to a loopback receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import respx

from seatable_async import Account, BadRequestError
from seatable_async.changes import RowDeleted, RowInserted, RowUpdated
from seatable_async.testing import Emulator
from seatable_async.webhooks import (
    SIGNATURE_HEADER,
    WebhookError,
    WebhookVerificationError,
    parse_webhook,
    sign,
    verify_signature,
)

from ..helpers import SERVER
from ..resources.test_account import ACCOUNT_TOKEN, BASE_PATH, emulated_account, form

pytestmark = pytest.mark.anyio

SECRET = "s3cret-webhook-key"
PAYLOAD: dict[str, Any] = {
    "event": "update",
    "data": {
        "dtable_uuid": "650d8a0d-7e27-46a8-8b18-6cc6f3db2057",
        "row_id": "Qtf7xPmoRaiFyQPO1aENTj",
        "op_user": "u@auth.local",
        "op_type": "modify_row",
        "op_time": 1721009252.5,
        "table_id": "0000",
        "table_name": "Table1",
        "row_data": [
            {
                "column_key": "0000",
                "column_name": "Name",
                "column_type": "text",
                "value": "new",
                "old_value": "old",
            }
        ],
    },
}
BODY = json.dumps(PAYLOAD).encode()


def test_a_signature_is_the_hmac_sha256_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET) == f"sha256={expected}"
    verify_signature(BODY, f"sha256={expected}", SECRET)
    verify_signature(BODY, f"SHA256={expected}", SECRET.encode())


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=", "sha256=00", sign(BODY, "other"), sign(BODY + b" ", SECRET), "x" * 71],
)
def test_a_wrong_or_missing_signature_is_refused(signature: str | None) -> None:
    with pytest.raises(WebhookVerificationError):
        verify_signature(BODY, signature, SECRET)
    with pytest.raises(WebhookVerificationError):
        parse_webhook(BODY, secret=SECRET, signature=signature)


def test_only_raw_bytes_and_a_real_secret_verify() -> None:
    with pytest.raises(WebhookVerificationError, match="raw body"):
        parse_webhook(BODY.decode(), secret=SECRET, signature=sign(BODY, SECRET))
    with pytest.raises(WebhookVerificationError, match="secret"):
        verify_signature(BODY, sign(BODY, SECRET), "")


def test_a_modify_row_body_is_a_row_updated_with_old_values() -> None:
    change = parse_webhook(BODY, secret=SECRET, signature=sign(BODY, SECRET))
    assert isinstance(change, RowUpdated)
    assert (change.table_id, change.table_name, change.row_id) == (
        "0000",
        "Table1",
        PAYLOAD["data"]["row_id"],
    )
    assert change.row == {"Name": "new"}
    assert change.old_values == {"Name": "old"}
    assert change.changed == frozenset({"Name"})
    assert change.op_time == datetime(2024, 7, 15, 2, 7, 32, 500000, tzinfo=timezone.utc)
    assert change.op_user == "u@auth.local"
    assert change.source == "webhook"
    assert change.raw == PAYLOAD
    assert change.cursor.startswith("webhook:")


@pytest.mark.parametrize(
    ("op_type", "kind"), [("insert_row", RowInserted), ("delete_row", RowDeleted)]
)
def test_inserts_and_deletes_parse_to_their_types(op_type: str, kind: type[Any]) -> None:
    payload = {**PAYLOAD, "data": {**PAYLOAD["data"], "op_type": op_type, "op_time": 1721009252000}}
    change = parse_webhook(payload)
    assert type(change) is kind
    assert change.op_time == datetime(2024, 7, 15, 2, 7, 32, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b"{}", json.dumps({"data": {**PAYLOAD["data"], "op_type": "x"}}).encode()],
)
def test_a_body_that_is_no_row_webhook_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookError):
        parse_webhook(body)


HOOK: dict[str, Any] = {
    "id": 4,
    "dtable_uuid": "650d8a0d-7e27-46a8-8b18-6cc6f3db2057",
    "url": "https://example.com/hook",
    "creator": "u@auth.local",
    "created_at": "2021-03-16T14:27:58.873621",
    "settings": {"secret": SECRET},
}


@pytest.fixture
def server() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=SERVER, assert_all_called=False) as router:
        yield router


async def test_account_webhook_calls_send_the_spec_forms_and_mask_secrets(
    server: respx.MockRouter,
) -> None:
    hooks = f"{BASE_PATH}/webhooks/"
    listed = server.get(hooks).respond(200, json={"webhook_list": [HOOK]})
    created = server.post(hooks).respond(200, json={"webhook": HOOK})
    updated = server.put(f"{hooks}4/").respond(200, json={"webhook": HOOK})
    deleted = server.delete(f"{hooks}4/").respond(200, json={"success": True})
    echo = server.get("/api2/account/info/").respond(400, json={"error_msg": f"bad {SECRET}"})
    async with Account(server_url=SERVER, token=ACCOUNT_TOKEN) as account:
        assert await account.create_webhook(7, "My Base", HOOK["url"], SECRET) == HOOK
        assert await account.list_webhooks(7, "My Base") == [HOOK]
        await account.update_webhook(7, "My Base", 4, url="https://example.com/other")
        assert await account.delete_webhook(7, "My Base", 4) == {"success": True}
        with pytest.raises(BadRequestError) as caught:
            await account.load_account_info()
    assert form(created.calls.last.request) == {"url": HOOK["url"], "secret": SECRET}
    assert form(updated.calls.last.request) == {"url": "https://example.com/other"}
    assert listed.called
    assert deleted.called
    assert echo.called
    assert SECRET not in str(caught.value)


class Receiver:
    """An HTTP server on loopback that records every POST it receives."""

    def __init__(self) -> None:
        received = self.received = []  # type: list[tuple[dict[str, str], bytes]]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append((dict(self.headers.items()), self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


async def test_the_emulator_posts_each_committed_row_change_signed() -> None:
    """Deliveries follow commits: the rolled-back append (its second number overflows) and the
    write after the webhook's deletion post nothing."""
    emulator = Emulator(username="me@example.com", password="pw")
    emulator.add_table("Numbers", [("N", "number")])
    with Receiver() as receiver:
        async with emulated_account(emulator) as account:
            hook = await account.create_webhook(1, emulator.base.name, receiver.url, SECRET)
            assert [h["id"] for h in await account.list_webhooks(1, emulator.base.name)] == [
                hook["id"]
            ]
            base = await account.get_base(1, emulator.base.name)
            row_id = (await base.append_row("Table1", {"Name": "a"}))["_id"]
            await base.update_row("Table1", row_id, {"Name": "b"})
            with pytest.raises(BadRequestError):
                await base.batch_append_rows("Numbers", [{"N": 1}, {"N": 10**26}])
            await base.delete_row("Table1", row_id)
            assert emulator.webhooks.flush()
            await account.delete_webhook(1, emulator.base.name, hook["id"])
            await base.append_row("Table1", {"Name": "unheard"})
            assert emulator.webhooks.flush()
    changes = [
        parse_webhook(body, secret=SECRET, signature=headers[SIGNATURE_HEADER])
        for headers, body in receiver.received
    ]
    assert [type(c) for c in changes] == [RowInserted, RowUpdated, RowDeleted]
    assert {c.row_id for c in changes} == {row_id}
    updated = changes[1]
    assert isinstance(updated, RowUpdated)
    assert (updated.row, updated.old_values) == ({"Name": "b"}, {"Name": "a"})
    assert [d.status for d in emulator.webhooks.deliveries] == [204, 204, 204]


async def test_webhooks_off_loopback_are_refused_by_the_emulator() -> None:
    emulator = Emulator(username="me@example.com", password="pw")
    async with emulated_account(emulator) as account:
        with pytest.raises(BadRequestError, match="loopback"):
            await account.create_webhook(1, emulator.base.name, "https://example.com/hook")
        hook = await account.create_webhook(1, emulator.base.name, "http://localhost:9/h")
        with pytest.raises(BadRequestError, match="loopback"):
            await account.update_webhook(1, emulator.base.name, hook["id"], url="http://10.0.0.1/")
        kept = await account.update_webhook(1, emulator.base.name, hook["id"], secret="new-secret")
    assert kept["url"] == "http://localhost:9/h"
    assert kept["settings"]["secret"] == "new-secret"
    emulator.close()

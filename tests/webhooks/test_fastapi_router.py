"""The FastAPI webhook router: verified deliveries reach the callback as typed changes; a bad
signature answers 401 and a body that is no row webhook 400, and neither reaches it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from seatable_async import InvalidInputError
from seatable_async.changes import Change, RowInserted, RowUpdated
from seatable_async.integrations.fastapi import webhook_router
from seatable_async.testing import Emulator
from seatable_async.testing._server import STARTUP_TIMEOUT, bind_socket
from seatable_async.webhooks import SIGNATURE_HEADER, sign

from ..resources.test_account import emulated_account
from .test_webhooks import BODY, SECRET

pytestmark = pytest.mark.anyio


def app_for(received: list[Change], *, asynchronous: bool) -> FastAPI:
    app = FastAPI()

    def note(change: Change) -> None:
        received.append(change)

    async def note_later(change: Change) -> None:
        received.append(change)

    app.include_router(webhook_router(SECRET, note_later if asynchronous else note, path="/hook"))
    return app


@pytest.mark.parametrize("asynchronous", [True, False])
async def test_a_signed_delivery_reaches_the_callback(asynchronous: bool) -> None:
    received: list[Change] = []
    transport = httpx.ASGITransport(app=app_for(received, asynchronous=asynchronous))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.post(
            "/hook", content=BODY, headers={SIGNATURE_HEADER: sign(BODY, SECRET)}
        )
    assert response.status_code == 204
    (change,) = received
    assert isinstance(change, RowUpdated)
    assert change.old_values == {"Name": "old"}


@pytest.mark.parametrize(
    ("body", "signature", "status"),
    [
        (BODY, None, 401),
        (BODY, sign(BODY, "another secret"), 401),
        (BODY + b"\n", sign(BODY, SECRET), 401),
        (b"[]", sign(b"[]", SECRET), 400),
        (json.dumps({"data": {}}).encode(), sign(json.dumps({"data": {}}).encode(), SECRET), 400),
    ],
)
async def test_refused_deliveries_never_reach_the_callback(
    body: bytes, signature: str | None, status: int
) -> None:
    received: list[Change] = []
    transport = httpx.ASGITransport(app=app_for(received, asynchronous=True))
    headers = {} if signature is None else {SIGNATURE_HEADER: signature}
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.post("/hook", content=body, headers=headers)
    assert response.status_code == status
    assert received == []


@pytest.mark.parametrize(
    ("secret", "callback", "path", "named"),
    [("", print, "/h", "secret"), ("s", None, "/h", "callback"), ("s", print, "h", "path")],
)
def test_bad_router_arguments_are_refused(
    secret: str, callback: object, path: str, named: str
) -> None:
    with pytest.raises(InvalidInputError, match=named):
        webhook_router(secret, callback, path=path)  # type: ignore[arg-type]


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` on a loopback port, served by uvicorn from a thread; yields its URL."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:  # uvicorn offers no event to wait on
            assert thread.is_alive(), "uvicorn stopped"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.005)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


async def test_the_emulator_delivers_to_the_router_end_to_end() -> None:
    """Emulator → signed POST over loopback → FastAPI router → the callback, as typed events;
    a webhook with another secret is answered 401 and reaches nobody."""
    received: list[Change] = []
    emulator = Emulator(username="me@example.com", password="pw")
    with served(app_for(received, asynchronous=True)) as url:
        async with emulated_account(emulator) as account:
            await account.create_webhook(1, emulator.base.name, f"{url}/hook", SECRET)
            await account.create_webhook(1, emulator.base.name, f"{url}/hook", "wrong-secret")
            base = await account.get_base(1, emulator.base.name)
            row_id = (await base.append_row("Table1", {"Name": "a"}))["_id"]
            await base.update_row("Table1", row_id, {"Name": "b"})
            assert emulator.webhooks.flush()
    emulator.close()
    assert [(type(c), c.row_id) for c in received] == [(RowInserted, row_id), (RowUpdated, row_id)]
    assert sorted(d.status or 0 for d in emulator.webhooks.deliveries) == [204, 204, 401, 401]

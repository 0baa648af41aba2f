"""The FastAPI webhook router: verified deliveries reach the callback as typed changes; a bad
signature answers 401 and a body that is no row webhook 400, and neither reaches it."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from seatable_async import InvalidInputError
from seatable_async.changes import Change, RowUpdated
from seatable_async.integrations._fastapi_webhooks import webhook_router
from seatable_async.webhooks import SIGNATURE_HEADER, sign

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

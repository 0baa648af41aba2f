"""The emulator's socket.io channel over loopback: joining with a base token, one
``update-dtable`` per logged operation in order, refused tokens, dropped sockets and expiry."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from seatable_async.testing import Emulator

from ..helpers import SharedServer
from .conftest import FakeClock

socketio = pytest.importorskip("socketio")

pytestmark = pytest.mark.anyio

PATH = "/api-gateway/socket.io"
BOUND = 5.0
"""Real seconds any wait on loopback may take before the test fails instead of hanging."""


@pytest.fixture
def anyio_backend() -> str:
    """python-socketio's client runs on asyncio only (the server has its own thread)."""
    return "asyncio"


class Listener:
    """A raw socket.io client; what it hears queues in ``heard``: ``(operation, op_id)``, or
    ``("disconnect", reason)``."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self._send, self.heard = anyio.create_memory_object_stream[tuple[Any, Any]](math.inf)
        self.client.on("update-dtable", self._update)
        self.client.on("disconnect", self._disconnect)

    async def _update(self, data: str, op_id: int) -> None:
        self._send.send_nowait((json.loads(data), op_id))

    async def _disconnect(self, reason: str) -> None:
        self._send.send_nowait(("disconnect", reason))

    @classmethod
    @asynccontextmanager
    async def to(cls, url: str, base_uuid: str) -> AsyncIterator[Listener]:
        """A listener connected to ``base_uuid``'s channel (not in its room yet)."""
        listener = cls()
        try:
            await listener.client.connect(
                f"{url}?dtable_uuid={base_uuid}", transports=["websocket"], socketio_path=PATH
            )
            yield listener
        finally:
            await listener.client.disconnect()
            listener._send.close()
            listener.heard.close()

    async def join(self, base_uuid: str, token: str) -> Any:
        return await self.client.call("join-room", (base_uuid, token), timeout=BOUND)

    async def next(self) -> tuple[Any, Any]:
        with anyio.fail_after(BOUND):
            return await self.heard.receive()


@pytest.fixture
def url(emulator: Emulator, shared_server: SharedServer) -> Iterator[str]:
    """The emulator, served on loopback."""
    with shared_server.serving(emulator) as url:
        yield url


@asynccontextmanager
async def listening(
    emulator: Emulator, url: str
) -> AsyncIterator[tuple[Listener, httpx.AsyncClient]]:
    """A served emulator, a listener in its default base's room, and an HTTP client that
    writes with a base token."""
    token = emulator.issue_base_token(emulator.base)
    async with Listener.to(url, emulator.base_uuid) as listener:
        assert await listener.join(emulator.base_uuid, token) is True
        headers = {"Authorization": f"Bearer {token}"}
        gateway = f"{url}/api-gateway/api/v2/dtables/{emulator.base_uuid}/"
        async with httpx.AsyncClient(base_url=gateway, headers=headers) as http:
            yield listener, http


async def test_every_write_is_broadcast_in_log_order(emulator: Emulator, url: str) -> None:
    async with listening(emulator, url) as (listener, http):
        appended = await http.post(
            "rows/", json={"table_name": "Contacts", "rows": [{"Name": "A"}]}
        )
        row_id = appended.json()["row_ids"][0]["_id"]
        await http.put(
            "rows/",
            json={"table_name": "Contacts", "updates": [{"row_id": row_id, "row": {"Age": 3}}]},
        )
        await http.post(
            "columns/",
            json={"table_name": "Contacts", "column_name": "Notes", "column_type": "text"},
        )
        await http.request("DELETE", "rows/", json={"table_name": "Contacts", "row_ids": [row_id]})
        heard = [await listener.next() for _ in range(4)]
    kinds = [operation["op_type"] for operation, _ in heard]
    assert kinds == ["insert_rows", "modify_rows", "insert_column", "delete_rows"]
    op_ids = [op_id for _, op_id in heard]
    assert op_ids == sorted(op_ids)
    assert len(set(op_ids)) == 4
    assert op_ids[-1] == emulator.store.last_op_id(emulator.base_uuid)
    inserted, modified = heard[0][0], heard[1][0]
    assert inserted["row_ids"] == [row_id]
    assert inserted["row_datas"][0]["_id"] == row_id
    (age_key,) = modified["updated"][row_id]
    assert modified["updated"][row_id][age_key] == 3
    assert modified["old_rows"][row_id][age_key] is None


async def test_a_socket_hears_only_what_is_logged_after_it_joined(
    emulator: Emulator, url: str
) -> None:
    emulator.append_rows("Contacts", [{"Name": "before"}])
    async with listening(emulator, url) as (listener, http):
        await http.post("rows/", json={"table_name": "Contacts", "rows": [{"Name": "after"}]})
        operation, _ = await listener.next()
    assert [row["_id"] for row in operation["row_datas"]] == operation["row_ids"]
    assert len(operation["row_ids"]) == 1


async def test_a_bad_token_is_refused_with_a_server_side_disconnect(
    emulator: Emulator, url: str
) -> None:
    other = emulator.store.create_base("Other", emulator.workspace_id)
    for token in ("not-a-jwt", emulator.issue_base_token(other)):
        async with Listener.to(url, emulator.base_uuid) as listener:
            await listener.client.emit("join-room", (emulator.base_uuid, token))
            assert await listener.next() == ("disconnect", "server disconnect")
    assert emulator.realtime is not None
    assert emulator.realtime.members == 0


async def test_an_unknown_base_cannot_connect(emulator: Emulator, url: str) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        async with Listener.to(url, "0" * 36):
            pass


@pytest.mark.parametrize(
    ("how", "reason"), [("transport", "transport error"), ("server", "server disconnect")]
)
async def test_dropped_sockets_miss_the_write_that_drops_them(
    emulator: Emulator, url: str, how: Any, reason: str
) -> None:
    async with listening(emulator, url) as (listener, http):
        assert emulator.realtime is not None
        emulator.realtime.drop_connections(how)
        await http.post("rows/", json={"table_name": "Contacts", "rows": [{"Name": "A"}]})
        assert await listener.next() == ("disconnect", reason)
        assert emulator.realtime.members == 0
        assert listener.heard.statistics().current_buffer_used == 0


async def test_a_token_that_expires_while_joined_ends_the_socket(
    emulator: Emulator, url: str, clock: FakeClock
) -> None:
    emulator.token_lifetime = 60
    async with listening(emulator, url) as (listener, http):
        await http.post("rows/", json={"table_name": "Contacts", "rows": [{"Name": "A"}]})
        assert (await listener.next())[0]["op_type"] == "insert_rows"
        clock.advance(61)
        fresh = {"Authorization": f"Bearer {emulator.issue_base_token(emulator.base)}"}
        await http.post(
            "rows/", json={"table_name": "Contacts", "rows": [{"Name": "B"}]}, headers=fresh
        )
        assert await listener.next() == ("disconnect", "server disconnect")

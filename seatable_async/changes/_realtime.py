"""The realtime change source: SeaTable's socket.io channel (``seatable-async[realtime]``).

The client connects to ``{server}/api-gateway/socket.io?dtable_uuid=<base>``, emits
``join-room`` with ``(base uuid, base token)`` and turns each ``update-dtable`` operation into
typed events. python-socketio runs on asyncio only: under trio ``open_source`` offers nothing
and ``Base.changes()`` polls instead.

SeaTable's socket replays nothing, so every (re)connection is bridged: the room is joined
first (messages queue from then on), the polling source catches up from the last cursor, then
the queued and live messages follow, less those the catch-up covered (op id not above the last
one reported). A dropped connection is opened again after a jittered, growing wait; after a
server-side disconnect (a refused or expired token) a new base token is fetched first.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

import anyio
import sniffio
import socketio
from socketio.exceptions import ConnectionError as SocketError

from .._retry import RetryPolicy
from ._convert import ROW_OPERATIONS, changes_of_operation, table_of
from ._events import Change
from ._polling import PollingSource
from ._source import Cursor, Watch, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from .._client import Base

__all__ = [
    "JOIN_ROOM",
    "RECONNECT",
    "SOCKET_PATH",
    "UPDATE_DTABLE",
    "RealtimeSource",
    "open_source",
]

SOCKET_PATH = "/api-gateway/socket.io"
JOIN_ROOM = "join-room"
UPDATE_DTABLE = "update-dtable"

JOIN_TIMEOUT = 5.0
"""Seconds to wait for the server to acknowledge ``join-room``; a server that sends no
acknowledgement is taken to have joined once they have passed (messages queue meanwhile)."""
RECONNECT = RetryPolicy(initial_delay=0.5, max_delay=30.0)
"""The waits between connection attempts: full jitter, doubling from 0.5 s up to 30 s."""


class _Refused(Exception):
    """The server ended the connection before the room was joined: the token was refused."""


class _Unreachable(Exception):
    """The socket.io endpoint could not be reached, or the connection dropped while joining."""


class _Socket:
    """One socket.io connection to a base's room; what it receives queues in :attr:`messages`:
    ``(operation, op id or None)``, and None once the connection has ended."""

    def __init__(self, base: Base) -> None:
        self._base = base
        self._client = socketio.AsyncClient(reconnection=False)
        self._send, self.messages = anyio.create_memory_object_stream[
            tuple[Mapping[str, Any], int | None] | None
        ](math.inf)
        self._settled = anyio.Event()
        self._joined = False
        self.ended_by_server = False
        """Whether socket.io's own server-side disconnect ended it (not a dropped transport)."""
        self._client.on(UPDATE_DTABLE, self._on_update)
        self._client.on("disconnect", self._on_disconnect)

    async def _on_update(self, data: object = None, op_id: object = None, *rest: object) -> None:
        operation = _operation(data)
        if operation is not None:
            index = op_id if isinstance(op_id, int) and not isinstance(op_id, bool) else None
            self._send.send_nowait((operation, index))

    async def _on_disconnect(self, reason: object = None) -> None:
        self.ended_by_server = reason == self._client.reason.SERVER_DISCONNECT
        self._send.send_nowait(None)
        self._settled.set()

    def _on_join_ack(self, *answer: object) -> None:
        self._joined = True
        self._settled.set()

    async def open(self, token: str | None) -> None:
        """Connect, and join the room with ``token`` unless it is None (a probe)."""
        base = self._base
        try:
            await self._client.connect(
                f"{base.server_url}?dtable_uuid={base.base_uuid}",
                transports=["websocket"],
                socketio_path=SOCKET_PATH,
                wait_timeout=math.ceil(base._options.connect_timeout),
            )
        except (SocketError, OSError) as exc:
            raise _Unreachable(str(exc)) from None
        if token is None:
            return
        await self._client.emit(JOIN_ROOM, (base.base_uuid, token), callback=self._on_join_ack)
        with anyio.move_on_after(JOIN_TIMEOUT):
            await self._settled.wait()
        if not self._joined and self._settled.is_set():
            raise _Refused if self.ended_by_server else _Unreachable("dropped while joining")

    async def aclose(self) -> None:
        """Disconnect (shielded: a cancelled subscription still closes its socket)."""
        with anyio.CancelScope(shield=True):
            if self._client.connected:
                await self._client.disconnect()
            await self._client.eio.disconnect()
        self._send.close()
        self.messages.close()


def _operation(data: object) -> Mapping[str, Any] | None:
    """An ``update-dtable`` payload (a JSON string, or already an object) as an operation."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    if not isinstance(data, dict) or not isinstance(data.get("op_type"), str):
        return None
    return data


async def open_source(base: Base) -> RealtimeSource | None:
    """A realtime source for ``base`` when the event loop is asyncio and the server answers on
    its socket.io endpoint; None otherwise (``Base.changes()`` then polls)."""
    if sniffio.current_async_library() != "asyncio":
        return None
    await base._base.base_token.token()
    probe = _Socket(base)
    try:
        await probe.open(None)
    except _Unreachable:
        return None
    finally:
        await probe.aclose()
    return RealtimeSource(base)


class RealtimeSource:
    """Events from the socket, each (re)connection bridged by the polling source."""

    name: Literal["realtime"] = "realtime"

    def __init__(self, base: Base) -> None:
        self._base = base

    async def events(self, watch: Watch) -> AsyncIterator[Change]:
        """Every change after ``watch.since`` (or from now on), reconnecting for ever."""
        tokens = self._base._base.base_token
        cursor = watch.since
        failures = 0
        refused: str | None = None
        while True:
            token = await (tokens.refresh(refused) if refused else tokens.token())
            refused = None
            socket = _Socket(self._base)
            try:
                await socket.open(token)
                poller = PollingSource(self._base)
                async for change in poller.catch_up(_from(watch, cursor)):
                    cursor = decode_cursor(change.cursor)
                    yield change
                cursor = poller.last_cursor
                failures = 0
                async for message in socket.messages:
                    if message is None:
                        break
                    async for change in self._changes(*message, cursor, watch):
                        cursor = decode_cursor(change.cursor)
                        yield change
                if socket.ended_by_server:
                    refused = token
            except _Refused:
                refused = token
            except _Unreachable:
                pass
            finally:
                await socket.aclose()
            failures += 1
            await watch.sleep(RECONNECT.backoff(failures))

    async def _changes(
        self, operation: Mapping[str, Any], op_id: int | None, cursor: Cursor | None, watch: Watch
    ) -> AsyncIterator[Change]:
        """The events of one operation, unless the catch-up reported it already."""
        last = _op_of(cursor)
        if op_id is not None and last is not None and op_id <= last:
            return
        time_ms = cursor.time_ms if cursor is not None else _now_ms()
        text = encode_cursor("realtime", time_ms, {} if op_id is None else {"op": op_id})
        metadata = await self._metadata(operation.get("table_id"))
        for change in changes_of_operation(operation, metadata, cursor=text, source="realtime"):
            if watch.table_id is None or change.table_id == watch.table_id:
                yield change
        if operation.get("op_type") not in ROW_OPERATIONS:
            self._base._schema.invalidate()

    async def _metadata(self, table_id: object) -> dict[str, Any]:
        """The base's metadata, read again when the cached copy lacks the table."""
        cached = self._base._schema.metadata
        if cached is not None and (table_id is None or table_of(cached, table_id) is not None):
            return cached
        return await self._base.get_metadata()


def _from(watch: Watch, cursor: Cursor | None) -> Watch:
    """``watch`` asking the catch-up to start after ``cursor``."""
    return Watch(watch.table_id, cursor, watch.poll_interval, watch.sleep)


def _op_of(cursor: Cursor | None) -> int | None:
    """The op id a cursor has reported up to, if it knows one."""
    value = None if cursor is None else cursor.state.get("op")
    return value if isinstance(value, int) else None


def _now_ms() -> int:
    return int(datetime.now(timezone.utc).timestamp() * 1000)

"""The realtime change source: SeaTable's socket.io channel (``seatable-async[realtime]``).

The client connects to ``{server}/api-gateway/socket.io?dtable_uuid=<base>``, emits
``join-room`` with ``(base uuid, base token)`` and turns each ``update-dtable`` operation into
typed events. python-socketio runs on asyncio only: under trio ``open_source`` offers nothing
and ``Base.changes()`` polls instead.

SeaTable's socket replays nothing, so every (re)connection is bridged (``_bridge``): the room
is joined first (messages queue from then on), then what happened since the last event is read
from the operation log (or, from a ``poll:`` cursor or a datetime, the polling source catches
up), then the queued and live messages follow, less those the bridge covered (by op id). A
dropped connection is opened again after a jittered, growing wait (``watch.sleep``); after a
server-side disconnect (a refused or expired token) a new base token is fetched first; after
``GIVE_WAY_AFTER`` failures in a row the subscription polls instead. A joined token is renewed
on the live socket (``join-room`` again) before it expires. Messages queue in memory while
the consumer is busy (the socket is read all along, so the server never drops it for that).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

import anyio
import sniffio
import socketio
from socketio.exceptions import ConnectionError as SocketError

from .._retry import RetryPolicy
from .._transport._auth import RenewingToken, jwt_expiry, renewal_time
from ._bridge import Covered, Entry, Position, changes_at, log_since, newest_op
from ._events import Change
from ._polling import PollingSource
from ._source import Cursor, Watch, decode_cursor

if TYPE_CHECKING:
    from .._base import Base

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
GIVE_WAY_AFTER = 8
"""Connections lost or failed in a row, none bridged in between (about two minutes of waits),
after which the subscription polls instead, for good."""


_Message = tuple[Mapping[str, Any], int | None]
"""An ``update-dtable`` operation and its op id (None when the server sent none)."""


_clock: Callable[[], float] = time.time
"""The wall clock that tokens' ``exp`` is read against (a test moves it)."""


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
        self._send, self.messages = anyio.create_memory_object_stream[_Message | None](math.inf)
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
        if token is not None and not await self.join(token):
            raise _Refused if self.ended_by_server else _Unreachable("dropped while joining")

    async def join(self, token: str) -> bool:
        """Emit ``join-room`` with ``token`` (again, to renew it on a live connection) and wait
        for the acknowledgement; False when the connection ended first."""
        self._settled, self._joined = anyio.Event(), False
        await self._client.emit(
            JOIN_ROOM, (self._base.base_uuid, token), callback=self._on_join_ack
        )
        with anyio.move_on_after(JOIN_TIMEOUT):
            await self._settled.wait()
        return self._joined or not self._settled.is_set()

    async def aclose(self) -> None:
        """Disconnect (shielded: a cancelled subscription still closes its socket); the queue
        closes even when disconnecting fails."""
        try:
            with anyio.CancelScope(shield=True):
                if self._client.connected:
                    await self._client.disconnect()
                await self._client.eio.disconnect()
        finally:
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


@dataclass
class _Progress:
    """Where the stream stands: its position once known, and what the last bridge covered."""

    position: Position | None
    covered: Covered


class RealtimeSource:
    """Events from the socket, each (re)connection bridged (see ``_bridge``)."""

    name: Literal["realtime"] = "realtime"

    def __init__(self, base: Base) -> None:
        self._base = base

    async def events(self, watch: Watch) -> AsyncGenerator[Change, None]:
        """Every change after ``watch.since`` (or from now on), reconnecting for ever."""
        tokens = self._base._base.base_token
        progress = _Progress(Position.of(watch.since), Covered(0, 0))
        start = watch.since if progress.position is None else None
        failures = 0
        refused: str | None = None
        while True:
            token = await (tokens.refresh(refused) if refused else tokens.token())
            refused = None
            socket = _Socket(self._base)
            try:
                await socket.open(token)
                async with aclosing(self._bridge(progress, watch, start)) as events:
                    async for change in events:
                        yield change
                start, failures = None, 0
                renew_at = _renew_at(token)
                while (message := await _next(socket, renew_at)) is not None:
                    if isinstance(message, _Due):
                        token, renew_at = await _renewed(socket, tokens, token)
                        continue
                    async with aclosing(self._live(progress, *message)) as events:
                        async for change in events:
                            if watch.table_id in (None, change.table_id):
                                yield change
                refused = token if socket.ended_by_server else None
            except _Refused:
                refused = token
            except _Unreachable:
                pass
            finally:
                await socket.aclose()
            failures += 1
            if failures >= GIVE_WAY_AFTER:
                async with aclosing(self._poll_instead(progress, watch, start)) as events:
                    async for change in events:
                        yield change
            await watch.sleep(RECONNECT.backoff(failures))

    async def _poll_instead(
        self, progress: _Progress, watch: Watch, start: Cursor | None
    ) -> AsyncGenerator[Change, None]:
        """The polling source, for ever, from where the stream stands: what a subscription
        becomes once the socket has stayed away (at least once: polling resumes from a time)."""
        since = start if progress.position is None else progress.position.as_start()
        polling = Watch(watch.table_id, since, watch.poll_interval, watch.sleep)
        async with aclosing(PollingSource(self._base).events(polling)) as events:
            async for change in events:
                yield change

    async def _bridge(
        self, progress: _Progress, watch: Watch, start: Cursor | None
    ) -> AsyncGenerator[Change, None]:
        """What happened since ``progress`` (or since ``start``, a cursor of another source),
        read after the room was joined: from the log when it reaches back, else by polling."""
        position = progress.position
        entries = None if position is None else await log_since(self._base, position.op_id)
        if position is not None and entries is not None:
            for entry in entries:
                at = position if entry.op_id == position.op_id else None
                async with aclosing(
                    self._apply(progress, entry.op_id, entry.operation, at, entry)
                ) as events:
                    async for change in events:
                        if watch.table_id in (None, change.table_id):
                            yield change
            last = progress.position or position
            progress.covered = Covered(last.op_id, last.op_id)
            return
        newest = await newest_op(self._base)
        before = 0 if newest is None else newest.op_id
        time_ms = _now_ms() if newest is None or newest.op_time is None else newest.op_time
        since = start if position is None else position.as_start()
        logged = before
        if since is not None:
            catch_up = Watch(watch.table_id, since, watch.poll_interval, watch.sleep)
            async with aclosing(PollingSource(self._base).catch_up(catch_up)) as events:
                async for change in events:
                    mark = decode_cursor(change.cursor)
                    logged = max(logged, _logged_up_to(mark) or 0)
                    yield change
        progress.position = Position(logged, None, time_ms)
        # from now on: every message queued since the join is new, even if the log has it
        progress.covered = Covered(0, 0) if since is None else Covered(before, logged)

    async def _live(
        self, progress: _Progress, operation: Mapping[str, Any], op_id: int | None
    ) -> AsyncGenerator[Change, None]:
        """The events of one socket message, unless the bridge reported it already."""
        if not progress.covered.covers(op_id, str(operation.get("op_type"))):
            async with aclosing(self._apply(progress, op_id, operation, None, None)) as events:
                async for change in events:
                    yield change

    async def _apply(
        self,
        progress: _Progress,
        op_id: int | None,
        operation: Mapping[str, Any],
        at: Position | None,
        entry: Entry | None,
    ) -> AsyncGenerator[Change, None]:
        """The events of one operation from ``at`` (a position within it) or its start; the
        progress moves past each. Without an op id the position cannot name the operation, so
        its events carry the last position's cursor (a resume reports them again)."""
        last = progress.position or Position(0, None, _now_ms())
        if op_id is None:
            async with aclosing(changes_at(self._base, operation, replace(last, done=0))) as events:
                async for change, _ in events:
                    yield replace(change, cursor=last.cursor())
            return
        start = at or Position(op_id, 0, last.time_ms)
        op_time, author = (None, None) if entry is None else (entry.op_time, entry.author)
        async with aclosing(
            changes_at(self._base, operation, start, op_time=op_time, author=author)
        ) as events:
            async for change, after in events:
                progress.position = after
                yield change
        time_ms = start.time_ms if op_time is None else op_time
        progress.position = Position(op_id, None, time_ms)


class _Due:
    """What :func:`_next` returns when the joined token is due for renewal."""


async def _next(socket: _Socket, renew_at: float) -> _Message | _Due | None:
    """The socket's next message (None: it ended), or a :class:`_Due` once the wall clock
    reaches ``renew_at``."""
    with anyio.move_on_after(max(0.0, renew_at - _clock())):
        return await socket.messages.receive()
    return _Due()


async def _renewed(socket: _Socket, tokens: RenewingToken, token: str) -> tuple[str, float]:
    """A fresh token, joined with on the live socket, and when it is due in turn; a server
    that hands out no later expiry is not asked again (it ends the socket when it must)."""
    fresh = await tokens.refresh(token)
    await socket.join(fresh)
    later = (jwt_expiry(fresh) or math.inf) > (jwt_expiry(token) or math.inf)
    return fresh, _renew_at(fresh) if later else math.inf


def _renew_at(token: str) -> float:
    """When a token just joined with is renewed on the live connection (as `RenewingToken`
    renews it for requests); never for a token without ``exp``."""
    return renewal_time(jwt_expiry(token), _clock())


def _logged_up_to(cursor: Cursor | None) -> int | None:
    """The last operation-log entry a ``poll:`` cursor has reported (its ``o``)."""
    value = None if cursor is None else cursor.state.get("o")
    return value if isinstance(value, int) else None


def _now_ms() -> int:
    """The local clock in ms: the server time assumed before the server has told any."""
    return int(datetime.now(timezone.utc).timestamp() * 1000)

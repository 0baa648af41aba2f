"""The emulator's realtime channel: SeaTable's socket.io server at ``/api-gateway/socket.io``.

A client connects with ``?dtable_uuid=<base>``, emits ``join-room`` with ``(dtable_uuid, base
token)`` and from then on receives ``update-dtable`` with ``(operation as a JSON string, op_id)``
for every entry the base's operation log gains, in order. The hub sends after each gateway
request (:meth:`RealtimeHub.flush`), so a write's operations are on the wire before its answer.

Served only when the ``realtime`` extra (python-socketio) is installed, and only over a real
socket (``serve``): python-socketio runs on asyncio, which is what uvicorn's thread uses.
Emulator choices where SeaTable's behaviour is not documented: ``join-room`` is acknowledged
with ``True``; a bad or expired token is answered by a server-side disconnect; a socket whose
token has expired since it joined is disconnected at the next broadcast instead of served;
joining again on the same socket with a fresh token extends it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs

import socketio
from socketio.exceptions import ConnectionRefusedError as Refused
from starlette.routing import Mount

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["JOIN_ROOM", "SOCKET_PATH", "UPDATE_DTABLE", "Drop", "RealtimeHub"]

SOCKET_PATH = "/api-gateway/socket.io"
JOIN_ROOM = "join-room"
UPDATE_DTABLE = "update-dtable"

Drop = Literal["transport", "server"]
"""How :meth:`RealtimeHub.drop_connections` ends sockets: ``transport`` closes the connection
under socket.io (a network drop, a restarting server); ``server`` is socket.io's own
server-side disconnect (what a refused token gets)."""


@dataclass
class _Member:
    """A socket that joined a base's room: its token's expiry and the last op id it was sent."""

    base_uuid: str
    expires: float
    last_op: int


class RealtimeHub:
    """The socket.io server of one emulator; :attr:`app` is its ASGI application."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self.server = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
        self.app = socketio.ASGIApp(self.server, socketio_path=SOCKET_PATH)
        self._connected: dict[str, str] = {}
        """Connected sockets (socket.io sid) → the base their URL named."""
        self._members: dict[str, _Member] = {}
        self._drop: Drop | None = None
        self.joins = 0
        """Accepted ``join-room`` requests, renewals on a joined socket included."""
        self.server.on("connect", self._on_connect)
        self.server.on("disconnect", self._on_disconnect)
        self.server.on(JOIN_ROOM, self._on_join)

    def route(self) -> Mount:
        """The app's route to the socket.io server."""
        return Mount(SOCKET_PATH, app=self.app)

    @property
    def members(self) -> int:
        """How many sockets have joined a room (tests wait for their subscriber with it)."""
        return len(self._members)

    def drop_connections(self, how: Drop = "transport") -> None:
        """End every joined socket at the next broadcast, before it is sent: the operations of
        the write that triggers it reach no socket (a client must bridge the gap)."""
        self._drop = how

    async def _on_connect(self, sid: str, environ: Mapping[str, Any], auth: object = None) -> None:
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        base_uuid = (query.get("dtable_uuid") or [""])[0]
        if self._emulator.store.base(base_uuid) is None:
            raise Refused("dtable_uuid invalid")
        self._connected[sid] = base_uuid

    async def _on_disconnect(self, sid: str, reason: object = None) -> None:
        self._connected.pop(sid, None)
        self._members.pop(sid, None)

    async def _on_join(self, sid: str, dtable_uuid: object = None, token: object = None) -> bool:
        base_uuid = self._connected.get(sid)
        payload = (
            self._emulator.verify_base_token(token, base_uuid)
            if isinstance(token, str) and base_uuid is not None and dtable_uuid == base_uuid
            else None
        )
        if payload is None or base_uuid is None:
            await self.server.disconnect(sid)
            return False
        self.joins += 1
        member = self._members.get(sid)
        if member is not None:  # joined again with a fresh token: same room, same position
            member.expires = float(payload["exp"])
            return True
        await self.server.enter_room(sid, base_uuid)
        self._members[sid] = _Member(
            base_uuid, float(payload["exp"]), self._emulator.store.last_op_id(base_uuid)
        )
        return True

    async def flush(self, base_uuid: str) -> None:
        """Send the members of ``base_uuid``'s room every operation logged since their last;
        a pending drop, or a member whose token has expired, is disconnected instead."""
        if self._drop is not None:
            how, self._drop = self._drop, None
            for sid in list(self._members):
                await self._disconnect(sid, how)
        now = self._emulator.clock()
        members = {sid: m for sid, m in self._members.items() if m.base_uuid == base_uuid}
        for sid, member in list(members.items()):
            if member.expires <= now:
                del members[sid]
                await self._disconnect(sid, "server")
        if not members:
            return
        start = min(member.last_op for member in members.values())
        for op_id, operation in self._emulator.store.operations_after(base_uuid, start):
            message = json.dumps(operation, default=str)
            for sid, member in members.items():
                if op_id > member.last_op:
                    member.last_op = op_id
                    await self.server.emit(UPDATE_DTABLE, (message, op_id), to=sid)

    async def _disconnect(self, sid: str, how: Drop) -> None:
        self._members.pop(sid, None)
        if how == "server":
            await self.server.disconnect(sid)
            return
        eio_sid = self.server.manager.eio_sid_from_sid(sid, "/")
        socket = self.server.eio.sockets.get(eio_sid)
        if socket is not None:  # ends the websocket itself, with no engine.io close packet
            await socket.queue.put(None)

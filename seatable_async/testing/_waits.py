"""Slow answers (latency, delay faults) that end early when the client leaves or the server stops.

A wait reads the request body ahead, then sleeps while watching for ``http.disconnect``; a
stopping server ends the waits of its own event-loop thread at once, instead of letting
uvicorn's graceful shutdown sit out a 35-second slow answer.
"""

from __future__ import annotations

import enum
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import anyio
from starlette.types import Message, Receive

__all__ = ["BufferedReceive", "WaitEnd", "Waits"]

Sleep = Callable[[float], Awaitable[None]]


class WaitEnd(enum.Enum):
    """How a wait ended."""

    SLEPT = "slept"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


class BufferedReceive:
    """The request's ``receive``, able to read the body ahead and replay it to the app."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._messages: deque[Message] = deque()
        self._body_read = False
        self.disconnected = False

    async def read_body(self) -> None:
        """Read (and keep) the whole body, or until the client leaves."""
        while not self._body_read and not self.disconnected:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
            else:
                self._messages.append(message)
                self._body_read = not message.get("more_body", False)

    async def until_disconnected(self) -> None:
        """Return once the client has left (call after :meth:`read_body`)."""
        while not self.disconnected:
            self.disconnected = (await self._receive())["type"] == "http.disconnect"

    async def __call__(self) -> Message:
        if self._messages:
            return self._messages.popleft()
        if self.disconnected:
            return {"type": "http.disconnect"}
        return await self._receive()


class Waits:
    """The emulator's waits in flight, by event-loop thread, so a server can end its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[anyio.CancelScope, int] = {}
        self._stopping: set[int] = set()

    async def wait(self, sleep: Sleep, seconds: float, receive: BufferedReceive) -> WaitEnd:
        """Sleep ``seconds`` with ``sleep`` unless the client leaves or the server stops."""
        await receive.read_body()
        if receive.disconnected:
            return WaitEnd.DISCONNECTED
        end = WaitEnd.STOPPED
        thread = threading.get_ident()
        with anyio.CancelScope() as scope:
            with self._lock:
                if thread in self._stopping:
                    return end
                self._scopes[scope] = thread
            try:
                async with anyio.create_task_group() as group:

                    async def watch() -> None:
                        nonlocal end
                        await receive.until_disconnected()
                        end = WaitEnd.DISCONNECTED
                        group.cancel_scope.cancel()

                    group.start_soon(watch)
                    await sleep(seconds)
                    end = WaitEnd.SLEPT
                    group.cancel_scope.cancel()
            finally:
                with self._lock:
                    del self._scopes[scope]
        return end

    @contextmanager
    def stopping(self) -> Iterator[None]:
        """While a server in this thread shuts down: end its waits now and any that start."""
        thread = threading.get_ident()
        with self._lock:
            self._stopping.add(thread)
            scopes = [scope for scope, owner in self._scopes.items() if owner == thread]
        for scope in scopes:
            scope.cancel()
        try:
            yield
        finally:
            with self._lock:
                self._stopping.discard(thread)

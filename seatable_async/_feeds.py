"""The change feeds open on a client, so that closing the client ends them.

A feed waits for its next event inside a cancel scope of its own, entered and left within one
step (never across a `yield`); closing the client cancels that scope, or closes an idle feed's
events at once. Either way the feed's socket and polling are released before `aclose()`
returns, and the feed's next step raises `ClientClosedError`.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator
from typing import Any, Generic, TypeVar

import anyio

from ._exceptions import ClientClosedError

__all__ = ["OpenFeeds"]

T = TypeVar("T")


class _Feed(Generic[T]):
    """One open feed: its events, and the step waiting for the next one, if any."""

    def __init__(self, events: AsyncGenerator[T, None], owner: str, *, ended: bool) -> None:
        self._events = events
        self._owner = owner
        self._step: anyio.CancelScope | None = None
        self._stepped = anyio.Event()
        self._closing: anyio.Event | None = None
        self.ended = ended
        """Whether the client was closed: no step starts any more."""

    def _closed(self) -> ClientClosedError:
        return ClientClosedError(f"{self._owner} is closed: its change feed has ended")

    async def next(self) -> T:
        """The next event (`StopAsyncIteration` once the events end); `ClientClosedError` once
        the client is closed, even while waiting."""
        if self.ended:
            raise self._closed()
        with anyio.CancelScope() as step:
            self._step, self._stepped = step, anyio.Event()
            try:
                return await self._events.__anext__()
            finally:
                self._step = None
                self._stepped.set()
        raise self._closed()  # only the client's `end()` cancels this scope

    async def end(self) -> None:
        """Ends the feed for its client: cancels the step in progress and waits until it has
        let go, then closes the events (at once, when no step was in progress)."""
        self.ended = True
        if self._step is not None:
            self._step.cancel()
            await self._stepped.wait()
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the events once, whoever asks first; later callers wait until it is done."""
        if self._closing is not None:
            await self._closing.wait()
            return
        self._closing = anyio.Event()
        try:
            await self._events.aclose()
        finally:
            self._closing.set()


class OpenFeeds:
    """The feeds open on one session; `aclose()` ends them all."""

    def __init__(self) -> None:
        self._open: set[_Feed[Any]] = set()
        self._adopted: weakref.WeakSet[OpenFeeds] = weakref.WeakSet()
        self.closed = False

    def adopt(self, other: OpenFeeds) -> None:
        """The feeds of a client that borrows this one's pool (a `Base` an `Account` opened):
        closing this client ends them too, since they cannot go on without the pool."""
        self._adopted.add(other)

    async def stream(self, events: AsyncGenerator[T, None], owner: str) -> AsyncGenerator[T, None]:
        """`events` as a feed that its client's `aclose()` ends."""
        feed = _Feed(events, owner, ended=self.closed)
        self._open.add(feed)
        try:
            while True:
                try:
                    item = await feed.next()
                except StopAsyncIteration:
                    return
                yield item
        finally:
            self._open.discard(feed)
            await feed.aclose()

    async def aclose(self) -> None:
        """Ends every open feed (each releases its socket or polling before this returns), and
        every feed opened later at its first step."""
        self.closed = True
        for adopted in list(self._adopted):
            await adopted.aclose()
        for feed in list(self._open):
            await feed.end()

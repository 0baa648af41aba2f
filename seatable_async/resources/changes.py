"""The change feed of a base (`changes()`): typed events from the best source available."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

from ..changes._events import Change
from ..changes._select import DEFAULT_POLL_INTERVAL, SourceChoice
from ..changes._select import changes as _changes
from ..changes._source import Sleep
from .base_info import BaseInfoResource


class ChangesResource(BaseInfoResource):
    """`changes()`: ours only (the official SDK has a sync socket.io listener instead)."""

    def changes(
        self,
        table_name: str | None = None,
        *,
        since: str | datetime | None = None,
        source: SourceChoice = "auto",
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        sleep: Sleep | None = None,
    ) -> AsyncGenerator[Change, None]:
        """Every change to the base (or to one table) from now on, or after `since` (an event's
        `cursor`, or an aware datetime), until the caller stops iterating.

        `source="auto"` takes the realtime channel when `seatable-async[realtime]` is installed,
        the event loop is asyncio (python-socketio runs on nothing else: trio polls) and the
        server offers it, else polls every `poll_interval` seconds (waiting with `sleep`,
        `anyio.sleep` unless given; the realtime source waits with it between reconnections).
        Arguments are checked before any request.

        Iterate it inside `async with contextlib.aclosing(base.changes(...)) as feed:` so that
        leaving the loop (`break`, an error, cancellation) closes the socket at once. A feed
        left with a bare `break` is closed only when the garbage collector finalizes it, on the
        event loop's schedule (asyncio may close the loop first, leaking the connection; trio
        warns). Closing the base ends its feeds: each releases its socket or polling before
        `aclose()` returns and raises `ClientClosedError` at its next step.
        """
        return _changes(self, table_name, since, source, poll_interval, sleep)  # type: ignore[arg-type]

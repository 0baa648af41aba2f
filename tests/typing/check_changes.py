"""Checked by mypy in CI, never run: a change feed closes under `contextlib.aclosing` (which
needs an `aclose`, so a feed typed as a bare `AsyncIterator` would fail here) and yields typed
events."""

from __future__ import annotations

from contextlib import aclosing

from typing_extensions import assert_type

from seatable_async import Base, Change, RowUpdated


async def a_feed_closes_under_aclosing() -> None:
    async with Base("api-token", "https://cloud.seatable.io") as base:
        async with aclosing(base.changes("Table1", poll_interval=1)) as feed:
            async for change in feed:
                assert_type(change, Change)
                if isinstance(change, RowUpdated):
                    assert_type(change.changed, frozenset[str] | None)
                break
        base.changes(since=1.5)  # type: ignore[arg-type]

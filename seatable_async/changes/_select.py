"""`Base.changes()`: checks its arguments, picks the best source available and streams it."""

from __future__ import annotations

import importlib
import math
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import anyio

from .._exceptions import InvalidInputError
from .._validation import require_text
from ._events import Change, ChangeSourceName
from ._source import ChangeSource, Sleep, SourceFactory, Watch, decode_cursor

if TYPE_CHECKING:
    from .._base import Base

__all__ = ["DEFAULT_POLL_INTERVAL", "SOURCE_MODULES", "SourceChoice", "changes"]

DEFAULT_POLL_INTERVAL = 10.0
"""Seconds between polls: one SQL query per watched table and one log page each time."""
SourceChoice = Literal["auto", "realtime", "poll"]
SOURCE_MODULES: Mapping[ChangeSourceName, str] = {
    "realtime": "seatable_async.changes._realtime",
    "poll": "seatable_async.changes._polling",
}
"""Each source's module, best first; its `open_source` is a `SourceFactory`. A module that
cannot be imported (the `realtime` extra is not installed) offers no source."""


def _factory(name: ChangeSourceName) -> SourceFactory | None:
    try:
        module = importlib.import_module(SOURCE_MODULES[name])
    except ImportError:
        return None
    factory: SourceFactory = module.open_source
    return factory


async def _pick(base: Base, choice: SourceChoice) -> ChangeSource:
    """The first source of `SOURCE_MODULES` (or the one asked for) that the base offers."""
    names = [name for name in SOURCE_MODULES if choice in ("auto", name)]
    for name in names:
        factory = _factory(name)
        found = None if factory is None else await factory(base)
        if found is not None:
            return found
    raise InvalidInputError(
        f"the {choice} change source is not available"
        + (" (install seatable-async[realtime])" if choice == "realtime" else "")
    )


def changes(
    base: Base,
    table_name: str | None,
    since: str | datetime | None,
    source: SourceChoice,
    poll_interval: float,
    sleep: Sleep | None,
) -> AsyncGenerator[Change, None]:
    """Checks every argument now, before any request, and returns the stream."""
    if table_name is not None:
        require_text("table_name", table_name)
    cursor = decode_cursor(since)
    if source not in ("auto", *SOURCE_MODULES):
        raise InvalidInputError(f"source must be one of auto, {', '.join(SOURCE_MODULES)}")
    if not (isinstance(poll_interval, (int, float)) and 0 <= poll_interval < math.inf):
        raise InvalidInputError("poll_interval must be a finite number of seconds, at least 0")

    async def stream() -> AsyncGenerator[Change, None]:
        table_id = None if table_name is None else (await base._table(table_name))[0]["_id"]
        watch = Watch(table_id, cursor, float(poll_interval), sleep or anyio.sleep)
        chosen = await _pick(base, source)
        async with aclosing(chosen.events(watch)) as events:
            async for change in events:
                yield change

    return base._session.feeds.stream(stream(), type(base).__name__)

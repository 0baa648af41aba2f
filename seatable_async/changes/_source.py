"""How a change source plugs into `Base.changes()`, and the cursors every source writes.

A cursor is `<source>:<base64url JSON>`; its JSON always has `"t"`, the millisecond epoch time
up to which the source has reported, so a cursor of one source can start another (at least
once: some events around `t` may be reported again, never lost).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol, get_args

from .._exceptions import InvalidInputError
from ._events import Change, ChangeSourceName

if TYPE_CHECKING:
    from .._base import Base

__all__ = [
    "ChangeSource",
    "Cursor",
    "Sleep",
    "SourceFactory",
    "Watch",
    "decode_cursor",
    "encode_cursor",
]

Sleep = Callable[[float], Awaitable[None]]
"""Waits that many seconds (`anyio.sleep`, or a fake in tests)."""


@dataclass(frozen=True)
class Cursor:
    """A decoded cursor: the source that wrote it, its time mark and the source's own state."""

    source: ChangeSourceName
    time_ms: int
    """Everything before this (ms epoch, server time) has been reported."""
    state: Mapping[str, Any]


@dataclass(frozen=True)
class Watch:
    """What `Base.changes()` asks a source for."""

    table_id: str | None
    """Only this table's changes; None: every table's."""
    since: Cursor | None
    """Resume after this cursor; None: changes from now on."""
    poll_interval: float
    sleep: Sleep


class ChangeSource(Protocol):
    """One way of hearing about a base's changes."""

    name: ChangeSourceName

    def events(self, watch: Watch) -> AsyncGenerator[Change, None]:
        """Every change `watch` asks for, in the order the server made them, each once, until
        the caller stops iterating; errors the source cannot recover from propagate."""
        ...


SourceFactory = Callable[["Base"], Awaitable[ChangeSource | None]]
"""Opens a source for a base, or None when this source is not available there (its extra is
not installed, or the server does not offer it)."""


def encode_cursor(source: ChangeSourceName, time_ms: int, state: Mapping[str, Any]) -> str:
    """The opaque text of a cursor."""
    text = json.dumps({"t": time_ms, **state}, separators=(",", ":"), sort_keys=True)
    return f"{source}:{base64.urlsafe_b64encode(text.encode()).decode().rstrip('=')}"


def decode_cursor(value: object) -> Cursor | None:
    """`since=` as a cursor: None stays None, a datetime starts there, text is decoded; anything
    else (or text no source wrote) is an `InvalidInputError`."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInputError("since must be an aware datetime (with a time zone)")
        return Cursor("poll", int(value.astimezone(timezone.utc).timestamp() * 1000), {})
    if not isinstance(value, str):
        raise InvalidInputError("since must be a cursor from a change event, or a datetime")
    source, _, body = value.partition(":")
    try:
        state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError):
        state = None
    if (
        source not in get_args(ChangeSourceName)
        or not isinstance(state, dict)
        or not isinstance(state.get("t"), int)
    ):
        raise InvalidInputError("since is not a cursor from a change event")
    time_ms = state.pop("t")
    return Cursor(source, time_ms, state)  # type: ignore[arg-type]

"""Bridging a socket's gaps: what happened while the realtime source was not listening.

SeaTable's socket replays nothing, but its operation log (``getBaseActivityLog``) holds the
same operations under the same op ids, newest first. A ``realtime:`` cursor names the last op
id reported (and how many of its events), so the log replays exactly what came after it. From
any other start (a ``poll:`` cursor, a datetime) or when the log does not reach back that far,
the polling source catches up instead, and the socket messages it may already have covered are
told apart by op id (:class:`Covered`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._exceptions import NotFoundError
from ._convert import ROW_OPERATIONS, changes_of_operation, is_schema_operation, table_of
from ._events import Change, RowDeleted
from ._source import Cursor, encode_cursor

if TYPE_CHECKING:
    from .._base import Base

__all__ = ["Covered", "Entry", "Position", "changes_at", "log_since", "newest_op"]

_ROW_WRITES = frozenset(op for op, (kind, _) in ROW_OPERATIONS.items() if kind is not RowDeleted)
"""Row operations whose effect the polling source reads from rows (``_mtime``), not from the
log: inserts and updates."""


@dataclass(frozen=True)
class Position:
    """How far the realtime source has reported: op ``op_id`` (its first ``done`` events, or
    all of them when ``done`` is None), and the last server time known (ms)."""

    op_id: int
    done: int | None
    time_ms: int

    @classmethod
    def of(cls, cursor: Cursor | None) -> Position | None:
        """The position a ``realtime:`` cursor holds; None for any other start."""
        if cursor is None or cursor.source != "realtime":
            return None
        op_id, done = cursor.state.get("op"), cursor.state.get("i")
        if not isinstance(op_id, int) or not isinstance(done, (int, type(None))):
            return None
        return cls(op_id, done, cursor.time_ms)

    def cursor(self) -> str:
        """This position as a ``realtime:`` cursor."""
        state: dict[str, int] = {"op": self.op_id}
        if self.done is not None:
            state["i"] = self.done
        return encode_cursor("realtime", self.time_ms, state)

    def as_start(self) -> Cursor:
        """This position as the cursor a polling catch-up starts from."""
        return Cursor("realtime", self.time_ms, {"op": self.op_id})


@dataclass(frozen=True)
class Covered:
    """Socket messages a catch-up already reported: every op up to ``all_up_to``, and
    deletions and schema operations up to ``log_up_to`` (the polling source reads those from
    the log; inserts and updates it reads from rows, at an earlier moment)."""

    all_up_to: int
    log_up_to: int

    def covers(self, op_id: int | None, op_type: str) -> bool:
        if op_id is None:
            return False
        return op_id <= (self.all_up_to if op_type in _ROW_WRITES else self.log_up_to)


@dataclass(frozen=True)
class Entry:
    """One logged operation."""

    op_id: int
    operation: Mapping[str, Any]
    op_time: int | None
    author: str | None


def _entry(raw: Mapping[str, Any]) -> Entry | None:
    op_id, text = raw.get("op_id"), raw.get("operation")
    try:
        operation = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None
    if not isinstance(op_id, int) or not isinstance(operation, dict):
        return None
    op_time, author = raw.get("op_time"), raw.get("author")
    return Entry(
        op_id,
        operation,
        op_time if isinstance(op_time, int) else None,
        author if isinstance(author, str) else None,
    )


async def newest_op(base: Base) -> Entry | None:
    """The log's newest entry; None when it is empty or the server serves no log."""
    try:
        page = await base.get_base_activity_log(1)
    except NotFoundError:
        return None
    entries = [e for e in map(_entry, page) if e is not None]
    return max(entries, key=lambda e: e.op_id, default=None)


async def log_since(base: Base, op_id: int) -> list[Entry] | None:
    """Every logged entry from ``op_id`` on, oldest first; None when the log does not reach
    back to it (or is not served), so it cannot bridge. Entries a write moves to a later page
    while this pages are seen twice and kept once; a page with nothing new ends the paging
    (a server that ignores ``page``)."""
    found: dict[int, Entry] = {}
    page = 1
    while True:
        try:
            raw = await base.get_base_activity_log(page)
        except NotFoundError:
            return None
        entries = [e for e in map(_entry, raw) if e is not None]
        if any(e.op_id <= op_id for e in entries):
            reached = True
        elif entries and all(e.op_id in found for e in entries):
            reached = False
        elif raw:
            found.update((e.op_id, e) for e in entries)
            page += 1
            continue
        else:
            reached = op_id == 0  # the whole log is newer: it bridges only from its start
        found.update((e.op_id, e) for e in entries if e.op_id >= op_id)
        return sorted(found.values(), key=lambda e: e.op_id) if reached else None


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, timezone.utc)


async def changes_at(
    base: Base,
    operation: Mapping[str, Any],
    position: Position,
    *,
    op_time: int | None = None,
    author: str | None = None,
) -> AsyncGenerator[tuple[Change, Position], None]:
    """The events of the operation at ``position`` that it has not reported yet, each with the
    position after it (at ``op_time`` when the server told it); the cached metadata is dropped
    after a schema change."""
    if op_time is not None:
        position = replace(position, time_ms=op_time)
    metadata = await _metadata(base, operation.get("table_id"))
    events = changes_of_operation(
        operation, metadata, cursor="", source="realtime", op_time=_time(op_time), op_user=author
    )
    skip = len(events) if position.done is None else position.done
    for index, change in enumerate(events[skip:], start=skip + 1):
        after = replace(position, done=None if index == len(events) else index)
        yield replace(change, cursor=after.cursor()), after
    if is_schema_operation(str(operation.get("op_type"))):
        base._schema.invalidate()


async def _metadata(base: Base, table_id: object) -> dict[str, Any]:
    """The base's metadata, read again when the cached copy lacks the table."""
    cached = base._schema.metadata
    if cached is not None and (table_id is None or table_of(cached, table_id) is not None):
        return cached
    return await base.get_metadata()

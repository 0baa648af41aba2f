"""Typed change events: what every change source (realtime, polling, webhooks) yields.

Rows are keyed by column *name*, as the rest of the client returns them; `raw` keeps what the
source sent, unchanged. A `cursor` is opaque text that `Base.changes(since=...)` accepts to
resume right after the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "Change",
    "ChangeSourceName",
    "RowDeleted",
    "RowInserted",
    "RowUpdated",
    "SchemaChanged",
]

ChangeSourceName = Literal["realtime", "poll", "webhook"]
"""Where an event came from."""


@dataclass(frozen=True, kw_only=True)
class Change:
    """Something changed in a base: the part every event has."""

    table_id: str
    """The table's `_id`: stable across renames."""
    table_name: str | None
    """The table's name when the event was made; None when the source did not say and the
    metadata did not know it."""
    row_id: str | None
    """The changed row's `_id`; None for a change not about one row."""
    cursor: str = field(compare=False)
    """Opaque: `since=` takes it to resume after this event (left out of comparisons)."""
    op_time: datetime | None
    """When the server made the change (aware, UTC); None when the source does not say."""
    source: ChangeSourceName
    op_user: str | None = None
    """Who made it (the user's `...@auth.local` id), where the source says."""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    """The source's own record of the change (socket.io message, row, webhook body, log entry)."""


@dataclass(frozen=True, kw_only=True)
class RowInserted(Change):
    """A row was added; `row` holds its values by column name, as the source tells them."""

    row_id: str
    row: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, kw_only=True)
class RowUpdated(Change):
    """A row was changed.

    `row` holds the new values: the whole row (polling) or the changed cells (realtime,
    webhooks). `old_values` holds the changed cells' previous values where the source gives
    them (realtime, webhooks), else None (polling cannot know them).
    """

    row_id: str
    row: Mapping[str, Any] = field(default_factory=dict, hash=False)
    old_values: Mapping[str, Any] | None = field(default=None, hash=False)

    @property
    def changed(self) -> frozenset[str] | None:
        """The names of the columns that changed, where the source tells them."""
        return None if self.old_values is None else frozenset(self.old_values)


@dataclass(frozen=True, kw_only=True)
class RowDeleted(Change):
    """A row was removed; `row` holds its last values where the source gives them, else is
    empty."""

    row_id: str
    row: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, kw_only=True)
class SchemaChanged(Change):
    """Tables, columns or views changed: `op_type` as SeaTable names it (`insert_column`,
    `rename_table`, `delete_view`, ...), `detail` the operation's own fields."""

    op_type: str
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False)

"""The change feed: typed events (`RowInserted`, `RowUpdated`, `RowDeleted`, `SchemaChanged`)
that `Base.changes()` streams and `seatable_async.webhooks` parses."""

from ._events import Change, ChangeSourceName, RowDeleted, RowInserted, RowUpdated, SchemaChanged
from ._source import ChangeSource, Cursor, Watch

__all__ = [
    "Change",
    "ChangeSource",
    "ChangeSourceName",
    "Cursor",
    "RowDeleted",
    "RowInserted",
    "RowUpdated",
    "SchemaChanged",
    "Watch",
]

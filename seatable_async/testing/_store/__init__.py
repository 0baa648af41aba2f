"""SQLite-backed state of the emulator: bases, their schema (metadata) and their rows.

Every SeaTable table is one SQLite table ``r<base number>_<table id>`` whose user columns are
``c_<column key>``; schema metadata is kept as the JSON SeaTable returns from ``metadata/``.
All identifiers written into SQL are generated here (ids/keys are alphanumeric) and quoted;
user values always travel as bound parameters.

One module per aggregate (``schema``, ``rows``, ``links``, ``comments``, ``notifications``,
``snapshots``, ``assets``, ``bases``, ``operations``, ``webhooks``);
:class:`Store` combines them over the shared plumbing of ``_core``.
"""

from __future__ import annotations

from ._core import Base, Json
from .assets import AssetStore
from .bases import BaseStore
from .comments import CommentStore
from .links import LINK_CELL_MAX
from .notifications import NotificationStore
from .rows import SYSTEM_COLUMN_TYPES, SYSTEM_RENDER
from .snapshots import SNAPSHOT_INTERVAL, SnapshotStore
from .webhooks import WebhookStore

__all__ = [
    "LINK_CELL_MAX",
    "SNAPSHOT_INTERVAL",
    "SYSTEM_COLUMN_TYPES",
    "SYSTEM_RENDER",
    "Base",
    "Json",
    "Store",
]


class Store(BaseStore, CommentStore, NotificationStore, SnapshotStore, AssetStore, WebhookStore):
    """Thread-safe owner of the SQLite connection and of every base's state."""

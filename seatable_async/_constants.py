"""Defaults and limits that more than one module relies on."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ._exceptions import InvalidInputError
from ._version import __version__

DEFAULT_TIMEOUT = 30.0
"""Seconds one attempt may take in total: connect, send, wait and read the whole body."""
DEFAULT_CONNECT_TIMEOUT = 5.0
"""Seconds to establish a connection."""
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
USER_AGENT = f"seatable-async/{__version__}"

BASE_TOKEN_LIFETIME = 3 * 24 * 3600.0
"""SeaTable's documented base-token lifetime, assumed when the token carries no `exp`."""
TOKEN_REFRESH_MARGIN = 300.0
"""Refresh a token this many seconds (at most a tenth of its lifetime) before it expires."""

MAX_LIST_ROWS = 1000
"""Rows per `GET rows/` page, the server's own maximum."""


@dataclass(frozen=True)
class BatchLimits:
    """Items one call may carry; a batch method splits longer input into calls of this size.

    The defaults are SeaTable's documented per-call maxima (reference section 14.1); lower
    them for smaller requests, never raise them above what the server accepts.
    """

    append_rows: int = 1000
    """Rows per `appendRows` call."""
    update_rows: int = 1000
    """Updates per `updateRow` call."""
    delete_rows: int = 10_000
    """Row ids per `deleteRow` call."""
    links: int = 1000
    """Rows of an `other_rows_ids_map` per links call (each row with all its linked ids)."""
    big_data_rows: int = 1000
    """Rows per `addBigDataRows` call: undocumented, so the normal append limit is assumed."""

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInputError(f"BatchLimits.{name} must be a positive int, got {value!r}")


DEFAULT_BATCH_LIMITS = BatchLimits()
"""What batch methods split by unless the client is given other limits."""


MAX_LINKED_RECORDS = 100
"""Linked records per row one `query-links/` call returns at most (10 unless asked for more)."""

MAX_REQUEST_TARGET = 8000
"""Bytes of path and query a request may need: nginx, in front of SeaTable, refuses request
lines longer than its 8 KiB header buffer (`large_client_header_buffers`) by default."""

"""Defaults and limits that more than one module relies on."""

from __future__ import annotations

import httpx

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

MAX_REQUEST_TARGET = 8000
"""Bytes of path and query a request may need: nginx, in front of SeaTable, refuses request
lines longer than its 8 KiB header buffer (`large_client_header_buffers`) by default."""

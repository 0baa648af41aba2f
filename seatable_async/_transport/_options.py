"""Per-call options that travel with each request in `request.extensions`, never in headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import httpx

from .._constants import DEFAULT_TIMEOUT
from .._retry import RetryPolicy

EXTENSION_KEY = "seatable_async"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods that are safe to repeat; a call may override this (a SELECT sent by POST is safe)."""

TokenKind = Literal["base", "api", "account"]
_SECRET_PATH = re.compile(r"(/seafhttp/[^/]+/)[^/]+")


@dataclass(frozen=True)
class CallOptions:
    """What the transport layers need to know about one logical call."""

    retry: RetryPolicy
    timeout: float
    idempotent: bool
    token: TokenKind | None
    deadline: float | None = None
    """When the logical call's budget runs out, on the policy's clock; None: `max_elapsed`
    from the first attempt."""
    stream: bool = False
    """A success's body is handed back unread and open (a download); the caller closes it.
    An error's body is still read and classified."""


def call_options(request: httpx.Request) -> CallOptions:
    """The options attached to a request; requests built outside the client get the defaults."""
    options = request.extensions.get(EXTENSION_KEY)
    if isinstance(options, CallOptions):
        return options
    return CallOptions(
        retry=RetryPolicy(),
        timeout=DEFAULT_TIMEOUT,
        idempotent=request.method in IDEMPOTENT_METHODS,
        token=None,
    )


def describe(request: httpx.Request) -> str:
    """`METHOD /path` for logs and messages, with secrets that live in file-server paths hidden."""
    path = _SECRET_PATH.sub(r"\1***", request.url.path)
    return f"{request.method} {path}"

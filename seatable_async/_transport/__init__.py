"""The transport stack every request goes through, composed in one place.

Outermost first: retry scheduler → token layer → status classifier → metering → the HTTP
pool. The retry layer wraps everything so each attempt gets a fresh token; a client-side rate
limiter slots in between the token layer and the classifier. Metering sits next to the pool so
that every request sent is counted once. The client wraps every pool it makes or is given in a
`CancelSafePool`, so that cancelled calls cannot wedge it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

import httpx

from .._secrets import Secrets
from .._usage import UsageCounter
from ._auth import RenewingToken, StaticToken, TokenSource, TokenTransport, jwt_expiry
from ._borrowed import BorrowedTransport, UserClientTransport
from ._classifier import StatusClassifierTransport
from ._metering import MeteringTransport
from ._options import (
    EXTENSION_KEY,
    IDEMPOTENT_METHODS,
    CallOptions,
    TokenKind,
    call_options,
    describe,
)
from ._pool import CancelSafePool
from ._retry import RetryTransport

__all__ = [
    "EXTENSION_KEY",
    "IDEMPOTENT_METHODS",
    "BorrowedTransport",
    "CallOptions",
    "CancelSafePool",
    "RenewingToken",
    "StaticToken",
    "TokenKind",
    "TokenSource",
    "UserClientTransport",
    "build_transport",
    "call_options",
    "describe",
    "jwt_expiry",
]

Layer = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


def build_transport(
    pool: httpx.AsyncBaseTransport,
    tokens: Mapping[TokenKind, TokenSource],
    secrets: Secrets,
    usage: UsageCounter,
) -> httpx.AsyncBaseTransport:
    """Wraps the pool in the layers below, listed outermost first."""
    layers: list[Layer] = [
        partial(RetryTransport, usage=usage),
        partial(TokenTransport, sources=tokens, secrets=secrets),
        partial(StatusClassifierTransport, secrets=secrets),
        partial(MeteringTransport, usage=usage),
    ]
    transport = pool
    for layer in reversed(layers):
        transport = layer(transport)
    return transport

"""The transport stack every request goes through, composed in one place.

Outermost first: retry scheduler → token layer → rate limiter → status classifier → metering
→ the HTTP pool. The retry layer wraps everything so each attempt gets a fresh token and waits
for its own turn at the limiter, and a backoff sleep holds no limiter slot. The limiter sits
above the classifier, so it reads the rate headers of failed answers too. Metering sits next
to the pool so that every request sent is counted once. The client wraps every pool it makes
or is given in a `CancelSafePool`, so that cancelled calls cannot wedge it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

import httpx

from .._ratelimit import RateLimit
from .._secrets import Secrets
from .._usage import UsageCounter
from ._auth import RenewingToken, StaticToken, TokenSource, TokenTransport, jwt_expiry
from ._borrowed import BorrowedTransport, UserClientTransport
from ._classifier import StatusClassifierTransport
from ._limiter import LimiterTransport
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
from ._retry import RetryBudget, RetryTransport

__all__ = [
    "EXTENSION_KEY",
    "IDEMPOTENT_METHODS",
    "BorrowedTransport",
    "CallOptions",
    "CancelSafePool",
    "RenewingToken",
    "RetryBudget",
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
    *,
    rate_limit: RateLimit | None,
    retry_budget: RetryBudget,
) -> httpx.AsyncBaseTransport:
    """Wraps the pool in the layers below, listed outermost first; no limiter without a
    rate limit."""
    limiter: list[Layer] = [] if rate_limit is None else [
        partial(LimiterTransport, config=rate_limit)
    ]  # fmt: skip
    layers: list[Layer] = [
        partial(RetryTransport, usage=usage, budget=retry_budget),
        partial(TokenTransport, sources=tokens, secrets=secrets),
        *limiter,
        partial(StatusClassifierTransport, secrets=secrets),
        partial(MeteringTransport, usage=usage),
    ]
    transport = pool
    for layer in reversed(layers):
        transport = layer(transport)
    return transport

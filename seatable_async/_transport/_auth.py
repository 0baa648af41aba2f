"""Token layer: puts the right token on each attempt and refreshes it once when it is rejected."""

from __future__ import annotations

import base64
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import anyio
import httpx

from .._constants import TOKEN_REFRESH_MARGIN
from .._exceptions import APIStatusError, AuthenticationError, PermissionDeniedError
from .._json import parse_json
from .._secrets import Secrets
from ._options import TokenKind, call_options

TOKEN_REJECTED_MESSAGES = frozenset({"invalid token", "token expired."})
"""403 messages (lower case) with which SeaTable rejects a stale or bad token."""


class TokenSource(Protocol):
    """Where a layer gets a token, and how it gets a new one after a rejection."""

    async def token(self) -> str: ...

    async def refresh(self, rejected: str) -> str: ...


class StaticToken:
    """A token that never changes (an API token, or an account token given by the user)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def token(self) -> str:
        return self._token

    async def refresh(self, rejected: str) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticToken(***)"


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT in unix seconds, read without verifying; None if it has none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = parse_json(base64.urlsafe_b64decode(payload))
    except ValueError:
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, (int, float)) and abs(exp) <= sys.float_info.max:
        return float(exp)
    return None


def renewal_time(expiry: float | None, now: float) -> float:
    """When a token that expires at `expiry` is renewed: a tenth of its lifetime left (at most
    `TOKEN_REFRESH_MARGIN`) before; never for a token without an expiry."""
    if expiry is None:
        return float("inf")
    return expiry - min(TOKEN_REFRESH_MARGIN, 0.1 * max(0.0, expiry - now))


class RenewingToken:
    """A token fetched on first use, renewed before it expires, and shared by all callers.

    One fetch serves every concurrent caller (single flight): the lock is taken only when the
    cached token is missing, stale, or was just rejected.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[str]],
        *,
        default_lifetime: float | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._default_lifetime = default_lifetime
        self._clock = clock
        self._lock = anyio.Lock()
        self._token: str | None = None
        self._renew_at = float("inf")

    def _fresh(self) -> str | None:
        return self._token if self._clock() < self._renew_at else None

    async def token(self) -> str:
        if (token := self._fresh()) is not None:
            return token
        async with self._lock:
            return self._fresh() or await self._renew()

    async def refresh(self, rejected: str) -> str:
        async with self._lock:
            if self._token is not None and self._token != rejected:
                return self._fresh() or await self._renew()
            return await self._renew()

    async def _renew(self) -> str:
        token = await self._fetch()
        now = self._clock()
        expiry = jwt_expiry(token)
        if expiry is None and self._default_lifetime is not None:
            expiry = now + self._default_lifetime
        self._token = token
        self._renew_at = renewal_time(expiry, now)
        return token

    def __repr__(self) -> str:
        state = "unset" if self._token is None else "***"
        return f"RenewingToken({state})"


def is_token_rejection(error: APIStatusError) -> bool:
    """401 always; 403 only when the body says the token itself is invalid or expired."""
    if isinstance(error, AuthenticationError):
        return True
    return (
        isinstance(error, PermissionDeniedError)
        and error.message.strip().lower() in TOKEN_REJECTED_MESSAGES
    )


class TokenTransport(httpx.AsyncBaseTransport):
    """Sets `Authorization: Bearer` from the source the call names; one refresh on rejection."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        sources: Mapping[TokenKind, TokenSource],
        secrets: Secrets,
    ) -> None:
        self._inner = inner
        self._sources = sources
        self._secrets = secrets

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        kind = call_options(request).token
        if kind is None:
            return await self._inner.handle_async_request(request)
        source = self._sources[kind]
        token = await source.token()
        try:
            return await self._send(request, token)
        except APIStatusError as error:
            if not is_token_rejection(error):
                raise
            renewed = await source.refresh(token)
            if renewed == token:
                raise
        return await self._send(request, renewed)

    async def _send(self, request: httpx.Request, token: str) -> httpx.Response:
        self._secrets.add(token)
        request.headers["Authorization"] = f"Bearer {token}"
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

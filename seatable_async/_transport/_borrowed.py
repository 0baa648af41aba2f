"""Innermost layers for connection pools that belong to someone else, which we never close."""

from __future__ import annotations

import httpx


class UserClientTransport(httpx.AsyncBaseTransport):
    """Sends through a user-supplied `httpx.AsyncClient`: its pool, limits and proxies."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._client.send(request, stream=True)

    async def aclose(self) -> None:
        """Leaves the user's client open: its owner closes it."""


class BorrowedTransport(httpx.AsyncBaseTransport):
    """Shares another client's pool (a `Base` made by an `Account`); closing is the owner's job."""

    def __init__(self, pool: httpx.AsyncBaseTransport) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        """Leaves the shared pool open: the client that created it closes it."""

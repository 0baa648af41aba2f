"""Innermost layer: counts every request that goes out, whatever its outcome."""

from __future__ import annotations

import httpx

from .._usage import UsageCounter, count_request


class MeteringTransport(httpx.AsyncBaseTransport):
    """Reports each request, with its status (None: no answer), to the client's counter and
    to the meters open in the caller's context."""

    def __init__(self, inner: httpx.AsyncBaseTransport, usage: UsageCounter) -> None:
        self._inner = inner
        self._usage = usage

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            count_request(self._usage, None)
            raise
        count_request(self._usage, response.status_code)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

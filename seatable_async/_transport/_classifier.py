"""The only layer that turns HTTP outcomes into typed exceptions."""

from __future__ import annotations

import contextlib
import ssl

import anyio
import httpx

from .._exceptions import (
    FAILED_SUCCESS,
    APIConnectionError,
    APITimeoutError,
    TLSVerificationError,
    error_for_response,
)
from .._json import parse_json
from .._retry import server_hint
from .._secrets import Secrets
from ._options import call_options, describe

NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
"""Transport errors after which the server certainly never saw the request."""


def _certificate_failure(error: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate error behind a connect failure, however deep each backend wraps it."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _reports_failure(response: httpx.Response) -> bool:
    """True for a 2xx JSON body whose top level says `"success": false`."""
    if FAILED_SUCCESS.search(response.content) is None:
        return False
    body = parse_json(response.content)
    return isinstance(body, dict) and body.get("success") is False


async def _read(response: httpx.Response) -> httpx.Response:
    """The response with its whole body read and decoded; its stream is closed either way.

    The raw bytes are decoded once read, so a body that does not match its `Content-Encoding`
    leaves no half-read stream behind (trio warns about those). A mock's answer comes read.
    """
    try:
        if response.is_stream_consumed:
            return response
        async with contextlib.aclosing(response.aiter_raw()) as chunks:  # type: ignore[type-var]
            raw = b"".join([chunk async for chunk in chunks])
    finally:
        await response.aclose()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=raw,
        extensions=response.extensions,
    )


class StatusClassifierTransport(httpx.AsyncBaseTransport):
    """Reads every response within the per-attempt deadline and raises typed errors.

    A streamed call's success comes back once its headers are in, its body unread.

    Failed responses are read and closed before raising, so no pool connection leaks.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, secrets: Secrets) -> None:
        self._inner = inner
        self._secrets = secrets

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options = call_options(request)
        try:
            with anyio.fail_after(options.timeout):
                response = await self._inner.handle_async_request(request)
                if options.stream and response.is_success:
                    response.request = request
                    return response
                response = await _read(response)
        except TimeoutError as error:
            raise APITimeoutError(
                f"{describe(request)} took longer than {options.timeout:g} s",
                request=request,
                sent=True,
            ) from error
        except httpx.RequestError as error:
            # Transport errors, and the two that are not: a body that does not match its
            # Content-Encoding (DecodingError), and a user's client following redirects.
            if (certificate := _certificate_failure(error)) is not None:
                reason = certificate.verify_message or certificate.reason or str(certificate)
                raise TLSVerificationError(
                    f"{describe(request)} failed: the server's TLS certificate did not verify"
                    f" ({reason})",
                    request=request,
                ) from error
            is_timeout = isinstance(error, httpx.TimeoutException)
            error_class = APITimeoutError if is_timeout else APIConnectionError
            raise error_class(
                self._secrets.scrub(f"{describe(request)} failed: {type(error).__name__}: {error}"),
                request=request,
                sent=not isinstance(error, NOT_SENT_ERRORS),
            ) from error
        response.request = request
        if response.is_success and not _reports_failure(response):
            return response
        raise error_for_response(response, retry_after=server_hint(response), secrets=self._secrets)

    async def aclose(self) -> None:
        await self._inner.aclose()

"""Typed errors for every way a SeaTable call can fail, and the one status → class table."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

import httpx

from ._json import parse_json
from ._secrets import Secrets

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "ClientClosedError",
    "GatewayTimeoutError",
    "InternalServerError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "QueryError",
    "RateLimitError",
    "RequestFailedError",
    "RetrySafety",
    "SeaTableError",
    "SeaTableSecurityWarning",
    "SeaTableTruncationWarning",
    "ServerError",
    "ServiceUnavailableError",
    "TLSVerificationError",
    "UnexpectedResponseError",
    "WebhookError",
    "WebhookVerificationError",
    "error_for_response",
    "message_from_body",
]

_MAX_MESSAGE_CHARS = 300
_MESSAGE_KEYS = ("error_message", "error_msg", "detail", "non_field_errors", "message")


class RetrySafety(Enum):
    """When a failure may be retried: always, only for idempotent calls, or never."""

    ALWAYS = "always"
    IF_IDEMPOTENT = "if_idempotent"
    NEVER = "never"


class SeaTableError(Exception):
    """Root of every error this library raises."""

    retry_safety: RetrySafety = RetrySafety.NEVER

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = 1
        self.retries_exhausted = False
        """Set once a retry loop gave up on this error, so an enclosing loop does not retry it."""
        self.partial: dict[str, Any] | None = None
        """What a batch write that failed part-way had stored (its combined answer so far)."""


class SeaTableSecurityWarning(UserWarning):
    """A client is about to send a secret where others may read it (plain HTTP beyond loopback).

    Silence it with the standard filters, e.g.
    `warnings.filterwarnings("ignore", category=SeaTableSecurityWarning)`.
    """


class SeaTableTruncationWarning(UserWarning):
    """A SQL answer holds exactly as many rows as SeaTable returns at most, so some may be
    missing; `query_all()` or `iter_query()` page through all of them."""


class ClientClosedError(SeaTableError):
    """The client was closed: a call made after `aclose()`, or a change feed of the client
    (`base.changes()`), which ends at its next step once the client is closed."""


class InvalidInputError(SeaTableError, ValueError):
    """An argument was rejected before any request was sent."""


class WebhookError(SeaTableError, ValueError):
    """A request that claims to be a SeaTable webhook is not one: its body is not a webhook's
    JSON (`parse_webhook`)."""


class WebhookVerificationError(WebhookError):
    """A webhook's `X-SeaTable-Signature` is missing or does not match its body and secret:
    the request must be refused (401) and its body not trusted."""


class APIConnectionError(SeaTableError):
    """The request failed below HTTP: DNS, connect, reset, protocol or timeout.

    `sent` is False when the request certainly never reached the server (connect errors and
    pool timeouts), which makes a retry safe even for writes. `request` is None only when a
    call's deadline passed before it had built any request.
    """

    def __init__(self, message: str, *, request: httpx.Request | None, sent: bool) -> None:
        super().__init__(message)
        self.request = request
        self.sent = sent
        self.retry_safety = RetrySafety.IF_IDEMPOTENT if sent else RetrySafety.ALWAYS


class TLSVerificationError(APIConnectionError):
    """The server's TLS certificate failed verification; never retried, since it will not heal.

    The message names OpenSSL's reason (an unknown issuer, an expired certificate, a host name
    that does not match) on every async backend.
    """

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        super().__init__(message, request=request, sent=False)
        self.retry_safety = RetrySafety.NEVER


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write, pool, the per-attempt total, or the
    call's `max_elapsed` deadline)."""


class APIStatusError(SeaTableError):
    """The server answered with a non-success status (or a 200 whose body says it failed)."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        error_type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.request = response.request
        self.status_code = response.status_code
        self.error_type = error_type
        self.retry_after = retry_after

    def __str__(self) -> str:
        status = " ".join(filter(None, [str(self.status_code), self.response.reason_phrase]))
        return f"{status}: {self.message}"


class BadRequestError(APIStatusError):
    """400: the request was unacceptable, often a missing or invalid parameter."""


class AuthenticationError(APIStatusError):
    """401: no valid token, or a malformed authorization header."""


class RequestFailedError(APIStatusError):
    """402: the parameters were valid but the request failed."""


class PermissionDeniedError(APIStatusError):
    """403: the token lacks permission (SeaTable also answers an invalid base token this way)."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` holds the server's hint in seconds when known."""

    retry_safety = RetrySafety.ALWAYS


class ServerError(APIStatusError):
    """5xx: something went wrong on SeaTable's end.

    Raised as is for the rarer codes (501, 505, ...), which say nothing transient: not retried.
    """


class _TransientServerError(ServerError):
    """The 5xx codes that a later attempt may not see again; retried for idempotent calls."""

    retry_safety = RetrySafety.IF_IDEMPOTENT


class InternalServerError(_TransientServerError):
    """500."""


class BadGatewayError(_TransientServerError):
    """502."""


class ServiceUnavailableError(_TransientServerError):
    """503."""


class GatewayTimeoutError(_TransientServerError):
    """504."""


class QueryError(APIStatusError):
    """A 2xx answer whose body says `"success": false` (SQL reports its errors this way)."""


class UnexpectedResponseError(APIStatusError):
    """A 2xx answer this client cannot use: not JSON, or without a field the API documents."""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: RequestFailedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    500: InternalServerError,
    502: BadGatewayError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}
"""The one status → class table; other 5xx are ServerError, other codes APIStatusError."""


def _error_class(status_code: int) -> type[APIStatusError]:
    if status_code in STATUS_ERRORS:
        return STATUS_ERRORS[status_code]
    return ServerError if 500 <= status_code < 600 else APIStatusError


def _first_text(value: Any) -> str | None:
    """The first non-empty string in a value that may be a string or a list of them."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        return next((text for item in value if (text := _first_text(item))), None)
    return None


def message_from_body(content: bytes, content_type: str = "") -> tuple[str | None, str | None]:
    """The (message, error_type) in any SeaTable error body shape; None where it has none."""
    body = parse_json(content) if content else None
    if isinstance(body, dict):
        error_type = body.get("error_type") if isinstance(body.get("error_type"), str) else None
        message = next((t for key in _MESSAGE_KEYS if (t := _first_text(body.get(key)))), None)
        return message or error_type, error_type
    if isinstance(body, (str, list)):
        return _first_text(body), None
    if "html" in content_type.lower() or content.lstrip()[:1] == b"<":
        return None, None
    text = content.decode("utf-8", "replace").strip()
    return (text[:_MAX_MESSAGE_CHARS] or None), None


def error_for_response(
    response: httpx.Response, *, retry_after: float | None = None, secrets: Secrets | None = None
) -> APIStatusError:
    """The typed error for a response that has been read; its message is never empty.

    With `secrets`, any of them the server echoed is masked in the message and `error_type`
    (in the raw body before it is cut to length, and again once JSON escapes are decoded).
    """
    secrets = secrets or Secrets()
    message, error_type = message_from_body(
        secrets.scrub_bytes(response.content), response.headers.get("content-type", "")
    )
    message = None if message is None else secrets.scrub(message)
    error_type = None if error_type is None else secrets.scrub(error_type)
    if not message:
        reason = response.reason_phrase or "HTTP error"
        message = f"{reason} (no error message in the response body)"
    error_class = _error_class(response.status_code)
    if response.is_success:
        error_class = QueryError
    return error_class(message, response=response, error_type=error_type, retry_after=retry_after)


FAILED_SUCCESS = re.compile(rb'"success"\s*:\s*false')
"""Bytes that make a 2xx body worth parsing for a `"success": false` failure."""

"""This library's typed errors as HTTP answers: one table of error class → status, looked up
along the error's MRO so the most specific entry wins, and a JSON body without secrets."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from types import MappingProxyType

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    GatewayTimeoutError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SeaTableError,
    ServerError,
)

__all__ = ["DEFAULT_RETRY_AFTER", "ERROR_STATUSES", "add_exception_handlers", "status_for"]

logger = logging.getLogger("seatable_async.integrations.fastapi")

ERROR_STATUSES: Mapping[type[SeaTableError], int] = MappingProxyType(
    {
        InvalidInputError: 422,  # the handler passed on input this library refused
        NotFoundError: 404,
        RateLimitError: 503,  # SeaTable's limit, not the caller's: come back later
        AuthenticationError: 502,  # the app's credentials are wrong, not the caller's
        PermissionDeniedError: 502,
        GatewayTimeoutError: 504,
        APITimeoutError: 504,
        ServerError: 502,
        APIConnectionError: 502,
        APIStatusError: 502,  # any other refusal or unusable answer of the upstream
        SeaTableError: 500,
    }
)
"""The status each error class answers with; the first class along an error's MRO decides."""
DEFAULT_RETRY_AFTER = 60
"""Seconds a 503 asks the caller to wait when SeaTable sent no hint (its limits are per minute)."""
RETRY_STATUSES = frozenset({429, 503})
"""Answers that carry a `Retry-After` header."""


def status_for(
    error: SeaTableError, statuses: Mapping[type[SeaTableError], int] = ERROR_STATUSES
) -> int:
    """The status of the most specific class of `error` that `statuses` names."""
    for cls in type(error).__mro__:
        if cls in statuses:
            return statuses[cls]
    return ERROR_STATUSES[SeaTableError]


def error_response(error: SeaTableError, status: int) -> JSONResponse:
    """The JSON answer: the (already masked) message and the error's class; no request detail."""
    body: dict[str, object] = {"detail": error.message, "error": type(error).__name__}
    headers: dict[str, str] = {}
    if isinstance(error, APIStatusError):
        body["upstream_status"] = error.status_code
    if status in RETRY_STATUSES:
        hint = getattr(error, "retry_after", None)
        headers["Retry-After"] = str(DEFAULT_RETRY_AFTER if hint is None else math.ceil(hint))
    return JSONResponse(body, status_code=status, headers=headers)


def _check_statuses(statuses: Mapping[type[SeaTableError], int]) -> None:
    for cls, status in statuses.items():
        if not (isinstance(cls, type) and issubclass(cls, SeaTableError)):
            raise InvalidInputError(f"statuses keys must be SeaTableError classes, got {cls!r}")
        if not (isinstance(status, int) and 400 <= status <= 599):
            raise InvalidInputError(
                f"the status for {cls.__name__} must be 400-599, got {status!r}"
            )


def add_exception_handlers(
    app: Starlette, *, statuses: Mapping[type[SeaTableError], int] | None = None
) -> None:
    """Answers every `SeaTableError` a handler lets through with the status `ERROR_STATUSES`
    gives (entries in `statuses` add to it or replace), logging the server-side ones."""
    table = {**ERROR_STATUSES, **(statuses or {})}
    _check_statuses(table)

    async def handle(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, SeaTableError):
            raise exc
        status = status_for(exc, table)
        if status >= 500:
            logger.warning(
                "%s %s answered %d: %s: %s",
                request.method, request.url.path, status, type(exc).__name__, exc.message,
            )  # fmt: skip
        return error_response(exc, status)

    app.add_exception_handler(SeaTableError, handle)

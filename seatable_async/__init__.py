"""Async client for the SeaTable REST API: typed errors, jittered backoff, shared pools."""

from ._client import Account, Base
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    GatewayTimeoutError,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    RateLimitError,
    RequestFailedError,
    SeaTableError,
    ServerError,
    ServiceUnavailableError,
    UnexpectedResponseError,
)
from ._retry import RetryEvent, RetryPolicy
from ._version import __version__

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "Base",
    "GatewayTimeoutError",
    "InternalServerError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "QueryError",
    "RateLimitError",
    "RequestFailedError",
    "RetryEvent",
    "RetryPolicy",
    "SeaTableError",
    "ServerError",
    "ServiceUnavailableError",
    "UnexpectedResponseError",
    "__version__",
]

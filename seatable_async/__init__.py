"""Async client for the SeaTable REST API: typed errors, jittered backoff, shared pools."""

from ._account import Account
from ._base import Base
from ._bulk import BulkError, BulkJob, BulkResult, ChunkFailure
from ._constants import DEFAULT_BATCH_LIMITS, BatchLimits
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    ClientClosedError,
    GatewayTimeoutError,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    RateLimitError,
    RequestFailedError,
    SeaTableError,
    SeaTableSecurityWarning,
    SeaTableTruncationWarning,
    ServerError,
    ServiceUnavailableError,
    TLSVerificationError,
    UnexpectedResponseError,
    WebhookError,
    WebhookVerificationError,
)
from ._ratelimit import RateLimit
from ._retry import RetryEvent, RetryPolicy
from ._usage import Usage
from ._version import __version__
from .changes import Change, RowDeleted, RowInserted, RowUpdated, SchemaChanged
from .models import Column, Metadata, Table, View
from .types import ColumnType

__all__ = [
    "DEFAULT_BATCH_LIMITS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "Base",
    "BatchLimits",
    "BulkError",
    "BulkJob",
    "BulkResult",
    "Change",
    "ChunkFailure",
    "ClientClosedError",
    "Column",
    "ColumnType",
    "GatewayTimeoutError",
    "InternalServerError",
    "InvalidInputError",
    "Metadata",
    "NotFoundError",
    "PermissionDeniedError",
    "QueryError",
    "RateLimit",
    "RateLimitError",
    "RequestFailedError",
    "RetryEvent",
    "RetryPolicy",
    "RowDeleted",
    "RowInserted",
    "RowUpdated",
    "SchemaChanged",
    "SeaTableError",
    "SeaTableSecurityWarning",
    "SeaTableTruncationWarning",
    "ServerError",
    "ServiceUnavailableError",
    "TLSVerificationError",
    "Table",
    "UnexpectedResponseError",
    "Usage",
    "View",
    "WebhookError",
    "WebhookVerificationError",
    "__version__",
]

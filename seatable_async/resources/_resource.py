"""What every API group needs from the client it is mixed into."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import httpx

from .._call import LogicalCall
from .._constants import DEFAULT_BATCH_LIMITS, BatchLimits
from .._operations import AnswerT, Operation
from .._transport import TokenKind
from .._validation import AnswerCheck
from ..types import Row

if TYPE_CHECKING:
    from .base_info import SchemaCache

__all__ = ["GatewayResource", "Resource", "Row"]


class Resource(abc.ABC):
    """A group of operations, declared as `Operation`s and sent by the client it is mixed into."""

    @abc.abstractmethod
    async def _call(
        self,
        operation: Operation[AnswerT],
        *,
        segments: Mapping[str, object] | None = None,
        idempotent: bool | None = None,
        expect: Mapping[str, AnswerCheck] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> AnswerT:
        """Sends one declared operation and returns its checked answer."""

    @abc.abstractmethod
    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: TokenKind | None,
        idempotent: bool | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """One request through the client's stack, for answers no `Operation` can decode."""

    @abc.abstractmethod
    def _call_scope(self, name: str = "call") -> AbstractAsyncContextManager[LogicalCall]:
        """One deadline and one set of options for a method that sends several requests."""


class GatewayResource(Resource):
    """A group of base operations, sent with the base token."""

    _batch_limits: BatchLimits = DEFAULT_BATCH_LIMITS
    """How many items one call of a batch method carries; `Base(batch_limits=...)` sets it."""

    @property
    @abc.abstractmethod
    def _schema(self) -> SchemaCache:
        """The cached metadata the client and its views share."""

"""What every API group needs from the client it is mixed into."""

from __future__ import annotations

import abc
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from .._call import LogicalCall

if TYPE_CHECKING:
    from .base_info import SchemaCache

Row = dict[str, Any]
"""A row as SeaTable returns it: column names (and `_id`, `_ctime`, ...) to cell values."""


class GatewayResource(abc.ABC):
    """A group of base operations, sent through the API gateway with the base token."""

    _schema: SchemaCache

    @abc.abstractmethod
    async def _gateway(self, method: str, suffix: str, **request: Any) -> dict[str, Any]:
        """Sends one call to `/api-gateway/api/v2/dtables/{base_uuid}/{suffix}`."""

    @abc.abstractmethod
    def _call_scope(self, name: str = "call") -> AbstractAsyncContextManager[LogicalCall]:
        """One deadline and one set of options for a method that sends several requests."""

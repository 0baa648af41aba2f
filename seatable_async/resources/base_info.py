"""Base info: the metadata of tables, columns and views (`GET metadata/`), and the cache of it
that maps the column keys some answers use to the names users write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._exceptions import InvalidInputError
from .._operations import Operation
from .._validation import is_text
from ..models import Metadata
from ..types import MetadataAnswer
from ._resource import GatewayResource

GET_METADATA: Operation[MetadataAnswer] = Operation(
    "get_metadata", "getMetadata", "GET", "/api-gateway/api/v2/dtables/{base_uuid}/metadata/",
    "base", MetadataAnswer,
)  # fmt: skip

SCHEMA_PATHS = frozenset(
    {
        "tables/",
        "columns/",
        "batch-append-columns/",
        "column-options/",
        "column-cascade-settings/",
        "views/",
        "restore-operations/",
    }
)
"""Gateway paths (their first segment) whose writes change what `GET metadata/` answers."""


def changes_schema(method: str, suffix: str) -> bool:
    """Whether a gateway call may change the base's metadata, so the cache must go."""
    return method != "GET" and suffix.split("/", 1)[0] + "/" in SCHEMA_PATHS


class SchemaCache:
    """The metadata as last read, shared by a client and its `with_options` views."""

    def __init__(self) -> None:
        self.metadata: dict[str, Any] | None = None

    def invalidate(self) -> None:
        self.metadata = None


class BaseInfoResource(GatewayResource):
    """Reads the base's schema and keeps the cache that names column keys."""

    async def get_metadata(self) -> dict[str, Any]:
        """Tables with their columns and views; no row data."""
        answer = await self._call(GET_METADATA)
        metadata = answer["metadata"]
        self._schema.metadata = metadata
        return metadata

    async def metadata(self) -> Metadata:
        """The metadata as typed models: `getMetadata` only when the cache is empty."""
        cached = self._schema.metadata
        return Metadata.from_dict(await self.get_metadata() if cached is None else cached)

    async def _column_names(
        self, table_name: str, *, knowing: Iterable[str] = ()
    ) -> tuple[dict[str, str], bool]:
        """Column key → name for a table (by name or id), and whether it was just read.

        The metadata is read again when the cache lacks the table or any of the column names
        in `knowing` (a column added or renamed since), at most once.
        """
        cached = self._schema.metadata
        names = _names_in(cached, table_name) if cached is not None else None
        if names is not None and set(knowing) <= {*names.values()}:
            return names, False
        return _names_in(await self.get_metadata(), table_name) or {}, True

    async def _table(self, table_name: str, *, reread: bool = False) -> tuple[dict[str, Any], bool]:
        """A table's metadata (by name or id) and whether it was just read: from the cache unless
        it lacks the table or `reread`; a table the base lacks is an `InvalidInputError`."""
        cached = None if reread else self._schema.metadata
        table = table_in(cached, table_name) if cached is not None else None
        if table is not None:
            return table, False
        table = table_in(await self.get_metadata(), table_name)
        if table is None:
            raise InvalidInputError(f"this base has no table {table_name!r}")
        return table, True


def _names_in(metadata: dict[str, Any], table_name: str) -> dict[str, str] | None:
    """Column key → name for a table of this metadata; None when it has no such table.

    Parts of an unexpected shape name nothing: this runs around writes, which it must not fail.
    """
    table = table_in(metadata, table_name)
    if table is None:
        return None
    return {
        column["key"]: column["name"]
        for column in objects(table.get("columns"))
        if isinstance(column.get("key"), str) and isinstance(column.get("name"), str)
    }


def table_in(metadata: dict[str, Any], table_name: str) -> dict[str, Any] | None:
    """The table of this metadata named `table_name` (or with that id) and a text `_id`; None
    when none is."""
    tables = objects(metadata.get("tables"))
    matches = (t for t in tables if table_name in (t.get("name"), t.get("_id")))
    return next((t for t in matches if is_text(t.get("_id"))), None)


def objects(value: object) -> list[dict[str, Any]]:
    """The JSON objects in a list; nothing when it is not a list."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

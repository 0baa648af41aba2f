"""Base info: the metadata of tables, columns and views (`GET metadata/`)."""

from __future__ import annotations

from typing import Any

from .._validation import is_object
from ._resource import GatewayResource


class BaseInfoResource(GatewayResource):
    """Reads the base's schema; also keeps a cache used to map column keys to names."""

    async def get_metadata(self) -> dict[str, Any]:
        """Tables with their columns and views; no row data."""
        answer = await self._gateway("GET", "metadata/", expect={"metadata": is_object})
        metadata: dict[str, Any] = answer["metadata"]
        self._metadata_cache = metadata
        return metadata

    async def _column_names(self, table_name: str) -> dict[str, str]:
        """Column key → name for a table (by name or id), fetching metadata when unknown."""
        cached = self._metadata_cache
        names = _names_in(cached, table_name) if cached is not None else None
        if names is None:
            names = _names_in(await self.get_metadata(), table_name)
        return names or {}


def _names_in(metadata: dict[str, Any], table_name: str) -> dict[str, str] | None:
    """Column key → name for a table of this metadata; None when it has no such table.

    Parts of an unexpected shape name nothing: this runs around writes, which it must not fail.
    """
    for table in _objects(metadata.get("tables")):
        if table_name in (table.get("name"), table.get("_id")):
            columns = _objects(table.get("columns"))
            return {
                column["key"]: column["name"]
                for column in columns
                if isinstance(column.get("key"), str) and isinstance(column.get("name"), str)
            }
    return None


def _objects(value: object) -> list[dict[str, Any]]:
    """The JSON objects in a list; nothing when it is not a list."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

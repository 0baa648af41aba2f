"""Tables: list and find them (from the metadata), create, rename and delete them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._exceptions import InvalidInputError
from .._operations import Operation
from .._validation import optional_text, require_text
from ..types import ColumnType, Success, TableAnswer
from .base_info import BaseInfoResource, objects
from .columns import check_column_data, check_column_type

_TABLES = "/api-gateway/api/v2/dtables/{base_uuid}/tables/"
CREATE_TABLE: Operation[TableAnswer] = Operation(
    "add_table", "createTable", "POST", _TABLES, "base", TableAnswer
)
RENAME_TABLE: Operation[Success] = Operation(
    "rename_table", "renameTable", "PUT", _TABLES, "base", Success
)
DELETE_TABLE: Operation[Success] = Operation(
    "delete_table", "deleteTable", "DELETE", _TABLES, "base", Success
)

LANGUAGES = ("en", "zh-cn")
"""What `add_table`'s `lang` may be: the language of the default column and view names."""
FIRST_COLUMN_TYPES = frozenset(
    {
        ColumnType.TEXT,
        ColumnType.NUMBER,
        ColumnType.DATE,
        ColumnType.SINGLE_SELECT,
        ColumnType.FORMULA,
        ColumnType.AUTO_NUMBER,
    }
)
"""The types the first column of a new table may have (`createTable`)."""
_SPEC_KEYS = frozenset({"column_name", "column_type", "column_data", "anchor_column"})


def _column_specs(value: object) -> list[dict[str, Any]]:
    """`add_table`'s columns: `{column_name, column_type, column_data?, anchor_column?}` each."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(
            f"columns must be a list of column dicts, got {type(value).__name__}"
        )
    specs = []
    for i, spec in enumerate(value):
        where = f"columns[{i}]"
        if not isinstance(spec, Mapping) or not set(spec) <= _SPEC_KEYS:
            raise InvalidInputError(f"{where} must be a dict of {', '.join(sorted(_SPEC_KEYS))}")
        kind = check_column_type(f"{where}['column_type']", spec.get("column_type"))
        if i == 0 and kind not in FIRST_COLUMN_TYPES:
            allowed = ", ".join(sorted(t.value for t in FIRST_COLUMN_TYPES))
            raise InvalidInputError(f"columns[0] must be one of {allowed}, not {kind.value}")
        data = check_column_data(f"{where}['column_data']", kind, spec.get("column_data"))
        anchor = optional_text(f"{where}['anchor_column']", spec.get("anchor_column"))
        item = {
            "column_name": require_text(f"{where}['column_name']", spec.get("column_name")),
            "column_type": kind.value,
            "column_data": data,
            "anchor_column": anchor,
        }
        specs.append({key: field for key, field in item.items() if field is not None})
    return specs


class TablesResource(BaseInfoResource):
    """Table operations with the official SDK's names and argument order."""

    async def list_tables(self) -> list[dict[str, Any]]:
        """The tables with their columns and views, read afresh (`getMetadata`)."""
        return objects((await self.get_metadata()).get("tables"))

    async def get_table_by_name(self, table_name: str) -> dict[str, Any] | None:
        """The table with that name, read afresh (`getMetadata`), or None."""
        require_text("table_name", table_name)
        return next((t for t in await self.list_tables() if t.get("name") == table_name), None)

    async def add_table(
        self,
        table_name: str,
        lang: str = "en",
        columns: Sequence[Mapping[str, Any]] | None = None,
    ) -> TableAnswer:
        """Creates a table (`createTable`), with `columns` as `insert_column` takes them
        (`column_name`, `column_type`, `column_data`, `anchor_column`) or a default one.

        Not retried on 5xx or after a timeout: the server may have created it already.
        """
        if lang not in LANGUAGES:
            raise InvalidInputError(f"lang must be one of {', '.join(LANGUAGES)}")
        body: dict[str, Any] = {"table_name": require_text("table_name", table_name), "lang": lang}
        specs = _column_specs(columns)
        if specs:
            body["columns"] = specs
        return await self._call(CREATE_TABLE, json=body)

    async def rename_table(self, table_name: str, new_table_name: str) -> Success:
        """Renames a table (`renameTable`)."""
        body = {
            "table_name": require_text("table_name", table_name),
            "new_table_name": require_text("new_table_name", new_table_name),
        }
        return await self._call(RENAME_TABLE, json=body)

    async def delete_table(self, table_name: str) -> Success:
        """Deletes a table with its rows (`deleteTable`)."""
        body = {"table_name": require_text("table_name", table_name)}
        return await self._call(DELETE_TABLE, json=body)

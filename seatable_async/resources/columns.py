"""Columns: list and find them, insert, rename, resize, freeze, move, retype and delete them, and
manage the options and cascade settings of select columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._exceptions import InvalidInputError
from .._operations import Operation
from .._validation import (
    optional_text,
    require_flag,
    require_ids,
    require_int,
    require_text,
    without_none,
)
from ..types import ColumnAnswer, ColumnsAnswer, ColumnType, SelectOptionsAnswer, Success
from .base_info import BaseInfoResource

_GATEWAY = "/api-gateway/api/v2/dtables/{base_uuid}/"
_COLUMNS = _GATEWAY + "columns/"
_OPTIONS = _GATEWAY + "column-options/"
LIST_COLUMNS: Operation[ColumnsAnswer] = Operation(
    "list_columns", "listColumns", "GET", _COLUMNS, "base", ColumnsAnswer
)
INSERT_COLUMN: Operation[ColumnAnswer] = Operation(
    "insert_column", "insertColumn", "POST", _COLUMNS, "base", ColumnAnswer
)
RENAME_COLUMN: Operation[ColumnAnswer] = Operation(
    "rename_column", "updateColumn", "PUT", _COLUMNS, "base", ColumnAnswer
)
RESIZE_COLUMN: Operation[ColumnAnswer] = Operation(
    "resize_column", "updateColumn", "PUT", _COLUMNS, "base", ColumnAnswer
)
FREEZE_COLUMN: Operation[ColumnAnswer] = Operation(
    "freeze_column", "updateColumn", "PUT", _COLUMNS, "base", ColumnAnswer
)
MOVE_COLUMN: Operation[ColumnAnswer] = Operation(
    "move_column", "updateColumn", "PUT", _COLUMNS, "base", ColumnAnswer
)
MODIFY_COLUMN_TYPE: Operation[ColumnAnswer] = Operation(
    "modify_column_type", "updateColumn", "PUT", _COLUMNS, "base", ColumnAnswer
)
DELETE_COLUMN: Operation[Success] = Operation(
    "delete_column", "deleteColumn", "DELETE", _COLUMNS, "base", Success
)
ADD_SELECT_OPTIONS: Operation[Success] = Operation(
    "add_column_options", "addSelectOption", "POST", _OPTIONS, "base", Success
)
UPDATE_SELECT_OPTIONS: Operation[SelectOptionsAnswer] = Operation(
    "update_column_options", "updateSelectOption", "PUT", _OPTIONS, "base", SelectOptionsAnswer
)
DELETE_SELECT_OPTIONS: Operation[Success] = Operation(
    "delete_column_options", "deleteSelectOption", "DELETE", _OPTIONS, "base", Success
)
UPDATE_CASCADE: Operation[Success] = Operation(
    "add_column_cascade_settings", "updateColumnCascade", "POST",
    _GATEWAY + "column-cascade-settings/", "base", Success, idempotent=True,
)  # fmt: skip
"""A POST that replaces the child column's settings: sending it twice stores the same."""

REQUIRED_DATA: dict[ColumnType, tuple[str, ...]] = {
    ColumnType.RATE: (),
    ColumnType.FORMULA: ("formula",),
    ColumnType.LINK: ("table", "other_table"),
    ColumnType.LINK_FORMULA: ("formula", "link_column"),
    ColumnType.BUTTON: (),
}
"""Column types whose `column_data` the spec requires, and the fields it must have (§12.2)."""
MAX_COLUMN_WIDTH = 2000
_OPTION_TEXT = ("name", "color", "textColor", "borderColor")


def check_column_type(name: str, value: object) -> ColumnType:
    """A `ColumnType`, or its string value, checked against the types SeaTable knows."""
    try:
        return ColumnType(value)
    except (ValueError, TypeError):
        known = ", ".join(t.value for t in ColumnType)
        raise InvalidInputError(f"{name} must be a ColumnType (one of {known})") from None


def check_column_data(
    name: str, kind: ColumnType, value: object, *, required: bool = True
) -> dict[str, Any] | None:
    """A column's type-specific settings: a dict, with the fields its type needs; for some types
    the settings themselves are `required` (a new column's are)."""
    if value is None:
        if required and kind in REQUIRED_DATA:
            raise InvalidInputError(f"{name} is required for {kind.value} columns")
        return None
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{name} must be a dict, got {type(value).__name__}")
    missing = [field for field in REQUIRED_DATA.get(kind, ()) if field not in value]
    if missing:
        raise InvalidInputError(f"{name} of a {kind.value} column needs {', '.join(missing)}")
    return dict(value)


def _options(name: str, value: object, *, need_id: bool) -> list[dict[str, Any]]:
    """Select options: dicts whose name and colours are text (`id` required to update)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidInputError(f"{name} must be a non-empty list of option dicts")
    options = []
    for i, option in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(option, Mapping):
            raise InvalidInputError(f"{where} must be a dict, got {type(option).__name__}")
        if need_id:
            require_text(f"{where}['id']", option.get("id"))
        else:
            require_text(f"{where}['name']", option.get("name"))
        for field in _OPTION_TEXT:
            optional_text(f"{where}[{field!r}]", option.get(field))
        options.append(dict(option))
    return options


def _cascade(value: object) -> dict[str, list[str]]:
    """Parent option → the child options it allows."""
    if not isinstance(value, Mapping) or not value:
        raise InvalidInputError("cascade_settings must map parent options to child option lists")
    return {
        require_text("cascade_settings key", parent): require_ids(
            f"cascade_settings[{parent!r}]", children
        )
        for parent, children in value.items()
    }


class ColumnsResource(BaseInfoResource):
    """Column operations with the official SDK's names and argument order; a column is named by
    its name or key, a table by its name."""

    async def list_columns(
        self, table_name: str, view_name: str | None = None
    ) -> list[dict[str, Any]]:
        """A table's columns, or those a view shows (`listColumns`).

        SeaTable leaves out the default first column of a table created with columns (#18).
        """
        params = without_none(
            table_name=require_text("table_name", table_name),
            view_name=optional_text("view_name", view_name),
        )
        answer = await self._call(LIST_COLUMNS, params=params)
        return answer["columns"]

    async def get_column_by_name(self, table_name: str, column_name: str) -> dict[str, Any] | None:
        """The column with that name (`listColumns`), or None."""
        require_text("column_name", column_name)
        columns = await self.list_columns(table_name)
        return next((c for c in columns if c.get("name") == column_name), None)

    async def get_columns_by_type(
        self, table_name: str, column_type: ColumnType | str
    ) -> list[dict[str, Any]]:
        """The columns of one type (`listColumns`); the type is checked first."""
        kind = check_column_type("column_type", column_type)
        return [c for c in await self.list_columns(table_name) if c.get("type") == kind.value]

    async def insert_column(
        self,
        table_name: str,
        column_name: str,
        column_type: ColumnType | str,
        column_key: str | None = None,
        column_data: Mapping[str, Any] | None = None,
    ) -> ColumnAnswer:
        """Adds a column after `column_key` (name or key; last without it) (`insertColumn`).

        Not retried on 5xx or after a timeout: the server may have added it already.
        """
        kind = check_column_type("column_type", column_type)
        body = without_none(
            table_name=require_text("table_name", table_name),
            column_name=require_text("column_name", column_name),
            column_type=kind.value,
            anchor_column=optional_text("column_key", column_key),
            column_data=check_column_data("column_data", kind, column_data),
        )
        return await self._call(INSERT_COLUMN, json=body)

    async def rename_column(
        self, table_name: str, column_key: str, new_column_name: str
    ) -> ColumnAnswer:
        """Renames a column (`updateColumn`, `rename_column`)."""
        name = require_text("new_column_name", new_column_name)
        return await self._update_column(
            RENAME_COLUMN, table_name, column_key, new_column_name=name
        )

    async def resize_column(
        self, table_name: str, column_key: str, new_column_width: int
    ) -> ColumnAnswer:
        """Sets a column's width in pixels (`updateColumn`, `resize_column`)."""
        width = require_int("new_column_width", new_column_width, 1, MAX_COLUMN_WIDTH)
        return await self._update_column(
            RESIZE_COLUMN, table_name, column_key, new_column_width=width
        )

    async def freeze_column(self, table_name: str, column_key: str, frozen: bool) -> ColumnAnswer:
        """Freezes or unfreezes a column (`updateColumn`, `freeze_column`)."""
        flag = require_flag("frozen", frozen)
        return await self._update_column(FREEZE_COLUMN, table_name, column_key, frozen=flag)

    async def move_column(
        self, table_name: str, column_key: str, target_column_key: str
    ) -> ColumnAnswer:
        """Moves a column to just after the target column (`updateColumn`, `move_column`)."""
        target = require_text("target_column_key", target_column_key)
        return await self._update_column(MOVE_COLUMN, table_name, column_key, target_column=target)

    async def modify_column_type(
        self,
        table_name: str,
        column_key: str,
        new_column_type: ColumnType | str,
        column_data: Mapping[str, Any] | None = None,
    ) -> ColumnAnswer:
        """Changes a column's type (`updateColumn`, `modify_column_type`); not to `link`, as in
        the official SDK (add a link column instead). `column_data` as for `insert_column`."""
        kind = check_column_type("new_column_type", new_column_type)
        if kind is ColumnType.LINK:
            raise InvalidInputError("new_column_type cannot be link: insert a link column instead")
        fields = without_none(
            new_column_type=kind.value,
            column_data=check_column_data("column_data", kind, column_data, required=False),
        )
        return await self._update_column(MODIFY_COLUMN_TYPE, table_name, column_key, **fields)

    async def _update_column(
        self, operation: Operation[ColumnAnswer], table_name: object, column: object, **fields: Any
    ) -> ColumnAnswer:
        """One `updateColumn` call: each declaration's SDK name is the `op_type` it sends."""
        body = {
            "op_type": operation.sdk_name,
            "table_name": require_text("table_name", table_name),
            "column": require_text("column_key", column),
            **fields,
        }
        return await self._call(operation, json=body)

    async def delete_column(self, table_name: str, column_key: str) -> Success:
        """Deletes a column and its cells (`deleteColumn`)."""
        body = {
            "table_name": require_text("table_name", table_name),
            "column": require_text("column_key", column_key),
        }
        return await self._call(DELETE_COLUMN, json=body)

    async def add_column_options(
        self, table_name: str, column: str, options: Sequence[Mapping[str, Any]]
    ) -> Success:
        """Adds options to a single- or multiple-select column (`addSelectOption`); each needs
        a `name`, and SeaTable wants `color` and `textColor` too."""
        body = {
            "table_name": require_text("table_name", table_name),
            "column": require_text("column", column),
            "options": _options("options", options, need_id=False),
        }
        return await self._call(ADD_SELECT_OPTIONS, json=body)

    async def update_column_options(
        self,
        table_name: str,
        column: str,
        options: Sequence[Mapping[str, Any]],
        return_options: bool = False,
    ) -> SelectOptionsAnswer:
        """Changes options by their `id` (`updateSelectOption`); cells follow a renamed option.
        With `return_options`, the answer holds the column's options."""
        body = {
            "table_name": require_text("table_name", table_name),
            "column": require_text("column", column),
            "options": _options("options", options, need_id=True),
            "return_options": require_flag("return_options", return_options),
        }
        return await self._call(UPDATE_SELECT_OPTIONS, json=body)

    async def delete_column_options(
        self, table_name: str, column: str, option_names: Sequence[str]
    ) -> Success:
        """Removes options by name, from the column and from every cell (`deleteSelectOption`)."""
        names = require_ids("option_names", option_names)
        if not names:
            raise InvalidInputError("option_names must name at least one option")
        body = {
            "table_name": require_text("table_name", table_name),
            "column": require_text("column", column),
            "option_names": names,
        }
        return await self._call(DELETE_SELECT_OPTIONS, json=body)

    async def add_column_cascade_settings(
        self,
        table_name: str,
        child_column: str,
        parent_column: str,
        cascade_settings: Mapping[str, Sequence[str]],
    ) -> Success:
        """Limits a single-select column's options by a parent one's (`updateColumnCascade`):
        parent option → allowed child options; replaces earlier settings, so safe to repeat."""
        body = {
            "table_name": require_text("table_name", table_name),
            "child_column": require_text("child_column", child_column),
            "parent_column": require_text("parent_column", parent_column),
            "cascade_settings": _cascade(cascade_settings),
        }
        return await self._call(UPDATE_CASCADE, json=body)

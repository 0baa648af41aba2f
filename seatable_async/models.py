"""The base's metadata (`getMetadata`) as typed, frozen models, each keeping its raw dict.

Built from whatever a server answers without raising: a part of an unexpected shape is left out
of the models (and stays in `raw`). Rows stay plain dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ._exceptions import InvalidInputError
from ._validation import is_text, require_text
from .types import ColumnType

__all__ = ["Column", "Metadata", "Table", "View"]

_KNOWN_TYPES = {member.value: member for member in ColumnType}
_T = TypeVar("_T")


def _objects(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _texts(value: object) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _find(items: Iterable[_T], wanted: str, *ways: Callable[[_T], str]) -> _T | None:
    """The first item whose first way of naming it is `wanted`, else by the next way, ..."""
    items = tuple(items)
    return next((item for way in ways for item in items if way(item) == wanted), None)


def _required(found: _T | None, missing: str) -> _T:
    """What a lookup found, or an `InvalidInputError` saying what is missing."""
    if found is None:
        raise InvalidInputError(missing)
    return found


@dataclass(frozen=True)
class Column:
    """A column: `type` is a `ColumnType`, or the server's text for a type this library lacks."""

    key: str
    name: str
    type: ColumnType | str
    data: dict[str, Any] | None = field(default=None, hash=False)
    width: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, hash=False)

    @classmethod
    def _parse(cls, column: dict[str, Any]) -> Column | None:
        """The column, or None when it lacks a text key, name or type."""
        key, name, kind = column.get("key"), column.get("name"), column.get("type")
        if not (is_text(key) and isinstance(name, str) and isinstance(kind, str)):
            return None
        data, width = column.get("data"), column.get("width")
        return cls(
            key=key,
            name=name,
            type=_KNOWN_TYPES.get(kind, kind),
            data=data if isinstance(data, dict) else None,
            width=width if isinstance(width, int) and not isinstance(width, bool) else None,
            raw=column,
        )


@dataclass(frozen=True)
class View:
    """A view and its settings: filters and sorts stay the server's dicts."""

    id: str
    name: str
    type: str | None = None
    is_locked: bool = False
    filters: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    filter_conjunction: str | None = None
    sorts: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    groupbys: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    hidden_columns: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, hash=False)

    @classmethod
    def _parse(cls, view: dict[str, Any]) -> View | None:
        """The view, or None when it lacks a text `_id` or name."""
        view_id, name = view.get("_id"), view.get("name")
        if not (is_text(view_id) and isinstance(name, str)):
            return None
        kind, locked, conjunction = (
            view.get("type"),
            view.get("is_locked"),
            view.get("filter_conjunction"),
        )
        return cls(
            id=view_id,
            name=name,
            type=kind if isinstance(kind, str) else None,
            is_locked=locked is True,
            filters=tuple(_objects(view.get("filters"))),
            filter_conjunction=conjunction if isinstance(conjunction, str) else None,
            sorts=tuple(_objects(view.get("sorts"))),
            groupbys=tuple(_objects(view.get("groupbys"))),
            hidden_columns=_texts(view.get("hidden_columns")),
            raw=view,
        )


@dataclass(frozen=True)
class Table:
    """A table with its columns and views; lookups try names first, then keys or ids."""

    id: str
    name: str
    columns: tuple[Column, ...] = ()
    views: tuple[View, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, hash=False)

    @classmethod
    def _parse(cls, table: dict[str, Any]) -> Table | None:
        """The table, or None when it lacks a text `_id` or name."""
        table_id, name = table.get("_id"), table.get("name")
        if not (is_text(table_id) and isinstance(name, str)):
            return None
        columns = (Column._parse(c) for c in _objects(table.get("columns")))
        views = (View._parse(v) for v in _objects(table.get("views")))
        return cls(
            id=table_id,
            name=name,
            columns=tuple(c for c in columns if c is not None),
            views=tuple(v for v in views if v is not None),
            raw=table,
        )

    def find_column(self, name_or_key: str) -> Column | None:
        """The column with this name (or else this key); None when there is none."""
        wanted = require_text("name_or_key", name_or_key)
        return _find(self.columns, wanted, lambda c: c.name, lambda c: c.key)

    def column(self, name_or_key: str) -> Column:
        """The column with this name (or else this key); `InvalidInputError` when there is none."""
        return _required(
            self.find_column(name_or_key), f"table {self.name!r} has no column {name_or_key!r}"
        )

    def find_view(self, name_or_id: str) -> View | None:
        """The view with this name (or else this id); None when there is none."""
        wanted = require_text("name_or_id", name_or_id)
        return _find(self.views, wanted, lambda v: v.name, lambda v: v.id)

    def view(self, name_or_id: str) -> View:
        """The view with this name (or else this id); `InvalidInputError` when there is none."""
        return _required(
            self.find_view(name_or_id), f"table {self.name!r} has no view {name_or_id!r}"
        )

    def columns_of_type(self, column_type: ColumnType | str) -> tuple[Column, ...]:
        """The columns of this type, in table order (a text type matches unknown types too)."""
        if not isinstance(column_type, str):
            raise InvalidInputError(
                f"column_type must be a ColumnType or str, got {type(column_type).__name__}"
            )
        return tuple(column for column in self.columns if column.type == column_type)


@dataclass(frozen=True)
class Metadata:
    """The base's tables (`getMetadata`); `raw` is the dict they were built from."""

    tables: tuple[Table, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, hash=False)

    @classmethod
    def from_dict(cls, metadata: object) -> Metadata:
        """The models of a metadata dict (as `get_metadata` returns it); never raises."""
        raw = metadata if isinstance(metadata, dict) else {}
        tables = (Table._parse(t) for t in _objects(raw.get("tables")))
        return cls(tables=tuple(t for t in tables if t is not None), raw=raw)

    def find_table(self, name_or_id: str) -> Table | None:
        """The table with this name (or else this id); None when there is none."""
        wanted = require_text("name_or_id", name_or_id)
        return _find(self.tables, wanted, lambda t: t.name, lambda t: t.id)

    def table(self, name_or_id: str) -> Table:
        """The table with this name (or else this id); `InvalidInputError` when there is none."""
        return _required(self.find_table(name_or_id), f"this base has no table {name_or_id!r}")

"""What both kinds of filter share: identifiers, placeholders, comparisons, value readers."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeAlias

from .._exceptions import InvalidInputError

Column: TypeAlias = Mapping[str, Any]
"""One entry of a table's ``columns`` metadata: ``{"key", "name", "type", "data"}``."""
Sql: TypeAlias = tuple[str, list[object]]
"""A statement (or fragment) with ``?`` placeholders and the values they stand for."""


def _identifier(name: object, what: str) -> str:
    """A backtick-quoted SeaTable SQL name; SeaTable documents no escape for a backtick."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"{what} must be a non-empty string")
    if "`" in name:
        raise InvalidInputError(
            f"{what} {name!r} contains a backtick, which SeaTable SQL cannot quote"
        )
    return f"`{name}`"


def _select(table_name: str, where: str | None) -> str:
    sql = f"SELECT * FROM {_identifier(table_name, 'table name')}"
    return sql if where is None else f"{sql} WHERE {where}"


def _column(columns: Sequence[Column], name: str, at: str = "") -> Column:
    for column in columns:
        if column.get("name") == name:
            return column
    raise InvalidInputError(f"no column named {name!r} in this table{at}")


def _moment(moment: datetime | date) -> str:
    """A time constant as SeaTable SQL documents them: ``YYYY-MM-DD hh:mm:ss``."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


_NULL_TESTS = {"=": "{c} IS NULL", "!=": "{c} IS NOT NULL"}
"""The SDK's ``column = ''`` / ``column != ''``: empty / not empty."""
_COMPARISONS = {
    "=": "{c} = ?",
    "!=": "({c} IS NULL OR {c} <> ?)",
    "<": "{c} < ?",
    "<=": "{c} <= ?",
    ">": "{c} > ?",
    ">=": "{c} >= ?",
}
"""One bound value each; ``!=`` keeps empty cells, as the SDK (and SeaTable's own ``!=``) do."""


def _sdk_number(text: str) -> object:
    """An int, or a float when the text has a dot, like the SDK's number column."""
    try:
        number: float = float(text) if "." in text else int(text)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise InvalidInputError(f"{text!r} is not a finite number")
    return number


_CHECKBOX_VALUES = {"": False, "true": True, "false": False}


def _bound(template: str) -> Callable[[object], Sql]:
    return lambda value: (template, [value])


def _truth(is_true: bool) -> Callable[[object], Sql]:
    """Checkbox ``= value`` (or ``!=`` with ``is_true`` False); an empty cell counts as false."""
    return lambda value: ("{c} IS TRUE" if bool(value) == is_true else "{c} IS NOT TRUE", [])

"""Condition trees to SQL, converting values per column type as the SDK's ``column.py`` does."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .._exceptions import InvalidInputError
from ._grammar import Comparison, Condition, Junction
from ._sql import (
    _CHECKBOX_VALUES,
    _COMPARISONS,
    _NULL_TESTS,
    Column,
    Sql,
    _bound,
    _column,
    _identifier,
    _moment,
    _sdk_number,
    _select,
    _truth,
)

_SDK_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def _sdk_date(text: str) -> object:
    """``YYYY-MM-DD`` with an optional ``hh``, ``hh:mm`` or ``hh:mm:ss``, as the SDK reads it."""
    for fmt in _SDK_DATE_FORMATS:
        try:
            return _moment(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise InvalidInputError(
        f"{text!r} is not a date: use YYYY-MM-DD, YYYY-MM-DD hh, YYYY-MM-DD hh:mm "
        "or YYYY-MM-DD hh:mm:ss"
    )


def _sdk_checkbox(text: str) -> object:
    try:
        return _CHECKBOX_VALUES[text.lower()]
    except KeyError:
        raise InvalidInputError(f"{text!r} is not a checkbox value: use true or false") from None


def _like(value: object) -> Sql:
    """The SDK's ``like``: ``a%`` starts with, ``%a`` ends with, ``%a%`` contains, ``a%b``
    starts with a and ends with b (inner pieces ignored); a literal ``%`` it would keep inside
    a piece cannot be said with SQL ``LIKE``, so it is refused."""
    text = str(value)
    if "%" not in text:
        raise InvalidInputError(f"like needs a % in its pattern, got {text!r}")
    head, tail = not text.startswith("%"), not text.endswith("%")
    if head and tail:
        pieces = text.split("%")
        return "({c} LIKE ? AND {c} LIKE ?)", [pieces[0] + "%", "%" + pieces[-1]]
    literal = text[1 if not head else 0 : len(text) - (0 if tail else 1)]
    if "%" in literal:
        raise InvalidInputError(
            f"like pattern {text!r} keeps a literal %, which SQL LIKE cannot express"
        )
    if not literal:
        return "({c} IS NULL OR {c} IS NOT NULL)", []
    return "{c} LIKE ?", [("%" if not head else "") + literal + ("%" if not tail else "")]


@dataclass(frozen=True)
class _ConditionKind:
    """How the SDK compares one family of column types: value conversion and operators."""

    convert: Callable[[str], object]
    operators: Mapping[str, Callable[[object], Sql]]
    empty_is_null: bool = True


_ORDERED = {op: _bound(template) for op, template in _COMPARISONS.items()}
_CONDITION_KINDS: dict[str, _ConditionKind] = {
    "text": _ConditionKind(
        str,
        {"=": _bound(_COMPARISONS["="]), "!=": _bound(_COMPARISONS["!="]), "like": _like},
    ),
    "number": _ConditionKind(_sdk_number, _ORDERED),
    "date": _ConditionKind(_sdk_date, _ORDERED),
    "checkbox": _ConditionKind(
        _sdk_checkbox, {"=": _truth(True), "!=": _truth(False)}, empty_is_null=False
    ),
    "multiple-select": _ConditionKind(
        str, {"=": _bound("{c} HAS ANY OF (?)"), "!=": _bound("{c} HAS NONE OF (?)")}
    ),
}
_CONDITION_KIND_OF_TYPE = {
    "text": "text",
    "long-text": "text",
    "single-select": "text",
    "email": "text",
    "url": "text",
    "auto-number": "text",
    "creator": "text",
    "last-modifier": "text",
    "number": "number",
    "date": "date",
    "ctime": "date",
    "mtime": "date",
    "checkbox": "checkbox",
    "multiple-select": "multiple-select",
}
"""The SDK's ``column.py`` map; other types fall back to a text comparison there, which never
matches their (list, number or object) values, so they are refused here."""


def _comparison_sql(node: Comparison, columns: Sequence[Column]) -> Sql:
    column = _column(columns, node.column, f" (position {node.position})")
    column_type = column.get("type")
    kind = _CONDITION_KINDS.get(_CONDITION_KIND_OF_TYPE.get(str(column_type), ""))
    where = f"column {node.column!r} (position {node.position})"
    if kind is None:
        raise InvalidInputError(f"{where}: filter() cannot compare {column_type} columns")
    render = kind.operators.get(node.operator)
    if render is None:
        raise InvalidInputError(f"{where}: {column_type} columns do not support {node.operator!r}")
    if kind.empty_is_null and node.value == "":
        if node.operator not in _NULL_TESTS:
            raise InvalidInputError(f"{where}: {node.operator!r} needs a value, not ''")
        template, params = _NULL_TESTS[node.operator], list[object]()
    else:
        try:
            template, params = render(kind.convert(node.value))
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where}: {exc}") from None
    return template.format(c=_identifier(node.column, "column name")), params


def _condition_sql(tree: Condition, columns: Sequence[Column], params: list[object]) -> str:
    if isinstance(tree, Comparison):
        fragment, values = _comparison_sql(tree, columns)
        params.extend(values)
        return fragment
    parts = []
    for child in (tree.left, tree.right):
        text = _condition_sql(child, columns, params)
        mixed = isinstance(child, Junction) and child.conjunction != tree.conjunction
        parts.append(f"({text})" if mixed else text)
    return f" {tree.conjunction.upper()} ".join(parts)


def conditions_to_sql(tree: Condition | None, table_name: str, columns: Sequence[Column]) -> Sql:
    """``SELECT * FROM `table` WHERE ...`` for a parsed condition string, values as parameters."""
    params: list[object] = []
    where = None if tree is None else _condition_sql(tree, columns, params)
    return _select(table_name, where), params


def condition_columns(tree: Condition | None) -> list[str]:
    """The column names a parsed condition string compares, left to right."""
    if tree is None:
        return []
    if isinstance(tree, Comparison):
        return [tree.column]
    return condition_columns(tree.left) + condition_columns(tree.right)

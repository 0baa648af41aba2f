"""Views: the view object SeaTable returns and how a view's filters and sorts become SQL.

Filters and sorts name columns by key (reference section 12.5). Generated SQL holds only
quoted column identifiers; filter terms are appended to ``params`` for binding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._cells import column_storage, quote_ident, storable_scalar

__all__ = [
    "VIEW_FILTERS",
    "VIEW_SETTINGS",
    "new_view",
    "view_condition",
    "view_order",
    "visible_columns",
]

Json = dict[str, Any]

VIEW_FILTERS: dict[str, tuple[str, Callable[[Any], object] | None]] = {
    "is": ("{col} = ?", None),
    "is_not": ("({col} IS NULL OR {col} != ?)", None),
    "equal": ("{col} = ?", float),
    "not_equal": ("({col} IS NULL OR {col} != ?)", float),
    "less": ("{col} < ?", float),
    "greater": ("{col} > ?", float),
    "less_or_equal": ("{col} <= ?", float),
    "greater_or_equal": ("{col} >= ?", float),
    "contains": ("instr({col}, ?) > 0", str),
    "does_not_contain": ("({col} IS NULL OR instr({col}, ?) = 0)", str),
    "is_empty": ("{col} IS NULL", None),
    "is_not_empty": ("{col} IS NOT NULL", None),
    "is empty": ("{col} IS NULL", None),
    "is not empty": ("{col} IS NOT NULL", None),
}
"""Filter predicates the emulator evaluates: SQL template and how to coerce the term.
Other predicates are ignored (the view then shows more rows than SeaTable would)."""


def _list_of(item: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, list) and all(item(x) for x in value)


def _optional(item: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or item(value)


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _term(value: Any) -> bool:
    return storable_scalar(value) or _list_of(storable_scalar)(value)


_FILTER_FIELDS: dict[str, Callable[[Any], bool]] = {
    "column_key": _text,
    "filter_predicate": _text,
    "filter_term": _term,
    "filter_term_modifier": _optional(_text),
}
_SORT_FIELDS: dict[str, Callable[[Any], bool]] = {
    "column_key": _text,
    "sort_type": _optional(lambda v: v in ("up", "down")),
}


def _shaped(fields: dict[str, Callable[[Any], bool]]) -> Callable[[Any], bool]:
    """An object with ``column_key`` whose listed fields, when present, pass their checks."""
    return lambda value: (
        isinstance(value, dict)
        and "column_key" in value
        and all(ok(value[name]) for name, ok in fields.items() if name in value)
    )


VIEW_SETTINGS: dict[str, Callable[[Any], bool]] = {
    "is_locked": lambda v: isinstance(v, bool),
    "filters": _list_of(_shaped(_FILTER_FIELDS)),
    "filter_conjunction": lambda v: v in ("And", "Or"),
    "sorts": _list_of(_shaped(_SORT_FIELDS)),
    "groupbys": _list_of(_shaped(_SORT_FIELDS)),
    "hidden_columns": _list_of(_text),
}
"""View settings ``updateView`` changes, and what each value must look like (checked on
write, so a stored view can always be evaluated)."""


def new_view(view_id: str, name: str, view_type: str = "table", is_locked: bool = False) -> Json:
    """A view object with every key the gateway returns."""
    return {
        "_id": view_id,
        "name": name,
        "type": view_type or "table",
        "is_locked": is_locked,
        "rows": [],
        "formula_rows": {},
        "summaries": {},
        "filter_conjunction": "And",
        "filters": [],
        "sorts": [],
        "hidden_columns": [],
        "groupbys": [],
        "group_rows": [],
        "groups": [],
        "colorbys": {},
        "link_rows": {},
        "colors": {},
    }


def _columns_by_key(table: Json) -> dict[str, Json]:
    return {column["key"]: column for column in table["columns"]}


def view_condition(table: Json, view: Json, params: list[object]) -> str | None:
    """The view's filters as one SQL condition (terms appended to ``params``), if any."""
    columns = _columns_by_key(table)
    parts: list[str] = []
    for spec in view.get("filters") or []:
        column = columns.get(str(spec.get("column_key", "")))
        rule = VIEW_FILTERS.get(str(spec.get("filter_predicate", "")))
        if column is None or rule is None:
            continue
        template, coerce = rule
        term = spec.get("filter_term")
        if "?" in template:
            if not storable_scalar(term):
                continue
            try:
                params.append(coerce(term) if coerce is not None else term)
            except (TypeError, ValueError):
                params.append(term)
        parts.append(template.format(col=quote_ident(column_storage(column))))
    if not parts:
        return None
    conjunction = " OR " if view.get("filter_conjunction") == "Or" else " AND "
    return "(" + conjunction.join(parts) + ")"


def view_order(table: Json, view: Json) -> str:
    """ORDER BY terms for the view's sorts, then insertion order."""
    columns = _columns_by_key(table)
    terms: list[str] = []
    for sort in view.get("sorts") or []:
        column = columns.get(str(sort.get("column_key", "")))
        if column is not None:
            direction = "DESC" if sort.get("sort_type") == "down" else "ASC"
            terms.append(f"{quote_ident(column_storage(column))} {direction}")
    return ", ".join([*terms, "_seq"])


def visible_columns(table: Json, view: Json | None) -> list[Json]:
    """The table's columns minus the view's ``hidden_columns`` (all columns without a view)."""
    hidden = set(view.get("hidden_columns") or []) if view else set()
    return [column for column in table["columns"] if column["key"] not in hidden]

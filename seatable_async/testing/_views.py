"""Views: the view object SeaTable returns and how a view's filters and sorts become SQL.

Filters and sorts name columns by key (reference section 12.5). Generated SQL holds only
quoted column identifiers; filter terms are appended to ``params`` for binding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._cells import column_source, quote_ident, storable_scalar
from ._checks import Check, boolean, list_of, one_of, optional, shaped, text

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


def _term(value: Any) -> bool:
    return storable_scalar(value) or list_of(storable_scalar)(value)


_FILTER = shaped(
    {
        "column_key": text,
        "filter_predicate": text,
        "filter_term": _term,
        "filter_term_modifier": optional(text),
    },
    required=("column_key",),
)
_SORT = shaped(
    {"column_key": text, "sort_type": optional(one_of("up", "down"))}, required=("column_key",)
)

VIEW_SETTINGS: dict[str, Check] = {
    "is_locked": boolean,
    "filters": list_of(_FILTER),
    "filter_conjunction": one_of("And", "Or"),
    "sorts": list_of(_SORT),
    "groupbys": list_of(_SORT),
    "hidden_columns": list_of(text),
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
        parts.append(template.format(col=quote_ident(column_source(column))))
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
            terms.append(f"{quote_ident(column_source(column))} {direction}")
    return ", ".join([*terms, "_seq"])


def visible_columns(table: Json, view: Json | None) -> list[Json]:
    """The table's columns minus the view's ``hidden_columns`` (all columns without a view)."""
    hidden = set(view.get("hidden_columns") or []) if view else set()
    return [column for column in table["columns"] if column["key"] not in hidden]

"""`filter_rows`' structured filters (SeaTable's view filter model) to SQL."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias

from .._exceptions import InvalidInputError
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
    _placeholders,
    _sdk_number,
    _select,
    _truth,
)

ROW_FILTER_KEYS = ("column_name", "filter_predicate", "filter_term", "filter_term_modifier")
"""The keys one ``filter_rows`` filter may have (the SDK's ``ROW_FILTER_KEYS``)."""
_CONJUNCTIONS = {"And": " AND ", "Or": " OR "}
_PREDICATE_SPELLINGS = {
    "is empty": "is_empty",
    "is not empty": "is_not_empty",
    "does not contain": "does_not_contain",
    "is not": "is_not",
}
"""Spellings with spaces that SeaTable's view filter model uses for some column types."""


@dataclass(frozen=True)
class _Filter:
    """One validated filter; ``today`` anchors the relative date modifiers."""

    column: Column
    predicate: str
    term: object
    modifier: object
    today: date

    @property
    def name(self) -> str:
        return str(self.column["name"])


Predicate: TypeAlias = Callable[[_Filter], "Sql | None"]
"""Renders one filter as a fragment with ``{c}`` for the column; None ignores the filter
(an empty term, as SeaTable's own filter-to-SQL translation does)."""


def _fail(item: _Filter, problem: str) -> InvalidInputError:
    return InvalidInputError(f"filter on column {item.name!r} ({item.predicate}): {problem}")


def _text_term(item: _Filter) -> str | None:
    if item.term is None or item.term == "":
        return None
    if not isinstance(item.term, str):
        raise _fail(item, f"filter_term must be a string, got {type(item.term).__name__}")
    return item.term


def _list_term(item: _Filter) -> list[str] | None:
    """A list of strings (a single string is one item); option ids become option names."""
    terms = [item.term] if isinstance(item.term, str) else item.term
    if terms is None or terms == "" or terms == []:
        return None
    if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
        raise _fail(item, "filter_term must be a list of non-empty strings")
    options = (item.column.get("data") or {}).get("options") or []
    names = {
        o["id"]: o.get("name")
        for o in options
        if isinstance(o, Mapping) and isinstance(o.get("id"), str)
    }
    return [str(names.get(t, t)) for t in terms]


_DURATION = re.compile(r"^(-?)(\d+):(\d{1,2})(?::(\d{1,2}))?$")


def _number_term(item: _Filter) -> object:
    """A number, a numeric string (read like the SDK reads one) or a duration ``h:mm[:ss]``."""
    term = item.term
    if term is None or term == "":
        return None
    if isinstance(term, str) and (match := _DURATION.match(term.strip())):
        sign, hours, minutes, seconds = match.groups()
        total = int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
        return -total if sign else total
    if isinstance(term, str):
        try:
            return _sdk_number(term)
        except InvalidInputError as exc:
            raise _fail(item, str(exc)) from None
    if isinstance(term, bool) or not isinstance(term, (int, float)) or not math.isfinite(term):
        raise _fail(item, "filter_term must be a finite number")
    return term


def _check_term(item: _Filter) -> bool:
    """A boolean, or "true"/"false"; an empty term means unchecked, as in SeaTable's views."""
    if item.term is None or isinstance(item.term, bool):
        return bool(item.term)
    if isinstance(item.term, str) and item.term.lower() in _CHECKBOX_VALUES:
        return _CHECKBOX_VALUES[item.term.lower()]
    raise _fail(item, "filter_term must be true or false")


def _with_term(read: Callable[[_Filter], Any], render: Callable[[Any], Sql]) -> Predicate:
    """A predicate that reads its term with ``read`` and is ignored when the term is empty."""

    def predicate(item: _Filter) -> Sql | None:
        term = read(item)
        return None if term is None else render(term)

    return predicate


def _constant(template: str) -> Predicate:
    return lambda item: (template, [])


def _listed(template: str) -> Predicate:
    """``template`` with ``({items})`` expanded to one placeholder per list item."""
    return _with_term(
        _list_term, lambda names: (template.format(c="{c}", items=_placeholders(len(names))), names)
    )


_EMPTY_PREDICATES: dict[str, Predicate] = {
    "is_empty": _constant(_NULL_TESTS["="]),
    "is_not_empty": _constant(_NULL_TESTS["!="]),
}
_TEXT_PREDICATES: dict[str, Predicate] = {
    "contains": _with_term(_text_term, lambda t: ("{c} ILIKE ?", [f"%{t}%"])),
    "does_not_contain": _with_term(
        _text_term, lambda t: ("({c} IS NULL OR {c} NOT ILIKE ?)", [f"%{t}%"])
    ),
    "is": _with_term(_text_term, _bound(_COMPARISONS["="])),
    "is_not": _with_term(_text_term, _bound(_COMPARISONS["!="])),
    **_EMPTY_PREDICATES,
}
_NUMBER_OPERATORS = {
    "equal": "=",
    "not_equal": "!=",
    "less": "<",
    "less_or_equal": "<=",
    "greater": ">",
    "greater_or_equal": ">=",
}
_NUMBER_PREDICATES: dict[str, Predicate] = {
    **{
        name: _with_term(_number_term, _bound(_COMPARISONS[op]))
        for name, op in _NUMBER_OPERATORS.items()
    },
    **_EMPTY_PREDICATES,
}
_SINGLE_SELECT_PREDICATES: dict[str, Predicate] = {
    "is": _with_term(_list_term, lambda names: (_COMPARISONS["="], names[:1])),
    "is_not": _with_term(_list_term, lambda names: (_COMPARISONS["!="], names[:1])),
    "is_any_of": _listed("{c} IN ({items})"),
    "is_none_of": _listed("({c} IS NULL OR {c} NOT IN ({items}))"),
    **_EMPTY_PREDICATES,
}
_LIST_PREDICATES: dict[str, Predicate] = {
    "has_any_of": _listed("{c} HAS ANY OF ({items})"),
    "has_all_of": _listed("{c} HAS ALL OF ({items})"),
    "has_none_of": _listed("{c} HAS NONE OF ({items})"),
    "is_exactly": _listed("{c} IS EXACTLY ({items})"),
    **_EMPTY_PREDICATES,
}
_USER_PREDICATES: dict[str, Predicate] = {
    "contains": _listed("{c} IN ({items})"),
    "does_not_contain": _listed("({c} IS NULL OR {c} NOT IN ({items}))"),
    "is": _with_term(_text_term, _bound(_COMPARISONS["="])),
    "is_not": _with_term(_text_term, _bound(_COMPARISONS["!="])),
}
_CHECKBOX_PREDICATES: dict[str, Predicate] = {
    "is": lambda item: _truth(True)(_check_term(item)),
}


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def _days(item: _Filter) -> int:
    term = item.term
    if isinstance(term, bool) or not isinstance(term, (int, str)):
        raise _fail(item, "filter_term must be a whole number of days")
    try:
        return int(term)
    except ValueError:
        raise _fail(item, f"{term!r} is not a whole number of days") from None


def _exact_date(item: _Filter) -> date | None:
    if item.term is None or item.term == "":
        return None
    try:
        return datetime.strptime(str(item.term), "%Y-%m-%d").date()
    except ValueError:
        raise _fail(item, f"{item.term!r} is not a date: use YYYY-MM-DD") from None


_DAY_MODIFIERS: dict[str, Callable[[_Filter], date | None]] = {
    "today": lambda item: item.today,
    "tomorrow": lambda item: item.today + timedelta(days=1),
    "yesterday": lambda item: item.today - timedelta(days=1),
    "one_week_ago": lambda item: item.today - timedelta(days=7),
    "one_week_from_now": lambda item: item.today + timedelta(days=7),
    "one_month_ago": lambda item: _add_months(item.today, -1),
    "one_month_from_now": lambda item: _add_months(item.today, 1),
    "number_of_days_ago": lambda item: item.today - timedelta(days=_days(item)),
    "number_of_days_from_now": lambda item: item.today + timedelta(days=_days(item)),
    "exact_date": _exact_date,
}
"""The one day a date predicate compares with (``filter_term_modifier``, default exact_date)."""


def _week(item: _Filter, weeks: int) -> tuple[date, date]:
    monday = item.today - timedelta(days=item.today.weekday()) + timedelta(weeks=weeks)
    return monday, monday + timedelta(days=6)


def _month(item: _Filter, months: int) -> tuple[date, date]:
    first = _add_months(item.today.replace(day=1), months)
    return first, _add_months(first, 1) - timedelta(days=1)


def _year(item: _Filter, years: int) -> tuple[date, date]:
    year = item.today.year + years
    return date(year, 1, 1), date(year, 12, 31)


_PERIOD_MODIFIERS: dict[str, Callable[[_Filter], tuple[date, date]]] = {
    "the_past_week": lambda item: _week(item, -1),
    "this_week": lambda item: _week(item, 0),
    "the_next_week": lambda item: _week(item, 1),
    "the_past_month": lambda item: _month(item, -1),
    "this_month": lambda item: _month(item, 0),
    "the_next_month": lambda item: _month(item, 1),
    "the_past_year": lambda item: _year(item, -1),
    "this_year": lambda item: _year(item, 0),
    "the_next_year": lambda item: _year(item, 1),
    "the_past_numbers_of_days": lambda item: (
        item.today - timedelta(days=_days(item)),
        item.today,
    ),
    "the_next_numbers_of_days": lambda item: (
        item.today,
        item.today + timedelta(days=_days(item)),
    ),
}
"""The first and last day (both included) of an ``is_within`` period (ISO weeks)."""


def _modifier(item: _Filter, table: Mapping[str, Callable[[_Filter], Any]], default: str) -> Any:
    name = item.modifier or default
    if not isinstance(name, str) or name not in table:
        raise _fail(item, f"filter_term_modifier must be one of {', '.join(table)}")
    return table[name](item)


def _on_day(template: str, *offsets: int) -> Predicate:
    """A comparison with the midnights ``offsets`` days after the filter's day."""

    def predicate(item: _Filter) -> Sql | None:
        day = _modifier(item, _DAY_MODIFIERS, "exact_date")
        if day is None:
            return None
        return template, [_moment(day + timedelta(days=n)) for n in offsets]

    return predicate


def _within(item: _Filter) -> Sql:
    first, last = _modifier(item, _PERIOD_MODIFIERS, "")
    return "({c} >= ? AND {c} < ?)", [_moment(first), _moment(last + timedelta(days=1))]


_DATE_PREDICATES: dict[str, Predicate] = {
    "is": _on_day("({c} >= ? AND {c} < ?)", 0, 1),
    "is_not": _on_day("({c} < ? OR {c} >= ?)", 0, 1),
    "is_before": _on_day("{c} < ?", 0),
    "is_after": _on_day("{c} >= ?", 1),
    "is_on_or_before": _on_day("{c} < ?", 1),
    "is_on_or_after": _on_day("{c} >= ?", 0),
    "is_within": _within,
    **_EMPTY_PREDICATES,
}
"""Day granularity: "is" a day is the span from its midnight to the next."""

_PREDICATES_OF_TYPE: dict[str, dict[str, Predicate]] = {
    "text": _TEXT_PREDICATES,
    "email": _TEXT_PREDICATES,
    "url": _TEXT_PREDICATES,
    "auto-number": _TEXT_PREDICATES,
    "long-text": _EMPTY_PREDICATES,
    "image": _EMPTY_PREDICATES,
    "number": _NUMBER_PREDICATES,
    "duration": _NUMBER_PREDICATES,
    "rate": _NUMBER_PREDICATES,
    "single-select": _SINGLE_SELECT_PREDICATES,
    "multiple-select": _LIST_PREDICATES,
    "collaborator": _LIST_PREDICATES,
    "creator": _USER_PREDICATES,
    "last-modifier": _USER_PREDICATES,
    "date": _DATE_PREDICATES,
    "ctime": _DATE_PREDICATES,
    "mtime": _DATE_PREDICATES,
    "checkbox": _CHECKBOX_PREDICATES,
}
"""§12.5 of the API notes; ``include_me``/``is_current_user_ID`` need the caller's identity and
file, link, geolocation, button cells are not filterable in SeaTable SQL, so those are absent."""
_FORMULA_RESULT_TYPES = {"string": "text", "number": "number", "date": "date", "bool": "checkbox"}
"""A formula column filters like the type of its ``data.result_type``."""


def _predicates(column: Column) -> dict[str, Predicate]:
    column_type = str(column.get("type"))
    if column_type == "formula":
        result_type = (column.get("data") or {}).get("result_type")
        column_type = _FORMULA_RESULT_TYPES.get(str(result_type), "formula")
    predicates = _PREDICATES_OF_TYPE.get(column_type)
    if predicates is None:
        raise InvalidInputError(
            f"column {column.get('name')!r}: filter_rows cannot filter {column.get('type')} "
            "columns in SeaTable SQL"
        )
    return predicates


def _checked(
    filters: object, filter_conjunction: object
) -> list[tuple[Mapping[str, Any], str, str]]:
    """The SDK's checks (non-empty list (or tuple) of dicts with only ROW_FILTER_KEYS, And/Or):
    each filter with its column name and predicate."""
    if isinstance(filters, (str, bytes)) or not isinstance(filters, Sequence) or not filters:
        raise InvalidInputError("filters must be a non-empty list of dicts")
    if filter_conjunction not in _CONJUNCTIONS:
        raise InvalidInputError(
            f"filter_conjunction must be 'And' or 'Or', got {filter_conjunction!r}"
        )
    items = []
    for index, raw in enumerate(filters):
        if not isinstance(raw, Mapping):
            raise InvalidInputError(f"filters[{index}] must be a dict, got {type(raw).__name__}")
        unknown = sorted(str(key) for key in raw if key not in ROW_FILTER_KEYS)
        if unknown:
            raise InvalidInputError(
                f"filters[{index}] has unknown keys {unknown}; allowed: {list(ROW_FILTER_KEYS)}"
            )
        name, predicate = raw.get("column_name"), raw.get("filter_predicate")
        if not isinstance(name, str) or not isinstance(predicate, str):
            raise InvalidInputError(
                f"filters[{index}] needs a column_name and a filter_predicate (strings)"
            )
        items.append((raw, name, predicate))
    return items


def filter_columns(filters: object, filter_conjunction: object) -> list[str]:
    """The column names `filters` name, once their shape is checked: what the SQL needs the
    metadata of, known before any request."""
    return [name for _, name, _ in _checked(filters, filter_conjunction)]


def _validated(
    filters: object, filter_conjunction: object, columns: Sequence[Column], today: date
) -> list[_Filter]:
    """The checked filters, each with its column and predicate."""
    return [
        _Filter(
            _column(columns, name),
            _PREDICATE_SPELLINGS.get(predicate, predicate),
            raw.get("filter_term"),
            raw.get("filter_term_modifier"),
            today,
        )
        for raw, name, predicate in _checked(filters, filter_conjunction)
    ]


def _filter_sql(item: _Filter) -> Sql | None:
    predicates = _predicates(item.column)
    render = predicates.get(item.predicate)
    if render is None:
        raise InvalidInputError(
            f"column {item.name!r} ({item.column.get('type')}) does not support the predicate "
            f"{item.predicate!r}; supported: {', '.join(predicates)}"
        )
    rendered = render(item)
    if rendered is None:
        return None
    template, params = rendered
    return template.format(c=_identifier(item.name, "column name")), params


def filters_to_sql(
    filters: Sequence[Mapping[str, Any]],
    filter_conjunction: str,
    table_name: str,
    columns: Sequence[Column],
    *,
    today: date | None = None,
) -> Sql:
    """``SELECT * FROM `table` WHERE ...`` for ``filter_rows`` filters, values as parameters.

    ``today`` (default: the local date) anchors relative date modifiers such as ``yesterday``."""
    items = _validated(filters, filter_conjunction, columns, today or date.today())
    params: list[object] = []
    fragments = []
    for item in items:
        rendered = _filter_sql(item)
        if rendered is not None:
            fragments.append(rendered[0])
            params.extend(rendered[1])
    where = _CONJUNCTIONS[filter_conjunction].join(fragments) if fragments else None
    return _select(table_name, where), params

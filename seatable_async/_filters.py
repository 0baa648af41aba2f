"""The official SDK's `filter` condition strings and `filter_rows` structured filters, turned
into parameterized SeaTable SQL so that filtering runs on the server (pure: no I/O).

User values only ever travel as `?` parameters; identifiers are backtick-quoted names taken
from the table's metadata, so nothing a caller types is pasted into the SQL text.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeAlias

from ._exceptions import InvalidInputError

__all__ = [
    "ROW_FILTER_KEYS",
    "Comparison",
    "Condition",
    "Junction",
    "condition_columns",
    "conditions_to_sql",
    "filter_columns",
    "filters_to_sql",
    "parse_conditions",
]

Column: TypeAlias = Mapping[str, Any]
"""One entry of a table's ``columns`` metadata: ``{"key", "name", "type", "data"}``."""
Sql: TypeAlias = tuple[str, list[object]]
"""A statement (or fragment) with ``?`` placeholders and the values they stand for."""

# ---------------------------------------------------------------------------------------------
# Condition strings: the grammar of the SDK's ``query.py``
# ---------------------------------------------------------------------------------------------

Operator: TypeAlias = Literal["=", "!=", "<", "<=", ">", ">=", "like"]


@dataclass(frozen=True)
class Comparison:
    """``column operator value``; ``position`` is where the column name starts."""

    column: str
    operator: Operator
    value: str
    position: int


@dataclass(frozen=True)
class Junction:
    """Two conditions joined by ``and``/``or``."""

    conjunction: Literal["and", "or"]
    left: Condition
    right: Condition


Condition: TypeAlias = Comparison | Junction

_TOKEN = re.compile(
    r"(?P<space>[ \t\n]+)|(?P<quoted>'[^']*')|(?P<word>[^=|!<>()/\s]+)"
    r"|(?P<operator>!=|<>|>=|<=|=|>|<)|(?P<paren>[()])"
)
"""The SDK lexer's tokens, tried in its order: a quote without its closing quote is a word."""
_KEYWORDS = {"and", "or", "like"}
"""Reserved words; lower case only, as in the SDK (``AND`` is an ordinary word)."""
_OPERATORS: dict[str, Operator] = {
    "=": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "like": "like",
}


@dataclass(frozen=True)
class _Token:
    kind: Literal["factor", "keyword", "operator"]
    text: str
    position: int


def _tokens(conditions: str) -> Iterator[_Token]:
    position = 0
    while position < len(conditions):
        match = _TOKEN.match(conditions, position)
        if match is None:
            char = conditions[position]
            raise InvalidInputError(
                f"conditions: illegal character {char!r} at position {position}"
            )
        kind, text = match.lastgroup, match.group()
        if kind == "paren":
            raise InvalidInputError(
                f"conditions: parentheses are not supported (position {position}); the "
                "official SDK's grammar has none: and/or apply left to right"
            )
        if kind == "quoted":
            yield _Token("factor", text[1:-1], position)
        elif kind == "word":
            yield _Token("keyword" if text in _KEYWORDS else "factor", text, position)
        elif kind == "operator":
            yield _Token("operator", text, position)
        position = match.end()


class _Parser:
    """Recursive descent over the token list; every error names the position it stopped at."""

    def __init__(self, conditions: str) -> None:
        self.tokens = list(_tokens(conditions))
        self.index = 0
        self.end = len(conditions)

    def _fail(self, expected: str) -> InvalidInputError:
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            found, position = repr(token.text), token.position
        else:
            found, position = "the end", self.end
        return InvalidInputError(
            f"conditions: expected {expected} at position {position}, found {found}"
        )

    def _take(self, kind: str, expected: str, texts: Sequence[str] = ()) -> _Token:
        token = self.tokens[self.index] if self.index < len(self.tokens) else None
        if token is None or token.kind != kind or (texts and token.text not in texts):
            raise self._fail(expected)
        self.index += 1
        return token

    def comparison(self) -> Comparison:
        column = self._take("factor", "a column name")
        operator = (
            self._take("keyword", "an operator (=, !=, <>, <, <=, >, >=, like)", ("like",))
            if self._peek_keyword("like")
            else self._take("operator", "an operator (=, !=, <>, <, <=, >, >=, like)")
        )
        value = self._take("factor", "a value")
        return Comparison(column.text, _OPERATORS[operator.text], value.text, column.position)

    def _peek_keyword(self, text: str) -> bool:
        token = self.tokens[self.index] if self.index < len(self.tokens) else None
        return token is not None and token.kind == "keyword" and token.text == text

    def conditions(self) -> Condition:
        tree: Condition = self.comparison()
        while self._peek_keyword("and") or self._peek_keyword("or"):
            conjunction: Literal["and", "or"] = (
                "and" if self.tokens[self.index].text == "and" else "or"
            )
            self.index += 1
            tree = Junction(conjunction, tree, self.comparison())
        if self.index < len(self.tokens):
            raise self._fail("'and', 'or' or the end")
        return tree


def parse_conditions(conditions: str) -> Condition | None:
    """Parse an SDK condition string; None for ``""`` (every row), as the SDK does.

    ``and`` and ``or`` bind equally and apply left to right; a factor is a bare word or a
    ``'quoted string'`` (no escapes); the left factor is always the column name."""
    if not isinstance(conditions, str):
        raise InvalidInputError(f"conditions must be a string, got {type(conditions).__name__}")
    if conditions == "":
        return None
    return _Parser(conditions).conditions()


# ---------------------------------------------------------------------------------------------
# Shared SQL pieces
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Condition strings → SQL: the SDK's ``column.py`` conversions, per column type
# ---------------------------------------------------------------------------------------------


def _sdk_number(text: str) -> object:
    """An int, or a float when the text has a dot, like the SDK's number column."""
    try:
        number: float = float(text) if "." in text else int(text)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise InvalidInputError(f"{text!r} is not a finite number")
    return number


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


_CHECKBOX_VALUES = {"": False, "true": True, "false": False}


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


def _bound(template: str) -> Callable[[object], Sql]:
    return lambda value: (template, [value])


def _truth(is_true: bool) -> Callable[[object], Sql]:
    """Checkbox ``= value`` (or ``!=`` with ``is_true`` False); an empty cell counts as false."""
    return lambda value: ("{c} IS TRUE" if bool(value) == is_true else "{c} IS NOT TRUE", [])


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


# ---------------------------------------------------------------------------------------------
# Structured filters (``filter_rows``): SeaTable's view filter model
# ---------------------------------------------------------------------------------------------

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

"""`seatable_async._filters`: the SDK's condition grammar, the SQL and parameters it becomes,
and that the emulator's SeaTable SQL picks the same rows the official SDK would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatable_async._exceptions import InvalidInputError
from seatable_async._filters import (
    Comparison,
    Junction,
    conditions_to_sql,
    filters_to_sql,
    parse_conditions,
)
from seatable_async.testing import Emulator

from .emulator.conftest import gateway_for

COLUMNS: list[dict[str, Any]] = [
    {"key": "0000", "name": "Name", "type": "text", "data": None},
    {"key": "0001", "name": "Age", "type": "number", "data": None},
    {"key": "0002", "name": "Done", "type": "checkbox", "data": None},
    {"key": "0003", "name": "Born", "type": "date", "data": None},
    {
        "key": "0004",
        "name": "Tags",
        "type": "multiple-select",
        "data": {"options": [{"id": "aaaa", "name": "red"}, {"id": "bbbb", "name": "blue"}]},
    },
    {
        "key": "0005",
        "name": "Status",
        "type": "single-select",
        "data": {"options": [{"id": "s001", "name": "open"}, {"id": "s002", "name": "closed"}]},
    },
    {"key": "0006", "name": "First Name", "type": "text", "data": None},
    {"key": "0007", "name": "Where", "type": "geolocation", "data": None},
    {"key": "0008", "name": "Score", "type": "formula", "data": {"result_type": "number"}},
]
SELECT = "SELECT * FROM `T`"


def sql(conditions: str) -> tuple[str, list[object]]:
    return conditions_to_sql(parse_conditions(conditions), "T", COLUMNS)


def where(conditions: str) -> str:
    text, _ = sql(conditions)
    assert text.startswith(SELECT + " WHERE ")
    return text.removeprefix(SELECT + " WHERE ")


# --- parsing -----------------------------------------------------------------------------


def test_a_comparison_keeps_column_operator_value_and_position() -> None:
    assert parse_conditions("  Name = 'Ada'") == Comparison("Name", "=", "Ada", 2)


def test_and_and_or_bind_equally_left_to_right_like_the_sdk() -> None:
    # query.py's ``merge`` rule is left-recursive with no precedence: (a or b) and c
    a, b, c = (Comparison("Name", "=", v, p) for v, p in (("a", 0), ("b", 12), ("c", 25)))
    assert parse_conditions("Name = a or Name = b and Name = c") == Junction(
        "and", Junction("or", a, b), c
    )


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ("'First Name' = 'A b'", Comparison("First Name", "=", "A b", 0)),
        ("Name='Ada'", Comparison("Name", "=", "Ada", 0)),
        ("Name = O'Brien", Comparison("Name", "=", "O'Brien", 0)),
        ("Name = 'open", Comparison("Name", "=", "'open", 0)),
        ("Name <> x", Comparison("Name", "!=", "x", 0)),
        ("Name like 'A%'", Comparison("Name", "like", "A%", 0)),
        ("Name =\tAda", Comparison("Name", "=", "Ada", 0)),
        ("Name = 'and'", Comparison("Name", "=", "and", 0)),
        ("Name = AND", Comparison("Name", "=", "AND", 0)),
        ("Age >= 3", Comparison("Age", ">=", "3", 0)),
    ],
)
def test_factors_are_bare_words_or_quoted_strings(conditions: str, expected: Comparison) -> None:
    assert parse_conditions(conditions) == expected


def test_empty_conditions_mean_every_row() -> None:
    assert parse_conditions("") is None
    assert conditions_to_sql(None, "T", COLUMNS) == (SELECT, [])


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ("Name = 'Ada' and (Age > 3)", "parentheses are not supported (position 17)"),
        ("Name = 'Ada' AND Age > 3", "expected 'and', 'or' or the end at position 13"),
        ("Name LIKE 'A%'", "expected an operator (=, !=, <>, <, <=, >, >=, like) at position 5"),
        ("Name = 'Ada' or", "expected a column name at position 15, found the end"),
        ("Name == 'Ada'", "expected a value at position 6, found '='"),
        ("Name = 'Ada' Age > 1", "expected 'and', 'or' or the end at position 13, found 'Age'"),
        ("Name = 'Ada'|", "illegal character '|' at position 12"),
        ("Name = a/b", "illegal character '/' at position 8"),
        ("Name = 'a'\r", "illegal character '\\r' at position 10"),
        ("   ", "expected a column name at position 3, found the end"),
        ("Name = 'x'' OR 1=1 --'", "at position 10, found ' OR 1=1 --'"),
        ("and = x", "expected a column name at position 0, found 'and'"),
    ],
)
def test_what_the_sdk_rejects_is_rejected_with_the_position(conditions: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^conditions: ") as info:
        parse_conditions(conditions)
    assert message in str(info.value)


def test_conditions_must_be_a_string() -> None:
    with pytest.raises(InvalidInputError, match="must be a string"):
        parse_conditions(None)  # type: ignore[arg-type]


# --- conditions to SQL -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "fragment", "params"),
    [
        ("Name = Ada", "`Name` = ?", ["Ada"]),
        ("Name != Ada", "(`Name` IS NULL OR `Name` <> ?)", ["Ada"]),
        ("Name = ''", "`Name` IS NULL", []),
        ("Name != ''", "`Name` IS NOT NULL", []),
        ("Name like 'Ad%'", "`Name` LIKE ?", ["Ad%"]),
        ("Name like '%da'", "`Name` LIKE ?", ["%da"]),
        ("Name like '%d%'", "`Name` LIKE ?", ["%d%"]),
        ("Name like 'A%x%a'", "(`Name` LIKE ? AND `Name` LIKE ?)", ["A%", "%a"]),
        ("Name like '%'", "(`Name` IS NULL OR `Name` IS NOT NULL)", []),
        ("Age = 36", "`Age` = ?", [36]),
        ("Age > 3.5", "`Age` > ?", [3.5]),
        ("Age <= ' 7'", "`Age` <= ?", [7]),
        ("Age != 36", "(`Age` IS NULL OR `Age` <> ?)", [36]),
        ("Age = ''", "`Age` IS NULL", []),
        ("Born >= 2024-01-31", "`Born` >= ?", ["2024-01-31 00:00:00"]),
        ("Born < '2024-01-31 9'", "`Born` < ?", ["2024-01-31 09:00:00"]),
        ("Born = '2024-1-31 9:05'", "`Born` = ?", ["2024-01-31 09:05:00"]),
        ("Done = true", "`Done` IS TRUE", []),
        ("Done = FALSE", "`Done` IS NOT TRUE", []),
        ("Done = ''", "`Done` IS NOT TRUE", []),
        ("Done != true", "`Done` IS NOT TRUE", []),
        ("Done != false", "`Done` IS TRUE", []),
        ("Tags = red", "`Tags` HAS ANY OF (?)", ["red"]),
        ("Tags != red", "`Tags` HAS NONE OF (?)", ["red"]),
        ("Tags = ''", "`Tags` IS NULL", []),
        ("Status = open", "`Status` = ?", ["open"]),
        ("'First Name' = Ada", "`First Name` = ?", ["Ada"]),
    ],
)
def test_each_operator_and_type_becomes_parameterized_sql(
    conditions: str, fragment: str, params: list[object]
) -> None:
    assert sql(conditions) == (f"{SELECT} WHERE {fragment}", params)


def test_mixed_junctions_are_parenthesized_in_the_sdk_order() -> None:
    assert sql("Name = a or Name = b and Age > 1 and Age < 9 or Age = 5") == (
        f"{SELECT} WHERE ((`Name` = ? OR `Name` = ?) AND `Age` > ? AND `Age` < ?) OR `Age` = ?",
        ["a", "b", 1, 9, 5],
    )


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ("Nope = 1", "no column named 'Nope' in this table (position 0)"),
        ("Name = a or _id = x", "no column named '_id' in this table (position 12)"),
        ("Name > A", "column 'Name' (position 0): text columns do not support '>'"),
        ("Name like Ada", "like needs a % in its pattern"),
        ("Name like 'a%b%'", "keeps a literal %"),
        ("Age = abc", "'abc' is not a number"),
        ("Age = 1e3", "'1e3' is not a number"),
        ("Age > ''", "'>' needs a value, not ''"),
        ("Age like '3%'", "number columns do not support 'like'"),
        ("Born = 2024-13-01", "is not a date"),
        ("Born = '2024-01-01 1:2:3:4'", "is not a date"),
        ("Done = yes", "'yes' is not a checkbox value"),
        ("Done > true", "checkbox columns do not support '>'"),
        ("Tags like 'r%'", "multiple-select columns do not support 'like'"),
        ("Where = x", "filter() cannot compare geolocation columns"),
    ],
)
def test_what_a_column_cannot_compare_is_refused(conditions: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        sql(conditions)
    assert message in str(info.value)


def test_names_with_a_backtick_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="backtick"):
        conditions_to_sql(None, "my`table", COLUMNS)
    columns = [{"key": "0", "name": "a`b", "type": "text", "data": None}]
    with pytest.raises(InvalidInputError, match="backtick"):
        conditions_to_sql(parse_conditions("'a`b' = x"), "T", columns)


def test_an_injection_attempt_is_a_syntax_error_or_a_parameter() -> None:
    with pytest.raises(InvalidInputError):
        sql("Name = 'x'' OR 1=1 --'")
    with pytest.raises(InvalidInputError, match="found 'OR'"):
        sql('Name = "x\' OR 1=1 --"')  # double quotes do not quote: OR is a stray word
    assert sql("Name = 'x\" OR 1=1; DROP TABLE T --'") == (
        f"{SELECT} WHERE `Name` = ?",
        ['x" OR 1=1; DROP TABLE T --'],
    )


QUOTABLE = st.text(st.characters(blacklist_characters="'", blacklist_categories=("Cs",)))
"""Anything a quoted SDK factor can hold: every character but the quote itself."""


@given(QUOTABLE)
def test_any_quoted_value_only_ever_becomes_a_parameter(value: str) -> None:
    text, params = sql(f"Name = '{value}'")
    if value:
        assert (text, params) == (f"{SELECT} WHERE `Name` = ?", [value])


@given(QUOTABLE.filter(lambda v: "%" not in v and v != ""))
def test_any_like_pattern_only_ever_becomes_a_parameter(value: str) -> None:
    assert sql(f"Name like '%{value}%'") == (f"{SELECT} WHERE `Name` LIKE ?", [f"%{value}%"])


@given(st.text())
def test_any_text_parses_or_fails_with_invalid_input(conditions: str) -> None:
    try:
        tree = parse_conditions(conditions)
    except InvalidInputError:
        return
    try:
        text, params = conditions_to_sql(tree, "T", COLUMNS)
    except InvalidInputError:
        return
    assert all(f"'{p}'" not in text for p in params)
    assert text.count("?") == len(params)


# --- filter_rows filters to SQL --------------------------------------------------------------

TODAY = date(2024, 3, 31)  # a Sunday, at the end of a 31-day month


def rows_sql(*filters: dict[str, Any], conjunction: str = "And") -> tuple[str, list[object]]:
    return filters_to_sql(list(filters), conjunction, "T", COLUMNS, today=TODAY)


def f(column: str, predicate: str, term: object = None, modifier: object = None) -> dict[str, Any]:
    item: dict[str, Any] = {"column_name": column, "filter_predicate": predicate}
    if term is not None:
        item["filter_term"] = term
    if modifier is not None:
        item["filter_term_modifier"] = modifier
    return item


@pytest.mark.parametrize(
    ("item", "fragment", "params"),
    [
        (f("Name", "contains", "da"), "`Name` ILIKE ?", ["%da%"]),
        (f("Name", "does_not_contain", "da"), "(`Name` IS NULL OR `Name` NOT ILIKE ?)", ["%da%"]),
        (f("Name", "is", "Ada"), "`Name` = ?", ["Ada"]),
        (f("Name", "is_not", "Ada"), "(`Name` IS NULL OR `Name` <> ?)", ["Ada"]),
        (f("Name", "is_empty"), "`Name` IS NULL", []),
        (f("Name", "is not empty"), "`Name` IS NOT NULL", []),
        (f("Age", "equal", "36"), "`Age` = ?", [36]),
        (f("Age", "not_equal", 36), "(`Age` IS NULL OR `Age` <> ?)", [36]),
        (f("Age", "less", 2.5), "`Age` < ?", [2.5]),
        (f("Age", "less_or_equal", "1:30"), "`Age` <= ?", [5400]),
        (f("Age", "greater", "-0:01:05"), "`Age` > ?", [-65]),
        (f("Age", "greater_or_equal", "7.5"), "`Age` >= ?", [7.5]),
        (f("Age", "is empty"), "`Age` IS NULL", []),
        (f("Score", "greater", 1), "`Score` > ?", [1]),
        (f("Status", "is", "s001"), "`Status` = ?", ["open"]),
        (f("Status", "is_not", "closed"), "(`Status` IS NULL OR `Status` <> ?)", ["closed"]),
        (f("Status", "is_any_of", ["s001", "s002"]), "`Status` IN (?, ?)", ["open", "closed"]),
        (
            f("Status", "is_none_of", ["s002"]),
            "(`Status` IS NULL OR `Status` NOT IN (?))",
            ["closed"],
        ),
        (f("Tags", "has_any_of", ["aaaa", "blue"]), "`Tags` HAS ANY OF (?, ?)", ["red", "blue"]),
        (f("Tags", "has_all_of", ["red"]), "`Tags` HAS ALL OF (?)", ["red"]),
        (f("Tags", "has_none_of", "red"), "`Tags` HAS NONE OF (?)", ["red"]),
        (f("Tags", "is_exactly", ["red", "blue"]), "`Tags` IS EXACTLY (?, ?)", ["red", "blue"]),
        (f("Tags", "is_empty"), "`Tags` IS NULL", []),
        (f("Done", "is", True), "`Done` IS TRUE", []),
        (f("Done", "is", "false"), "`Done` IS NOT TRUE", []),
        (f("Done", "is"), "`Done` IS NOT TRUE", []),
        (
            f("Born", "is", "2024-02-29", "exact_date"),
            "(`Born` >= ? AND `Born` < ?)",
            ["2024-02-29 00:00:00", "2024-03-01 00:00:00"],
        ),
        (
            f("Born", "is", "2024-02-29"),
            "(`Born` >= ? AND `Born` < ?)",
            ["2024-02-29 00:00:00", "2024-03-01 00:00:00"],
        ),
        (
            f("Born", "is_not", modifier="today"),
            "(`Born` < ? OR `Born` >= ?)",
            ["2024-03-31 00:00:00", "2024-04-01 00:00:00"],
        ),
        (f("Born", "is_before", modifier="yesterday"), "`Born` < ?", ["2024-03-30 00:00:00"]),
        (f("Born", "is_after", modifier="tomorrow"), "`Born` >= ?", ["2024-04-02 00:00:00"]),
        (
            f("Born", "is_on_or_before", modifier="one_week_ago"),
            "`Born` < ?",
            ["2024-03-25 00:00:00"],
        ),
        (
            f("Born", "is_on_or_after", modifier="one_month_ago"),
            "`Born` >= ?",
            ["2024-02-29 00:00:00"],
        ),
        (
            f("Born", "is", "3", "number_of_days_ago"),
            "(`Born` >= ? AND `Born` < ?)",
            ["2024-03-28 00:00:00", "2024-03-29 00:00:00"],
        ),
        (
            f("Born", "is_after", 2, "number_of_days_from_now"),
            "`Born` >= ?",
            ["2024-04-03 00:00:00"],
        ),
        (
            f("Born", "is_before", modifier="one_month_from_now"),
            "`Born` < ?",
            ["2024-04-30 00:00:00"],
        ),
        (
            f("Born", "is_within", modifier="the_past_week"),
            "(`Born` >= ? AND `Born` < ?)",
            ["2024-03-18 00:00:00", "2024-03-25 00:00:00"],
        ),
        (
            f("Born", "is_within", modifier="this_month"),
            "(`Born` >= ? AND `Born` < ?)",
            ["2024-03-01 00:00:00", "2024-04-01 00:00:00"],
        ),
        (
            f("Born", "is_within", modifier="the_next_year"),
            "(`Born` >= ? AND `Born` < ?)",
            ["2025-01-01 00:00:00", "2026-01-01 00:00:00"],
        ),
        (
            f("Born", "is_within", 3, "the_past_numbers_of_days"),
            "(`Born` >= ? AND `Born` < ?)",
            ["2024-03-28 00:00:00", "2024-04-01 00:00:00"],
        ),
        (f("Born", "is_empty"), "`Born` IS NULL", []),
    ],
)
def test_each_predicate_becomes_parameterized_sql(
    item: dict[str, Any], fragment: str, params: list[object]
) -> None:
    assert rows_sql(item) == (f"{SELECT} WHERE {fragment}", params)


def test_filters_join_with_the_conjunction_and_empty_terms_are_ignored() -> None:
    assert rows_sql(f("Name", "is", "a"), f("Age", "less", 3), conjunction="Or") == (
        f"{SELECT} WHERE `Name` = ? OR `Age` < ?",
        ["a", 3],
    )
    assert rows_sql(f("Name", "contains", ""), f("Age", "equal")) == (SELECT, [])


@pytest.mark.parametrize(
    ("filters", "conjunction", "message"),
    [
        ([], "And", "filters must be a non-empty list of dicts"),
        ({"column_name": "Name"}, "And", "filters must be a non-empty list of dicts"),
        (["Name"], "And", "filters[0] must be a dict"),
        ([f("Name", "is", "a") | {"case": 1}], "And", "filters[0] has unknown keys ['case']"),
        ([f("Name", "is", "a")], "and", "filter_conjunction must be 'And' or 'Or'"),
        ([{"column_name": "Name"}], "And", "needs a column_name and a filter_predicate"),
        ([f("Nope", "is", "a")], "And", "no column named 'Nope'"),
        ([f("Name", "equal", "a")], "And", "does not support the predicate 'equal'"),
        ([f("Name", "is_current_user_ID")], "And", "'is_current_user_ID'"),
        ([f("Where", "is_empty")], "And", "cannot filter geolocation columns"),
        ([f("Age", "equal", "x")], "And", "'x' is not a number"),
        ([f("Age", "equal", [1])], "And", "must be a finite number"),
        ([f("Name", "is", 3)], "And", "filter_term must be a string"),
        ([f("Tags", "has_any_of", [1])], "And", "list of non-empty strings"),
        ([f("Done", "is", "yes")], "And", "filter_term must be true or false"),
        ([f("Born", "is", modifier="someday")], "And", "filter_term_modifier must be one of"),
        ([f("Born", "is_within", modifier="today")], "And", "filter_term_modifier must be one"),
        ([f("Born", "is", "31.12.2024")], "And", "is not a date"),
        ([f("Born", "is", "x", "number_of_days_ago")], "And", "not a whole number of days"),
    ],
)
def test_invalid_filters_are_refused_naming_the_problem(
    filters: Any, conjunction: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        filters_to_sql(filters, conjunction, "T", COLUMNS, today=TODAY)
    assert message in str(info.value)


@given(st.text(), st.sampled_from(["contains", "does_not_contain", "is", "is_not"]))
def test_any_filter_term_only_ever_becomes_a_parameter(term: str, predicate: str) -> None:
    text, params = rows_sql(f("Name", predicate, term))
    if term:
        assert text.count("?") == 1
        assert params in ([term], [f"%{term}%"])
        assert text.removeprefix(SELECT).count("`Name`") >= 1


# --- against the emulator's SeaTable SQL -----------------------------------------------------

PEOPLE: list[dict[str, Any]] = [
    {
        "Name": "Ada",
        "Age": 36,
        "Done": True,
        "Born": "2024-01-31",
        "Tags": ["red", "blue"],
        "Status": "open",
    },
    {
        "Name": "Bob",
        "Age": 5,
        "Done": False,
        "Born": "2023-12-01",
        "Tags": ["blue"],
        "Status": "closed",
    },
    {"Name": "Cy"},
    {"Age": 40, "Tags": ["red"]},
    {"Name": "adam", "Age": 36.5},
]
EVERYONE = {"Ada", "Bob", "Cy", "", "adam"}


@pytest.fixture
def anyio_backend() -> str:
    """The SQL is the subject here, not the event loop."""
    return "asyncio"


@pytest.fixture
def people() -> Iterator[Emulator]:
    with Emulator() as emulator:
        emulator.add_table("T", [(c["name"], c["type"]) for c in COLUMNS[:6]])
        emulator.append_rows("T", PEOPLE)
        yield emulator


async def names(emulator: Emulator, statement: tuple[str, list[object]]) -> set[str]:
    text, params = statement
    async with gateway_for(emulator) as gw:
        response = await gw.sql(text, *params, convert_keys=True)
    assert response.status_code == 200, response.text
    return {row["Name"] or "" for row in response.json()["results"]}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ("Name = Ada", {"Ada"}),
        ("Name != Ada", EVERYONE - {"Ada"}),
        ("Name = ''", {""}),
        ("Name != ''", EVERYONE - {""}),
        ("Name like 'A%'", {"Ada"}),
        ("Name like '%a'", {"Ada"}),
        ("Name like '%d%'", {"Ada", "adam"}),
        ("Name like 'A%a'", {"Ada"}),
        ("Name like '%'", EVERYONE),
        ("Age > 30", {"Ada", "", "adam"}),
        ("Age >= 36.5", {"", "adam"}),
        ("Age != 36", EVERYONE - {"Ada"}),
        ("Age = ''", {"Cy"}),
        ("Done = true", {"Ada"}),
        ("Done = false", EVERYONE - {"Ada"}),
        ("Done != false", {"Ada"}),
        ("Born >= 2024-01-01", {"Ada"}),
        ("Born < 2024-01-01", {"Bob"}),
        ("Born = 2024-01-31", {"Ada"}),
        ("Born > 2024-01-31", set()),
        ("Born != ''", {"Ada", "Bob"}),
        ("Tags = red", {"Ada", ""}),
        ("Tags != red", {"Bob", "Cy", "adam"}),
        ("Tags = ''", {"Cy", "adam"}),
        ("Status = open", {"Ada"}),
        ("Status != open", EVERYONE - {"Ada"}),
        ("Name = Ada or Age > 30 and Age < 39", {"Ada", "adam"}),
        ("Name = Bob or Name = Cy and Age = ''", {"Cy"}),
    ],
)
async def test_the_emulator_runs_the_sql_and_picks_the_sdk_rows(
    people: Emulator, conditions: str, expected: set[str]
) -> None:
    assert await names(people, sql(conditions)) == expected


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([f("Name", "contains", "DA")], {"Ada", "adam"}),
        ([f("Name", "does_not_contain", "da")], {"Bob", "Cy", ""}),
        ([f("Name", "is", "Ada")], {"Ada"}),
        ([f("Name", "is_not", "Ada")], EVERYONE - {"Ada"}),
        ([f("Name", "is_empty")], {""}),
        ([f("Age", "equal", "36")], {"Ada"}),
        ([f("Age", "not_equal", 36)], EVERYONE - {"Ada"}),
        ([f("Age", "greater", 30)], {"Ada", "", "adam"}),
        ([f("Age", "less_or_equal", 5)], {"Bob"}),
        ([f("Status", "is", "s001")], {"Ada"}),
        ([f("Status", "is_any_of", ["open", "s002"])], {"Ada", "Bob"}),
        ([f("Status", "is_none_of", ["closed"])], EVERYONE - {"Bob"}),
        ([f("Done", "is", True)], {"Ada"}),
        ([f("Done", "is", False)], EVERYONE - {"Ada"}),
        ([f("Born", "is", "2024-01-31")], {"Ada"}),
        ([f("Born", "is_not", "2024-01-31")], {"Bob"}),
        ([f("Born", "is_before", "2024-01-31")], {"Bob"}),
        ([f("Born", "is_after", "2024-01-30")], {"Ada"}),
        ([f("Born", "is_on_or_before", "2024-01-31")], {"Ada", "Bob"}),
        ([f("Born", "is_on_or_after", "2024-01-31")], {"Ada"}),
        ([f("Born", "is_within", modifier="the_past_month")], {"Ada"}),
        ([f("Born", "is_empty")], {"Cy", "", "adam"}),
        ([f("Tags", "has_any_of", ["aaaa"])], {"Ada", ""}),
        ([f("Tags", "is_not_empty")], {"Ada", "Bob", ""}),
        ([f("Name", "is", "Bob"), f("Age", "greater", 39)], set()),
    ],
)
async def test_the_emulator_runs_the_filter_rows_sql(
    people: Emulator, filters: list[dict[str, Any]], expected: set[str]
) -> None:
    statement = filters_to_sql(filters, "And", "T", COLUMNS, today=date(2024, 2, 15))
    assert await names(people, statement) == expected


@pytest.mark.anyio
async def test_the_emulator_runs_or_filters(people: Emulator) -> None:
    filters = [f("Name", "is", "Bob"), f("Age", "greater", 39)]
    assert await names(people, filters_to_sql(filters, "Or", "T", COLUMNS)) == {"Bob", ""}

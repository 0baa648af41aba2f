"""SQL paging: truncation caps, page statements, refusals, and paging the emulator's tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatable_async import InvalidInputError
from seatable_async._sql_paging import (
    DEFAULT_ROWS,
    MAX_ROWS,
    Page,
    Pager,
    plan_pages,
    truncation_cap,
    truncation_message,
)
from seatable_async.testing import Emulator

from .emulator.conftest import Gateway, gateway_for


@pytest.mark.parametrize(
    ("sql", "parameters", "cap"),
    [
        ("SELECT * FROM T", None, 100),
        ("select Name from T where Name = 'x LIMIT 5'", None, 100),
        ("SELECT * FROM T -- LIMIT 5", None, 100),
        ("SELECT * FROM T /* LIMIT 5 */", None, 100),
        ("SELECT * FROM T # LIMIT 5", None, 100),
        ("SELECT * FROM `LIMIT`", None, 100),
        ("SELECT * FROM T OFFSET 5", None, 100),
        ("SELECT * FROM T LIMIT 100", None, None),
        ("SELECT * FROM T LIMIT 10000", None, None),
        ("SELECT * FROM T LIMIT 10001", None, 10_000),
        ("SELECT * FROM T LIMIT 20000 OFFSET 5", None, 10_000),
        ("SELECT * FROM T LIMIT 5, 20000;", None, 10_000),
        ("SELECT * FROM T OFFSET 5 LIMIT 50", None, None),
        ("SELECT * FROM T WHERE a = ? LIMIT ?", ["x", 50], None),
        ("SELECT * FROM T WHERE a = ? LIMIT ?", ["x", 50_000], 10_000),
        ("SELECT * FROM T LIMIT ?", None, 10_000),
        ("SELECT * FROM T LIMIT 10 FOR UPDATE", None, 10_000),
        ("SELECT * FROM T WHERE a = 'x", None, 10_000),
        ("SELECT COUNT(*) FROM T", None, 100),
        ("UPDATE T SET a = 1", None, None),
        ("DELETE FROM T", None, None),
        ("INSERT INTO T (a) VALUES (1)", None, None),
        ("", None, None),
    ],
)
def test_truncation_cap(sql: str, parameters: list[object] | None, cap: int | None) -> None:
    assert truncation_cap(sql, parameters) == cap


def test_truncation_cap_follows_a_raised_maximum() -> None:
    assert truncation_cap("SELECT * FROM T LIMIT 30000", max_rows=50_000) is None
    assert truncation_cap("SELECT * FROM T LIMIT 60000", max_rows=50_000) == 50_000


@pytest.mark.parametrize(("cap", "reason"), [(100, "without LIMIT"), (10_000, "the most")])
def test_truncation_message_names_the_cap_and_query_all(cap: int, reason: str) -> None:
    message = truncation_message(cap)
    assert f"exactly {cap} rows" in message
    assert reason in message
    assert "query_all()" in message


@pytest.mark.parametrize(
    ("sql", "page"),
    [
        ("SELECT * FROM T", "SELECT * FROM T ORDER BY _id LIMIT 1000 OFFSET 0"),
        ("  select *\nfrom T  ;  ", "select *\nfrom T ORDER BY _id LIMIT 1000 OFFSET 0"),
        (
            "SELECT Name FROM T ORDER BY Age DESC",
            "SELECT Name FROM T ORDER BY Age DESC, _id LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT Name FROM T ORDER BY _id DESC, Age",
            "SELECT Name FROM T ORDER BY _id DESC, Age LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT Name FROM T t ORDER BY t.`_id`",
            "SELECT Name FROM T t ORDER BY t.`_id` LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT * FROM T WHERE a = 'ORDER BY x LIMIT 3' ORDER BY a",
            "SELECT * FROM T WHERE a = 'ORDER BY x LIMIT 3' ORDER BY a, _id LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT * FROM T WHERE a = 'it''s \\' LIMIT 3' AND b = \"-- \\\" LIMIT\"",
            "SELECT * FROM T WHERE a = 'it''s \\' LIMIT 3' AND b = \"-- \\\" LIMIT\" "
            "ORDER BY _id LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT `Order By`, `a``b` FROM `My Table` WHERE `LIMIT` > 1",
            "SELECT `Order By`, `a``b` FROM `My Table` WHERE `LIMIT` > 1 "
            "ORDER BY _id LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT * /* ORDER BY x */ FROM T -- LIMIT 5\nWHERE a = 1 # OFFSET 2",
            "SELECT * /* ORDER BY x */ FROM T -- LIMIT 5\nWHERE a = 1 "
            "ORDER BY _id LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT Age--1 FROM T",
            "SELECT Age--1 FROM T ORDER BY _id LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT IFNULL(a, 'x') FROM T WHERE b IN (1, 2) ORDER BY abs(c)",
            "SELECT IFNULL(a, 'x') FROM T WHERE b IN (1, 2) ORDER BY abs(c), _id "
            "LIMIT 1000 OFFSET 0",
        ),
        ("SELECT * FROM T LIMIT 5", "SELECT * FROM T ORDER BY _id LIMIT 5 OFFSET 0"),
        ("SELECT * FROM T LIMIT 20, 5", "SELECT * FROM T ORDER BY _id LIMIT 5 OFFSET 20"),
        ("SELECT * FROM T limit 5 offset 20", "SELECT * FROM T ORDER BY _id LIMIT 5 OFFSET 20"),
        ("SELECT * FROM T OFFSET 20 LIMIT 5", "SELECT * FROM T ORDER BY _id LIMIT 5 OFFSET 20"),
        ("SELECT * FROM T OFFSET 20", "SELECT * FROM T ORDER BY _id LIMIT 1000 OFFSET 20"),
        (
            "SELECT Age, COUNT(*) AS n FROM T GROUP BY Age",
            "SELECT Age, COUNT(*) AS n FROM T GROUP BY Age ORDER BY Age LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT a, b, SUM(c) FROM T GROUP BY a, `b` HAVING SUM(c) > 1 ORDER BY SUM(c) DESC, b",
            "SELECT a, b, SUM(c) FROM T GROUP BY a, `b` HAVING SUM(c) > 1 "
            "ORDER BY SUM(c) DESC, b, a LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT c.Name, COUNT(*) FROM Contacts c, Orders o WHERE c.Name = o.Name "
            "GROUP BY c.Name",
            "SELECT c.Name, COUNT(*) FROM Contacts c, Orders o WHERE c.Name = o.Name "
            "GROUP BY c.Name ORDER BY c.Name LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT DISTINCT City, UPPER(x) AS u FROM T ORDER BY `City`",
            "SELECT DISTINCT City, UPPER(x) AS u FROM T ORDER BY `City`, u LIMIT 1000 OFFSET 0",
        ),
        (
            "SELECT DISTINCT * FROM T",
            "SELECT DISTINCT * FROM T ORDER BY _id LIMIT 1000 OFFSET 0",
        ),
        ("SELECT COUNT(*) FROM T", "SELECT COUNT(*) FROM T LIMIT 1000 OFFSET 0"),
        ("SELECT ROUND(AVG(a)) FROM T", "SELECT ROUND(AVG(a)) FROM T LIMIT 1000 OFFSET 0"),
    ],
)
def test_first_page_sql(sql: str, page: str) -> None:
    first = plan_pages(sql, page_size=1000).first()
    assert first is not None
    assert first.sql == page


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE T SET a = 1", "SELECT statements only"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "SELECT statements only"),
        ("(SELECT * FROM T)", "SELECT statements only"),
        ("", "SELECT statements only"),
        ("SELECT * FROM T; SELECT * FROM U", "more than one statement"),
        ("SELECT * FROM T; DELETE FROM T", "more than one statement"),
        ("SELECT a FROM T UNION SELECT a FROM U", "does not support UNION"),
        ("SELECT a FROM T except SELECT a FROM U", "does not support EXCEPT"),
        ("SELECT * FROM T WHERE a IN (SELECT b FROM U)", "subqueries"),
        ("SELECT * FROM A, B WHERE A.x = B.y", "cannot page a join"),
        ("SELECT * FROM A JOIN B ON A.x = B.y", "cannot page a join"),
        ("SELECT 1", "has no FROM"),
        ("SELECT * FROM T WHERE a = 'x", "unterminated string at character 26"),
        ("SELECT * FROM `T", "unterminated `name`"),
        ("SELECT * /* FROM T", "unterminated /* comment"),
        ("SELECT COUNT(x FROM T", "unbalanced '('"),
        ("SELECT x) FROM T", "unbalanced ')'"),
        ("SELECT * FROM T LIMIT 10 FOR UPDATE", "cannot read the statement's LIMIT/OFFSET"),
        ("SELECT * FROM T LIMIT -1", "cannot read the statement's LIMIT/OFFSET"),
        ("SELECT * FROM T LIMIT 2.5", "cannot read the statement's LIMIT/OFFSET"),
        ("SELECT * FROM T LIMIT 1 WHERE a = 1", "WHERE stands out of place"),
        ("SELECT * FROM T ORDER BY a WHERE b = 1", "WHERE stands out of place"),
        ("SELECT * FROM T WHERE a = 1 WHERE b = 1", "WHERE stands out of place"),
        ("SELECT * FROM T ORDER a", "ORDER must be followed by BY"),
        ("SELECT DISTINCT UPPER(x) FROM T", "give it a name with AS"),
        ("SELECT DISTINCT Name n FROM T", "give it a name with AS"),
        ("SELECT IF(a > ?, 1, 0), COUNT(*) FROM T GROUP BY IF(a > ?, 1, 0)", "cannot repeat"),
    ],
)
def test_refusals_say_why(sql: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        plan_pages(sql, [1, 1])
    assert message in str(caught.value)


def test_a_grouped_expression_with_a_parameter_may_be_ordered_by_the_caller() -> None:
    flag = "IF(a > ?, 1, 0)"
    sql = f"SELECT {flag}, COUNT(*) FROM T GROUP BY {flag} ORDER BY {flag}"
    first = plan_pages(sql, [1, 1, 1]).first()
    assert first is not None
    assert first.sql == sql + " LIMIT 10000 OFFSET 0"


@pytest.mark.parametrize("page_size", [0, -1, 10_001, True, 2.5])
def test_page_size_must_fit_in_one_answer(page_size: Any) -> None:
    with pytest.raises(InvalidInputError, match="page_size"):
        plan_pages("SELECT * FROM T", page_size=page_size)


def test_a_raised_maximum_allows_bigger_pages() -> None:
    first = plan_pages("SELECT * FROM T", page_size=50_000, max_rows=50_000).first()
    assert first is not None
    assert first.limit == 50_000


def test_limit_placeholders_are_resolved_and_dropped_from_the_parameters() -> None:
    pager = plan_pages("SELECT * FROM T WHERE a = ? LIMIT ? OFFSET ?", ["x", 25, 3], page_size=10)
    pages = list(_walk(pager, total=1_000))
    assert [(p.offset, p.limit) for p in pages] == [(3, 10), (13, 10), (23, 5)]
    assert {p.parameters for p in pages} == {("x",)}
    assert pages[0].sql == "SELECT * FROM T WHERE a = ? ORDER BY _id LIMIT 10 OFFSET 3"


@pytest.mark.parametrize("bound", [[], ["x"], ["x", -1], ["x", True], ["x", "5"], ["x", 2.0]])
def test_a_limit_placeholder_needs_a_whole_number(bound: list[object]) -> None:
    with pytest.raises(InvalidInputError, match=r"parameter 2\) must be bound"):
        plan_pages("SELECT * FROM T WHERE a = ? LIMIT ?", bound)


def test_parameters_pass_through_unchanged_without_limit_placeholders() -> None:
    assert plan_pages("SELECT * FROM T").parameters is None
    assert plan_pages("SELECT * FROM T WHERE a = ?", ["x"]).parameters == ("x",)


def test_a_short_page_ends_the_paging() -> None:
    pager = plan_pages("SELECT * FROM T", page_size=100)
    first = pager.first()
    assert first is not None
    second = pager.next(first, 100)
    assert second is not None
    assert (second.offset, second.limit) == (100, 100)
    assert pager.next(second, 99) is None


def test_the_window_end_stops_without_another_request() -> None:
    pager = plan_pages("SELECT * FROM T LIMIT 200", page_size=100)
    assert [(p.offset, p.limit) for p in _walk(pager, total=10_000)] == [(0, 100), (100, 100)]


def test_limit_zero_has_no_page() -> None:
    assert plan_pages("SELECT * FROM T LIMIT 0").first() is None


def _walk(pager: Pager, total: int) -> Iterator[Page]:
    """The pages a server holding `total` rows makes the pager ask for."""
    page = pager.first()
    while page is not None:
        yield page
        page = pager.next(page, max(0, min(page.limit, total - page.offset)))


@settings(max_examples=300)
@given(
    total=st.integers(0, 300),
    offset=st.none() | st.integers(0, 300),
    count=st.none() | st.integers(0, 300),
    page_size=st.integers(1, 50),
)
def test_pages_cover_the_window_exactly_once(
    total: int, offset: int | None, count: int | None, page_size: int
) -> None:
    tail = "" if count is None else f" LIMIT {count}"
    tail += "" if offset is None else f" OFFSET {offset}"
    start = offset or 0
    stop = total if count is None else min(total, start + count)
    fetched: list[int] = []
    for page in _walk(plan_pages("SELECT * FROM T" + tail, page_size=page_size), total):
        fetched.extend(range(page.offset, min(page.offset + page.limit, total)))
    assert fetched == list(range(start, stop))


def _single_quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _double_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _backticked(text: str) -> str:
    return "`" + text.replace("`", "``") + "`"


_PIECES = [*"'\"`\\;()?#-/*, \n\tab", "LIMIT", "ORDER BY", "OFFSET", "--", "/*", "*/"]
_TRICKY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(max_size=30)
_LITERALS = st.one_of(_TRICKY.map(_single_quoted), _TRICKY.map(_double_quoted))
_NAMES = _TRICKY.filter(bool).map(_backticked)


@settings(max_examples=300)
@given(column=_NAMES, table=_NAMES, literal=_LITERALS, ordered=st.booleans())
def test_literals_and_names_never_break_the_detection(
    column: str, table: str, literal: str, ordered: bool
) -> None:
    body = f"SELECT {column} FROM {table} WHERE {column} = {literal}"
    order = f" ORDER BY {column}" if ordered else ""
    pager = plan_pages(f"{body}{order} LIMIT 30 OFFSET 7", page_size=20)
    first = pager.first()
    assert first is not None
    suffix = ", _id" if ordered else " ORDER BY _id"
    assert first.sql == f"{body}{order}{suffix} LIMIT 20 OFFSET 7"
    assert truncation_cap(body) == DEFAULT_ROWS
    assert truncation_cap(f"{body} LIMIT 20000") == MAX_ROWS


@settings(max_examples=200)
@given(text=st.text(max_size=30))
def test_comments_never_break_the_detection(text: str) -> None:
    block = "/*" + text.replace("*/", "* /") + "*/"
    line = "-- " + text.replace("\n", " ")
    sql = f"SELECT {block} Name FROM T WHERE a = 1 {line}\nORDER BY Name {line}"
    first = plan_pages(sql, page_size=10).first()
    assert first is not None
    assert first.sql == f"SELECT {block} Name FROM T WHERE a = 1 {line}\nORDER BY Name, _id" + (
        " LIMIT 10 OFFSET 0"
    )


ROWS = 2_500


@pytest.fixture
def big_table() -> Iterator[Emulator]:
    """2,500 rows whose `Group` (three values) is shared by many rows."""
    with Emulator() as emulator:
        emulator.add_table("Big", [("Name", "text"), ("Group", "number")])
        emulator.append_rows("Big", [{"Name": f"row {i}", "Group": i % 3} for i in range(ROWS)])
        yield emulator


async def _fetch(
    gw: Gateway, sql: str, parameters: Sequence[object] | None = None, page_size: int = 1000
) -> tuple[list[dict[str, Any]], int]:
    """Every row the pages answer, and how many requests that took."""
    pager = plan_pages(sql, parameters, page_size=page_size)
    rows: list[dict[str, Any]] = []
    requests = 0
    page = pager.first()
    while page is not None:
        response = await gw.sql(page.sql, *(page.parameters or ()))
        assert response.status_code == 200, response.text
        answer = response.json()["results"]
        requests += 1
        rows.extend(answer)
        page = pager.next(page, len(answer))
    return rows, requests


@pytest.mark.anyio
async def test_paging_returns_every_row_once_in_a_stable_order(big_table: Emulator) -> None:
    ids = sorted(row["_id"] for row in big_table.rows("Big"))
    expected = sorted(big_table.rows("Big"), key=lambda row: (row["Group"], row["_id"]))
    async with gateway_for(big_table) as gw:
        plain, requests = await _fetch(gw, "SELECT * FROM Big")
        grouped, _ = await _fetch(gw, "SELECT Name, `Group`, _id FROM Big ORDER BY `Group`")
        again, _ = await _fetch(gw, "SELECT Name, `Group`, _id FROM Big ORDER BY `Group`")
    assert [row["_id"] for row in plain] == ids
    assert requests == 3
    assert [row["Name"] for row in grouped] == [row["Name"] for row in expected]
    assert again == grouped


@pytest.mark.anyio
async def test_paging_honours_the_statements_window(big_table: Emulator) -> None:
    async with gateway_for(big_table) as gw:
        everything, _ = await _fetch(gw, "SELECT Name FROM Big ORDER BY `Group` DESC")
        window, requests = await _fetch(
            gw, "SELECT Name FROM Big ORDER BY `Group` DESC LIMIT ? OFFSET ?", [1500, 600]
        )
    assert window == everything[600:2100]
    assert requests == 2


@pytest.mark.anyio
async def test_paging_groups_and_distinct_values(big_table: Emulator) -> None:
    async with gateway_for(big_table) as gw:
        groups, requests = await _fetch(
            gw, "SELECT `Group`, COUNT(*) AS n FROM Big GROUP BY `Group`", page_size=2
        )
        distinct, _ = await _fetch(gw, "SELECT DISTINCT `Group` FROM Big", page_size=1)
        counted, _ = await _fetch(gw, "SELECT COUNT(*) AS n FROM Big", page_size=1)
    assert groups == [{"Group": 0, "n": 834}, {"Group": 1, "n": 833}, {"Group": 2, "n": 833}]
    assert requests == 2
    assert distinct == [{"Group": 0}, {"Group": 1}, {"Group": 2}]
    assert counted == [{"n": ROWS}]


@pytest.mark.anyio
async def test_the_emulator_cuts_answers_at_the_caps_truncation_cap_names(
    big_table: Emulator,
) -> None:
    big_table.append_rows("Big", [{"Name": "more", "Group": 9}] * (MAX_ROWS - ROWS + 1))
    statements = ["SELECT Name FROM Big", "SELECT Name FROM Big LIMIT 20000"]
    async with gateway_for(big_table) as gw:
        for sql in statements:
            answer = (await gw.sql(sql)).json()["results"]
            assert len(answer) == truncation_cap(sql)
        exact = (await gw.sql("SELECT Name FROM Big LIMIT 10000")).json()["results"]
    assert len(exact) == MAX_ROWS
    assert truncation_cap("SELECT Name FROM Big LIMIT 10000") is None

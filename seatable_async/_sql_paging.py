"""SQL paging without I/O: where SeaTable may have cut a SELECT's answer, and the page
statements that fetch all its rows in a stable order; statements are read with MySQL's rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ._exceptions import InvalidInputError

__all__ = [
    "DEFAULT_ROWS",
    "MAX_ROWS",
    "Page",
    "Pager",
    "plan_pages",
    "truncation_cap",
    "truncation_message",
]

DEFAULT_ROWS = 100
"""Rows SeaTable returns for a SELECT without LIMIT."""
MAX_ROWS = 10_000
"""Most rows SeaTable returns for one SELECT, whatever its LIMIT (some servers raise it)."""

_LEXICON: tuple[tuple[str, str], ...] = (
    ("space", r"\s+"),
    ("comment", r"/\*.*?\*/|#[^\n]*|--(?=\s|\Z)[^\n]*"),
    ("string", r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\""),
    ("name", r"`(?:[^`]|``)*`"),
    ("unterminated", r"['\"`]|/\*"),
    ("number", r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"),
    ("word", r"[^\W\d][\w$]*"),
    ("placeholder", r"\?"),
    ("open", r"\("),
    ("close", r"\)"),
    ("comma", r","),
    ("dot", r"\."),
    ("end", r";"),
    ("symbol", r"."),
)
"""MySQL's lexical rules, first match wins; every character falls in some token."""
_TOKEN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _LEXICON), re.DOTALL)
_SKIPPED = frozenset({"space", "comment"})
_OPENERS = {"'": "string", '"': "string", "`": "`name`", "/*": "/* comment"}

_CLAUSES = {"FROM": 1, "WHERE": 2, "GROUP": 3, "HAVING": 4, "ORDER": 5, "LIMIT": 6, "OFFSET": 6}
"""Top-level clause keywords and the order SeaTable's SELECT syntax puts them in."""
_TWO_WORDS = {"GROUP", "ORDER"}
"""Clause keywords that SQL follows with BY."""
_SET_OPERATIONS = frozenset({"UNION", "INTERSECT", "EXCEPT"})
_AGGREGATES = frozenset({"COUNT", "SUM", "MAX", "MIN", "AVG"})
"""SeaTable's aggregation functions: without GROUP BY, a SELECT using one returns one row."""
_DIRECTIONS = frozenset({"ASC", "DESC"})
_TAIL_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("LIMIT", "n"): ("count",),
    ("LIMIT", "n", ",", "n"): ("offset", "count"),
    ("LIMIT", "n", "OFFSET", "n"): ("count", "offset"),
    ("OFFSET", "n"): ("offset",),
    ("OFFSET", "n", "LIMIT", "n"): ("offset", "count"),
}
"""The LIMIT/OFFSET forms SeaTable reads (MySQL's, and its own OFFSET-first order), by shape."""
_ROW_ID = "_id"
"""SeaTable's hidden row id column: unique per row of a table, so it makes any order total."""
_WHY_CUT = {DEFAULT_ROWS: "SeaTable's default for a SELECT without LIMIT"}


@dataclass(frozen=True)
class _Token:
    """A significant token: its kind, its text, where it stands and how deep in parentheses."""

    kind: str
    text: str
    start: int
    end: int
    depth: int

    def is_word(self, *words: str) -> bool:
        """Whether the token is one of `words` (upper-case keywords), in any case."""
        return self.kind == "word" and self.text.upper() in words


@dataclass(frozen=True)
class _Window:
    """The rows a statement's own LIMIT/OFFSET asks for, and where its LIMIT/OFFSET begins."""

    offset: int
    count: int | None
    tail: int
    placeholders: int
    """How many `?` stand before the tail: the parameters the rest of the statement binds."""


@dataclass(frozen=True)
class Page:
    """One page to fetch: the statement and parameters to send, and the rows it asks for."""

    sql: str
    parameters: tuple[object, ...] | None
    offset: int
    limit: int


@dataclass(frozen=True)
class Pager:
    """Successive pages of one ordered statement, within the window its own LIMIT/OFFSET sets:
    `first()`, then `next(page, received)` until a short page or the window's end gives None."""

    statement: str
    parameters: tuple[object, ...] | None
    page_size: int
    start: int = 0
    stop: int | None = None

    def first(self) -> Page | None:
        """The first page, or None when the statement's window holds no rows."""
        return self._page(self.start)

    def next(self, page: Page, received: int) -> Page | None:
        """The page after `page`, which answered `received` rows; None when none is left."""
        if received < page.limit:
            return None
        return self._page(page.offset + page.limit)

    def _page(self, offset: int) -> Page | None:
        left = self.page_size if self.stop is None else self.stop - offset
        limit = min(self.page_size, left)
        if limit <= 0:
            return None
        sql = f"{self.statement} LIMIT {limit} OFFSET {offset}"
        return Page(sql, self.parameters, offset, limit)


def truncation_cap(
    sql: str, parameters: Sequence[object] | None = None, *, max_rows: int = MAX_ROWS
) -> int | None:
    """The row count at which SeaTable may have cut a SELECT's answer, None if it asked for no
    more: 100 without LIMIT, `max_rows` for a larger or unreadable LIMIT, None for other SQL."""
    tokens, problem = _tokenize(sql)
    if not tokens or not tokens[0].is_word("SELECT"):
        return None
    try:
        if problem is not None:
            raise InvalidInputError(problem)
        count = _window(_one_statement(tokens), parameters).count
    except InvalidInputError:
        return max_rows
    served = min(DEFAULT_ROWS if count is None else count, max_rows)
    return served if count is None or served < count else None


def truncation_message(cap: int) -> str:
    """The warning for an answer of exactly `cap` rows (a cap from `truncation_cap`)."""
    why = _WHY_CUT.get(cap, "the most SeaTable returns for one SELECT")
    return (
        f"the SQL answer holds exactly {cap} rows, {why}, so rows may be missing; "
        "use query_all() or iter_query() to get every row"
    )


def plan_pages(
    sql: str,
    parameters: Sequence[object] | None = None,
    *,
    page_size: int | None = None,
    max_rows: int = MAX_ROWS,
) -> Pager:
    """The pages (of `max_rows` by default) that fetch every row of a SELECT once, in an order
    that tells rows apart; InvalidInputError says why and what to do where that is not safe."""
    page_size = max_rows if page_size is None else page_size
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise InvalidInputError("page_size must be an integer")
    if not 1 <= page_size <= max_rows:
        raise InvalidInputError(
            f"page_size must be between 1 and {max_rows}: SeaTable answers at most {max_rows} "
            "rows, and a page it cut short would end the paging early"
        )
    tokens, problem = _tokenize(sql)
    if problem is not None:
        raise InvalidInputError(f"cannot read the SQL statement: {problem}")
    statement = _one_statement(tokens)
    _check_pageable(statement)
    starts = _clause_starts(statement)
    window = _window(statement, parameters)
    body = statement[: window.tail]
    ordered = sql[body[0].start : body[-1].end] + _order_suffix(sql, body, starts)
    bound = None if parameters is None else tuple(parameters[: window.placeholders])
    stop = None if window.count is None else window.offset + window.count
    return Pager(ordered, bound, page_size, window.offset, stop)


def _tokenize(sql: str) -> tuple[list[_Token], str | None]:
    """The significant tokens, and what makes the statement unreadable (None if nothing)."""
    tokens: list[_Token] = []
    depth = 0
    for match in _TOKEN.finditer(sql):
        kind = str(match.lastgroup)
        if kind in _SKIPPED:
            continue
        if kind == "unterminated":
            return tokens, f"unterminated {_OPENERS[match.group()]} at character {match.start()}"
        if kind == "close":
            depth -= 1
            if depth < 0:
                return tokens, f"unbalanced ')' at character {match.start()}"
        tokens.append(_Token(kind, match.group(), match.start(), match.end(), depth))
        if kind == "open":
            depth += 1
    if depth:
        return tokens, "unbalanced '(': a ')' is missing"
    return tokens, None


def _one_statement(tokens: list[_Token]) -> list[_Token]:
    """The tokens of the only statement, without the `;` that may end it."""
    ends = [index for index, token in enumerate(tokens) if token.kind == "end"]
    if ends and any(token.kind != "end" for token in tokens[ends[0] :]):
        raise InvalidInputError(
            "the SQL holds more than one statement; send one statement per call"
        )
    return tokens[: ends[0]] if ends else tokens


def _check_pageable(statement: list[_Token]) -> None:
    """Refuse what SeaTable does not run or what paging by LIMIT/OFFSET would get wrong."""
    if not statement or not statement[0].is_word("SELECT"):
        raise InvalidInputError(
            "query_all and iter_query page SELECT statements only; "
            "run INSERT, UPDATE and DELETE with query()"
        )
    for token in statement:
        if token.depth > 0 and token.is_word("SELECT"):
            raise InvalidInputError("SeaTable does not support subqueries; use one flat SELECT")
        if token.depth == 0 and token.is_word(*_SET_OPERATIONS):
            raise InvalidInputError(
                f"SeaTable does not support {token.text.upper()}; "
                "query each SELECT on its own and combine the rows in Python"
            )


def _clause_starts(statement: list[_Token]) -> dict[str, int]:
    """Where each top-level clause keyword stands, checked to be in SeaTable's order."""
    starts: dict[str, int] = {}
    rank = 0
    for index, token in enumerate(statement):
        word = token.text.upper()
        if token.depth > 0 or token.kind != "word" or word not in _CLAUSES:
            continue
        if word in _TWO_WORDS:
            following = statement[index + 1] if index + 1 < len(statement) else None
            if following is None or not following.is_word("BY"):
                raise InvalidInputError(f"{word} must be followed by BY")
        if _CLAUSES[word] == _CLAUSES["LIMIT"]:
            starts.setdefault(word, index)
            rank = _CLAUSES[word]
            continue
        if _CLAUSES[word] <= rank:
            raise InvalidInputError(
                f"{word} stands out of place; SeaTable's SELECT order is "
                "FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET"
            )
        starts[word] = index
        rank = _CLAUSES[word]
    if "FROM" not in starts:
        raise InvalidInputError("the SELECT has no FROM: there is no table to page through")
    return starts


def _window(statement: list[_Token], parameters: Sequence[object] | None) -> _Window:
    """The statement's own LIMIT/OFFSET, with `?` values taken from `parameters`."""
    tail = next(
        (
            index
            for index, token in enumerate(statement)
            if token.depth == 0 and token.is_word("LIMIT", "OFFSET")
        ),
        len(statement),
    )
    placeholders = sum(1 for token in statement[:tail] if token.kind == "placeholder")
    shape = tuple(_shape(token) for token in statement[tail:])
    if not shape:
        return _Window(0, None, tail, placeholders)
    roles = _TAIL_SHAPES.get(shape)
    if roles is None:
        raise InvalidInputError(
            "cannot read the statement's LIMIT/OFFSET; write LIMIT <count> OFFSET <start> "
            "with whole numbers or ? at the end of the statement"
        )
    values = [token for token in statement[tail:] if _shape(token) == "n"]
    numbers: dict[str, int] = {}
    index = placeholders
    for role, token in zip(roles, values, strict=True):
        numbers[role] = _number(token, index, parameters)
        index += token.kind == "placeholder"
    return _Window(numbers.get("offset", 0), numbers.get("count"), tail, placeholders)


def _shape(token: _Token) -> str:
    """A token as the LIMIT/OFFSET grammar sees it: n for a number or `?`, else its text."""
    if token.kind == "placeholder" or (token.kind == "number" and token.text.isdigit()):
        return "n"
    return token.text.upper()


def _number(token: _Token, index: int, parameters: Sequence[object] | None) -> int:
    """A LIMIT/OFFSET value: a literal, or the parameter `index` bound to a `?`."""
    if token.kind == "number":
        return int(token.text)
    value = parameters[index] if parameters is not None and index < len(parameters) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(
            f"the ? in LIMIT/OFFSET (parameter {index + 1}) must be bound to a whole number >= 0"
        )
    return value


def _order_suffix(sql: str, body: list[_Token], starts: dict[str, int]) -> str:
    """What to add to the body so that its ORDER BY ends in a key that is unique per row."""
    order = _items(body, starts, "ORDER")
    present = {_normal(_strip_direction(item)) for item in order}
    keys = [key for key in _unique_keys(sql, body, starts) if _normal_text(key) not in present]
    if _ROW_ID in keys and any(_is_row_id(_strip_direction(item)) for item in order):
        keys.remove(_ROW_ID)
    if not keys:
        return ""
    repeated = next((key for key in keys if "?" in _normal_text(key)), None)
    if repeated is not None:
        raise InvalidInputError(
            f"cannot repeat {repeated!r} in ORDER BY: its ? would need its parameter twice; "
            "add it to the ORDER BY yourself, with the parameter given again"
        )
    if "ORDER" not in starts:
        return " ORDER BY " + ", ".join(keys)
    return ", " + ", ".join(keys)


def _unique_keys(sql: str, body: list[_Token], starts: dict[str, int]) -> list[str]:
    """Expressions whose values tell the answer's rows apart: what ORDER BY must cover."""
    if "GROUP" in starts:
        return [_text(sql, item) for item in _items(body, starts, "GROUP")]
    selected = body[1 : starts["FROM"]]
    distinct = bool(selected) and selected[0].is_word("DISTINCT", "DISTINCTROW")
    if any(
        token.is_word(*_AGGREGATES) and following.kind == "open"
        for token, following in pairwise(selected)
    ):
        return []
    columns = _split(selected[1:] if distinct else selected)
    if distinct and not any(_is_star(item) for item in columns):
        return [_distinct_key(sql, item) for item in columns]
    tables = _segment(body, starts, "FROM")
    if any(t.depth == 0 and (t.kind == "comma" or t.is_word("JOIN")) for t in tables):
        raise InvalidInputError(
            "cannot page a join: its rows have no single _id to order by; page each table on "
            "its own, or add GROUP BY over columns that tell the rows apart"
        )
    return [_ROW_ID]


def _distinct_key(sql: str, item: list[_Token]) -> str:
    """The name ORDER BY uses for one DISTINCT column: its AS alias or the column itself."""
    if len(item) >= 3 and item[-2].is_word("AS"):
        return item[-1].text
    if _is_column(item):
        return _text(sql, item)
    raise InvalidInputError(
        f"cannot order by the DISTINCT expression {_text(sql, item)!r}; give it a name with "
        "AS so the pages can be ordered by it"
    )


def _segment(body: list[_Token], starts: dict[str, int], clause: str) -> list[_Token]:
    """The tokens of one clause, after its keyword(s), up to the next clause."""
    if clause not in starts:
        return []
    begin = starts[clause] + (2 if clause in _TWO_WORDS else 1)
    later = [index for index in starts.values() if index > starts[clause]]
    return body[begin : min(later, default=len(body))]


def _items(body: list[_Token], starts: dict[str, int], clause: str) -> list[list[_Token]]:
    """The comma-separated items of one clause."""
    return _split(_segment(body, starts, clause))


def _split(tokens: list[_Token]) -> list[list[_Token]]:
    """Top-level tokens split at their commas; an empty list gives no items."""
    items: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind == "comma" and token.depth == 0:
            items.append([])
        else:
            items[-1].append(token)
    return [item for item in items if item]


def _strip_direction(item: list[_Token]) -> list[_Token]:
    """An ORDER BY item without its ASC or DESC."""
    return item[:-1] if len(item) > 1 and item[-1].is_word(*_DIRECTIONS) else item


def _is_column(item: list[_Token]) -> bool:
    """Whether the tokens are a column reference: `name` or `table.name`."""
    kinds = [token.kind for token in item]
    return kinds in (["word"], ["name"]) or (
        len(kinds) == 3 and kinds[1] == "dot" and {kinds[0], kinds[2]} <= {"word", "name"}
    )


def _is_row_id(item: list[_Token]) -> bool:
    """Whether the tokens name the hidden `_id` column, maybe with its table."""
    return _is_column(item) and _unquote(item[-1]) == _ROW_ID


def _is_star(item: list[_Token]) -> bool:
    """Whether a select item is `*` or `table.*`."""
    return item[-1].text == "*" and (len(item) == 1 or item[-2].kind == "dot")


def _unquote(token: _Token) -> str:
    """A name token's name: backticks removed and doubled backticks undone."""
    return token.text[1:-1].replace("``", "`") if token.kind == "name" else token.text


def _normal(item: list[_Token]) -> tuple[str, ...]:
    """Tokens compared as names, so that `Age` and Age match; case is kept (names keep it)."""
    return tuple(_unquote(token) for token in item)


def _normal_text(text: str) -> tuple[str, ...]:
    """`_normal` of an expression given as text."""
    return _normal(_tokenize(text)[0])


def _text(sql: str, item: list[_Token]) -> str:
    """The statement's own text for a run of tokens, comments inside it included."""
    return sql[item[0].start : item[-1].end]

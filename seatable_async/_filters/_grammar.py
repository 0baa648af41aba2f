"""The official SDK's condition strings (`filter`): tokens, grammar and the tree they parse to."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from .._exceptions import InvalidInputError

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

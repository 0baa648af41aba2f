"""SeaTable's SQL semantics, written into the parsed statement before it becomes SQLite.

From SeaTable's developer docs (``docs/sql/select.md``, ``docs/sql/limitations.md``): ``LIKE``
is case-sensitive and ``ILIKE`` is not; dates compare as times; ``=``, ``!=`` and ``LIKE`` on a
list column use its first element (``LIKE`` an empty string when there is none); the list
operators ``HAS ANY OF``, ``HAS ALL OF``, ``HAS NONE OF`` and ``IS EXACTLY``; and in ``WHERE``,
``!=``, ``NOT LIKE``, ``NOT IN``, ``NOT BETWEEN`` are true for NULL while ``NOT`` treats NULL as
false.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from sqlglot import Token, TokenType, exp

from ._errors import gateway_error
from ._sql_functions import FIRST, INSTANT, LIKE, LIST_OP, LIST_OPERATORS, RESERVED_PREFIX

__all__ = [
    "ColumnType",
    "apply_comparison_rules",
    "apply_null_rules",
    "mark_list_operators",
    "refuse_reserved_functions",
]

ColumnType = Callable[[exp.Column], str | None]
"""The SeaTable type of a column ref (None when it is not a column, e.g. a SELECT alias)."""

_LIST_OPERATOR_WORDS: dict[tuple[str, ...], str] = {
    ("HAS", "ANY", "OF"): "has_any_of",
    ("HAS", "ALL", "OF"): "has_all_of",
    ("HAS", "NONE", "OF"): "has_none_of",
    ("IS", "EXACTLY"): "is_exactly",
}
"""The words of each list operator, before its parenthesised values."""
_MARKERS = {f"{RESERVED_PREFIX}{name}": name for name in LIST_OPERATORS}
"""``x HAS ANY OF (a, b)`` is parsed as ``x = emulator_has_any_of(a, b)``, then rewritten."""

_FAMILIES = {
    "date": "date",
    "ctime": "date",
    "mtime": "date",
    "multiple-select": "list",
    "collaborator": "list",
    "image": "list",
}
"""Column types whose comparisons SeaTable does not do on the stored SQLite value."""
_ORDERINGS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Between)
"""Comparisons where a date column compares as a time."""
_FIRST_ELEMENT = (exp.EQ, exp.NEQ)
"""Comparisons where a list column compares by its first element."""


def _is_word(sql: str, token: Token, word: str) -> bool:
    """Whether ``token`` is the bare word (not a string or a backticked name) ``word``."""
    return sql[token.start : token.end + 1].upper() == word


def _operator_at(sql: str, tokens: Sequence[Token], index: int) -> tuple[str, int] | None:
    """(list operator, its word count) if one starts at ``tokens[index]``, before a ``(``."""
    for words, operator in _LIST_OPERATOR_WORDS.items():
        window = tokens[index : index + len(words) + 1]
        if (
            len(window) == len(words) + 1
            and all(_is_word(sql, t, w) for t, w in zip(window, words, strict=False))
            and window[-1].token_type == TokenType.L_PAREN
        ):
            return operator, len(words)
    return None


def refuse_reserved_functions(sql: str, tokens: Sequence[Token]) -> None:
    """A statement may not call the functions the translation writes (400, as unknown)."""
    for token, after in itertools.pairwise(tokens):
        name = sql[token.start : token.end + 1]
        if name.lower().startswith(RESERVED_PREFIX) and after.token_type == TokenType.L_PAREN:
            raise gateway_error(400, f"no such function: {name}")


def mark_list_operators(sql: str, tokens: Sequence[Token]) -> str:
    """The statement with each list operator spelt as a marker call sqlglot can parse; works on
    the token stream, so operator words inside strings or backticks stay as they are."""
    pieces: list[str] = []
    copied = index = 0
    while index < len(tokens):
        found = _operator_at(sql, tokens, index)
        if found is None:
            index += 1
            continue
        operator, words = found
        pieces += [sql[copied : tokens[index].start], f"= {RESERVED_PREFIX}{operator}"]
        copied = tokens[index + words - 1].end + 1
        index += words
    return "".join(pieces) + sql[copied:]


def _call(name: str, *arguments: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(arguments))


def _family(node: exp.Expression, column_type: ColumnType) -> str | None:
    if not isinstance(node, exp.Column):
        return None
    kind = column_type(node)
    return _FAMILIES.get(kind or "")


_OPERANDS: dict[type[exp.Expression], tuple[str, ...]] = {
    exp.Between: ("this", "low", "high"),
    exp.In: ("this", "expressions"),
}
"""Where a comparison keeps its operands (``this`` and ``expression`` unless listed)."""


def _operands(node: exp.Expression) -> list[exp.Expression]:
    values = [node.args.get(key) for key in _OPERANDS.get(type(node), ("this", "expression"))]
    found = [o for v in values for o in (v if isinstance(v, list) else [v])]
    return [o for o in found if isinstance(o, exp.Expression)]


def _map_operands(node: exp.Expression, change: Callable[[exp.Expression], exp.Expression]) -> None:
    """Replace each operand of a comparison by ``change(operand)``."""
    for key in _OPERANDS.get(type(node), ("this", "expression")):
        value = node.args.get(key)
        if isinstance(value, list):
            node.set(key, [change(o) for o in value])
        elif isinstance(value, exp.Expression):
            node.set(key, change(value))


def _comparison(node: exp.Expression, column_type: ColumnType) -> exp.Expression:
    """Dates compare as times; lists by their first element under ``=`` and ``!=``."""
    families = {_family(o, column_type) for o in _operands(node)}
    if "date" in families and isinstance(node, _ORDERINGS):
        _map_operands(node, lambda o: _call(INSTANT, o.copy()))
    elif "list" in families and isinstance(node, _FIRST_ELEMENT):
        _map_operands(
            node,
            lambda o: _call(FIRST, o.copy()) if _family(o, column_type) == "list" else o,
        )
    return node


def _list_operator(node: exp.EQ, column_type: ColumnType) -> exp.Expression:
    """``x = emulator_has_any_of(a, b)`` (a marked list operator) as a list-op call."""
    marker = node.expression
    if not isinstance(marker, exp.Anonymous) or str(marker.this).lower() not in _MARKERS:
        return _comparison(node, column_type)
    cell = node.this.copy()
    if _family(node.this, column_type) != "list":
        cell = exp.Anonymous(this="json_array", expressions=[cell])
    operator = exp.Literal.string(_MARKERS[str(marker.this).lower()])
    return _call(LIST_OP, operator, cell, *(e.copy() for e in marker.expressions))


def _like_call(
    node: exp.Like | exp.ILike, column_type: ColumnType, escape: exp.Expression | None
) -> exp.Expression:
    """``LIKE`` / ``ILIKE`` (``NOT`` too) as a call of the case-aware like function."""
    value = node.this.copy()
    if _family(node.this, column_type) == "list":
        value = exp.Coalesce(this=_call(FIRST, value), expressions=[exp.Literal.string("")])
    flag = exp.Literal.number(int(isinstance(node, exp.ILike)))
    extra = [escape.copy()] if escape is not None else []
    call = _call(LIKE, value, node.expression.copy(), flag, *extra)
    return exp.Not(this=call) if node.args.get("negate") else call


def _like(node: exp.Like | exp.ILike, column_type: ColumnType) -> exp.Expression:
    """A ``LIKE`` without ``ESCAPE`` (with one, the enclosing Escape node rewrites it)."""
    if isinstance(node.parent, exp.Escape):
        return node
    return _like_call(node, column_type, None)


def _escape(node: exp.Escape, column_type: ColumnType) -> exp.Expression:
    """``x LIKE p ESCAPE e``."""
    like = node.this
    if not isinstance(like, (exp.Like, exp.ILike)):
        return node
    return _like_call(like, column_type, node.expression)


_COMPARISON_RULES: dict[type[exp.Expression], Callable[..., exp.Expression]] = {
    exp.EQ: _list_operator,
    **{kind: _comparison for kind in _ORDERINGS if kind is not exp.EQ},
    exp.Like: _like,
    exp.ILike: _like,
    exp.Escape: _escape,
}
"""Node type → its rewrite; the rewrite returns the node itself when nothing changes."""
_NULL_RULES: dict[type[exp.Expression], Callable[[exp.Expression], exp.Expression]] = {
    exp.NEQ: lambda n: exp.Coalesce(this=n.copy(), expressions=[exp.Literal.number(1)]),
    exp.Not: lambda n: exp.Not(
        this=exp.Coalesce(this=n.this.copy(), expressions=[exp.Literal.number(0)])
    ),
}
"""WHERE's NULL rules: ``!=`` is true for NULL, ``NOT`` reads NULL as false (so ``NOT LIKE``,
``NOT IN``, ``NOT BETWEEN`` are true for NULL)."""


def _rewrite(
    root: exp.Expression,
    rules: dict[type[exp.Expression], Callable[[exp.Expression], exp.Expression]],
) -> exp.Expression:
    """Apply ``rules`` children first; returns the root, which a rule may have replaced."""
    for node in reversed(list(root.find_all(exp.Expression, bfs=False))):
        rule = rules.get(type(node))
        if rule is None:
            continue
        new = rule(node)
        if new is node:
            continue
        if node is root:
            root = new
        else:
            node.replace(new)
    return root


def _bound(
    rule: Callable[[exp.Expression, ColumnType], exp.Expression], column_type: ColumnType
) -> Callable[[exp.Expression], exp.Expression]:
    return lambda node: rule(node, column_type)


def apply_comparison_rules(root: exp.Expression, column_type: ColumnType) -> exp.Expression:
    """Write SeaTable's comparison semantics into ``root`` (before its columns are renamed)."""
    rules = {kind: _bound(rule, column_type) for kind, rule in _COMPARISON_RULES.items()}
    return _rewrite(root, rules)


def apply_null_rules(root: exp.Expression) -> exp.Expression:
    """Write SeaTable's NULL semantics into a WHERE clause."""
    return _rewrite(root, _NULL_RULES)

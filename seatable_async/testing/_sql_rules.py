"""SeaTable's SQL semantics, written into the parsed statement before it becomes SQLite.

From SeaTable's developer docs (``docs/sql/select.md``, ``docs/sql/limitations.md``): ``LIKE``
is case-sensitive and ``ILIKE`` is not; dates compare as times.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from sqlglot import Token, TokenType, exp

from ._errors import gateway_error
from ._sql_functions import INSTANT, LIKE, RESERVED_PREFIX

__all__ = [
    "ColumnType",
    "apply_comparison_rules",
    "refuse_reserved_functions",
]

ColumnType = Callable[[exp.Column], str | None]
"""The SeaTable type of a column ref (None when it is not a column, e.g. a SELECT alias)."""

_FAMILIES = {
    "date": "date",
    "ctime": "date",
    "mtime": "date",
}
"""Column types whose comparisons SeaTable does not do on the stored SQLite value."""
_ORDERINGS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Between)
"""Comparisons where a date column compares as a time."""


def refuse_reserved_functions(sql: str, tokens: Sequence[Token]) -> None:
    """A statement may not call the functions the translation writes (400, as unknown)."""
    for token, after in itertools.pairwise(tokens):
        name = sql[token.start : token.end + 1]
        if name.lower().startswith(RESERVED_PREFIX) and after.token_type == TokenType.L_PAREN:
            raise gateway_error(400, f"no such function: {name}")


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
    """Dates compare as times."""
    families = {_family(o, column_type) for o in _operands(node)}
    if "date" in families and isinstance(node, _ORDERINGS):
        _map_operands(node, lambda o: _call(INSTANT, o.copy()))
    return node


def _like_call(
    node: exp.Like | exp.ILike, column_type: ColumnType, escape: exp.Expression | None
) -> exp.Expression:
    """``LIKE`` / ``ILIKE`` (``NOT`` too) as a call of the case-aware like function."""
    value = node.this.copy()
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
    **{kind: _comparison for kind in _ORDERINGS},
    exp.Like: _like,
    exp.ILike: _like,
    exp.Escape: _escape,
}
"""Node type → its rewrite; the rewrite returns the node itself when nothing changes."""


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

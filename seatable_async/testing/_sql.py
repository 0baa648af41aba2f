"""The ``sql/`` endpoint: SeaTable's SQL dialect translated to SQLite through the sqlglot AST.

Statements are parsed as MySQL (SeaTable's dialect), checked against SeaTable's documented
restrictions, then rewritten node by node: table names become the emulator's SQLite tables and
column names become ``c_<key>`` columns. ``?`` placeholders stay placeholders and are bound as
SQLite parameters; no user text is ever pasted into generated SQL. Where SeaTable's semantics
are not SQLite's (case-sensitive ``LIKE``, dates as times, list operators, NULL in ``WHERE``),
``_sql_rules`` rewrites the tree first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.errors import ParseError, TokenError

from ._cells import column_source, decode_cells
from ._errors import gateway_error
from ._http import EncodedJSON, encode_object, encode_rows
from ._sql_rules import (
    apply_comparison_rules,
    apply_null_rules,
    mark_list_operators,
    refuse_reserved_functions,
)
from ._store import (
    LINK_CELL_MAX,
    SYSTEM_COLUMN_TYPES,
    SYSTEM_RENDER,
    Base,
    Json,
    Store,
)

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "run_sql"]

DEFAULT_LIMIT = 100
"""Rows a SELECT without LIMIT returns."""
MAX_LIMIT = 10_000
"""Most rows one SELECT returns."""

_DIALECT = sqlglot.Dialect.get_or_raise("mysql")
_CONSTANTS = (exp.Literal, exp.Boolean, exp.Null, exp.Placeholder)
_FORBIDDEN_TOKENS = {
    TokenType.JOIN: "JOIN is not supported, use an implicit join: SELECT ... FROM T1, T2 WHERE ...",
    TokenType.UNION: "UNION is not supported",
}


@dataclass(frozen=True)
class _Output:
    """One result column: its key in the response and, for plain column refs, its source."""

    label: str
    table: Json | None
    column: Json | None
    system_field: str | None
    alias: str | None = None

    @property
    def is_link(self) -> bool:
        """Whether the output is a link column (its cells come from the link store)."""
        return self.column is not None and self.column["type"] == "link"


class _Scope:
    """The tables a statement reads, with the generated SQLite aliases ``t0``, ``t1``, ..."""

    def __init__(self, store: Store, base: Base, tree: exp.Expression) -> None:
        self.store = store
        self.base = base
        self.entries: list[tuple[str, str, Json]] = []
        for index, node in enumerate(list(tree.find_all(exp.Table))):
            table = next((t for t in base.tables if t["name"] == node.name), None)
            if table is None:
                raise gateway_error(400, f"no such table: {node.name}")
            alias = f"t{index}"
            self.entries.append((node.alias_or_name, alias, table))
            node.replace(_aliased_table(store, base, table, alias))

    def resolve(self, node: exp.Column) -> tuple[str, Json, Json | None, str | None]:
        """(SQLite alias, table, column or None, system field or None) for a column ref."""
        qualifier = node.table
        candidates = [e for e in self.entries if not qualifier or e[0] == qualifier]
        if qualifier and not candidates:
            raise gateway_error(400, f"no such table: {qualifier}")
        for _, alias, table in candidates:
            if node.name in SYSTEM_COLUMN_TYPES:
                return alias, table, None, node.name
            column = next((c for c in table["columns"] if c["name"] == node.name), None)
            if column is not None:
                return alias, table, column, None
        raise gateway_error(400, f"no such column: {node.name}")

    def column_type(self, node: exp.Column, keep: set[str]) -> str | None:
        """SeaTable type of a column ref; None for a name in ``keep`` (a SELECT alias)."""
        if isinstance(node.this, exp.Star) or (not node.table and node.name in keep):
            return None
        _, _, column, system = self.resolve(node)
        return column["type"] if column is not None else SYSTEM_COLUMN_TYPES.get(system or "")


def _aliased_table(store: Store, base: Base, table: Json, alias: str) -> exp.Table:
    return exp.Table(
        this=exp.to_identifier(store.sqlite_name(base, table), quoted=True),
        alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)),
    )


def _ref(alias: str, storage: str) -> exp.Column:
    return exp.column(
        exp.to_identifier(storage, quoted=True),
        table=exp.to_identifier(alias, quoted=True),
        copy=False,  # both identifiers are new: a copy of each was a tenth of a statement's work
    )


def _check_restrictions(sql: str, parameters: Sequence[object]) -> list[Token]:
    """SeaTable's documented refusals, checked on the token stream (returned)."""
    try:
        tokens = _DIALECT.tokenize(sql)
    except TokenError as exc:
        raise gateway_error(400, f"SQL syntax error: {exc}") from exc
    for token in tokens:
        message = _FORBIDDEN_TOKENS.get(token.token_type)
        if message is not None:
            raise gateway_error(400, message)
    placeholders = sum(1 for t in tokens if t.token_type == TokenType.PLACEHOLDER)
    if placeholders != len(parameters):
        raise gateway_error(
            400, f"SQL has {placeholders} placeholders but {len(parameters)} parameters were given"
        )
    return tokens


def _parse(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read="mysql") if s is not None]
    except ParseError as exc:
        raise gateway_error(400, f"SQL syntax error: {exc.errors[0]['description']}") from exc
    if len(statements) != 1:
        raise gateway_error(400, "exactly one SQL statement is required")
    tree = statements[0]
    if not isinstance(tree, exp.Expression):
        raise gateway_error(400, "unsupported SQL statement")
    if any(True for _ in tree.find_all(exp.Union, exp.Intersect, exp.Except)):
        raise gateway_error(400, "UNION is not supported")
    nested = [n for n in tree.find_all(exp.Select, exp.Subquery, exp.Exists) if n is not tree]
    if nested:
        raise gateway_error(400, "subqueries are not supported")
    return tree


def _constant(node: exp.Expression, params: list[object], clause: str) -> Any:
    """The Python value of a constant in UPDATE SET / INSERT VALUES (no functions allowed)."""
    if isinstance(node, exp.Tuple):
        return [_constant(item, params, clause) for item in node.expressions]
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and node.this.is_number:
        return -_constant(node.this, params, clause)
    if not isinstance(node, _CONSTANTS):
        raise gateway_error(
            400, f"Functions and expressions are not supported in {clause}, use constant values"
        )
    if isinstance(node, exp.Placeholder):
        return params.pop(0)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    literal: exp.Literal = node
    if literal.is_string:
        return literal.this
    number = float(literal.this)
    return int(number) if number.is_integer() and "." not in literal.this else number


def _rewrite_columns(tree: exp.Expression, scope: _Scope, keep: set[str]) -> None:
    """Replace every SeaTable column ref by its SQLite column (aliases in ``keep`` stay)."""
    for node in list(tree.find_all(exp.Column)):
        if isinstance(node.this, exp.Star):
            continue
        if not node.table and node.name in keep:
            continue
        alias, _, column, system = scope.resolve(node)
        node.replace(_ref(alias, system or column_source(column or {})))


def _translate(
    part: exp.Expression, scope: _Scope, keep: set[str], *, where: bool = False
) -> exp.Expression:
    """``part`` with SeaTable's semantics written in (NULL rules for a WHERE) and SQLite
    column refs; returns its root, which a rule may replace."""
    part = apply_comparison_rules(part, lambda node: scope.column_type(node, keep))
    if where:
        part = apply_null_rules(part)
    _rewrite_columns(part, scope, keep)
    return part


def _envelope(metadata: list[Json], results: list[Json] | EncodedJSON, is_join: bool) -> Json:
    return {
        "metadata": metadata,
        "results": results,
        "success": True,
        "error_message": "",
        "is_join_stmt": is_join,
    }


def _column_metadata(output: _Output) -> Json:
    if output.column is not None:
        column = output.column
        return {
            "key": column["key"],
            "name": column["name"],
            "type": column["type"],
            "data": column.get("data"),
        }
    kind = SYSTEM_COLUMN_TYPES.get(output.system_field or "", "text")
    return {"key": output.label, "name": output.label, "type": kind, "data": None}


def _select(
    store: Store,
    base: Base,
    tree: exp.Select,
    params: list[object],
    *,
    keys: bool,
    server_only: bool,
) -> EncodedJSON:
    scope = _Scope(store, base, tree)
    user_aliases = {a.alias for a in tree.expressions if isinstance(a, exp.Alias)}
    outputs: list[_Output] = []
    projections: list[exp.Expression] = []
    for node in tree.expressions:
        star_table = node.table if isinstance(node, exp.Column) else None
        if isinstance(node, exp.Star) or (
            isinstance(node, exp.Column) and isinstance(node.this, exp.Star)
        ):
            for name, alias, table in scope.entries:
                if star_table and star_table != name:
                    continue
                for field in SYSTEM_COLUMN_TYPES:
                    outputs.append(_Output(field, table, None, field, alias))
                    projections.append(_ref(alias, field))
                for column in table["columns"]:
                    label = column["key"] if keys else column["name"]
                    outputs.append(_Output(label, table, column, None, alias))
                    projections.append(_ref(alias, column_source(column)))
            continue
        inner = node.this if isinstance(node, exp.Alias) else node
        if isinstance(inner, exp.Column):
            alias, table, column, system = scope.resolve(inner)
            if isinstance(node, exp.Alias):
                label = node.alias
            else:
                label = system or (column["key"] if keys and column else inner.name)
            outputs.append(_Output(label, table, column, system, alias))
            projections.append(_ref(alias, system or column_source(column or {})))
            continue
        label = node.alias if isinstance(node, exp.Alias) else node.sql(dialect="mysql")
        outputs.append(_Output(label, None, None, None))
        projections.append(_translate(inner, scope, user_aliases))
    aliased = [
        exp.alias_(p, f"o{index}", quoted=True, copy=False) for index, p in enumerate(projections)
    ]
    grouped = tree.args.get("group") is not None or bool(tree.args.get("distinct"))
    link_aliases = [] if grouped else sorted({o.alias for o in outputs if o.is_link and o.alias})
    aliased += [exp.alias_(_ref(a, "_id"), f"id_{a}", quoted=True) for a in link_aliases]
    tree.set("expressions", aliased)
    for clause in ("where", "group", "having", "order"):
        part = tree.args.get(clause)
        if part is not None:
            keep = {f"o{i}" for i in range(len(outputs))} | user_aliases
            _translate(part, scope, keep, where=clause == "where")
    _rename_alias_refs(tree, outputs)
    if server_only:
        for _, alias, _ in scope.entries:
            tree = tree.where(
                exp.EQ(this=_ref(alias, "_archived"), expression=exp.Literal.number(0))
            )
    limit = tree.args.get("limit")
    if limit is None:
        tree.set("limit", exp.Limit(expression=exp.Literal.number(DEFAULT_LIMIT)))
    records = _run_statement(store, _sqlite(tree), params, max_rows=MAX_LIMIT)
    cells: list[Sequence[Any]] = [[] for _ in outputs]
    if records:  # rendered column by column, then encoded as rows
        by_output = list(zip(*records, strict=True))[: len(outputs)]
        pairs = zip(outputs, by_output, strict=True)
        cells = [_output_cells(output, stored) for output, stored in pairs]
    by_label = dict(zip((output.label for output in outputs), cells, strict=True))
    by_label.update(_link_cells(store, base, outputs, link_aliases, records))
    results = encode_rows(list(by_label), list(by_label.values()))
    metadata = [_column_metadata(o) for o in outputs]
    return encode_object(_envelope(metadata, results, len(scope.entries) > 1))


def _output_cells(output: _Output, stored: Sequence[object]) -> Sequence[Any]:
    """One output column of every record, rendered as the gateway renders its cells."""
    if output.column is not None:
        return decode_cells(stored, output.column)
    convert = SYSTEM_RENDER.get(output.system_field or "")
    return stored if convert is None else convert(stored)


def _link_cells(
    store: Store,
    base: Base,
    outputs: list[_Output],
    link_aliases: list[str],
    records: list[Any],
) -> dict[str, list[Any]]:
    """The cells of each link output by its label: link cells are not stored in the row, so
    they are looked up by the hidden ``_id`` columns (a label they share answers them)."""
    filled: dict[str, list[Any]] = {}
    for output in outputs:
        table, column = output.table, output.column
        if not output.is_link or output.alias not in link_aliases or not table or not column:
            continue
        index = len(outputs) + link_aliases.index(output.alias)
        row_ids = [str(record[index]) for record in records]
        cells = store.linked(base, table, column, row_ids)
        filled[output.label] = [cells[row_id][:LINK_CELL_MAX] for row_id in row_ids]
    return filled


def _rename_alias_refs(tree: exp.Select, outputs: list[_Output]) -> None:
    """ORDER BY / GROUP BY may name a user alias; point it at the generated ``o<n>`` alias."""
    by_label = {o.label: f"o{i}" for i, o in enumerate(outputs)}
    for clause in ("group", "having", "order"):
        part = tree.args.get(clause)
        if part is None:
            continue
        for node in list(part.find_all(exp.Column)):
            if not node.table and node.name in by_label:
                node.replace(exp.column(exp.to_identifier(by_label[node.name], quoted=True)))


def _sqlite(tree: exp.Expression) -> str:
    """The SQLite text of a translated statement, generated from the tree itself: it is not
    used again, and the copy sqlglot makes by default was a third of a SELECT's work."""
    return tree.sql(dialect="sqlite", copy=False)


def _run_statement(
    store: Store, sql: str, params: list[object], *, max_rows: int | None
) -> list[sqlite3.Row]:
    """Run the translation of the client's statement. What SQLite refuses in it (an unknown
    function, a wrong argument count, a LIMIT too big to be an integer) is the client's SQL, so
    a 400; other SQLite errors are not the client's and stay 500s."""
    try:
        return store.query(sql, params, max_rows=max_rows)[1]
    except (sqlite3.OperationalError, sqlite3.IntegrityError) as exc:
        raise gateway_error(400, str(exc)) from exc


def _matching_ids(
    store: Store, scope: _Scope, where: exp.Expression | None, params: list[object]
) -> list[str]:
    _, alias, table = scope.entries[0]
    select = exp.select(_ref(alias, "_id")).from_(_aliased_table(store, scope.base, table, alias))
    if where is not None:
        _translate(where, scope, set(), where=True)
        select = select.where(where.this)
    records = _run_statement(store, _sqlite(select), params, max_rows=None)
    return [str(r[0]) for r in records]


def _update(store: Store, base: Base, tree: exp.Update, params: list[object], user: str) -> Json:
    if tree.args.get("limit") is not None or tree.args.get("order") is not None:
        raise gateway_error(400, "LIMIT is not supported in UPDATE statements")
    scope = _Scope(store, base, tree)
    table = scope.entries[0][2]
    values: dict[str, Any] = {}
    for assignment in tree.expressions:
        target = assignment.this
        if not isinstance(assignment, exp.EQ) or not isinstance(target, exp.Column):
            raise gateway_error(400, "invalid SET clause")
        _, _, column, _ = scope.resolve(target)
        value = _constant(assignment.expression, params, "UPDATE SET")
        if column is not None:
            values[column["name"]] = value
    ids = _matching_ids(store, scope, tree.args.get("where"), params)
    store.update_rows(base, table, [(row_id, values) for row_id in ids], user=user)
    return _envelope([], [], False)


def _delete(store: Store, base: Base, tree: exp.Delete, params: list[object]) -> Json:
    scope = _Scope(store, base, tree)
    ids = _matching_ids(store, scope, tree.args.get("where"), params)
    store.delete_rows(base, scope.entries[0][2], ids)
    return _envelope([], [], False)


def _insert(store: Store, base: Base, tree: exp.Insert, params: list[object], user: str) -> Json:
    schema = tree.this
    if not isinstance(schema, exp.Schema) or not isinstance(schema.this, exp.Table):
        raise gateway_error(400, "INSERT needs a column list: INSERT INTO T (col, ...) VALUES ...")
    table_name = schema.this.name
    table = next((t for t in base.tables if t["name"] == table_name), None)
    if table is None:
        raise gateway_error(400, f"no such table: {table_name}")
    names = [identifier.name for identifier in schema.expressions]
    for name in names:
        if store.find_column(table, name) is None:
            raise gateway_error(400, f"no such column: {name}")
    values = tree.expression
    if not isinstance(values, exp.Values):
        raise gateway_error(400, "INSERT supports VALUES only")
    rows: list[dict[str, Any]] = []
    for row in values.expressions:
        cells = row.expressions if isinstance(row, exp.Tuple) else [row]
        if len(cells) != len(names):
            raise gateway_error(400, "column count does not match value count")
        rows.append(
            {
                name: _constant(cell, params, "INSERT VALUES")
                for name, cell in zip(names, cells, strict=True)
            }
        )
    store.append_rows(base, table, rows, user=user, archived=True)
    return _envelope([], [], False)


def run_sql(
    store: Store,
    base: Base,
    sql: str,
    parameters: Sequence[object] | None,
    *,
    convert_keys: bool,
    user: str,
    server_only: bool = False,
) -> Json | EncodedJSON:
    """Execute one SeaTable SQL statement and return the gateway's response body.

    ``server_only`` leaves out rows of the big-data backend (``_archived``)."""
    params = list(parameters or [])
    tokens = _check_restrictions(sql, params)
    refuse_reserved_functions(sql, tokens)
    tree = _parse(mark_list_operators(sql, tokens))
    if isinstance(tree, exp.Select):
        return _select(store, base, tree, params, keys=not convert_keys, server_only=server_only)
    if isinstance(tree, exp.Update):
        return _update(store, base, tree, params, user)
    if isinstance(tree, exp.Delete):
        return _delete(store, base, tree, params)
    if isinstance(tree, exp.Insert):
        return _insert(store, base, tree, params, user)
    raise gateway_error(400, "only SELECT, INSERT, UPDATE and DELETE are supported")

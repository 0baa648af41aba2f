"""Writing rows: how request rows become stored cells, and which changes a write logs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .._cells import encode_cells
from .._errors import APIError
from ._core import SELECT_TYPES, Json
from .batches import Change, Run

__all__ = [
    "SelectColumns",
    "Slot",
    "Writer",
    "cells_by_column",
    "creates_options",
    "insert_runs",
    "new_options",
    "runs_of_distinct_ids",
    "written_changes",
]


def written_changes(
    columns: Sequence[Json], written: Mapping[str, Any], after: Json, before: Json | None
) -> list[Change]:
    """The written columns (by name) whose rendered value changed; all of them for a new row
    (``before`` None). ``columns`` are the table's as of the write."""
    old = before or {}
    return [
        (column, after.get(column["key"]), old.get(column["key"]))
        for column in columns
        if column["name"] in written
        and (before is None or after.get(column["key"]) != old.get(column["key"]))
    ]


def insert_runs(rows: Sequence[Mapping[str, Any]], per_row: Sequence[Sequence[Json]]) -> list[Run]:
    """The runs of new rows that name the same columns (and saw the same columns): each with
    the columns its rows wrote, as :func:`written_changes` lists them for a new row."""
    runs: list[Run] = []
    planned: tuple[int, Any] | None = None
    for written, columns in zip(rows, per_row, strict=True):
        if planned is None or planned[0] != id(columns) or planned[1] != written.keys():
            runs.append((0, [c for c in columns if c["name"] in written]))
            planned = (id(columns), written.keys())
        count, plan = runs[-1]
        runs[-1] = (count + 1, plan)
    return runs


Slot = tuple[int, Json, Callable[[Any, Json], object], "set[str] | None"]
"""Where a column name's cells go in an append: its index among the stored columns, the
column, its cell encoder and, for a select column, the names of its options."""


def new_options(value: Any, known: set[str]) -> Iterator[str]:
    """The option names a select cell names that are not in ``known``, read lazily (so names
    added to ``known`` meanwhile are not named again); non-text and empty names name none."""
    for name in value if isinstance(value, list) else (value,):
        if isinstance(name, str) and name and name not in known:
            yield name


def creates_options(values: Sequence[Any], known: set[str]) -> bool:
    """Whether writing these select cells adds an option."""
    return any(next(new_options(value, known), None) is not None for value in values)


def cells_by_column(
    rows: Sequence[Mapping[str, Any]], width: int, slots: Mapping[str, Slot]
) -> list[Sequence[object]] | None:
    """New rows' stored cells, column by column (``width`` stored columns), one encoder pass
    per column named: None when a row would create a select option or a value is refused, so
    the row-by-row path writes them in order (and reports the first refusal)."""
    unset = (None,) * len(rows)
    by_column: list[Sequence[object]] = [unset] * width
    for name in set().union(*rows):
        slot = slots.get(name)
        if slot is not None:
            index, column, _, known = slot
            values = [row.get(name) for row in rows]
            if known is not None and creates_options(values, known):
                return None
            try:
                by_column[index] = encode_cells(values, column)
            except APIError:
                return None
    return by_column


def runs_of_distinct_ids(
    updates: Sequence[tuple[str, Mapping[str, Any]]],
) -> list[list[tuple[str, Mapping[str, Any]]]]:
    """``updates`` cut into consecutive runs in which no row id repeats."""
    runs: list[list[tuple[str, Mapping[str, Any]]]] = [[]]
    seen: set[str] = set()
    for update in updates:
        if update[0] in seen:
            runs.append([])
            seen = set()
        runs[-1].append(update)
        seen.add(update[0])
    return [run for run in runs if run]


Writer = tuple[Json, str, Callable[[Any, Json], object], "set[str] | None"]
"""How a column is written: the column, its SQLite column, its cell encoder and, for a select
column, the names of its options (kept up to date while one request writes)."""


class SelectColumns:
    """The select columns of a table as each row of one append left them: a row may create
    options, and its activity shows the options known once it was written, not the later ones."""

    def __init__(self, table: Json) -> None:
        self._table_columns: list[Json] = table["columns"]
        self._columns = [c for c in table["columns"] if c["type"] in SELECT_TYPES]
        self._lists = [self._options(c) for c in self._columns]
        """The option lists written to (options are only ever appended during a write)."""
        self._total = 0
        """Options of all the lists as of the last snapshot (they only grow, so a change shows)."""
        self._current: list[Json] = self._table_columns
        self.per_row: list[list[Json]] = []
        """Per row written: the table's columns as of that row (select ones are copies)."""
        self._snapshot()

    @staticmethod
    def _options(column: Json) -> list[Json]:
        data = column.get("data")
        options = data.get("options") if isinstance(data, dict) else None
        return options if isinstance(options, list) else []

    def _snapshot(self) -> None:
        self._total = sum(map(len, self._lists))
        copies = {
            id(c): {**c, "data": {**c["data"], "options": list(self._options(c))}}
            for c in self._columns
            if isinstance(c.get("data"), dict)
        }
        self._current = [copies.get(id(c), c) for c in self._table_columns]

    def unchanged(self, rows: int) -> None:
        """Record ``rows`` rows that created no option."""
        self.per_row.extend([self._current] * rows)

    def after_row(self) -> None:
        """Record the columns as the row just prepared left them."""
        if sum(map(len, self._lists)) != self._total:
            self._snapshot()
        self.per_row.append(self._current)

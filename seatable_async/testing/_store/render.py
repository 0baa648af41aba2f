"""Rendering stored cells as the gateway answers them: a pure function of the cells and the
columns, so a row batch can be rendered long after it was written (see ``batches``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._cells import SYSTEM_FIELDS, column_source, decode_cells
from ._core import Json

__all__ = [
    "SYSTEM_RENDER",
    "LinkCells",
    "Stored",
    "labelled_rows",
    "no_links",
    "render_stored",
    "stored_cells",
]

SYSTEM_RENDER: dict[str, Callable[[Sequence[Any]], list[Any]]] = {
    "_locked": lambda stored: [True if value else None for value in stored],
    "_archived": lambda stored: list(map(bool, stored)),
}
"""System fields stored as integers but rendered as JSON booleans (``_locked`` is true/null),
a column of stored values at a time."""

Stored = Sequence[tuple[str, Sequence[Any]]]
"""Records given column by column: (SQLite column, its values) in ``SELECT *`` order."""

LinkCells = Callable[[Json, Sequence[str]], list[Any]]
"""A link column's cells for these row ids, in their order."""


def no_links(column: Json, row_ids: Sequence[str]) -> list[Any]:
    """The link cells of rows that have no links yet (rows just inserted)."""
    return [[] for _ in row_ids]


def render_stored(
    stored: Stored, shown: Sequence[Json], *, keys: bool, links: LinkCells = no_links
) -> list[Json]:
    """Rows by column key (``keys``) or name: system fields, then each of ``shown``
    (:func:`stored_cells`, filled into rows)."""
    return labelled_rows(*stored_cells(stored, shown, keys=keys, links=links))


def stored_cells(
    stored: Stored, shown: Sequence[Json], *, keys: bool, links: LinkCells = no_links
) -> tuple[list[str], list[Sequence[Any]]]:
    """:func:`render_stored` label by label: each field's label and its cells, decoded column
    by column (one decoder call per column, ``links`` once per link column); an answer can
    be encoded from these without building the rows."""
    position = {name: index for index, (name, _) in enumerate(stored)}
    by_source = [values for _, values in stored]
    row_ids: Sequence[str] = by_source[position["_id"]]
    labels: list[str] = []
    cells: list[Sequence[Any]] = []
    for field in SYSTEM_FIELDS:
        convert = SYSTEM_RENDER.get(field)
        values = by_source[position[field]]
        labels.append(field)
        cells.append(values if convert is None else convert(values))
    for column in shown:
        labels.append(column["key"] if keys else column["name"])
        if column["type"] == "link":
            cells.append(links(column, row_ids))
        else:
            cells.append(decode_cells(by_source[position.get(column_source(column), -1)], column))
    return labels, cells


def labelled_rows(labels: Sequence[str], cells: Sequence[Sequence[Any]]) -> list[Json]:
    """The rows ``{label: cell}`` of cells given label by label (a repeated label keeps its first
    place and its last cell). Copies of one dict holding every label, filled label by label: no
    dict grows while it is built, a third cheaper than ``dict(zip(labels, values))`` per row."""
    template = dict.fromkeys(labels)
    rows = [template.copy() for _ in cells[0]] if cells else []
    for label, values in zip(labels, cells, strict=True):
        for row, value in zip(rows, values, strict=True):
            row[label] = value
    return rows

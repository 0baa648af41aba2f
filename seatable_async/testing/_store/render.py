"""Rendering stored cells as the gateway answers them: a pure function of the cells and the
columns, so a row batch can be rendered long after it was written (see ``batches``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._cells import SYSTEM_FIELDS, column_source, decode_cells
from ._core import Json

__all__ = ["SYSTEM_RENDER", "LinkCells", "Stored", "no_links", "render_stored"]

SYSTEM_RENDER: dict[str, Callable[[Any], Any]] = {
    "_locked": lambda stored: True if stored else None,
    "_archived": bool,
}
"""System fields stored as integers but rendered as JSON booleans (``_locked`` is true/null)."""

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
    """Rows by column key (``keys``) or name: system fields, then each of ``shown``.

    Decoded column by column (one decoder call per column, ``links`` once per link column),
    then zipped into rows."""
    position = {name: index for index, (name, _) in enumerate(stored)}
    by_source = [values for _, values in stored]
    row_ids: Sequence[str] = by_source[position["_id"]]
    labels: list[str] = []
    cells: list[Sequence[Any]] = []
    for field in SYSTEM_FIELDS:
        convert = SYSTEM_RENDER.get(field)
        values = by_source[position[field]]
        labels.append(field)
        cells.append(values if convert is None else [convert(value) for value in values])
    for column in shown:
        labels.append(column["key"] if keys else column["name"])
        if column["type"] == "link":
            cells.append(links(column, row_ids))
        else:
            cells.append(decode_cells(by_source[position.get(column_source(column), -1)], column))
    return [dict(zip(labels, values, strict=True)) for values in zip(*cells, strict=True)]

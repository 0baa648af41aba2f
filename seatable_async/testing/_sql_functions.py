"""SQLite functions that give the emulator's SQL SeaTable's semantics where SQLite's differ.

The store registers ``SQL_FUNCTIONS`` on its connection; ``_sql_rules`` writes calls to them.
Each one answers SQL NULL (None) for a NULL input and never raises on stored data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timezone
from functools import lru_cache

from ._cells import parse_date

__all__ = [
    "FIRST",
    "INSTANT",
    "LIKE",
    "LIST_OP",
    "LIST_OPERATORS",
    "RESERVED_PREFIX",
    "SQL_FUNCTIONS",
]

RESERVED_PREFIX = "emulator_"
"""Function names the translation owns; a statement may not call one itself."""
LIKE = "emulator_like"
INSTANT = "emulator_instant"
FIRST = "emulator_first"
LIST_OP = "emulator_list_op"

Scalar = str | int | float | bytes | None

LIST_OPERATORS: dict[str, Callable[[list[object], list[object]], bool]] = {
    "has_any_of": lambda items, terms: any(t in items for t in terms),
    "has_all_of": lambda items, terms: all(t in items for t in terms),
    "has_none_of": lambda items, terms: not any(t in items for t in terms),
    "is_exactly": lambda items, terms: (
        all(t in items for t in terms) and all(i in terms for i in items)
    ),
}
"""SeaTable's list operators (``HAS ANY OF`` ...) over a cell's items and the listed terms."""


@lru_cache(maxsize=256)
def _like_pattern(pattern: str, insensitive: bool, escape: str | None) -> re.Pattern[str]:
    """A LIKE pattern as a regular expression: ``%`` any run, ``_`` one character."""
    if escape is not None and len(escape) != 1:
        raise ValueError("ESCAPE expression must be a single character")
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == escape:
            parts.append(re.escape(next(chars, char)))
        else:
            parts.append({"%": ".*", "_": "."}.get(char) or re.escape(char))
    flags = re.DOTALL | (re.IGNORECASE if insensitive else 0)
    return re.compile("".join(parts), flags)


def _like(
    value: Scalar, pattern: Scalar, insensitive: int, escape: str | None = None
) -> int | None:
    """SeaTable's ``LIKE`` (case-sensitive) or ``ILIKE`` (``insensitive``)."""
    if value is None or pattern is None:
        return None
    regex = _like_pattern(str(pattern), bool(insensitive), escape)
    return int(regex.fullmatch(str(value)) is not None)


def _instant(value: Scalar) -> str | None:
    """A time as sortable UTC text (``YYYY-MM-DDTHH:MM:SS.ffffff``); None if not a time."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    try:
        moment = parsed.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 shifted out of range
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def _items(cell: Scalar) -> list[object]:
    """The items of a stored list cell (JSON text); a scalar is a list of itself."""
    if cell is None:
        return []
    try:
        loaded = json.loads(cell) if isinstance(cell, (str, bytes)) else cell
    except ValueError:
        return [cell]
    items = loaded if isinstance(loaded, list) else [cell]
    return [item for item in items if item is not None]


def _first(cell: Scalar) -> Scalar:
    """A list cell's first item (SeaTable's rule for ``=``, ``!=``, ``LIKE`` on lists)."""
    items = _items(cell)
    if not items:
        return None
    first = items[0]
    if isinstance(first, (str, int, float)):
        return first
    return json.dumps(first, ensure_ascii=False)


def _list_op(operator: str, cell: Scalar, *terms: Scalar) -> int:
    """``cell HAS ANY OF (terms)`` and its siblings, named by ``LIST_OPERATORS`` key."""
    wanted: list[object] = [term for term in terms if term is not None]
    return int(LIST_OPERATORS[operator](_items(cell), wanted))


SQL_FUNCTIONS: dict[str, tuple[int, Callable[..., Scalar]]] = {
    LIKE: (-1, _like),
    INSTANT: (1, _instant),
    FIRST: (1, _first),
    LIST_OP: (-1, _list_op),
}
"""Name → (argument count, -1 for any; implementation) of every function registered."""

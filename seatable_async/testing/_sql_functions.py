"""SQLite functions that give the emulator's SQL SeaTable's semantics where SQLite's differ.

The store registers ``SQL_FUNCTIONS`` on its connection; ``_sql_rules`` writes calls to them.
Each one answers SQL NULL (None) for a NULL input and never raises on stored data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timezone
from functools import lru_cache

from ._cells import parse_date

__all__ = [
    "INSTANT",
    "LIKE",
    "RESERVED_PREFIX",
    "SQL_FUNCTIONS",
]

RESERVED_PREFIX = "emulator_"
"""Function names the translation owns; a statement may not call one itself."""
LIKE = "emulator_like"
INSTANT = "emulator_instant"

Scalar = str | int | float | bytes | None


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


SQL_FUNCTIONS: dict[str, tuple[int, Callable[..., Scalar]]] = {
    LIKE: (-1, _like),
    INSTANT: (1, _instant),
}
"""Name → (argument count, -1 for any; implementation) of every function registered."""

"""Cell values and SQL parameters as the JSON SeaTable expects; what JSON cannot carry is refused.

A datetime becomes `YYYY-MM-DD HH:MM:SS[.mmm][+HH:MM]` (naive means the server's time zone), a
date `YYYY-MM-DD`, a timedelta seconds (duration columns), a Decimal or Fraction a number, a
tuple a list.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import singledispatch
from typing import Any

from ._exceptions import InvalidInputError
from ._validation import is_unicode

__all__ = ["MAX_DEPTH", "json_value", "row_values"]

MAX_DEPTH = 32
"""Levels of lists and dicts a value may nest; SeaTable's own cells need two (a file list)."""
_ACCEPTED = (
    "str, int, float, bool, None, date, datetime, timedelta, Decimal, "
    "or lists, tuples and dicts of these"
)


def json_value(where: str, value: object, depth: int = 0) -> Any:
    """`value` as JSON SeaTable accepts, or an `InvalidInputError` that starts with `where`."""
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"{where} nests lists or dicts deeper than {MAX_DEPTH} levels")
    return _encode(value, where, depth)


def row_values(name: str, row: object) -> dict[str, Any]:
    """A row: column names to values encoded for JSON; an error names the column at fault."""
    if not isinstance(row, Mapping):
        raise InvalidInputError(f"{name} must be a mapping of column name to value")
    if not all(isinstance(key, str) and key for key in row) or not is_unicode("".join(row)):
        raise InvalidInputError(f"{name} keys must be non-empty column names")
    encoded: dict[str, Any] = {}
    for key, value in row.items():
        plain = _PLAIN.get(type(value))
        sent = _REFUSED if plain is None else plain(value)
        encoded[key] = json_value(f"column {key!r}", value) if sent is _REFUSED else sent
    return encoded


_REFUSED = object()
"""What a plain-value check answers for a value it leaves to `json_value`."""


def _in_json_range(number: int) -> bool:
    """Whether an integer is within ±1.8e308, what a JSON number holds."""
    return abs(number) <= sys.float_info.max


def _as_sent(value: Any, ok: bool) -> Any:
    return value if ok else _REFUSED


_PLAIN: dict[type, Callable[[Any], Any]] = {
    str: lambda text: _as_sent(text, is_unicode(text)),
    int: lambda number: _as_sent(number, _in_json_range(number)),
    float: lambda number: _as_sent(number, math.isfinite(number)),
    bool: lambda flag: flag,
    type(None): lambda nothing: nothing,
    list: lambda items: _as_sent(
        items[:], all(type(item) is str for item in items) and is_unicode("".join(items))
    ),
}
"""The most common cell values, by exact type: what `json_value` would send for them, made
without its dispatch (a copy for a list of texts); `_REFUSED` leaves a value to `json_value`
(which also words the refusal of a value that cannot be sent)."""


def _not_a_number(where: str, value: object) -> InvalidInputError:
    return InvalidInputError(
        f"{where} is {value}, a number JSON cannot carry; give None for an empty cell"
    )


@singledispatch
def _encode(value: object, where: str, depth: int) -> Any:
    raise InvalidInputError(
        f"{where} holds a {type(value).__name__}, which cannot be sent; give {_ACCEPTED}"
    )


@_encode.register(type(None))
@_encode.register(bool)
def _as_is(value: object, where: str, depth: int) -> Any:
    return value


@_encode.register
def _text(value: str, where: str, depth: int) -> str:
    if not is_unicode(value):
        raise InvalidInputError(f"{where} holds a lone surrogate, which UTF-8 cannot encode")
    return value


@_encode.register
def _integer(value: numbers.Integral, where: str, depth: int) -> int:
    number = int(value)
    if not _in_json_range(number):
        raise InvalidInputError(f"{where} is beyond ±1.8e308, more than a JSON number holds")
    return number


@_encode.register
def _real(value: numbers.Real, where: str, depth: int) -> float:
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _not_a_number(where, number)
    return number


@_encode.register
def _decimal(value: Decimal, where: str, depth: int) -> Any:
    if not value.is_finite() or value.adjusted() > sys.float_info.max_10_exp:
        raise _not_a_number(where, value)
    number = int(value) if value == value.to_integral_value() else float(value)
    return _encode(number, where, depth)


@_encode.register
def _timestamp(value: datetime, where: str, depth: int) -> str:
    return value.isoformat(sep=" ", timespec="milliseconds" if value.microsecond else "seconds")


@_encode.register
def _day(value: date, where: str, depth: int) -> str:
    return value.isoformat()


@_encode.register
def _seconds(value: timedelta, where: str, depth: int) -> float:
    seconds = value.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


@_encode.register(Mapping)
def _mapping(value: Mapping[object, object], where: str, depth: int) -> dict[str, Any]:
    encoded: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not is_unicode(key):
            raise InvalidInputError(f"{where} holds a dict with a non-text key: JSON keys are text")
        encoded[key] = json_value(where, item, depth + 1)
    return encoded


@_encode.register(list)
@_encode.register(tuple)
def _sequence(value: list[object] | tuple[object, ...], where: str, depth: int) -> list[Any]:
    return [json_value(where, item, depth + 1) for item in value]

"""Small predicates for validating request values before they are stored.

Each takes a JSON value and answers whether it has the expected shape; the combinators build
the shapes of view settings, ``column_data`` fields and select options from them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "Check",
    "boolean",
    "integer_in",
    "list_of",
    "nonempty_text",
    "one_of",
    "optional",
    "shaped",
    "text",
]

Check = Callable[[Any], bool]


def text(value: Any) -> bool:
    """A string."""
    return isinstance(value, str)


def nonempty_text(value: Any) -> bool:
    """A string other than ``""``."""
    return isinstance(value, str) and value != ""


def boolean(value: Any) -> bool:
    """A JSON boolean."""
    return isinstance(value, bool)


def integer_in(allowed: range) -> Check:
    """A JSON integer (not a boolean) within ``allowed``."""
    return lambda value: type(value) is int and value in allowed


def one_of(*allowed: object) -> Check:
    """Exactly one of ``allowed``."""
    return lambda value: any(value == a and type(value) is type(a) for a in allowed)


def optional(item: Check) -> Check:
    """Null, or what ``item`` accepts."""
    return lambda value: value is None or item(value)


def list_of(item: Check) -> Check:
    """A list whose every element ``item`` accepts."""
    return lambda value: isinstance(value, list) and all(item(x) for x in value)


def shaped(fields: Mapping[str, Check], required: tuple[str, ...] = ()) -> Check:
    """An object holding every ``required`` field, whose listed fields, when present, pass."""
    return lambda value: (
        isinstance(value, dict)
        and all(name in value for name in required)
        and all(ok(value[name]) for name, ok in fields.items() if name in value)
    )

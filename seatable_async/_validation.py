"""Checks of what goes out (arguments, failing with `InvalidInputError` before any request is
sent) and of what comes back (the fields of a server answer a call reads)."""

from __future__ import annotations

import ipaddress
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import httpx

from ._exceptions import InvalidInputError, SeaTableSecurityWarning

AnswerCheck = Callable[[Any], bool]
"""What one field of a server answer must be for the caller to use it."""


def is_text(value: object) -> TypeGuard[str]:
    """A string with something in it besides white space."""
    return isinstance(value, str) and bool(value.strip())


def is_list(value: object) -> bool:
    return isinstance(value, list)


def is_object(value: object) -> bool:
    return isinstance(value, dict)


def require_text(name: str, value: object) -> str:
    """A non-empty string, or a clear error naming the argument."""
    if not is_text(value):
        raise InvalidInputError(f"{name} must be a non-empty string, got {type(value).__name__}")
    return value


def optional_text(name: str, value: object) -> str | None:
    return None if value is None else require_text(name, value)


def check_range(name: str, value: object, low: int, high: int | None = None) -> int | None:
    """None, or an int within [low, high]; bools are rejected although they are ints."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInputError(f"{name} must be an int, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidInputError(f"{name} must be {bounds}, got {value}")
    return value


def require_row(name: str, value: object) -> dict[str, Any]:
    """A row: a mapping from column names (strings) to cell values."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{name} must be a mapping of column name to value")
    if not all(isinstance(key, str) and key for key in value):
        raise InvalidInputError(f"{name} keys must be non-empty column names")
    return dict(value)


def server_root(url: object) -> str:
    """An absolute http(s) server URL without a trailing slash."""
    text = require_text("server_url", url)
    parsed = httpx.URL(text.strip())
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError("server_url must be an absolute http:// or https:// URL")
    return str(parsed).rstrip("/")


def is_loopback(host: str) -> bool:
    """`localhost`, a `.localhost` name or a loopback address: traffic that stays on the host."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_if_plain_http(server_url: str, *, stacklevel: int) -> None:
    """A `SeaTableSecurityWarning` when secrets would cross a network unencrypted."""
    url = httpx.URL(server_url)
    if url.scheme == "http" and not is_loopback(url.host):
        warnings.warn(
            f"{server_url} is plain HTTP: tokens and passwords sent to it can be read on the"
            " way; use https://",
            SeaTableSecurityWarning,
            stacklevel=stacklevel + 1,
        )


def without_none(**fields: Any) -> dict[str, Any]:
    """The fields that were given, so that server defaults apply to the rest."""
    return {key: value for key, value in fields.items() if value is not None}

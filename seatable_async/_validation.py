"""Checks of what goes out (arguments, failing with `InvalidInputError` before any request is
sent) and of what comes back (the fields of a server answer a call reads)."""

from __future__ import annotations

import ipaddress
import math
import re
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard
from urllib.parse import quote

import httpx

from ._constants import MAX_REQUEST_TARGET
from ._exceptions import InvalidInputError, SeaTableSecurityWarning

AnswerCheck = Callable[[Any], bool]
"""What one field of a server answer must be for the caller to use it."""

MAX_INDEX = 2**53 - 1
"""The largest count or offset sent: the largest integer a JavaScript server reads exactly."""
_TOKEN = re.compile(r"[!-~]+")
"""What a token must be to travel in an `Authorization` header: visible ASCII, no spaces."""
_DOT_SEGMENTS = frozenset({".", ".."})
"""Path segments that URL normalisation (httpx's, the server's) removes with their parent."""


def is_unicode(text: str) -> bool:
    """Whether the text can be sent: UTF-8 has no encoding for a lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_text(value: object) -> TypeGuard[str]:
    """A string with something in it besides white space, and nothing UTF-8 cannot encode."""
    return isinstance(value, str) and bool(value.strip()) and is_unicode(value)


def is_token(value: object) -> TypeGuard[str]:
    """A string that can be sent as a bearer token."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def is_segment(value: object) -> TypeGuard[str]:
    """Text that escaped stays one path segment of a URL short enough to send."""
    return is_text(value) and _segment_problem(value) is None


def is_rows(value: object) -> TypeGuard[list[dict[str, Any]]]:
    """A list of row objects."""
    return isinstance(value, list) and all(isinstance(row, dict) for row in value)


def is_row_ids(value: object) -> TypeGuard[list[dict[str, str]]]:
    """A list of `{"_id": ...}` objects, each naming a row (what `appendRows` answers)."""
    return is_rows(value) and all(is_text(row.get("_id")) for row in value)


def is_list(value: object) -> bool:
    return isinstance(value, list)


def is_object(value: object) -> bool:
    return isinstance(value, dict)


def require_text(name: str, value: object) -> str:
    """A non-empty string, or a clear error naming the argument."""
    if isinstance(value, str) and not is_unicode(value):
        raise InvalidInputError(f"{name} holds a lone surrogate, which UTF-8 cannot encode")
    if not is_text(value):
        raise InvalidInputError(f"{name} must be a non-empty string, got {type(value).__name__}")
    return value


def require_token(name: str, value: object) -> str:
    """A token that can travel in a header; the message never shows it."""
    text = require_text(name, value)
    if not is_token(text):
        raise InvalidInputError(f"{name} must be visible ASCII characters without spaces")
    return text


def _segment_problem(text: str) -> str | None:
    if text in _DOT_SEGMENTS:
        return f"must not be {text!r}, which URLs treat as a relative path"
    if len(quote(text, safe="")) > MAX_REQUEST_TARGET:
        return f"is longer than a URL may be ({MAX_REQUEST_TARGET} bytes once escaped)"
    return None


def path_segment(name: str, value: object) -> str:
    """`value` percent-escaped so that it stays one path segment, whatever characters it has."""
    text = require_text(name, value)
    problem = _segment_problem(text)
    if problem is not None:
        raise InvalidInputError(f"{name} {problem}")
    return quote(text, safe="")


def require_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} must be True or False, got {type(value).__name__}")
    return value


def optional_flag(name: str, value: object) -> bool | None:
    return None if value is None else require_flag(name, value)


def optional_text(name: str, value: object) -> str | None:
    return None if value is None else require_text(name, value)


def require_int(name: str, value: object, low: int, high: int = MAX_INDEX) -> int:
    """An int within [low, high]; bools are rejected although they are ints."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInputError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be between {low} and {high}")
    return value


def check_range(name: str, value: object, low: int, high: int = MAX_INDEX) -> int | None:
    """None, or an int within [low, high]."""
    return None if value is None else require_int(name, value, low, high)


def server_root(url: object) -> str:
    """An absolute http(s) server URL without a trailing slash."""
    text = require_text("server_url", url)
    try:
        parsed = httpx.URL(text.strip())
        port_ok = parsed.port is None or 0 < parsed.port < 2**16
    except httpx.InvalidURL:
        parsed, port_ok = httpx.URL(), False
    if parsed.scheme not in ("http", "https") or not parsed.host or not port_ok:
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


def require_ids(name: str, value: object) -> list[str]:
    """A list (or tuple) of ids, each a non-empty string; an error names the one at fault."""
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(f"{name} must be a list of ids, got {type(value).__name__}")
    return [require_text(f"{name}[{i}]", item) for i, item in enumerate(value)]


def _length_bound(url: httpx.URL | str, params: Mapping[str, Any] | None) -> int | None:
    """At least as long as the encoded path and query can be (percent-encoding at most triples
    each byte); None when the URL holds characters httpx refuses or a parameter is of a shape
    only httpx knows how to encode."""
    if not str(url).isprintable():
        return None  # httpx refuses control characters: let it say so below
    pieces: list[object] = [url]
    for key, value in (params or {}).items():
        values = value if isinstance(value, (list, tuple)) else (value,)
        if not all(isinstance(item, (str, int, float)) or item is None for item in values):
            return None
        for item in values:  # a list repeats its key: `k=a&k=b`
            pieces += [key, item, "&="]
    return 3 * sum(len(str(piece).encode()) for piece in pieces)


def check_url_length(url: httpx.URL | str, params: Mapping[str, Any] | None = None) -> None:
    """Refuses, before anything is sent, a URL longer than SeaTable's proxy accepts."""
    bound = _length_bound(url, params)
    if bound is not None and bound <= MAX_REQUEST_TARGET:
        return  # too short to be too long: the common case needs no URL built
    try:
        length = len(httpx.URL(url, params=params).raw_path)
    except httpx.InvalidURL:  # longer than httpx itself builds
        length = MAX_REQUEST_TARGET + 1
    if length > MAX_REQUEST_TARGET:
        raise InvalidInputError(
            f"the request would need a URL longer than the {MAX_REQUEST_TARGET} bytes "
            "SeaTable's proxy accepts; use shorter names"
        )


HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_RELATIVE_SEGMENTS = re.compile(r"(^|/)(\.|%2e){1,2}(/|$)", re.IGNORECASE)


def request_path(path: object) -> str:
    """A path that names one endpoint of the configured server: no dot segments (percent-encoded
    ones included, which proxies decode), no other host (`//...`), no query or fragment (those
    go in `params`), no control characters."""
    text = require_text("path", path)
    if (
        text.startswith("//")
        or _RELATIVE_SEGMENTS.search(text)
        or set(text) & {"?", "#", "\\"}
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in text)
    ):
        raise InvalidInputError(
            "path must be a plain path on this server, without '.'/'..' segments, '//' at the"
            " start, '?', '#', backslashes or control characters (pass query parameters as"
            " params=)"
        )
    return text


def _is_param(value: object) -> bool:
    """Text, an int, a finite float or a boolean: what a query string can carry."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int))


def check_params(params: object) -> None:
    """Query parameters: text keys; text, numbers or booleans (or lists of them) as values."""
    if params is None:
        return
    if not isinstance(params, Mapping):
        raise InvalidInputError("params must be a mapping of names to values")
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        plain = all(
            isinstance(item, (str, int, float))
            and not (isinstance(item, float) and not math.isfinite(item))
            for item in values
        )
        if not isinstance(key, str) or not plain:
            raise InvalidInputError(f"params[{key!r}] must be text, a number or a boolean")


def check_encodable(**parts: Any) -> None:
    """Refuses what httpx could not encode as params, a form or files, before anything is sent."""
    for name in ("data", "files"):
        if parts[name] is not None and not isinstance(parts[name], (Mapping, list, tuple)):
            raise InvalidInputError(f"{name} must be a mapping (or, for files, a list of pairs)")
    try:
        httpx.Request("POST", "http://check.invalid/", **{k: v for k, v in parts.items() if v})
    except (TypeError, ValueError, AttributeError) as error:
        given = ", ".join(name for name, value in parts.items() if value)
        raise InvalidInputError(f"{given} cannot be encoded: {error}") from None

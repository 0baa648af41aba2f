"""Request-parsing helpers shared by the gateway and dtable-web handlers, and their JSON
answer."""

from __future__ import annotations

import email.parser
import email.policy
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ._errors import APIError

if TYPE_CHECKING:
    from ._store import Store

__all__ = [
    "FormData",
    "JSONAnswer",
    "UploadedFile",
    "form_body",
    "in_transaction",
    "json_body",
    "query_bool",
    "query_int",
]

_ANSWER_JSON = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False
)
"""The text Starlette's :class:`JSONResponse` writes, from one encoder built once and without
the cycle check (answers are trees: a cycle would still fail, as a RecursionError)."""


class JSONAnswer(JSONResponse):
    """A :class:`JSONResponse` with the same bytes, a third cheaper to encode."""

    def render(self, content: Any) -> bytes:
        return _ANSWER_JSON.encode(content).encode("utf-8")


def in_transaction(store: Store, answer: Callable[[], Any]) -> Response:
    """The contract of every route's handler: one request, one store transaction. A handler
    that raises, or whose answer cannot be rendered, leaves the store unchanged; the answer (a
    :class:`Response`, or JSON to encode) is rendered under the store lock, a consistent
    snapshot."""
    with store.transaction():
        result = answer()
        return result if isinstance(result, Response) else JSONAnswer(result)


_TRUE = {"true", "1", "yes", "on"}


@dataclass
class UploadedFile:
    """One file part of a multipart body."""

    filename: str
    content: bytes


@dataclass
class FormData:
    """Fields and files of a form-encoded or multipart body."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


def _finite(literal: str) -> float:
    """A JSON number as a float; ValueError for NaN, infinities and numbers beyond a double."""
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"{literal} is not a finite number")
    return number


def json_body(raw: bytes, error: Callable[[int, str], APIError]) -> dict[str, Any]:
    """The JSON object in a body; ``error(400, ...)`` when it is missing, not an object or
    holds a number JSON cannot (``NaN``, ``Infinity``, ``1e999``)."""
    try:
        body = json.loads(raw, parse_constant=_finite, parse_float=_finite) if raw else {}
    except ValueError as exc:
        raise error(400, "invalid JSON body") from exc
    if not isinstance(body, dict):
        raise error(400, "the JSON body must be an object")
    return body


async def form_body(request: Request) -> FormData:
    """Parse urlencoded, multipart or JSON bodies alike (dtable-web accepts all three)."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    form = FormData()
    if content_type.startswith("multipart/form-data"):
        header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                form.files[name] = UploadedFile(filename, content)
            else:
                form.fields[name] = content.decode("utf-8", "replace")
    elif content_type.startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict):
            form.fields = {str(k): str(v) for k, v in data.items()}
    else:
        parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        form.fields = {k: v[-1] for k, v in parsed.items()}
    return form


def query_bool(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter (``true``/``false``, ``1``/``0``)."""
    value = request.query_params.get(name)
    return default if value is None else value.strip().lower() in _TRUE


def query_int(
    request: Request, name: str, default: int, error: Callable[[int, str], APIError]
) -> int:
    """An integer query parameter; ``error(400, ...)`` when it is not an integer."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise error(400, f"{name} invalid") from exc

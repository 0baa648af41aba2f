"""Request-parsing helpers shared by the gateway and dtable-web handlers, and their JSON
answer."""

from __future__ import annotations

import email.parser
import email.policy
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ._errors import APIError

if TYPE_CHECKING:
    from ._store import Store

__all__ = [
    "EncodedJSON",
    "FormData",
    "JSONAnswer",
    "UploadedFile",
    "encode_object",
    "encode_rows",
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


class EncodedJSON(str):
    """JSON text exactly as :data:`_ANSWER_JSON` writes it, which :class:`JSONAnswer` sends as
    it is (see :func:`encode_rows`)."""


class JSONAnswer(JSONResponse):
    """A :class:`JSONResponse` with the same bytes, a third cheaper to encode."""

    def render(self, content: Any) -> bytes:
        text = content if isinstance(content, EncodedJSON) else _ANSWER_JSON.encode(content)
        return text.encode("utf-8")


_MARK = "\0"
"""A text set between the values of a column encoded at once; JSON writes it ``"\u0000"``."""
_MARK_JSON = "," + encode_basestring(_MARK) + ","


def _values_apart(values: Sequence[Any]) -> list[str]:
    """Each value's JSON text from one encoder call: the values, with :data:`_MARK` between
    them, are encoded as one array that is split at the marks. No JSON text ends in a part of
    ``,"\u0000",``, so a split never starts inside a value; a value whose text holds the whole
    mark splits into one piece too many, and then the values are encoded one by one."""
    mixed = [_MARK] * (2 * len(values) - 1)
    mixed[::2] = values
    pieces = _ANSWER_JSON.encode(mixed)[1:-1].split(_MARK_JSON)
    return pieces if len(pieces) == len(values) else list(map(_ANSWER_JSON.encode, values))


_SCALAR_JSON: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    type(None): lambda value: "null",
    bool: {True: "true", False: "false"}.__getitem__,
    int: int.__repr__,
}
"""Values of exactly these types as the encoder writes them (a float is left to the encoder,
which refuses NaN and infinities)."""


def _column_json(values: Sequence[Any]) -> list[str]:
    """Each value's JSON text: at C speed when the column holds one scalar type."""
    kinds = set(map(type, values))
    if kinds == {type(None)}:
        return ["null"] * len(values)  # an empty column, common: no call per cell
    if not kinds <= _SCALAR_JSON.keys():
        return _values_apart(values)
    if kinds == {str}:
        distinct = set(values)
        if 2 * len(distinct) <= len(values):  # texts that repeat (users, times): each written once
            written = {text: encode_basestring(text) for text in distinct}
            return list(map(written.__getitem__, values))
    if len(kinds) == 1:
        return list(map(_SCALAR_JSON[kinds.pop()], values))
    return [_SCALAR_JSON[type(value)](value) for value in values]


def encode_rows(labels: Sequence[str], columns: Sequence[Sequence[Any]]) -> EncodedJSON:
    """``_ANSWER_JSON.encode`` of the rows ``dict(zip(labels, values))`` of cells given column
    by column (a repeated label keeps its first place and its last value), byte for byte.

    Each column is encoded at once, each label once, and the pieces are slotted into one list
    joined at the end: the encoder would write each label again for every row (most of its
    work) and the rows would have to be built first."""
    last = {label: index for index, label in enumerate(labels)}
    count = len(columns[0]) if columns else 0
    width = 2 * len(last)
    pieces = [""] * (count * width)
    """Per row: each label's ``,"label":`` (``},{"label":`` for the first), then its cell."""
    for place, (label, index) in enumerate(last.items()):
        opening = ("," if place else "},{") + encode_basestring(label) + ":"
        pieces[2 * place :: width] = [opening] * count
        pieces[2 * place + 1 :: width] = _column_json(columns[index])
    if not pieces:
        return EncodedJSON("[]")
    pieces[0] = pieces[0][2:]  # the first row opens without closing one before it
    return EncodedJSON("[" + "".join(pieces) + "}]")


def encode_object(fields: Mapping[str, Any]) -> EncodedJSON:
    """``_ANSWER_JSON.encode(fields)``, with :class:`EncodedJSON` values taken as they are."""
    members = (
        encode_basestring(name)
        + ":"
        + (value if isinstance(value, EncodedJSON) else _ANSWER_JSON.encode(value))
        for name, value in fields.items()
    )
    return EncodedJSON("{" + ",".join(members) + "}")


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

"""Column types: how each SeaTable cell value is stored in SQLite and rendered back as JSON.

One table (``CELL_TYPES``) holds every per-type fact, so reads, writes and SQL agree.
Values follow SeaTable 6.0 as observed (reference section 12.3): dates come back as full
ISO-8601 with offset, durations as seconds, checkboxes strictly as booleans, empty cells as null.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timezone
from json.decoder import JSONDecoder
from json.encoder import encode_basestring
from json.scanner import make_scanner
from typing import Any, cast

from ._checks import Check, integer_in, list_of, nonempty_text, one_of, shaped, text
from ._errors import APIError, gateway_error

__all__ = [
    "CELL_TYPES",
    "OPTION_CHANGE",
    "SELECT_OPTIONS",
    "SYSTEM_FIELDS",
    "CellType",
    "check_column_data",
    "column_source",
    "column_storage",
    "decode_cell",
    "decode_cells",
    "empty_cell",
    "encode_cell",
    "encode_cells",
    "format_timestamp",
    "parse_date",
    "quote_ident",
    "storable_scalar",
]

Column = dict[str, Any]
Encoder = Callable[[Any, Column], object]
Decoder = Callable[[object, Column], Any]

SYSTEM_FIELDS = (
    "_id",
    "_ctime",
    "_mtime",
    "_creator",
    "_last_modifier",
    "_locked",
    "_locked_by",
    "_archived",
)
"""Hidden fields every row carries, in the order they are rendered."""

_DATE_INPUT_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
)
_DURATION_RE = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")
SQLITE_INTEGERS = range(-(2**63), 2**63)
"""Integers SQLite stores; bigger ones cannot even be bound."""
_MAX_DIGITS = len(str(SQLITE_INTEGERS.stop))
"""Digits of the biggest integer SQLite stores (19)."""


def storable_scalar(value: object) -> bool:
    """Whether ``value`` is a string, boolean, null, SQLite-sized integer or finite float."""
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return value in SQLITE_INTEGERS
    return isinstance(value, float) and math.isfinite(value)


def quote_ident(name: str) -> str:
    """Quote an SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def column_storage(column: Mapping[str, Any]) -> str:
    """SQLite column holding a SeaTable column's cells: ``c_<column key>``."""
    return f"c_{column['key']}"


def format_timestamp(moment: datetime) -> str:
    """Render a system time (``_ctime``/``_mtime``) like SeaTable: milliseconds and offset."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_date(value: object) -> datetime | None:
    """Parse the date spellings SeaTable accepts, keeping the offset written (UTC when none);
    None for anything else (stored as null)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _DATE_INPUT_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None or parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=timezone.utc)


def _encode_date(value: Any, column: Column) -> object:
    """A date-only column keeps the calendar day as written, time ignored (so a value read
    back with the server's offset writes back the same day); an "HH:mm" column keeps the
    moment, to the minute, in UTC."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    data = column.get("data") or {}
    if "HH:mm" not in str(data.get("format", "")):
        return datetime.combine(parsed.date(), time(), timezone.utc).isoformat()
    try:
        moment = parsed.astimezone(timezone.utc)
    except OverflowError:  # a moment of year 1 or 9999 whose UTC time is out of range
        return None
    return moment.replace(second=0, microsecond=0).isoformat()


def _out_of_range(column: Column) -> APIError:
    """The answer to a number SQLite cannot store or JSON cannot render."""
    return gateway_error(400, f"column {column['name']}: number out of range")


def _dump(value: object, column: Column) -> str:
    """JSON text of a list/object cell; NaN and infinities (only an SQL literal can hold one:
    request bodies refuse them) answer 400."""
    if type(value) is list and all(type(item) is str for item in value):
        return f"[{', '.join(map(encode_basestring, value))}]"  # what the encoder writes
    try:
        return _CELL_JSON.encode(value)
    except ValueError as exc:
        raise _out_of_range(column) from exc


_CELL_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
"""``json.dumps(value, ensure_ascii=False, allow_nan=False)``, without a new encoder per cell."""


def _encode_text(value: Any, column: Column) -> object:
    if isinstance(value, dict) and "text" in value:
        value = value["text"]
    if isinstance(value, (list, dict)):
        return _dump(value, column)
    return str(value)


def _storable_number(number: float, column: Column) -> float:
    """``number`` if SQLite can store it and JSON can render it; a 400 otherwise."""
    if not storable_scalar(number):
        raise _out_of_range(column)
    return number


def _encode_number(value: Any, column: Column) -> object:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _storable_number(value, column)
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            return None
        number = int(parsed) if parsed.is_integer() and "." not in value else parsed
        return _storable_number(number, column)
    return None


def _encode_integer(value: Any, column: Column) -> object:
    number = _encode_number(value, column)
    return _storable_number(int(number), column) if isinstance(number, (int, float)) else None


def _encode_duration(value: Any, column: Column) -> object:
    if isinstance(value, str):
        match = _DURATION_RE.match(value.strip())
        if match:
            hours_text = match[1].lstrip("0") or "0"
            if len(hours_text) > _MAX_DIGITS:  # beyond SQLite, and maybe beyond int()
                raise _out_of_range(column)
            hours, minutes, seconds = (int(part or 0) for part in (hours_text, *match.groups()[1:]))
            return _storable_number(hours * 3600 + minutes * 60 + seconds, column)
    return _encode_integer(value, column)


def _encode_checkbox(value: Any, column: Column) -> object:
    return 1 if value is True else 0


def _encode_list(value: Any, column: Column) -> object:
    items = value if isinstance(value, list) else [value]
    return _dump(items, column)


def _encode_object(value: Any, column: Column) -> object:
    return _dump(value, column) if isinstance(value, dict) else None


def _decode_plain(stored: object, column: Column) -> Any:
    return stored


def _decode_checkbox(stored: object, column: Column) -> Any:
    return bool(stored)


def _decode_json(stored: object, column: Column) -> Any:
    return json.loads(stored) if isinstance(stored, str) else stored


def _decode_null(stored: object, column: Column) -> Any:
    return None


@dataclass(frozen=True)
class CellType:
    """How one column type is written (JSON → SQLite value) and read back.

    Columns are created without a declared SQLite type, so values keep the exact storage
    class ``encode`` gives them (no affinity coercion when a column changes type).
    ``writable`` is False for types the rows endpoints silently ignore on write.
    ``system_field`` names the row field a derived type (creator, ctime, ...) displays.
    """

    encode: Encoder
    decode: Decoder
    writable: bool = True
    system_field: str | None = None


_TEXT = CellType(_encode_text, _decode_plain)
_READ_ONLY = CellType(_encode_text, _decode_null, writable=False)

CELL_TYPES: dict[str, CellType] = {
    "text": _TEXT,
    "long-text": _TEXT,
    "email": _TEXT,
    "url": _TEXT,
    "single-select": _TEXT,
    "auto-number": _TEXT,
    "number": CellType(_encode_number, _decode_plain),
    "rate": CellType(_encode_integer, _decode_plain),
    "duration": CellType(_encode_duration, _decode_plain),
    "department-single-select": CellType(_encode_integer, _decode_plain),
    "checkbox": CellType(_encode_checkbox, _decode_checkbox),
    "date": CellType(_encode_date, _decode_plain),
    "multiple-select": CellType(_encode_list, _decode_json),
    "collaborator": CellType(_encode_list, _decode_json),
    "image": CellType(_encode_list, _decode_json),
    "file": CellType(_encode_list, _decode_json),
    "geolocation": CellType(_encode_object, _decode_json),
    "digital-sign": CellType(_encode_object, _decode_json),
    "link": _READ_ONLY,
    "link-formula": _READ_ONLY,
    "formula": _READ_ONLY,
    "button": _READ_ONLY,
    "creator": CellType(_encode_text, _decode_plain, False, "_creator"),
    "last-modifier": CellType(_encode_text, _decode_plain, False, "_last_modifier"),
    "ctime": CellType(_encode_text, _decode_plain, False, "_ctime"),
    "mtime": CellType(_encode_text, _decode_plain, False, "_mtime"),
}


def column_source(column: Mapping[str, Any]) -> str:
    """SQLite column a column's cells are read from: the system field a derived type (creator,
    ctime, ...) shows, else the column's own storage."""
    return CELL_TYPES[column["type"]].system_field or column_storage(column)


def empty_cell(value: Any) -> bool:
    """Whether a written value clears the cell (None, "" and [] are stored as NULL)."""
    return value is None or value == "" or value == []


def encode_cell(value: Any, column: Column) -> object:
    """JSON value from a request → the value stored in SQLite (None means NULL)."""
    if empty_cell(value):
        return None
    return CELL_TYPES[column["type"]].encode(value, column)


def _encode_text_cells(values: Sequence[Any], column: Column) -> list[object]:
    """Text cells: a non-empty string is stored as it is."""
    return [
        value if type(value) is str and value else encode_cell(value, column) for value in values
    ]


def _encode_number_cells(values: Sequence[Any], column: Column) -> list[object]:
    """Number cells: an integer SQLite holds or a finite float is stored as it is."""
    return [
        value
        if (type(value) is int and value in SQLITE_INTEGERS)
        or (type(value) is float and math.isfinite(value))
        else encode_cell(value, column)
        for value in values
    ]


def _encode_list_cells(values: Sequence[Any], column: Column) -> list[object]:
    """List cells: the JSON of a list of texts seen before in the column is reused (select
    options repeat)."""
    encoded: list[object] = []
    texts: dict[tuple[str, ...], object] = {}
    """Lists of texts encoded so far, by their items."""
    for value in values:
        if type(value) is list:
            try:
                items = tuple(value)
                known = texts.get(items)
            except TypeError:  # an unhashable item
                items, known = (), None
            if known is None:
                known = encode_cell(value, column)
                if items and all(type(item) is str for item in items):
                    texts[items] = known
            encoded.append(known)
        else:
            encoded.append(encode_cell(value, column))
    return encoded


_CELLS_ENCODERS: dict[Encoder, Callable[[Sequence[Any], Column], list[object]]] = {
    _encode_text: _encode_text_cells,
    _encode_number: _encode_number_cells,
    _encode_list: _encode_list_cells,
}
"""Encoders with a faster way to encode a whole column of cells than one call per cell."""


def encode_cells(values: Sequence[Any], column: Column) -> list[object]:
    """:func:`encode_cell` of each value, for a column of many rows."""
    many = _CELLS_ENCODERS.get(CELL_TYPES[column["type"]].encode)
    if many is not None:
        return many(values, column)
    return [encode_cell(value, column) for value in values]


def decode_cell(stored: object, column: Column) -> Any:
    """Stored SQLite value → the JSON value SeaTable returns."""
    if stored is None:
        return None
    return CELL_TYPES[column["type"]].decode(stored, column)


def _decode_json_cells(stored: Sequence[object], column: Column) -> list[Any]:
    """:func:`_decode_json` of many cells: the C scanner straight away (ten times cheaper than
    ``json.loads`` per call); anything it does not read whole goes through ``json.loads``. A
    list of texts seen before in the column is copied instead (select options repeat)."""
    decoded: list[Any] = []
    texts: dict[str, list[str]] = {}
    """Cells read so far whose value is a list of texts, by their JSON (each row gets a copy)."""
    for value in stored:
        if isinstance(value, str):
            known = texts.get(value)
            if known is not None:
                decoded.append(known[:])
                continue
            try:
                result, end = _SCAN_JSON(value, 0)
            except StopIteration:
                end = -1
            if end != len(value):
                result = json.loads(value)
            elif type(result) is list and all(type(item) is str for item in result):
                texts[value] = result
            decoded.append(result)
        else:
            decoded.append(value)
    return decoded


_SCAN_JSON = make_scanner(cast(Any, JSONDecoder()))
"""What ``json.loads`` runs after skipping whitespace: (value, end) of the JSON at an index."""

_CELLS_DECODERS: dict[Decoder, Callable[[Sequence[object], Column], list[Any]]] = {
    _decode_plain: lambda stored, column: list(stored),
    _decode_null: lambda stored, column: [None] * len(stored),
    _decode_json: _decode_json_cells,
}
"""Decoders with a faster way to decode a whole column of cells than one call per cell."""


def decode_cells(stored: Sequence[object], column: Column) -> list[Any]:
    """:func:`decode_cell` of each stored value, for a column of many rows."""
    decode = CELL_TYPES[column["type"]].decode
    many = _CELLS_DECODERS.get(decode)
    if many is not None:
        return many(stored, column)
    return [None if value is None else decode(value, column) for value in stored]


SELECT_OPTIONS = list_of(shaped({"name": nonempty_text, "id": nonempty_text}, required=("name",)))
"""Options of a new select column: each named; an id, if given, must be usable (the store
assigns ids to the others)."""
OPTION_CHANGE = shaped({"id": nonempty_text, "name": nonempty_text}, required=("id",))
"""One ``updateSelectOption`` change: the option's ``id``, optionally a new name."""


COLUMN_DATA_RULES: dict[str, dict[str, Check]] = {
    "auto-number": {
        "digits": integer_in(range(21)),
        "format": text,
        "prefix": text,
        "prefix_type": one_of("string", "date"),
    },
    "single-select": {"options": SELECT_OPTIONS},
    "multiple-select": {"options": SELECT_OPTIONS},
}
"""``column_data`` fields the emulator reads later, by column type, and what each must be when
present (null included: SeaTable checks column_data against its spec, where no field is null)."""


def check_column_data(column_type: str, data: Mapping[str, Any] | None) -> None:
    """Refuse ``column_data`` that would break every later write (SeaTable's error shape)."""
    rules = COLUMN_DATA_RULES.get(column_type, {})
    fields = data or {}
    if not isinstance(fields, Mapping) or any(
        name in fields and not ok(fields[name]) for name, ok in rules.items()
    ):
        raise gateway_error(
            400,
            f"column_data: {json.dumps(data, default=str)} do not meet specifications.",
            "column_data_error",
        )

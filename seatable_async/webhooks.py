"""SeaTable webhooks: verify a delivery's signature and parse its body into the change events
`Base.changes()` yields.

SeaTable POSTs `{"event": "update", "data": {dtable_uuid, row_id, op_user, op_type, op_time,
table_id, table_name, row_data: [{column_key, column_name, column_type, value, old_value}]}}`
once per row change, one attempt only (no redelivery: reconcile with `Base.changes(since=...)`).
With a secret, `X-SeaTable-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ._exceptions import WebhookError, WebhookVerificationError
from .changes._events import RowDeleted, RowInserted, RowUpdated
from .changes._source import encode_cursor

__all__ = [
    "SIGNATURE_HEADER",
    "WebhookError",
    "WebhookVerificationError",
    "parse_webhook",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-SeaTable-Signature"
"""The header a signed delivery carries: `sha256=<hex HMAC-SHA256 of the raw body>`."""
_PREFIX = "sha256="
_EVENT_TYPES: Mapping[str, type[RowInserted | RowUpdated | RowDeleted]] = {
    "insert_row": RowInserted,
    "modify_row": RowUpdated,
    "delete_row": RowDeleted,
}
_MS_THRESHOLD = 100_000_000_000
"""A numeric `op_time` above this counts milliseconds (year 5138 in seconds), else seconds."""


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode()
    if not isinstance(secret, bytes) or not secret:
        raise WebhookVerificationError("a webhook secret must be non-empty text or bytes")
    return secret


def sign(body: bytes, secret: str | bytes) -> str:
    """The `X-SeaTable-Signature` value SeaTable sends for this body and secret."""
    return _PREFIX + hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str | None, secret: str | bytes) -> None:
    """Raises `WebhookVerificationError` unless `signature` (the header's value) is the
    HMAC-SHA256 of the raw `body` under `secret`; compared in constant time."""
    if not isinstance(body, bytes):
        raise WebhookVerificationError("verify the raw body, as bytes, before parsing it")
    expected = sign(body, secret)
    given = signature.strip() if isinstance(signature, str) else ""
    if given[: len(_PREFIX)].lower() == _PREFIX:
        given = _PREFIX + given[len(_PREFIX) :]
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise WebhookVerificationError(f"the {SIGNATURE_HEADER} header does not match the body")


def parse_webhook(
    body: bytes | str | Mapping[str, Any],
    *,
    secret: str | bytes | None = None,
    signature: str | None = None,
) -> RowInserted | RowUpdated | RowDeleted:
    """The change a webhook delivery reports, verified first when `secret` is given (then
    `body` must be the raw bytes and `signature` the header's value).

    A body that is not a SeaTable row webhook is a `WebhookError`.
    """
    if secret is not None:
        if not isinstance(body, bytes):
            raise WebhookVerificationError("verify the raw body, as bytes, before parsing it")
        verify_signature(body, signature, secret)
    payload = _payload(body)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise WebhookError("a webhook body holds a `data` object")
    op_type = data.get("op_type")
    kind = _EVENT_TYPES.get(op_type) if isinstance(op_type, str) else None
    table_id, row_id = data.get("table_id"), data.get("row_id")
    if kind is None or not isinstance(table_id, str) or not isinstance(row_id, str):
        raise WebhookError(f"not a row change webhook (op_type {op_type!r})")
    cells = [cell for cell in data.get("row_data") or () if isinstance(cell, dict)]
    values = {_name(cell): cell.get("value") for cell in cells}
    op_time = _op_time(data.get("op_time"))
    table_name, op_user = data.get("table_name"), data.get("op_user")
    common: dict[str, Any] = {
        "table_id": table_id,
        "table_name": table_name if isinstance(table_name, str) else None,
        "row_id": row_id,
        "cursor": encode_cursor(
            "webhook", 0 if op_time is None else int(op_time.timestamp() * 1000), {}
        ),
        "op_time": op_time,
        "source": "webhook",
        "op_user": op_user if isinstance(op_user, str) else None,
        "raw": payload,
        "row": values,
    }
    if kind is RowUpdated:
        return RowUpdated(old_values={_name(c): c.get("old_value") for c in cells}, **common)
    return kind(**common)


def _payload(body: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    try:
        payload = json.loads(body)
    except (ValueError, TypeError) as exc:
        raise WebhookError("a webhook body is JSON") from exc
    if not isinstance(payload, dict):
        raise WebhookError("a webhook body is a JSON object")
    return payload


def _name(cell: Mapping[str, Any]) -> str:
    """A cell's column name (its key when the name is missing)."""
    name = cell.get("column_name")
    return name if isinstance(name, str) else str(cell.get("column_key"))


def _op_time(value: object) -> datetime | None:
    """`op_time` as an aware datetime: unix seconds or milliseconds, or ISO text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > _MS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None

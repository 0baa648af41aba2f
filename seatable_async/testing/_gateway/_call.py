"""The gateway handler contract: :class:`Call`, :func:`atomic` and shared body-field checks."""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .._cells import SQLITE_INTEGERS
from .._checks import integer_in
from .._errors import APIError, gateway_error
from .._http import JSONAnswer, in_transaction, json_body
from .._store import Base, Json, Store

if TYPE_CHECKING:
    from .._emulator import Emulator

__all__ = [
    "LIMITS",
    "NATURAL",
    "OK",
    "POSITIVE",
    "Call",
    "Endpoint",
    "GatewayState",
    "Handler",
    "atomic",
    "flag",
    "int_field",
    "list_field",
    "new_rows",
    "read_only_error",
    "row_id_list",
]

LIMITS = {"list": 1000, "append": 1000, "update": 1000, "delete": 10_000}
"""Rows per call (reference section 14.1)."""
OK: Json = {"success": True}
NATURAL = range(SQLITE_INTEGERS.stop)
POSITIVE = range(1, SQLITE_INTEGERS.stop)
"""Counts SQLite can bind: offsets (0 up) and limits, widths (1 up)."""


@dataclass(frozen=True)
class GatewayState:
    """What gateway handlers reach besides the request: the store, ids, time, tasks, the user."""

    store: Store
    rng: random.Random
    clock: Callable[[], float]
    tasks: dict[str, str]
    """Auto-link task states; a plain dict that :func:`atomic` does not roll back."""
    user_id: str
    display_name: str
    contact_email: str
    toasts: list[Json]
    """Toast notifications sent to users, in order (`Emulator.toasts`)."""


@dataclass
class Call:
    """One authenticated gateway request."""

    emulator: Emulator
    request: Request
    base: Base
    user: str
    permission: str
    raw_body: bytes
    """Read before the handler runs, so handlers never suspend inside their transaction."""

    @functools.cached_property
    def state(self) -> GatewayState:
        """The narrow state handlers use; only this reads :attr:`emulator`."""
        emulator = self.emulator
        return GatewayState(
            store=emulator.store,
            rng=emulator.rng,
            clock=emulator.clock,
            tasks=emulator.tasks,
            user_id=emulator.user_id,
            display_name=emulator.display_name,
            contact_email=emulator.username or "",
            toasts=emulator.toasts,
        )

    @property
    def store(self) -> Store:
        """The emulator's store."""
        return self.state.store

    def rows(self, table: Json, *, keys: bool) -> list[Json]:
        """Every row of ``table`` as the gateway renders it (by column keys or names)."""
        records = self.store.select(self.base, table)
        rendered: list[Json] = self.store.render_many(self.base, table, records, keys=keys)
        return rendered

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        return json_body(self.raw_body, gateway_error)

    def table(self, source: Mapping[str, Any]) -> Json:
        """The table named by ``table_name`` or ``table_id`` in a body or query."""
        name, table_id = source.get("table_name"), source.get("table_id")
        if name is None and table_id is None:
            raise gateway_error(400, "table_name invalid")
        result: Json = self.store.table(self.base, name, table_id)
        return result


Handler = Callable[[Call], Any]
"""A base operation: the call → its JSON answer."""
Endpoint = Callable[[Call], Response]


def atomic(handler: Handler, op_type: str | None = None) -> Endpoint:
    """One request, one store transaction: a handler that raises, or whose answer cannot be
    rendered, leaves the base unchanged. The answer is rendered under the store lock, so it is
    a consistent snapshot. Handlers check client values themselves (an :class:`APIError`);
    any other exception is an emulator bug and stays a visible 500.

    A handler with an ``op_type`` (a schema write) journals it for the base's operation log;
    row writes journal their rows themselves."""

    @functools.wraps(handler)
    def run(call: Call) -> Response:
        def answer() -> Response:
            response = JSONAnswer(handler(call))
            if op_type is not None:
                call.store.journal_operation(call.base, call.user, _operation(call, op_type))
            return response

        return in_transaction(call.store, answer)

    return run


def _operation(call: Call, op_type: str) -> Json:
    """A schema write as the operation log shows it: its kind, the request's fields and the
    table's id when the table (still) exists."""
    try:
        body = json.loads(call.raw_body) if call.raw_body else {}
    except ValueError:
        body = {}
    fields = {**call.request.path_params, **(body if isinstance(body, dict) else {})}
    fields.pop("base_uuid", None)
    name = fields.get("table_name")
    table = next((t for t in call.base.tables if t["name"] == name), None)
    if table is not None:
        fields.setdefault("table_id", table["_id"])
    return {"op_type": op_type, **fields}


def list_field(value: Any, what: str, limit: int | None = None) -> list[Any]:
    """A list body field (at most ``limit`` items); 400 ``<what> invalid`` otherwise."""
    if not isinstance(value, list):
        raise gateway_error(400, f"{what} invalid")
    if limit is not None and len(value) > limit:
        raise gateway_error(400, f"the number of {what} exceeds the limit of {limit}")
    return value


def row_id_list(body: Mapping[str, Any], limit: int | None = None) -> list[str]:
    """``row_ids``: a list of row id strings (at most ``limit``)."""
    row_ids = list_field(body.get("row_ids"), "row_ids", limit)
    if not all(isinstance(row_id, str) for row_id in row_ids):
        raise gateway_error(400, "row_ids invalid")
    return row_ids


def new_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``rows`` to append: up to 1000 objects keyed by column name."""
    rows = list_field(body.get("rows"), "rows", LIMITS["append"])
    if not all(isinstance(row, dict) for row in rows):
        raise gateway_error(400, "rows invalid")
    return rows


def int_field(body: Mapping[str, Any], name: str, allowed: range, default: int) -> int:
    """An optional integer body field within ``allowed`` (absent or null: ``default``)."""
    value = body.get(name)
    if value is None:
        return default
    if not integer_in(allowed)(value):
        raise gateway_error(400, f"{name} invalid")
    result: int = value
    return result


def flag(body: Mapping[str, Any], name: str, default: bool) -> bool:
    """An optional JSON boolean body field."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise gateway_error(400, f"{name} invalid")
    return value


def read_only_error() -> APIError:
    """The answer to a write with a read-only token."""
    return APIError(
        403, {"error_msg": "You don't have permission to perform this operation on this base."}
    )

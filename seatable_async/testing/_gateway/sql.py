"""SQL handler: ``querySQL``."""

from __future__ import annotations

from .._cells import storable_scalar
from .._errors import gateway_error
from .._http import EncodedJSON
from .._sql import run_sql
from .._store import Json
from ._call import Call, flag, read_only_error

__all__ = ["query_sql"]


def query_sql(call: Call) -> Json | EncodedJSON:
    """``querySQL``: SELECT/INSERT/UPDATE/DELETE through the sqlglot translator."""
    body = call.body()
    sql = body.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise gateway_error(400, "sql invalid")
    parameters = body.get("parameters")
    if parameters is not None and not (
        isinstance(parameters, list) and all(storable_scalar(p) for p in parameters)
    ):
        raise gateway_error(400, "parameters invalid")
    if call.permission != "rw" and not sql.lstrip().lower().startswith("select"):
        raise read_only_error()
    return run_sql(
        call.store,
        call.base,
        sql,
        parameters,
        convert_keys=flag(body, "convert_keys", True),
        user=call.user,
        server_only=flag(body, "server_only", False),
    )

"""Drive the official ``seatable-api`` SDK's main flows against a server; one JSON line per flow.

Run by ``test_official_sdk.py`` with the python of a scratch venv that holds the SDK, never
imported by our test suite: ``python sdk_driver.py <server_url> <api_token> <table_name>``.
Each line is ``{"flow": ..., "ok": bool, "result": ..., "error": ...}``; a failing flow does
not stop the later ones, so every flow gets reported.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any


def _emit(flow: str, action: Callable[[], Any]) -> Any:
    """Run one flow and print its outcome; returns the result (None when it raised)."""
    try:
        result = action()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        detail = traceback.format_exc(limit=3)
        print(json.dumps({"flow": flow, "ok": False, "error": error, "traceback": detail}))
        return None
    print(json.dumps({"flow": flow, "ok": True, "result": result}, default=str))
    return result


def main(server_url: str, api_token: str, table: str) -> None:
    """auth, add_table, get_metadata, append_row, batch_append_rows, list_rows, update_row,
    delete_row, query: the SDK's everyday surface, unmodified."""
    from seatable_api import Base  # type: ignore[import-not-found]  # only in the scratch venv

    base = Base(api_token, server_url)

    def auth() -> dict[str, Any]:
        base.auth()
        return {
            "dtable_uuid": base.dtable_uuid,
            "dtable_name": base.dtable_name,
            "workspace_id": base.workspace_id,
            "use_api_gateway": base.use_api_gateway,
        }

    def add_table() -> Any:
        columns = [
            {"column_name": "Name", "column_type": "text"},
            {"column_name": "Count", "column_type": "number"},
        ]
        created = base.add_table(table, columns=columns)
        return {"name": created.get("name"), "columns": [c["name"] for c in created["columns"]]}

    def get_metadata() -> Any:
        metadata = base.get_metadata()
        return {t["name"]: [c["name"] for c in t["columns"]] for t in metadata["tables"]}

    def append_row() -> Any:
        return base.append_row(table, {"Name": "alpha", "Count": 1})

    def batch_append_rows() -> Any:
        return base.batch_append_rows(table, [{"Name": "beta", "Count": 2}, {"Name": "gamma"}])

    def list_rows() -> Any:
        return base.list_rows(table)

    def row_id(name: str) -> str:
        return str(next(r["_id"] for r in base.list_rows(table) if r.get("Name") == name))

    def update_row() -> Any:
        return base.update_row(table, row_id("alpha"), {"Count": 10})

    def delete_row() -> Any:
        return base.delete_row(table, row_id("gamma"))

    def query() -> Any:
        return base.query(f"SELECT Name, Count FROM `{table}` ORDER BY Name")

    for flow in (
        auth,
        add_table,
        get_metadata,
        append_row,
        batch_append_rows,
        list_rows,
        update_row,
        delete_row,
        query,
    ):
        _emit(flow.__name__, flow)


if __name__ == "__main__":
    main(*sys.argv[1:4])

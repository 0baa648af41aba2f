"""Append a row and read the table back, against the server named by two environment variables.

Set SEATABLE_SERVER_URL (e.g. https://cloud.seatable.io) and SEATABLE_API_TOKEN (a base's API
token); SEATABLE_TABLE names the table to use (default "Table1").
"""

from __future__ import annotations

import os

import anyio

from seatable_async import Base


async def main() -> None:
    server_url = os.environ["SEATABLE_SERVER_URL"]
    api_token = os.environ["SEATABLE_API_TOKEN"]
    table = os.environ.get("SEATABLE_TABLE", "Table1")
    async with Base(api_token, server_url) as base:
        row = await base.append_row(table, {"Name": "Hello from seatable-async"})
        print(f"appended row {row['_id']}")
        rows = await base.list_rows(table, limit=10)
        print(f"{table} has {len(rows)} row(s) in its first page")
        for listed in rows:
            print(f"  {listed['_id']}: {listed.get('Name')!r}")


if __name__ == "__main__":
    anyio.run(main)

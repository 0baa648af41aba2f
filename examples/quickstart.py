"""Append a row and read the table back.

Offline by default: with neither SEATABLE_SERVER_URL nor SEATABLE_API_TOKEN set, it starts the
local emulator in-process (`pip install "seatable-async[testing]"`). Set both to use a real
server (and SEATABLE_TABLE for a table other than "Table1", with a text column "Name").
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx

from seatable_async import Base

TABLE = os.environ.get("SEATABLE_TABLE", "Table1")


@asynccontextmanager
async def connect() -> AsyncIterator[Base]:
    """A `Base` on the configured server, or on an in-process emulator when none is set."""
    server_url = os.environ.get("SEATABLE_SERVER_URL")
    api_token = os.environ.get("SEATABLE_API_TOKEN")
    if server_url and api_token:
        print(f"using {server_url}")
        async with Base(api_token, server_url) as base:
            yield base
        return
    from seatable_async.testing import Emulator

    print("SEATABLE_SERVER_URL and SEATABLE_API_TOKEN not set: using the in-process emulator")
    with Emulator(api_token="quickstart-token") as emulator:
        if TABLE not in emulator.tables():  # a new base already has "Table1" with "Name"
            emulator.add_table(TABLE, [("Name", "text")])
        async with (
            httpx.AsyncClient(transport=emulator.transport()) as http,
            Base("quickstart-token", "http://emulator.local", http_client=http) as base,
        ):
            yield base


async def main() -> None:
    async with connect() as base:
        row = await base.append_row(TABLE, {"Name": "Hello from seatable-async"})
        print(f"appended row {row['_id']}")
        rows = await base.list_rows(TABLE, limit=10)
        print(f"{TABLE} has {len(rows)} row(s) in its first page:")
        for listed in rows:
            print(f"  {listed['_id']}: {listed.get('Name')!r}")


if __name__ == "__main__":
    anyio.run(main)

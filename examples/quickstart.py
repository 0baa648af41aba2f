"""Append a row and read the table back.

Offline by default: with neither SEATABLE_SERVER_URL nor SEATABLE_API_TOKEN set, it starts the
local emulator in-process (`pip install "seatable-async[testing]"`). Set both to use a real
server (and SEATABLE_TABLE for a table other than "Table1", with a text column "Name").
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import anyio
from _connect import connect

if TYPE_CHECKING:
    from seatable_async.testing import Emulator

TABLE = os.environ.get("SEATABLE_TABLE", "Table1")


def add_table(emulator: Emulator) -> None:
    """A new emulated base already has "Table1" with "Name"; another table is made to match."""
    if TABLE not in emulator.tables():
        emulator.add_table(TABLE, [("Name", "text")])


async def main() -> None:
    async with connect(add_table) as base:
        row = await base.append_row(TABLE, {"Name": "Hello from seatable-async"})
        print(f"appended row {row['_id']}")
        rows = await base.list_rows(TABLE, limit=10)
        print(f"{TABLE} has {len(rows)} row(s) in its first page:")
        for listed in rows:
            print(f"  {listed['_id']}: {listed.get('Name')!r}")


if __name__ == "__main__":
    anyio.run(main)

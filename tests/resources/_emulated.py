"""A `Base` on an in-process emulator, and a base with two linked tables for the resource tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from seatable_async import Base, RetryPolicy
from seatable_async.testing import Emulator

TOKEN = "resources-api-token"
URL = "https://emulator.test"
LINK_COLUMN: dict[str, Any] = {
    "column_name": "Projects",
    "column_type": "link",
    "column_data": {"table": "People", "other_table": "Projects"},
}
"""People.Projects links to Projects (whose mirror column is People)."""

TWO_TABLES: dict[str, Any] = {
    "metadata": {
        "tables": [
            {
                "_id": "0000",
                "name": "People",
                "columns": [
                    {"key": "0000", "name": "Name", "type": "text"},
                    {
                        "key": "Lk01",
                        "name": "Projects",
                        "type": "link",
                        "data": {"link_id": "aB3x"},
                    },
                ],
                "views": [],
            },
            {
                "_id": "k9Lm",
                "name": "Projects",
                "columns": [{"key": "0000", "name": "Title", "type": "text"}],
                "views": [],
            },
        ]
    }
}
"""Metadata for mocked servers: two tables, People's link column with `link_id` aB3x."""


def linked_emulator() -> Emulator:
    """An emulator whose People table links to its Projects table."""
    emulator = Emulator(api_token=TOKEN)
    emulator.add_table("Projects", [("Title", "text")])
    emulator.add_table("People", [("Name", "text"), LINK_COLUMN])
    return emulator


@asynccontextmanager
async def emulated_base(emulator: Emulator) -> AsyncIterator[Base]:
    """A client of the emulator's base, in process, that tries each call once."""
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as client,
        Base(TOKEN, URL, http_client=client, retry=RetryPolicy(max_attempts=1)) as base,
    ):
        yield base

"""How the examples reach SeaTable: the server the environment names, or an in-process emulator.

Set SEATABLE_SERVER_URL and SEATABLE_API_TOKEN to use a real server. With neither set, an
example starts the local emulator in-process (`pip install "seatable-async[testing]"`), so it
runs offline.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx

from seatable_async import Base

if TYPE_CHECKING:
    from seatable_async.testing import Emulator

EMULATOR_TOKEN = "example-token"


@asynccontextmanager
async def connect(
    prepare: Callable[[Emulator], object] | None = None,
    finish: Callable[[Emulator], object] | None = None,
) -> AsyncIterator[Base]:
    """A `Base` on the configured server, or on an in-process emulator: `prepare` is called
    with it before the `Base` opens, `finish` after the block, while the `Base` is still open."""
    server_url = os.environ.get("SEATABLE_SERVER_URL")
    api_token = os.environ.get("SEATABLE_API_TOKEN")
    if server_url and api_token:
        print(f"using {server_url}")
        async with Base(api_token, server_url) as base:
            yield base
        return
    from seatable_async.testing import Emulator

    print("SEATABLE_SERVER_URL and SEATABLE_API_TOKEN not set: using the in-process emulator")
    with Emulator(api_token=EMULATOR_TOKEN) as emulator:
        if prepare is not None:
            prepare(emulator)
        async with (
            httpx.AsyncClient(transport=emulator.transport()) as http,
            Base(EMULATOR_TOKEN, "http://emulator.localhost", http_client=http) as base,
        ):
            yield base
            if finish is not None:
                finish(emulator)

"""Fixtures for the emulator's own tests: an emulator with a fake clock and an httpx client."""

from __future__ import annotations

import selectors
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from seatable_async.testing import Emulator

SERVER = "http://seatable.test"


class FakeClock:
    """A settable unix-seconds clock, and a sleep that advances it, so token expiry, rate
    windows, latency and delays need no waiting."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every emulator test under both backends."""
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[Emulator]:
    emu = Emulator(
        username="me@example.com", password="secret", clock=clock, sleep=clock.sleep, seed=7
    )
    emu.add_table(
        "Contacts",
        [
            ("Name", "text"),
            ("Age", "number"),
            ("Done", "checkbox"),
            ("Birthday", "date"),
            ("Tags", "multiple-select"),
            ("Status", "single-select"),
        ],
    )
    yield emu
    emu.close()


@asynccontextmanager
async def client_for(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the emulator in-process."""
    async with httpx.AsyncClient(transport=emu.transport(), base_url=SERVER) as client:
        yield client


async def base_token(client: httpx.AsyncClient, emu: Emulator, **params: Any) -> str:
    response = await client.get(
        "/api/v2.1/dtable/app-access-token/",
        params=params,
        headers={"Authorization": f"Token {emu.api_token}"},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


class Gateway:
    """Calls ``/api-gateway/api/v2/dtables/{uuid}/...`` with a fresh base token."""

    def __init__(self, client: httpx.AsyncClient, emu: Emulator, token: str) -> None:
        self.client = client
        self.prefix = f"/api-gateway/api/v2/dtables/{emu.base_uuid}"
        self.headers = {"Authorization": f"Bearer {token}"}

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, self.prefix + path, headers=self.headers, **kwargs)

    async def add_link_column(self, table: str, name: str, other_table: str) -> dict[str, Any]:
        """Insert a link column from ``table`` to ``other_table``; returns its ``data``."""
        response = await self.request(
            "POST",
            "/columns/",
            json={
                "table_name": table,
                "column_name": name,
                "column_type": "link",
                "column_data": {"table": table, "other_table": other_table},
            },
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async def sql(self, sql: str, *parameters: object, **extra: Any) -> httpx.Response:
        body = {"sql": sql, "parameters": list(parameters), **extra}
        return await self.request("POST", "/sql/", json=body)


@asynccontextmanager
async def gateway_for(emu: Emulator) -> AsyncIterator[Gateway]:
    async with client_for(emu) as client:
        yield Gateway(client, emu, await base_token(client, emu))


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The next line the process prints, or "" if none comes within ``timeout`` seconds."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        return process.stdout.readline() if selector.select(timeout) else ""

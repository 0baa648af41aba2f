"""How many list-rows requests (100 rows per page) per second the emulator serves.

Seeds a 1000-row table through the API, then hammers ``GET .../rows/?limit=100`` from asyncio
tasks sharing one httpx client, in three set-ups:

- ``process``: the CLI (``python -m seatable_async.testing``) in its own process, over loopback;
- ``thread``: ``serve()`` in this process (uvicorn thread; client and server share the GIL);
- ``in-proc``: no socket, through ``Emulator.transport()``.

    python benchmarks/emulator_throughput.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from seatable_async.testing import Emulator, serve

ROWS = 1000
PAGE = 100
API_TOKEN = "bench-token"
COLUMNS = [
    {"column_name": "Name", "column_type": "text"},
    {"column_name": "Age", "column_type": "number"},
    {"column_name": "Tags", "column_type": "multiple-select"},
]


async def seed(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """Create the Bench table with 1000 rows; returns (rows URL, auth headers)."""
    access = await client.get(
        "/api/v2.1/dtable/app-access-token/", headers={"Authorization": f"Token {API_TOKEN}"}
    )
    body = access.json()
    prefix = f"/api-gateway/api/v2/dtables/{body['dtable_uuid']}"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    created = await client.post(
        f"{prefix}/tables/", json={"table_name": "Bench", "columns": COLUMNS}, headers=headers
    )
    created.raise_for_status()
    rows = [{"Name": f"row {i}", "Age": i, "Tags": ["a", "b"]} for i in range(ROWS)]
    appended = await client.post(
        f"{prefix}/rows/", json={"table_name": "Bench", "rows": rows}, headers=headers
    )
    appended.raise_for_status()
    return f"{prefix}/rows/", headers


async def hammer(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], tasks: int, seconds: float
) -> str:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        start = offset
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            params: dict[str, str | int] = {
                "table_name": "Bench",
                "start": start % ROWS,
                "limit": PAGE,
            }
            response = await client.get(url, params=params, headers=headers)
            response.raise_for_status()
            assert len(response.json()["rows"]) == PAGE
            latencies.append(time.perf_counter() - began)
            start += PAGE

    began = time.perf_counter()
    await asyncio.gather(*(worker(i * PAGE) for i in range(tasks)))
    elapsed = time.perf_counter() - began
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    rate = len(latencies) / elapsed
    return f"{tasks:>5} {len(latencies):>9} {elapsed:>6.2f} {rate:>8.0f} {p50:>7.1f} {p95:>7.1f}"


@asynccontextmanager
async def cli_server() -> AsyncIterator[str]:
    """The emulator CLI in a child process (quiet: no per-request log); yields its URL."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "seatable_async.testing",
        "--port",
        "0",
        "--quiet",
        "--api-token",
        API_TOKEN,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        url = (await child.stdout.readline()).decode().split()[3]
        async with httpx.AsyncClient(base_url=url) as probe:
            for _ in range(200):
                try:
                    await probe.get("/api2/ping/")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.02)
        yield url
    finally:
        child.terminate()
        await child.wait()


async def main(seconds: float) -> None:
    print("setup     tasks  requests   secs    req/s  p50 ms  p95 ms")
    for tasks in (1, 4, 16):
        async with cli_server() as url:
            limits = httpx.Limits(max_connections=tasks)
            async with httpx.AsyncClient(base_url=url, limits=limits) as client:
                rows_url, headers = await seed(client)
                print(f"process   {await hammer(client, rows_url, headers, tasks, seconds)}")
    with Emulator(api_token=API_TOKEN) as emulator:
        async with serve(emulator) as url, httpx.AsyncClient(base_url=url) as client:
            rows_url, headers = await seed(client)
            print(f"thread    {await hammer(client, rows_url, headers, 1, seconds)}")
        transport = emulator.transport()
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            print(f"in-proc   {await hammer(client, rows_url, headers, 1, seconds)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    asyncio.run(main(parser.parse_args().seconds))

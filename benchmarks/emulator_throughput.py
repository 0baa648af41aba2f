"""How many list-rows requests (100 rows per page) per second the emulator serves.

Serves a 1000-row table on loopback (uvicorn in its thread) and hammers
``GET .../rows/?limit=100`` from asyncio tasks sharing one httpx client, then does the same
in-process through the ASGI transport. Prints one line per configuration.

    python benchmarks/emulator_throughput.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from seatable_async.testing import Emulator, serve

ROWS = 1000
PAGE = 100


async def hammer(client: httpx.AsyncClient, emulator: Emulator, tasks: int, seconds: float) -> str:
    token = (
        await client.get(
            "/api/v2.1/dtable/app-access-token/",
            headers={"Authorization": f"Token {emulator.api_token}"},
        )
    ).json()["access_token"]
    url = f"/api-gateway/api/v2/dtables/{emulator.base_uuid}/rows/"
    headers = {"Authorization": f"Bearer {token}"}
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
    return f"{len(latencies):>9} {elapsed:>6.2f} {rate:>8.0f} {p50:>7.1f} {p95:>7.1f}"


async def main(seconds: float) -> None:
    emulator = Emulator(rate_limit=None)
    emulator.add_table("Bench", [("Name", "text"), ("Age", "number"), ("Tags", "multiple-select")])
    emulator.append_rows(
        "Bench", [{"Name": f"row {i}", "Age": i, "Tags": ["a", "b"]} for i in range(ROWS)]
    )
    print("mode        tasks  requests   secs    req/s  p50 ms  p95 ms")
    async with serve(emulator) as url:
        for tasks in (1, 4, 16):
            limits = httpx.Limits(max_connections=tasks)
            async with httpx.AsyncClient(base_url=url, limits=limits) as client:
                print(
                    f"{'loopback':<10} {tasks:>5} {await hammer(client, emulator, tasks, seconds)}"
                )
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://bench") as client:
        print(f"{'in-process':<10} {1:>5} {await hammer(client, emulator, 1, seconds)}")
    emulator.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    asyncio.run(main(parser.parse_args().seconds))

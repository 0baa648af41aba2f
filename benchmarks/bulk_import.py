"""Importing many rows: the official SDK's `batch_append_rows` against ours, and against a loop
of single appends, on the emulator's command line in another process.

Prints wall time, the client's own CPU time (`time.process_time`) and the API calls each way
made (counted by an httpx event hook for ours, by a counting transport adapter for the SDK's
`requests` session), side by side in one run. The official SDK is optional: install it next
to this project to include it (it is never a dependency).

    python benchmarks/bulk_import.py [--rows 20000] [--single 500] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
from client_vs_official import TABLE, TOKEN, emulator_process

from seatable_async import Base


def _rows(count: int, tag: str) -> list[dict[str, Any]]:
    return [{"Name": f"{tag} {i}", "Age": i} for i in range(count)]


def official_batch(url: str, count: int) -> tuple[float, float, int] | None:
    """(wall, cpu, calls) for the official SDK's batch_append_rows in its 1000-row calls."""
    try:
        import requests  # type: ignore[import-untyped]
        from seatable_api import Base as OfficialBase  # type: ignore[import-not-found]
    except ImportError:
        return None
    logging.getLogger().setLevel(logging.WARNING)
    calls = 0
    send = requests.Session.send

    def counting(session: Any, request: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return send(session, request, **kwargs)

    requests.Session.send = counting  # the SDK calls requests.get/post, which use a Session
    try:
        base = OfficialBase(TOKEN, url)
        rows = _rows(count, "sdk")
        wall, cpu = time.perf_counter(), time.process_time()
        base.auth()
        for start in range(0, count, 1000):
            base.batch_append_rows(TABLE, rows[start : start + 1000])
        return time.perf_counter() - wall, time.process_time() - cpu, calls
    finally:
        requests.Session.send = send


async def ours(
    url: str, count: int, work: Callable[[Base, list[dict[str, Any]]], Any]
) -> tuple[float, float, int]:
    """(wall, cpu, calls) for seatable_async doing `work` with `count` rows."""
    calls = 0

    async def count_call(request: httpx.Request) -> None:
        nonlocal calls
        calls += 1

    async with (
        httpx.AsyncClient(event_hooks={"request": [count_call]}) as http,
        Base(TOKEN, url, http_client=http) as base,
    ):
        rows = _rows(count, "ours")
        wall, cpu = time.perf_counter(), time.process_time()
        await work(base, rows)
        return time.perf_counter() - wall, time.process_time() - cpu, calls


async def _batch(base: Base, rows: list[dict[str, Any]]) -> None:
    await base.batch_append_rows(TABLE, rows)


async def _singles(base: Base, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        await base.append_row(TABLE, row)


def _line(label: str, count: int, result: tuple[float, float, int]) -> str:
    wall, cpu, calls = result
    return f"{label:<44}{count:>7}{wall:>9.2f}{cpu:>9.2f}{calls:>7}{count / wall:>10.0f}"


async def main(count: int, single: int, latency_ms: float) -> None:
    with emulator_process(latency_ms) as url:
        official = await anyio.to_thread.run_sync(official_batch, url, count)
        batch = await ours(url, count, _batch)
        singles = await ours(url, single, _singles)
    print(f"emulator latency {latency_ms:g} ms, loopback; minimum for {count} rows:", end=" ")
    print(f"{math.ceil(count / 1000)} appends + 1 token exchange")
    print(f"{'client':<44}{'rows':>7}{'wall s':>9}{'cpu s':>9}{'calls':>7}{'rows/s':>10}")
    if official is not None:
        print(_line("seatable-api batch_append_rows (1000 a call)", count, official))
    else:
        print("seatable-api (official)                     not installed")
    print(_line("seatable_async batch_append_rows", count, batch))
    print(_line("seatable_async append_row, one at a time", single, singles))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    anyio.run(main, args.rows, args.single, args.latency_ms)

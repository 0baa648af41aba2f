"""Our async client against the official sync SDK on the same loopback emulator.

Runs the same work five ways and prints a table: the official `seatable-api` SDK (sync) one
call at a time and from N threads, and `seatable_async` one call at a time, with N calls asked
for under its default limiter (8 in flight per base), and with N in flight. The emulator runs
in its own process (its command line) with added latency to stand in for a remote server, so
client and server do not share an interpreter. The official SDK is optional: install it next
to this project to include it (it is never a dependency). Ratios are measured side by side in
one run, against the official SDK one call at a time.

    python benchmarks/client_vs_official.py [--calls 300] [--concurrency 16] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import logging
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import anyio

from seatable_async import Base, RateLimit
from seatable_async.testing import Emulator

TOKEN = "bench-token"
DEFAULT_LIMIT = RateLimit()
"""The limiter a client has unless told otherwise (8 calls in flight per base)."""
TABLE = "Bench"
UNREACHED_LIMIT = 1_000_000
"""Calls per base per minute the emulator allows unless told otherwise: more than any run
makes, so the server's limit (SeaTable's default is 500) paces no client and the figures are
the clients' speed; `rate_limited.py` sets its own."""


@contextmanager
def emulator_process(
    latency_ms: float,
    tables: Sequence[str] = (TABLE,),
    seed_rows: int = 1000,
    extra: Sequence[str] = (),
) -> Iterator[str]:
    """The emulator command line on a free loopback port, over tables of `seed_rows` rows,
    allowing `UNREACHED_LIMIT` calls a minute; `extra` adds options to its command line (a
    later `--rate-limit` wins)."""
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "bench.sqlite3")
        with Emulator(api_token=TOKEN, db_path=db) as emulator:
            for table in tables:
                emulator.add_table(table, [("Name", "text"), ("Age", "number")])
                for start in range(0, seed_rows, 10_000):
                    count = min(10_000, seed_rows - start)
                    rows = [{"Name": f"row {i}", "Age": i} for i in range(start, start + count)]
                    emulator.append_rows(table, rows)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [sys.executable, "-m", "seatable_async.testing", "--port", str(port)]
        command += ["--api-token", TOKEN, "--db", db, "--latency-ms", str(latency_ms)]
        command += ["--rate-limit", str(UNREACHED_LIMIT), *extra]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("the emulator did not start") from None
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=10)


def official_sdk(url: str, calls: int, workers: int) -> dict[str, float] | None:
    """Seconds per operation for the official SDK from `workers` threads; None if not installed."""
    try:
        from seatable_api import Base as OfficialBase  # type: ignore[import-not-found]
    except ImportError:
        return None
    logging.getLogger().setLevel(logging.WARNING)  # the SDK's import turns on INFO for everyone
    base = OfficialBase(TOKEN, url)
    base.auth()
    timings: dict[str, float] = {}
    work: dict[str, Callable[[int], object]] = {
        "list_rows": lambda i: base.list_rows(TABLE, start=(i * 100) % 1000, limit=100),
        "append_row": lambda i: base.append_row(TABLE, {"Name": f"sdk {i}", "Age": i}),
    }
    with ThreadPoolExecutor(workers) as pool:
        for name, call in work.items():
            began = time.perf_counter()
            list(pool.map(call, range(calls)))
            timings[name] = time.perf_counter() - began
    return timings


async def ours(
    url: str, calls: int, concurrency: int, rate_limit: RateLimit = DEFAULT_LIMIT
) -> dict[str, float]:
    """Seconds per operation for seatable_async with `concurrency` calls in flight (its
    limiter lets at most `rate_limit.max_concurrency` go at once)."""
    timings: dict[str, float] = {}
    async with Base(TOKEN, url, rate_limit=rate_limit) as base:
        await base.auth()
        limiter = anyio.CapacityLimiter(concurrency)

        async def run(name: str, make: Callable[[int], Awaitable[object]]) -> None:
            async def one(i: int) -> None:
                async with limiter:
                    await make(i)

            began = time.perf_counter()
            async with anyio.create_task_group() as group:
                for i in range(calls):
                    group.start_soon(one, i)
            timings[name] = time.perf_counter() - began

        await run("list_rows", lambda i: base.list_rows(TABLE, start=(i * 100) % 1000, limit=100))
        await run("append_row", lambda i: base.append_row(TABLE, {"Name": f"ours {i}", "Age": i}))
    return timings


def _line(label: str, calls: int, timings: dict[str, float], reference: dict[str, float]) -> str:
    cells = []
    for op in ("list_rows", "append_row"):
        rate = calls / timings[op]
        cells.append(f"{rate:>9.0f}/s {reference[op] / timings[op]:>5.1f}x")
    return f"{label:<36}" + "  ".join(cells)


async def main(calls: int, concurrency: int, latency_ms: float) -> None:
    with emulator_process(latency_ms) as url:
        official = await anyio.to_thread.run_sync(official_sdk, url, calls, 1)
        threaded = await anyio.to_thread.run_sync(official_sdk, url, calls, concurrency)
        sequential = await ours(url, calls, 1)
        concurrent = await ours(url, calls, concurrency)
        uncapped = await ours(url, calls, concurrency, RateLimit(max_concurrency=concurrency))
    reference = official or sequential
    print(f"{calls} calls per operation, emulator latency {latency_ms:g} ms, loopback")
    print(f"{'client':<36}{'list_rows (100 rows)':>18}  {'append_row':>16}")
    if official and threaded:
        print(_line("seatable-api (official), 1 thread", calls, official, reference))
        print(_line(f"seatable-api (official), {concurrency} threads", calls, threaded, reference))
    else:
        print("seatable-api (official)             not installed: ratios are against the next line")
    print(_line("seatable_async, 1 in flight", calls, sequential, reference))
    capped = f"seatable_async, {concurrency} asked, {DEFAULT_LIMIT.max_concurrency} in flight"
    print(_line(capped, calls, concurrent, reference))
    print(_line(f"seatable_async, {concurrency} in flight", calls, uncapped, reference))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    anyio.run(main, args.calls, args.concurrency, args.latency_ms)

"""Memory: `iter_rows` over 200,000 rows and `bulk_append` from a generator of 200,000 rows
hold only the pages and chunks in flight, against the same rows held in a list.

The emulator runs as its command line in another process, so only the client's memory is
measured: this process's resident set (VmRSS, Linux), sampled as the work goes, minus what it
was before. Each figure is the peak growth in MiB. A job's result keeps one id per appended
row (`row_ids`), which is O(rows) by design; its size is shown on its own.

    python benchmarks/bulk_memory.py [--rows 200000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
from client_vs_official import TABLE, TOKEN, emulator_process

from seatable_async import Base

MIB = 1024 * 1024
STATUS = Path("/proc/self/status")


def rss() -> int:
    """This process's resident set in bytes."""
    for line in STATUS.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status: this benchmark needs Linux")


class Peak:
    """The highest resident set seen since it was made, above what it was then."""

    def __init__(self) -> None:
        gc.collect()
        self.start = self.high = rss()

    def sample(self) -> None:
        self.high = max(self.high, rss())

    @property
    def mib(self) -> float:
        return (self.high - self.start) / MIB


def _row(i: int) -> dict[str, Any]:
    return {"Name": f"generated row {i:07d}", "Age": i}


async def _iter_rows(base: Base, count: int, concurrency: int) -> dict[str, float]:
    peak, seen = Peak(), 0
    async for _ in base.iter_rows(TABLE):
        seen += 1
        if seen % 500 == 0:
            peak.sample()
    assert seen == count, seen
    return {"iter_rows over the table": peak.mib}


async def _rows_in_a_list(base: Base, count: int, concurrency: int) -> dict[str, float]:
    peak = Peak()
    held = [row async for row in base.iter_rows(TABLE)]
    peak.sample()
    assert len(held) == count
    return {"the same rows read into a list": peak.mib}


async def _bulk_append(base: Base, count: int, concurrency: int) -> dict[str, float]:
    peak = Peak()

    def generated() -> Iterator[dict[str, Any]]:
        for i in range(count):
            if i % 500 == 0:
                peak.sample()
            yield _row(i)

    result = await base.bulk_append(TABLE, generated(), concurrency=concurrency)
    peak.sample()
    ids = sys.getsizeof(result.row_ids) + sum(map(sys.getsizeof, result.row_ids))
    return {
        "bulk_append from a generator": peak.mib,
        "  of which the result's row_ids": ids / MIB,
    }


async def _bulk_append_list(base: Base, count: int, concurrency: int) -> dict[str, float]:
    peak = Peak()
    rows = [_row(i) for i in range(count)]
    peak.sample()
    built = peak.mib
    await base.bulk_append(TABLE, rows, concurrency=concurrency)
    peak.sample()
    return {"the same rows built as a list": built, "bulk_append from that list": peak.mib}


MEASURES = {
    "iter_rows": _iter_rows,
    "list": _rows_in_a_list,
    "bulk_append": _bulk_append,
    "bulk_append_list": _bulk_append_list,
}
"""Each runs in a fresh process of its own, so no measure reuses memory another freed."""


async def measure(url: str, name: str, count: int, concurrency: int) -> None:
    async with Base(TOKEN, url) as base:
        await base.auth()
        figures = await MEASURES[name](base, count, concurrency)
    print(json.dumps(figures))


def main(count: int, concurrency: int) -> None:
    figures: dict[str, float] = {}
    with emulator_process(0, seed_rows=count) as url:
        for name in MEASURES:
            command = [sys.executable, __file__, "--rows", str(count), "--measure", name]
            command += ["--url", url, "--concurrency", str(concurrency)]
            completed = subprocess.run(command, capture_output=True, text=True, check=True)
            figures.update(json.loads(completed.stdout.strip().splitlines()[-1]))
    print(f"{count} rows; pages of 1000, chunks of 1000 with {concurrency} in flight")
    print(f"{'what (each in a fresh process)':<36}{'peak RSS growth, MiB':>22}")
    for what, mib in figures.items():
        print(f"{what:<36}{mib:>22.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--measure", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        anyio.run(measure, args.url, args.measure, args.rows, args.concurrency)
    else:
        main(args.rows, args.concurrency)

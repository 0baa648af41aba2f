"""Bulk appends under injected faults: with `key=`, nothing lost and nothing duplicated; without
it, nothing duplicated and every row whose fate is unknown reported.

The emulator serves on loopback with a seeded 10 % fault rate over a menu that adds "write,
then fail" faults (the rows are stored, then the answer is a 502 or a dropped connection) to
its usual 429s, 5xx, resets and answers slower than the client's timeout. Each run appends the
same rows, tagged with a unique `Seq`, then reads the table back and counts, per row, how many
times it landed against what the job reported.

    python benchmarks/bulk_faults.py [--rows 50000] [--chunk 1000] [--fault-rate 0.1] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from typing import Any

import anyio

from seatable_async import Base, BatchLimits, BulkError, BulkResult, RetryPolicy
from seatable_async.testing import Emulator, Fault, FaultPlan, serve_in_thread

TOKEN = "faults-token"
DEFAULT_TIMEOUT = 5.0
"""The client's timeout (`--timeout`): longer than eight 1000-row appends take on the emulator
(which serves one at a time); a slow fault answers after twice as long."""
WRITE_THEN_FAIL = (Fault("status", 502, apply_write=True), Fault("reset", apply_write=True))
QUICK_RETRIES = RetryPolicy(initial_delay=0.01, max_delay=0.05)


def _rows(count: int) -> list[dict[str, Any]]:
    return [{"Key": f"k{i}", "Seq": i} for i in range(count)]


async def _append(
    url: str,
    table: str,
    rows: list[dict[str, Any]],
    chunk: int,
    key: bool,
    seconds: float,
    plan: FaultPlan,
    fault_rate: float,
) -> BulkResult:
    """The job's result, faults on only while it runs (the token exchange comes first)."""
    limits = BatchLimits(append_rows=chunk)
    async with Base(TOKEN, url, timeout=seconds, retry=QUICK_RETRIES, batch_limits=limits) as base:
        await base.auth()
        plan.fault_rate = fault_rate
        try:
            return await base.bulk_append(table, iter(rows), key="Key" if key else None)
        except BulkError as error:
            return error.result
        finally:
            plan.fault_rate = 0.0


def _tally(stored: list[dict[str, Any]], result: BulkResult, count: int) -> dict[str, int]:
    """Per row: how often it landed, and whether the job said it was written or unknown."""
    landed = Counter(int(row["Seq"]) for row in stored)
    written = set(range(count)) - {i for f in result.failures for i in f.indices}
    unknown = {i for f in result.failures if f.outcome == "unknown" for i in f.indices}
    failed = {i for f in result.failures if f.outcome == "failed" for i in f.indices}
    ids = {row["_id"] for row in stored}
    return {
        "stored": len(stored),
        "lost": sum(1 for i in written if landed[i] == 0),
        "duplicated": sum(n - 1 for n in landed.values() if n > 1),
        "failed but landed": sum(1 for i in failed if landed[i]),
        "reported unknown": len(unknown),
        "unknown that landed": sum(1 for i in unknown if landed[i]),
        "ids that match": sum(1 for row_id in result.row_ids if row_id in ids),
        "requests": result.requests,
    }


async def run(
    count: int, chunk: int, fault_rate: float, seed: int, seconds: float = DEFAULT_TIMEOUT
) -> dict[str, dict[str, int]]:
    """Both runs' tallies, plus the faults the emulator injected; `seconds` is the client's
    timeout."""
    emulator = Emulator(api_token=TOKEN, seed=seed, slow_seconds=2 * seconds)
    plan = emulator.faults
    plan.random_faults = (*plan.random_faults, *WRITE_THEN_FAIL)
    drawn: Counter[str] = Counter()
    draw = plan.next_fault

    def counted(method: str, path: str, *, draw_random: bool = True) -> Fault | None:
        fault = draw(method, path, draw=draw_random)
        if fault is not None:
            drawn[f"applied, then {fault.label}" if fault.apply_write else fault.label] += 1
        return fault

    plan.next_fault = lambda method, path, *, draw=True: counted(method, path, draw_random=draw)  # type: ignore[method-assign]
    tallies: dict[str, dict[str, int]] = {}
    with emulator, serve_in_thread(emulator) as url:
        for table, key in (("With key", True), ("Without key", False)):
            emulator.add_table(table, [("Key", "text"), ("Seq", "number")])
            result = await _append(url, table, _rows(count), chunk, key, seconds, plan, fault_rate)
            tally = _tally(emulator.rows(table), result, count)
            tally["minimum"] = math.ceil(count / chunk)
            tallies[table] = tally
    tallies["faults injected"] = dict(drawn)
    return tallies


def report(count: int, chunk: int, fault_rate: float, tallies: dict[str, dict[str, int]]) -> None:
    print(f"bulk_append of {count} rows in chunks of {chunk}, {fault_rate:.0%} injected faults")
    faults = tallies["faults injected"]
    print("faults injected: " + ", ".join(f"{kind} x{n}" for kind, n in sorted(faults.items())))
    runs = ("With key", "Without key")
    print(f"{'':<22}" + "".join(f"{table:>14}" for table in runs))
    for column in tallies["With key"]:
        print(f"{column:<22}" + "".join(f"{tallies[run][column]:>14}" for run in runs))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="client, seconds")
    args = parser.parse_args()
    tallies = anyio.run(run, args.rows, args.chunk, args.fault_rate, args.seed, args.timeout)
    report(args.rows, args.chunk, args.fault_rate, tallies)

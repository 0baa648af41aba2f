"""What the polling change feed costs: API calls per poll round and the client's CPU time per
reported change, for a base of several tables with a batch of rows changed between polls.

Runs against the emulator in process (no network), so the figures are the client's and the
emulator's work together; the API-call counts are exact.

    python benchmarks/change_feed_polling.py [--tables 3] [--rows 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import anyio
import httpx

from seatable_async import Base, RetryPolicy
from seatable_async.testing import Emulator

TOKEN = "benchmark-token"
URL = "https://emulator.test"


class _Done(Exception):
    """Ends the feed after the last round."""


async def run(tables: int, rows: int, rounds: int) -> list[tuple[str, float, float, float]]:
    emulator = Emulator(api_token=TOKEN, keep_request_log=True)
    names = [f"T{n}" for n in range(tables)]
    for name in names:
        emulator.add_table(name, [("Name", "text"), ("Count", "number")])
    results: list[tuple[str, float, float, float]] = []
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as client,
        Base(TOKEN, URL, http_client=client, retry=RetryPolicy(max_attempts=1)) as base,
    ):
        await base.auth()
        ids = {
            name: emulator.append_rows(name, [{"Count": 0} for _ in range(rows)]) for name in names
        }
        round_no = 0
        marks: dict[str, Any] = {}

        async def between_polls(seconds: float) -> None:
            nonlocal round_no
            marks["calls"] = len(emulator.request_log) - marks.get("start", 0)
            marks["cpu"] = time.process_time() - marks.get("cpu0", 0.0)
            if round_no:
                changed = rows * tables
                results.append((f"round {round_no}", marks["calls"], marks["cpu"] * 1000, changed))
            round_no += 1
            if round_no > rounds:
                raise _Done
            for name in names:
                updates = [{"row_id": i, "row": {"Count": round_no}} for i in ids[name]]
                await base.batch_update_rows(name, updates)
            marks["start"] = len(emulator.request_log)
            marks["cpu0"] = time.process_time()

        try:
            async for _ in base.changes(poll_interval=0, sleep=between_polls):
                pass
        except _Done:
            pass
    emulator.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=3)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = anyio.run(run, args.tables, args.rows, args.rounds)
    print(f"{'round':<10}{'API calls':>10}{'CPU ms':>10}{'changes':>10}{'µs/change':>11}")
    for label, calls, cpu_ms, changes in results:
        per_change = cpu_ms * 1000 / changes
        print(f"{label:<10}{calls:>10.0f}{cpu_ms:>10.0f}{changes:>10.0f}{per_change:>11.0f}")


if __name__ == "__main__":
    main()

"""A bulk job against a rate-limited server: how close to the limit's ideal it finishes, and
how many of its requests the server answered 429.

The emulator's command line runs in another process, limited to `--limit` calls per base in
any `--window` seconds (a sliding window, as SeaTable's). The job appends `--rows` rows
with one `bulk_append` (1000-row `appendRows` calls, as many in flight as the limiter allows),
plus `--updates` concurrent single-row
`update_row` calls. With 300 requests at 100 per 10 s the third window opens at 20 s, the
ideal. Each client gets a fresh emulator; a warm-up call (the token and the row ids to update)
is followed by a full window's wait, so the job starts on an empty window.

Rows: seatable_async with its limiter (the default), seatable_async with `rate_limit=None`
(the retry layer alone, waiting on each 429's reset), and the official SDK (`seatable-api`,
from `--sdk-python`, run as a subprocess from 8 threads; it never retries, so the table says
how far it got). Two columns split each of our times into the client's share and the
server's: "edges late" is, for each window after the first, how much later than the window
before's first answer plus `--window` its own first answer came (the time a window that had
room went unused; the server's speed cancels out), and "last window" is how long the server
took to answer the last window's calls after its first (what no client can shorten: the
emulator serves one append at a time).

    python benchmarks/rate_limited.py [--rows 200000] [--updates 100] [--limit 100]
        [--window 10] [--latency-ms 10] [--sdk-python /tmp/sdkvenv/bin/python]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from client_vs_official import TABLE, TOKEN, emulator_process

from seatable_async import Base, BulkError, RateLimit, RetryPolicy, SeaTableError

CHUNK = 1000
PATIENT = RetryPolicy(max_attempts=20, max_elapsed=300)
"""Enough attempts and time for any call to outlast the windows it waits for."""

SDK_JOB = r"""
import json, logging, sys, time
from concurrent.futures import ThreadPoolExecutor
from seatable_api import Base
logging.disable(logging.CRITICAL)
url, token, table, rows, updates, window, chunk = sys.argv[1:8]
rows, updates, window, chunk = int(rows), int(updates), float(window), int(chunk)
base = Base(token, url)
base.auth()
ids = [row["_id"] for row in base.list_rows(table, limit=updates)]
time.sleep(window)
outcomes = []
def append(i):
    data = [{"Name": f"sdk {i * chunk + j}", "Age": j} for j in range(min(chunk, rows - i * chunk))]
    base.batch_append_rows(table, data)
def update(row_id):
    base.update_row(table, row_id, {"Age": 1})
def run(job):
    try:
        job()
        outcomes.append((time.perf_counter() - began, None))
    except Exception as error:
        outcomes.append((time.perf_counter() - began, f"{type(error).__name__}: {error}"[:70]))
jobs = [lambda i=i: append(i) for i in range(-(-rows // chunk))]
jobs += [lambda row_id=row_id: update(row_id) for row_id in ids]
began = time.perf_counter()
with ThreadPoolExecutor(8) as pool:
    list(pool.map(run, jobs))
print(json.dumps({"seconds": time.perf_counter() - began, "outcomes": outcomes}))
"""


@dataclass
class Outcome:
    label: str
    seconds: float
    requests: int
    rate_limited: int
    done: str
    answered: list[float] = field(default_factory=list)
    """When each call was answered, in seconds from the start, in order."""

    def last_window(self, limit: int) -> str:
        """Seconds from the last window's first answer to the job's end."""
        if len(self.answered) <= limit:
            return "-"
        return f"{self.seconds - self.answered[(len(self.answered) - 1) // limit * limit]:.1f}"

    def edges(self, limit: int, window: float) -> str:
        """How late each window's first answer came after the first answer of the window
        before, plus the window: the time the limiter left a freed window unused."""
        starts = self.answered[::limit]
        late = [later - earlier - window for earlier, later in itertools.pairwise(starts)]
        return " / ".join(f"{value:+.2f}" for value in late) if late else "-"


async def ours(
    url: str, args: argparse.Namespace, rate_limit: RateLimit | None, label: str
) -> Outcome:
    async with Base(TOKEN, url, retry=PATIENT, rate_limit=rate_limit) as base:
        ids = [row["_id"] for row in await base.list_rows(TABLE, limit=args.updates)]
        await anyio.sleep(args.window)
        before = base.usage
        failures = 0
        answered: list[float] = []

        def chunk_ended(done: int, total: int | None) -> None:
            answered.append(time.perf_counter() - began)

        async def append() -> None:
            nonlocal failures
            rows = ({"Name": f"ours {i}", "Age": i} for i in range(args.rows))
            try:
                await base.bulk_append(TABLE, rows, on_progress=chunk_ended)
            except BulkError as error:
                failures += len(error.failures)

        async def update(row_id: str) -> None:
            nonlocal failures
            try:
                await base.update_row(TABLE, row_id, {"Age": 1})
                answered.append(time.perf_counter() - began)
            except SeaTableError:
                failures += 1

        began = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(append)
            for row_id in ids:
                tasks.start_soon(update, row_id)
        seconds = time.perf_counter() - began
        used = base.usage - before
    calls = math.ceil(args.rows / CHUNK) + len(ids)
    done = f"{calls - failures} of {calls} calls"
    return Outcome(label, seconds, used.requests, used.rate_limited, done, sorted(answered))


def official(url: str, args: argparse.Namespace) -> Outcome | None:
    if not Path(args.sdk_python).exists():
        return None
    command = [args.sdk_python, "-c", SDK_JOB, url, TOKEN, TABLE]
    command += [str(args.rows), str(args.updates), str(args.window), str(CHUNK)]
    result = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
    outcomes = sorted(result["outcomes"])
    failed = [(at, error) for at, error in outcomes if error is not None]
    done = f"{len(outcomes) - len(failed)} of {len(outcomes)} calls"
    if failed:
        done += f"; first failure at {failed[0][0]:.1f} s: {failed[0][1]}"
    # Without retries every call is one request; the failed ones are its 429s.
    return Outcome("seatable-api 4.0.0 (8 threads)", result["seconds"], len(outcomes),
                   len(failed), done)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--sdk-python", default="/tmp/sdkvenv/bin/python")
    args = parser.parse_args()
    limits = ["--rate-limit", str(args.limit), "--rate-window", str(args.window)]
    requests = math.ceil(args.rows / CHUNK) + args.updates
    ideal = (math.ceil(requests / args.limit) - 1) * args.window
    with emulator_process(args.latency_ms) as url:
        floor = anyio.run(ours, url, args, RateLimit(), "seatable_async, server unlimited")
    outcomes: list[Outcome] = []
    for rate_limit, label in ((RateLimit(), "limiter on"), (None, "rate_limit=None")):
        with emulator_process(args.latency_ms, extra=limits) as url:
            outcomes.append(anyio.run(ours, url, args, rate_limit, f"seatable_async, {label}"))
    with emulator_process(args.latency_ms, extra=limits) as url:
        sdk = official(url, args)
    print(
        f"{args.rows} rows in {CHUNK}-row appends + {args.updates} update_row = {requests}"
        f" requests; limit {args.limit} per {args.window:g} s per base; ideal {ideal:g} s;"
        f" emulator latency {args.latency_ms:g} ms; unlimited, the job takes"
        f" {floor.seconds:.1f} s"
    )
    print(
        f"{'client':<34}{'seconds':>8}{'÷ ideal':>9}{'requests':>10}{'429s':>6}{'429 %':>7}"
        f"  {'edges late, s':<15}{'last window, s':>15}  done"
    )
    for outcome in [*outcomes, *([sdk] if sdk else [])]:
        share = 100 * outcome.rate_limited / max(outcome.requests, 1)
        print(
            f"{outcome.label:<34}{outcome.seconds:>8.1f}{outcome.seconds / ideal:>9.2f}"
            f"{outcome.requests:>10}{outcome.rate_limited:>6}{share:>6.1f}%"
            f"  {outcome.edges(args.limit, args.window):<15}"
            f"{outcome.last_window(args.limit):>15}  {outcome.done}"
        )
    if sdk is None:
        print(f"seatable-api: not found at {args.sdk_python}", file=sys.stderr)


if __name__ == "__main__":
    main()

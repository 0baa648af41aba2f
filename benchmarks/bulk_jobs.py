"""Bulk jobs: 100,000 rows appended, updated and deleted by `bulk_append`, `bulk_update` and
`bulk_delete`, against the official SDK's batch calls in a sequential loop.

The emulator runs as its command line in another process with added latency (20 ms by
default) to stand in for a remote server. The official SDK runs in a process of its own, from
a Python that has it installed (`--sdk-python`, e.g. a scratch venv with
`pip install seatable-api`; it is never a dependency of this project). Prints wall time, the
API requests each made (ours counted by the job itself, the SDK's by a counting
`requests.Session.send`) and the minimum the API allows, side by side in one run.

    python benchmarks/bulk_jobs.py [--rows 100000] [--latency-ms 20] [--sdk-python PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from typing import Any

import anyio
from client_vs_official import TOKEN, emulator_process

from seatable_async import Base, BulkResult

OURS, OFFICIAL = "Ours", "Official"
PHASES = ("append", "update", "delete")
LIMITS = {"append": 1000, "update": 1000, "delete": 10_000}
"""Items per call SeaTable takes (reference section 14.1): what the minimum is made of."""

SDK_SCRIPT = """
import json, logging, sys, time
import requests
from seatable_api import Base

url, token, table, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
logging.getLogger().setLevel(logging.WARNING)
calls = 0
send = requests.Session.send
def counting(session, request, **kwargs):
    global calls
    calls += 1
    return send(session, request, **kwargs)
requests.Session.send = counting
base = Base(token, url)
base.auth()
report = {}
def phase(name, work):
    global calls
    calls, began = 0, time.perf_counter()
    work()
    report[name] = {"wall": time.perf_counter() - began, "requests": calls}
rows = [{"Name": f"sdk {i}", "Age": i} for i in range(count)]
ids = []
def append():
    for start in range(0, count, 1000):
        answer = base.batch_append_rows(table, rows[start:start + 1000])
        ids.extend(row["_id"] for row in answer["row_ids"])
def update():
    for start in range(0, count, 1000):
        chunk = ids[start:start + 1000]
        base.batch_update_rows(table, [{"row_id": i, "row": {"Age": -1}} for i in chunk])
def delete():
    for start in range(0, count, 10000):
        base.batch_delete_rows(table, ids[start:start + 10000])
phase("append", append)
phase("update", update)
phase("delete", delete)
print(json.dumps(report))
"""


def official(python: str | None, url: str, count: int) -> dict[str, Any] | None:
    """The official SDK's figures per phase, or None without a Python that has it."""
    if python is None:
        return None
    command = [python, "-c", SDK_SCRIPT, url, TOKEN, OFFICIAL, str(count)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, timeout=900)
    figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


async def ours(url: str, count: int, concurrency: int) -> dict[str, Any]:
    """Our figures per phase: wall time and the requests each job counted."""
    report: dict[str, Any] = {}

    def note(name: str, result: BulkResult) -> None:
        report[name] = {"wall": result.elapsed, "requests": result.requests}

    async with Base(TOKEN, url) as base:
        await base.auth()
        cpu = time.process_time()
        rows = ({"Name": f"ours {i}", "Age": i} for i in range(count))
        appended = await base.bulk_append(OURS, rows, concurrency=concurrency)
        note("append", appended)
        updates = ({"row_id": row_id, "row": {"Age": -1}} for row_id in appended.row_ids)
        note("update", await base.bulk_update(OURS, updates, concurrency=concurrency))
        deleted = await base.bulk_delete(OURS, appended.row_ids, concurrency=concurrency)
        note("delete", deleted)
        report["cpu"] = time.process_time() - cpu
        report["left"] = len(await base.list_rows(OURS, limit=10))
    return report


def _line(phase: str, label: str, figures: dict[str, Any], count: int) -> str:
    wall, calls = figures["wall"], figures["requests"]
    minimum = math.ceil(count / LIMITS[phase])
    return f"{phase:<8}{label:<40}{wall:>9.2f}{calls:>10}{minimum:>9}{count / wall:>10.0f}"


async def main(count: int, latency_ms: float, concurrency: int, sdk_python: str | None) -> None:
    with emulator_process(latency_ms, tables=(OURS, OFFICIAL), seed_rows=0) as url:
        sdk = await anyio.to_thread.run_sync(official, sdk_python, url, count)
        mine = await ours(url, count, concurrency)
    print(f"{count} rows, emulator latency {latency_ms:g} ms, loopback (its own process)")
    header = f"{'phase':<8}{'client':<40}{'wall s':>9}{'requests':>10}{'minimum':>9}{'rows/s':>10}"
    print(header)
    for phase in PHASES:
        if sdk is not None:
            print(_line(phase, "seatable-api, batch calls in a loop", sdk[phase], count))
        label = f"seatable_async bulk_{phase}, {concurrency} in flight"
        print(_line(phase, label, mine[phase], count))
    if sdk is None:
        print("seatable-api (official): not run; give --sdk-python of a venv that has it")
    else:
        total_sdk = sum(sdk[phase]["wall"] for phase in PHASES)
        total_ours = sum(mine[phase]["wall"] for phase in PHASES)
        print(f"all three: {total_sdk:.2f} s against {total_ours:.2f} s"
              f" ({total_sdk / total_ours:.1f}x)")  # fmt: skip
    print(f"our client's CPU time: {mine['cpu']:.2f} s; rows left in our table: {mine['left']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sdk-python", help="a Python with seatable-api installed")
    args = parser.parse_args()
    anyio.run(main, args.rows, args.latency_ms, args.concurrency, args.sdk_python)
    sys.exit(0)

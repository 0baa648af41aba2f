"""The emulator's own CPU time per request, measured from outside its process.

Starts the CLI (``python -m seatable_async.testing --quiet``) on loopback, seeds a 1000-row
table, then sends each kind of request one at a time from plain httpx and reads the child's
CPU time from ``/proc`` around them: nanoseconds on CPU of all its threads (``schedstat``),
else user + system clock ticks (``stat``). The client's cost is in this process and does not
count. Each kind runs in ``--rounds`` equal rounds; ``best`` is the cheapest round (the least
disturbed by other processes on a busy machine), ``median`` the middle one. Linux only.

    python benchmarks/emulator_cpu.py [--scale 1.0] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

API_TOKEN = "bench-token"
SEED_ROWS = 1000
PAGE = 100
BATCH = 1000
COLUMNS = [
    {"column_name": "Name", "column_type": "text"},
    {"column_name": "Age", "column_type": "number"},
    {"column_name": "Tags", "column_type": "multiple-select"},
]
"""The columns of ``emulator_throughput.py``."""
EMULATOR = [sys.executable, "-m", "seatable_async.testing"]
"""The emulator CLI's command line, without options."""
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def new_row(i: int) -> dict[str, Any]:
    """One row of the benchmark tables."""
    return {"Name": f"row {i}", "Age": i, "Tags": ["a", "b"]}


def cpu_seconds(pid: int) -> float:
    """CPU seconds the process ``pid`` has used so far (Linux ``/proc``): the sum of its
    threads' ``schedstat`` (nanoseconds), or its ``stat`` utime + stime (clock ticks)."""
    tasks = sorted(Path(f"/proc/{pid}/task").glob("*/schedstat"))
    if tasks:
        return sum(int(task.read_text().split()[0]) for task in tasks) / 1e9
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


@contextmanager
def cli_emulator() -> Iterator[tuple[str, int]]:
    """The emulator CLI in a child process; yields (URL, pid)."""
    child = subprocess.Popen(
        [*EMULATOR, "--port", "0", "--quiet", "--api-token", API_TOKEN],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().split()[3]
        with httpx.Client(base_url=url) as probe:
            for _ in range(200):
                try:
                    probe.get("/api2/ping/")
                    break
                except httpx.TransportError:
                    time.sleep(0.02)
        yield url, child.pid
    finally:
        child.terminate()
        child.wait()


@dataclass
class Bench:
    """A client of one emulated base with the tables the measured requests use."""

    client: httpx.Client
    prefix: str
    written: list[list[str]]
    """Row ids of each appended batch, for the updates and deletes."""
    updated: int = 0
    """Batches updated so far."""

    @classmethod
    def seeded(cls, client: httpx.Client) -> Bench:
        """Create ``Bench`` (1000 rows, read) and ``Writes`` (empty, written)."""
        access = client.get(
            "/api/v2.1/dtable/app-access-token/", headers={"Authorization": f"Token {API_TOKEN}"}
        ).json()
        client.headers["Authorization"] = f"Bearer {access['access_token']}"
        bench = cls(client, f"/api-gateway/api/v2/dtables/{access['dtable_uuid']}", [])
        for table in ("Bench", "Writes"):
            bench.call("POST", "/tables/", {"table_name": table, "columns": COLUMNS})
        rows = [new_row(i) for i in range(SEED_ROWS)]
        bench.call("POST", "/rows/", {"table_name": "Bench", "rows": rows})
        return bench

    def call(self, method: str, suffix: str, body: Any = None, **params: Any) -> Any:
        """One gateway request; its JSON answer."""
        response = self.client.request(method, self.prefix + suffix, json=body, params=params)
        response.raise_for_status()
        return response.json()

    def ping(self) -> None:
        self.client.get("/api-gateway/api/v2/ping/").raise_for_status()

    def list_rows(self) -> None:
        rows = self.call("GET", "/rows/", table_name="Bench", limit=PAGE)["rows"]
        assert len(rows) == PAGE

    def sql_select(self) -> None:
        sql = f"SELECT * FROM Bench LIMIT {PAGE}"
        assert len(self.call("POST", "/sql/", {"sql": sql})["results"]) == PAGE

    def append(self) -> None:
        rows = [new_row(i) for i in range(BATCH)]
        answer = self.call("POST", "/rows/", {"table_name": "Writes", "rows": rows})
        self.written.append([r["_id"] for r in answer["row_ids"]])

    def update(self) -> None:
        ids = self.written[self.updated % len(self.written)]
        updates = [{"row_id": i, "row": {"Name": "changed", "Age": 7}} for i in ids]
        self.call("PUT", "/rows/", {"table_name": "Writes", "updates": updates})
        self.updated += 1

    def delete(self) -> None:
        self.call("DELETE", "/rows/", {"table_name": "Writes", "row_ids": self.written.pop()})


@dataclass(frozen=True)
class Kind:
    """One measured request kind: its label, how many to send, the target ms CPU each, and
    whether a few unmeasured requests go first (reads only: writes would change the state)."""

    label: str
    count: int
    send: Callable[[Bench], None]
    target_ms: float | None
    warm_up: bool = False


KINDS = (
    Kind("ping", 3000, Bench.ping, None, warm_up=True),
    Kind(f"list_rows {PAGE} rows", 1000, Bench.list_rows, 0.7, warm_up=True),
    Kind(f"SQL select {PAGE} rows", 500, Bench.sql_select, None, warm_up=True),
    Kind(f"append {BATCH} rows", 60, Bench.append, 8.0),
    Kind(f"update {BATCH} rows", 60, Bench.update, None),
    Kind(f"delete {BATCH} rows", 60, Bench.delete, None),
)
"""In order: the updates and deletes work on the appended batches (as many as appended)."""


def measure(bench: Bench, pid: int, kind: Kind, count: int, rounds: int) -> list[float]:
    """CPU milliseconds per request of each round of ``count`` requests of ``kind``."""
    for _ in range(5 if kind.warm_up else 0):
        kind.send(bench)
    per_round = max(count // rounds, 1)
    costs: list[float] = []
    for _ in range(rounds):
        before = cpu_seconds(pid)
        for _ in range(per_round):
            kind.send(bench)
        costs.append((cpu_seconds(pid) - before) / per_round * 1000)
    return costs


def main(scale: float, rounds: int) -> None:
    if not Path("/proc/self/stat").exists():
        sys.exit("emulator_cpu.py reads the emulator's CPU time from /proc: Linux only")
    with cli_emulator() as (url, pid), httpx.Client(base_url=url, timeout=60) as client:
        bench = Bench.seeded(client)
        parser = "httptools" if importlib.util.find_spec("httptools") else "h11 (no httptools)"
        print(f"emulator CPU ms per request (uvicorn HTTP parser: {parser})")
        print(f"{'request':<22} {'count':>6} {'best':>8} {'median':>8} {'target':>7}")
        for kind in KINDS:
            count = max(int(kind.count * scale), rounds)
            costs = measure(bench, pid, kind, count, rounds)
            target = f"{kind.target_ms:.1f}" if kind.target_ms is not None else "-"
            best, median = min(costs), statistics.median(costs)
            print(f"{kind.label:<22} {count:>6} {best:>8.3f} {median:>8.3f} {target:>7}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the request counts")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per kind of request")
    arguments = parser.parse_args()
    main(arguments.scale, arguments.rounds)

"""The change feed's two sources side by side: how soon a write is heard after it is sent,
and what listening costs, on the emulator served on loopback.

A writer appends `--writes` rows, one every `--gap` seconds; a subscriber on its own client
listens with `Base.changes(source=...)`. Printed per source: the median and worst delay from
sending a write to hearing its event, the subscriber's API calls (counted by an httpx event hook),
and its process CPU time (`time.process_time`, the whole process: writer and server included,
so compare the rows, not the absolute figures).

    python benchmarks/change_feed.py [--writes 40] [--gap 0.05] [--poll-interval 1.0]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import anyio
import httpx

from seatable_async import Base
from seatable_async.changes import RowInserted
from seatable_async.testing import Emulator, serve


async def run(source: str, writes: int, gap: float, poll_interval: float) -> dict[str, Any]:
    """One subscription of ``source`` while ``writes`` rows are appended."""
    emulator = Emulator()
    emulator.add_table("Feed", [("Title", "text")])
    calls = 0

    async def count(request: httpx.Request) -> None:
        nonlocal calls
        calls += 1

    written: dict[str, float] = {}
    delays: list[float] = []
    async with serve(emulator) as url:
        http = httpx.AsyncClient(event_hooks={"request": [count]})
        async with (
            Base(emulator.api_token, url) as writer,
            Base(emulator.api_token, url, http_client=http) as listener,
        ):
            stream = listener.changes(source=source, poll_interval=poll_interval)  # type: ignore[arg-type]
            done = anyio.Event()

            async def listen() -> None:
                async for change in stream:
                    if isinstance(change, RowInserted):
                        delays.append(time.perf_counter() - written[str(change.row["Title"])])
                        if len(delays) == writes:
                            done.set()
                            return

            cpu = time.process_time()
            async with anyio.create_task_group() as group:
                group.start_soon(listen)
                await anyio.sleep(0.5)  # the subscription starts
                for index in range(writes):
                    title = f"row {index}"
                    written[title] = time.perf_counter()
                    await writer.append_row("Feed", {"Title": title})
                    await anyio.sleep(gap)
                with anyio.fail_after(poll_interval + 10):
                    await done.wait()
            cpu = time.process_time() - cpu
        await http.aclose()
    emulator.close()
    return {
        "source": source,
        "median": statistics.median(delays),
        "worst": max(delays),
        "calls": calls,
        "cpu": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--gap", type=float, default=0.05)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    args = parser.parse_args()
    print(f"{args.writes} writes, one every {args.gap} s; polling every {args.poll_interval} s")
    print(f"{'source':<10}{'median delay':>14}{'worst delay':>13}{'API calls':>11}{'CPU s':>8}")
    for source in ("realtime", "poll"):
        row = anyio.run(run, source, args.writes, args.gap, args.poll_interval)
        print(
            f"{row['source']:<10}{row['median'] * 1000:>12.1f}ms{row['worst'] * 1000:>11.1f}ms"
            f"{row['calls']:>11}{row['cpu']:>8.2f}"
        )


if __name__ == "__main__":
    main()

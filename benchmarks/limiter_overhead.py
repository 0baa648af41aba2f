"""What the rate limiter costs when it never has to wait: CPU time per request, with and
without it, against an in-process answer that announces a large budget.

The answer comes from an `httpx.MockTransport` (no sockets, no emulator), so the figures are
the client's own work per call: the whole stack, with the limiter layer and without it. Each
variant runs `--rounds` times, interleaved, and the best round counts.

    python benchmarks/limiter_overhead.py [--calls 5000] [--concurrency 8] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

import anyio
import httpx

from seatable_async import Base, RateLimit

SERVER = "https://seatable.bench"
BASE_UUID = "650d8a0d-7e27-46a8-8b18-6cc6f3db2057"
GRANT = {"access_token": "t" * 40, "dtable_uuid": BASE_UUID}
HEADERS = {"x-ratelimit-limit": "1000000", "x-ratelimit-remaining": "999999"}


def answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/app-access-token/"):
        return httpx.Response(200, json=GRANT)
    reset = str(int(time.time()) + 60)
    return httpx.Response(200, json={"rows": []}, headers={**HEADERS, "x-ratelimit-reset": reset})


async def run(calls: int, concurrency: int, rate_limit: RateLimit | None) -> tuple[float, float]:
    """CPU seconds and wall seconds for `calls` list_rows, `concurrency` at a time."""
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http,
        Base("a" * 40, SERVER, http_client=http, rate_limit=rate_limit) as base,
    ):
        await base.list_rows("T")
        sent = 0

        async def worker() -> None:
            nonlocal sent
            while sent < calls:
                sent += 1
                await base.list_rows("T")

        cpu, wall = time.process_time(), time.perf_counter()
        async with anyio.create_task_group() as tasks:
            for _ in range(concurrency):
                tasks.start_soon(worker)
        return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    variants: dict[str, RateLimit | None] = {"limiter off": None, "limiter on": RateLimit()}
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.rounds):
        for name, rate_limit in variants.items():
            cpu, wall = anyio.run(run, args.calls, args.concurrency, rate_limit)
            if name not in best or cpu < best[name][0]:
                best[name] = (cpu, wall)
    off = best["limiter off"][0] / args.calls
    print(f"{args.calls} list_rows, {args.concurrency} in flight, best of {args.rounds} rounds")
    print(f"{'variant':<12} {'CPU µs/call':>12} {'calls/s':>9} {'overhead µs':>12}")
    for name, (cpu, wall) in best.items():
        per_call = cpu / args.calls
        print(
            f"{name:<12} {per_call * 1e6:>12.1f} {args.calls / wall:>9.0f}"
            f" {(per_call - off) * 1e6:>12.1f}"
        )


if __name__ == "__main__":
    main()

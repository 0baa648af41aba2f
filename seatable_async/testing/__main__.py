"""Command line: ``python -m seatable_async.testing --port 8000 --api-token T``.

Runs one emulator on a socket until Ctrl-C, printing one line per request.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Sequence

from ._app import RequestRecord
from ._emulator import Emulator
from ._faults import DEFAULT_SLOW_SECONDS
from ._server import bind_socket, emulator_server

__all__ = ["build_parser", "emulator_from_args", "format_record", "loopback_host", "main"]


def loopback_host(value: str) -> str:
    """A loopback address: the emulator is a test server, never exposed beyond this machine."""
    try:
        loopback = value == "localhost" or ipaddress.ip_address(value).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise argparse.ArgumentTypeError(f"{value!r} is not a loopback address (127.0.0.0/8, ::1)")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The CLI's options; each maps onto an :class:`Emulator` argument."""
    parser = argparse.ArgumentParser(
        prog="python -m seatable_async.testing", description="Run a local SeaTable emulator."
    )
    parser.add_argument("--host", type=loopback_host, default="127.0.0.1", help="loopback only")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--api-token", default="test-api-token")
    parser.add_argument("--username", help="enables the account-token flows")
    parser.add_argument("--password")
    parser.add_argument("--rate-limit", type=int, help="calls per base per rate window")
    parser.add_argument(
        "--rate-window", type=float, default=60.0, help="seconds of the rate window (default 60)"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="0..1")
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=DEFAULT_SLOW_SECONDS,
        help="duration of a random slow answer (default outlasts the client's timeout)",
    )
    parser.add_argument("--db", help="SQLite file (default: in memory)")
    parser.add_argument("--token-lifetime", type=float, default=3 * 24 * 3600.0, help="seconds")
    parser.add_argument("--base-name", default="Test Base")
    parser.add_argument("--quiet", action="store_true", help="no log line per request")
    return parser


def format_record(record: RequestRecord) -> str:
    """One log line: method, path, status (or that the client disconnected first), duration
    and the injected fault."""
    query = f"?{record.query}" if record.query else ""
    fault = f" [fault {record.fault}]" if record.fault else ""
    millis = record.duration * 1000
    outcome = "client disconnected" if record.disconnected else record.status
    return f"{record.method} {record.path}{query} -> {outcome} {millis:.1f}ms{fault}"


def emulator_from_args(args: argparse.Namespace) -> Emulator:
    """Build the emulator the parsed options describe."""
    return Emulator(
        api_token=args.api_token,
        username=args.username,
        password=args.password,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        seed=args.seed,
        slow_seconds=args.slow_seconds,
        db_path=args.db,
        token_lifetime=args.token_lifetime,
        base_name=args.base_name,
        keep_request_log=False,
        on_request=None if args.quiet else lambda record: print(format_record(record), flush=True),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted; uvicorn handles SIGINT/SIGTERM and shuts down cleanly."""
    args = build_parser().parse_args(argv)
    emulator = emulator_from_args(args)
    with bind_socket(args.host, args.port) as sock:
        port = sock.getsockname()[1]
        print(
            f"SeaTable emulator on http://{args.host}:{port}  api token {args.api_token!r}  "
            f"base {emulator.base_uuid}",
            flush=True,
        )
        try:
            emulator_server(emulator, log_level="warning").run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it handled after shutdown
            pass
        finally:
            emulator.close()
    print("SeaTable emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A feed that its consumer stops leaves nothing open: no socket.io session, connection or
memory stream, no async generator left for the garbage collector.

Leaks show only as warnings from `__del__` (unraisable, at collection or at interpreter exit),
so every scenario runs in a child process with `-W error` against an emulator served on
loopback, and the test asserts that its stderr holds nothing but the scenarios' names.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import anyio
import pytest

from seatable_async.testing import Emulator, serve_in_thread

pytest.importorskip("socketio")

SCENARIOS = textwrap.dedent(
    '''
    import gc
    import os
    import sys
    from contextlib import aclosing
    from datetime import datetime, timezone

    import anyio

    from seatable_async import Base, InvalidInputError, RowInserted
    from seatable_async.changes import _realtime


    def connect() -> Base:
        return Base(os.environ["SEATABLE_API_TOKEN"], os.environ["SEATABLE_SERVER_URL"])


    async def closed_by_aclosing() -> None:
        """The README's example: the first event (caught up by polling from `since`, whatever
        the source), then `aclosing` closes the feed."""
        async with connect() as base:
            since = datetime.now(timezone.utc)
            await base.append_row("Table1", {"Name": "Grace Hopper"})
            async with aclosing(base.changes("Table1", since=since, poll_interval=0)) as feed:
                async for change in feed:
                    assert isinstance(change, RowInserted), change
                    break


    async def closed_after_a_live_event() -> None:
        """`break` on an event the socket delivered, then an explicit `aclose()`."""
        async with connect() as base:
            since = datetime.now(timezone.utc)
            await base.append_row("Table1", {"Name": "bridged"})
            feed = base.changes("Table1", since=since, poll_interval=0)
            async for change in feed:
                if change.row["Name"] == "bridged":
                    await base.append_row("Table1", {"Name": "live"})
                    continue
                assert change.source == "realtime", change.source
                break
            await feed.aclose()


    async def cancelled_while_waiting() -> None:
        """The consumer's task is cancelled while the feed waits for the next message."""
        async with connect() as base:
            since = datetime.now(timezone.utc)
            await base.append_row("Table1", {"Name": "first"})
            heard = anyio.Event()

            async def consume() -> None:
                async for _ in base.changes("Table1", since=since, poll_interval=0):
                    heard.set()

            async with anyio.create_task_group() as group:
                group.start_soon(consume)
                with anyio.fail_after(10):
                    await heard.wait()
                group.cancel_scope.cancel()


    async def polled_after_the_probe() -> None:
        """A server without the socket.io endpoint: the probe fails and the feed polls."""
        _realtime.SOCKET_PATH = "/no-socket-io-here"
        async with connect() as base:
            try:
                await base.changes(source="realtime").__anext__()
            except InvalidInputError:
                pass  # the probe failed: `auto` polls
            else:
                raise AssertionError("the probe should have failed")
        await closed_by_aclosing()


    RUNS = [
        ("aclosing, realtime", "asyncio", closed_by_aclosing),
        ("break and aclose, live", "asyncio", closed_after_a_live_event),
        ("cancelled mid-wait", "asyncio", cancelled_while_waiting),
        ("aclosing, polling under trio", "trio", closed_by_aclosing),
        ("aclosing, polling after the probe", "asyncio", polled_after_the_probe),
    ]
    for name, backend, scenario in RUNS:
        print(f"== {name}", file=sys.stderr, flush=True)
        anyio.run(scenario, backend=backend)
        gc.collect()
    print("done")
    '''
)


def test_a_stopped_feed_leaves_nothing_open() -> None:
    with Emulator() as emulator, serve_in_thread(emulator) as url:
        env = {**os.environ, "SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": emulator.api_token}
        completed = subprocess.run(
            [sys.executable, "-W", "error", "-c", SCENARIOS],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "done\n"
    noise = [line for line in completed.stderr.splitlines() if not line.startswith("== ")]
    assert noise == [], completed.stderr


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_failed_disconnect_still_closes_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    from seatable_async.changes import _realtime

    socket = _realtime._Socket(None)  # type: ignore[arg-type]  # never connected

    async def broken() -> None:
        raise OSError("the transport is gone")

    monkeypatch.setattr(socket._client.eio, "disconnect", broken)
    with pytest.raises(OSError, match="gone"):
        await socket.aclose()
    with pytest.raises(anyio.ClosedResourceError):
        socket._send.send_nowait(None)
    with pytest.raises(anyio.ClosedResourceError):
        socket.messages.receive_nowait()

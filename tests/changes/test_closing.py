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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from datetime import datetime, timezone

import anyio
import anyio.lowlevel
import httpx
import pytest

from seatable_async import Account, Base, Change, ClientClosedError
from seatable_async.testing import Emulator, serve, serve_in_thread

from ..resources._emulated import emulated_base
from .test_polling import notes_emulator

pytest.importorskip("socketio")

SCENARIOS = textwrap.dedent(
    '''
    import gc
    import os
    import sys
    from contextlib import aclosing
    from datetime import datetime, timezone

    import anyio

    from seatable_async import Base, ClientClosedError, InvalidInputError, RowInserted
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


    async def ended_by_closing_the_base() -> None:
        """The base is closed while its feed waits for the next message or poll."""
        base = connect()
        heard = anyio.Event()
        since = datetime.now(timezone.utc)
        await base.append_row("Table1", {"Name": "first"})

        async def consume() -> None:
            try:
                async for _ in base.changes("Table1", since=since):
                    heard.set()
            except ClientClosedError:
                pass

        async with anyio.create_task_group() as group:
            group.start_soon(consume)
            with anyio.fail_after(10):
                await heard.wait()
            await base.aclose()


    RUNS = [
        ("aclosing, realtime", "asyncio", closed_by_aclosing),
        ("ended by closing the base, realtime", "asyncio", ended_by_closing_the_base),
        ("ended by closing the base, polling under trio", "trio", ended_by_closing_the_base),
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


# Closing the client ends its open feeds (in process: no subprocess, no real waits).


class Parked:
    """An injected poll sleep that waits until cancelled, counting the waits that ended."""

    def __init__(self) -> None:
        self.waiting = anyio.Event()
        self.released = 0

    async def __call__(self, seconds: float) -> None:
        self.waiting.set()
        try:
            await anyio.sleep_forever()
        finally:
            self.released += 1


async def consume_until_closed(feed: AsyncIterator[Change], outcome: list[Exception]) -> None:
    """Iterates the feed until its client is closed, keeping the error that ends it."""
    try:
        async for _ in feed:
            pass
    except ClientClosedError as error:
        outcome.append(error)


async def closed_while_parked(
    feed: AsyncIterator[Change], parked: Parked, close: Callable[[], Awaitable[None]]
) -> list[Exception]:
    """Consumes the feed until it waits between polls, then closes its client with `close`;
    the errors that ended the feed. Its wait was let go before `close()` returned."""
    outcome: list[Exception] = []
    async with anyio.create_task_group() as group:
        group.start_soon(consume_until_closed, feed, outcome)
        with anyio.fail_after(5):
            await parked.waiting.wait()
        await close()
        assert parked.released == 1
    return outcome


async def test_closing_the_base_ends_a_feed_that_waits_between_polls(
    anyio_backend: str,
) -> None:
    parked = Parked()
    async with emulated_base(notes_emulator()) as base:
        feed = base.changes(poll_interval=0, sleep=parked)
        outcome = await closed_while_parked(feed, parked, base.aclose)
    assert [type(e) for e in outcome] == [ClientClosedError]
    assert "Base is closed" in str(outcome[0])
    with pytest.raises(StopAsyncIteration):
        await feed.__anext__()  # it has ended: nothing left open to finalize


async def test_closing_the_base_ends_an_idle_feed_at_its_next_step(anyio_backend: str) -> None:
    """The consumer holds an event (not iterating): closing the base closes the feed's polling
    at once, sends nothing more, and the next step raises."""
    emulator = notes_emulator()
    emulator.append_rows("Notes", [{"Text": "old"}])
    async with emulated_base(emulator) as base:
        feed = base.changes(since=datetime(2000, 1, 1, tzinfo=timezone.utc), poll_interval=0)
        first = await feed.__anext__()
        assert first.row["Text"] == "old"
        sent = base.usage.requests
        await base.aclose()
        with pytest.raises(ClientClosedError):
            await feed.__anext__()
        assert base.usage.requests == sent
        await feed.aclose()


async def test_a_feed_of_a_closed_base_raises_at_its_first_step(anyio_backend: str) -> None:
    async with emulated_base(notes_emulator()) as base:
        pass
    async with aclosing(base.changes("Notes")) as feed:
        with pytest.raises(ClientClosedError):
            await feed.__anext__()
    assert base.usage.requests == 0


async def test_a_view_shares_its_clients_feeds_and_closing_it_ends_none(
    anyio_backend: str,
) -> None:
    emulator = notes_emulator()
    async with emulated_base(emulator) as base:
        view = base.with_options(timeout=5)
        feed = view.changes(since=datetime(2000, 1, 1, tzinfo=timezone.utc), poll_interval=0)
        emulator.append_rows("Notes", [{"Text": "a"}, {"Text": "b"}])
        first = await feed.__anext__()
        await view.aclose()
        second = await feed.__anext__()
        assert {first.row["Text"], second.row["Text"]} == {"a", "b"}
        await base.aclose()
        with pytest.raises(ClientClosedError):
            await feed.__anext__()


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_closing_the_base_closes_a_realtime_feeds_socket(
    anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seatable_async.changes import _realtime

    sockets: list[_realtime._Socket] = []
    opened = _realtime._Socket.__init__

    def recorded(self: _realtime._Socket, base: Base) -> None:
        opened(self, base)
        sockets.append(self)

    monkeypatch.setattr(_realtime._Socket, "__init__", recorded)
    emulator = Emulator()
    async with serve(emulator) as url:
        base = Base(emulator.api_token, url)
        feed = base.changes(source="realtime")
        outcome: list[Exception] = []

        async with anyio.create_task_group() as group:
            group.start_soon(consume_until_closed, feed, outcome)
            assert emulator.realtime is not None
            with anyio.fail_after(5):
                while emulator.realtime.members == 0:
                    await anyio.lowlevel.checkpoint()
            await base.aclose()
            assert len(sockets) == 2  # the probe's and the feed's
            assert not any(s._client.connected for s in sockets)  # before aclose() returned
            assert [s._client.eio.state for s in sockets] == ["disconnected"] * 2
            with anyio.fail_after(5):
                while emulator.realtime.members:  # the server hears it on its own thread
                    await anyio.lowlevel.checkpoint()
    assert [type(e) for e in outcome] == [ClientClosedError]
    emulator.close()


async def test_closing_an_account_ends_the_feeds_of_the_bases_it_opened(
    anyio_backend: str,
) -> None:
    """Such a base borrows the account's pool, so its feed cannot go on once that is closed."""
    emulator = Emulator(username="me@example.com", password="pw")
    parked = Parked()
    async with httpx.AsyncClient(transport=emulator.transport()) as http:
        account = Account("me@example.com", "pw", "https://emulator.test", http_client=http)
        base = await account.get_base(emulator.workspace_id, emulator.base.name)
        feed = base.changes(poll_interval=0, sleep=parked)
        outcome = await closed_while_parked(feed, parked, account.aclose)
        await base.aclose()
    assert [type(e) for e in outcome] == [ClientClosedError]
    emulator.close()

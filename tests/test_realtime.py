"""The realtime change source against the emulator over loopback: typed events, a dropped
socket bridged from the operation log, a token that expires mid-subscription, exact resumes."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timezone

import anyio
import anyio.lowlevel
import pytest

from seatable_async import Base, InvalidInputError
from seatable_async.changes import Change, RowDeleted, RowInserted, RowUpdated, SchemaChanged
from seatable_async.testing import Emulator
from seatable_async.testing import _emulator as emulator_module

pytest.importorskip("socketio")

from seatable_async.changes import _realtime
from seatable_async.testing._realtime import Drop

from .helpers import SharedServer

pytestmark = pytest.mark.anyio

BOUND = 5.0
"""Real seconds any wait on loopback may take before the test fails instead of hanging."""
TOKEN_PATH = "/api/v2.1/dtable/app-access-token/"


@pytest.fixture
def anyio_backend() -> str:
    """python-socketio runs on asyncio; trio is tested for the fallback on its own."""
    return "asyncio"


class Clock:
    """The emulator's clock: real time plus a settable offset, so tokens can expire at once."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Iterator[Emulator]:
    emu = Emulator(clock=clock)
    emu.add_table(
        "Tasks",
        [
            ("Title", "text"),
            ("Count", "number"),
            {
                "column_name": "State",
                "column_type": "single-select",
                "column_data": {"options": [{"name": "open", "color": "#fff"}]},
            },
        ],
    )
    try:
        yield emu
    finally:
        emu.close()


class Sleeps:
    """The source's injected sleep: records each reconnection wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await anyio.lowlevel.checkpoint()


async def until(condition: Callable[[], bool]) -> None:
    """Wait (tiny loopback steps, at most :data:`BOUND`) until ``condition`` holds."""
    with anyio.fail_after(BOUND):
        while True:
            if condition():
                return
            await anyio.sleep(0.005)


class Subscription:
    """``base.changes()`` consumed in the background; events collect in ``events``."""

    def __init__(self) -> None:
        self.events: list[Change] = []

    async def take(self, count: int) -> list[Change]:
        """Wait until ``count`` events have arrived (in total) and return them."""
        await until(lambda: len(self.events) >= count)
        return self.events[:count]


async def nothing_more(base: Base, feed: Subscription, count: int) -> None:
    """Writes a last row and waits for it: the feed heard nothing between its first ``count``
    events and that one (the socket keeps the server's order, so an event repeated or heard
    late comes before it)."""
    await base.append_row("Tasks", {"Title": "last"})
    await until(lambda: any(_title(e) == "last" for e in feed.events))
    assert [_title(e) for e in feed.events[count:]] == ["last"]


def _title(event: Change) -> object:
    return event.row.get("Title") if isinstance(event, RowInserted) else type(event).__name__


@asynccontextmanager
async def subscribed(
    emulator: Emulator, base: Base, sleeps: Sleeps, **options: object
) -> AsyncIterator[Subscription]:
    """A realtime subscription that has joined its room (so writes from now on reach it)."""
    subscription = Subscription()
    stream = base.changes(source="realtime", sleep=sleeps, **options)  # type: ignore[arg-type]
    assert emulator.realtime is not None
    joined = emulator.realtime.members

    async def consume() -> None:
        async for change in stream:
            subscription.events.append(change)

    async with anyio.create_task_group() as group:
        group.start_soon(consume)
        await until(lambda: emulator.realtime is not None and emulator.realtime.members > joined)
        yield subscription
        group.cancel_scope.cancel()


async def miss_one(
    emulator: Emulator, base: Base, feed: Subscription, how: Drop = "transport"
) -> None:
    """One write heard live, then the socket dropped by the next write (which it misses)."""
    await base.append_row("Tasks", {"Title": "heard live"})
    await feed.take(1)
    assert emulator.realtime is not None
    emulator.realtime.drop_connections(how)
    await base.append_row("Tasks", {"Title": "missed by the socket"})


Client = Callable[[Emulator], AbstractAsyncContextManager[Base]]


@pytest.fixture
def client(shared_server: SharedServer) -> Client:
    """A client of an emulator, served on loopback."""

    @asynccontextmanager
    async def connected(emulator: Emulator) -> AsyncIterator[Base]:
        with shared_server.serving(emulator) as url:
            async with Base(emulator.api_token, url) as base:
                yield base

    return connected


async def test_writes_arrive_as_typed_events(emulator: Emulator, client: Client) -> None:
    sleeps = Sleeps()
    async with client(emulator) as base, subscribed(emulator, base, sleeps) as feed:
        row = await base.append_row("Tasks", {"Title": "a", "State": "open"})
        await base.update_row("Tasks", row["_id"], {"Count": 2})
        await base.insert_column("Tasks", "Notes", "text")
        await base.delete_row("Tasks", row["_id"])
        inserted, updated, schema, deleted = await feed.take(4)
    assert isinstance(inserted, RowInserted)
    assert inserted.row_id == row["_id"]
    assert inserted.table_name == "Tasks"
    assert inserted.row["Title"] == "a"
    assert inserted.row["State"] == "open"
    assert inserted.source == "realtime"
    assert isinstance(updated, RowUpdated)
    assert updated.row == {"Count": 2}
    assert updated.old_values == {"Count": None}
    assert isinstance(schema, SchemaChanged)
    assert schema.op_type == "insert_column"
    assert isinstance(deleted, RowDeleted)
    assert deleted.row_id == row["_id"]
    assert deleted.row["Count"] == 2
    assert sleeps.waits == []


@pytest.mark.parametrize(("how", "new_tokens"), [("transport", 0), ("server", 1)])
async def test_a_dropped_socket_reconnects_and_loses_nothing(
    emulator: Emulator, how: Drop, new_tokens: int, client: Client
) -> None:
    sleeps = Sleeps()
    async with client(emulator) as base, subscribed(emulator, base, sleeps) as feed:
        exchanges = _token_exchanges(emulator)
        await miss_one(emulator, base, feed, how)
        await until(lambda: len(sleeps.waits) == 1)
        await base.append_row("Tasks", {"Title": "after the reconnect"})
        events = await feed.take(3)
        await nothing_more(base, feed, 3)
    titles = [e.row["Title"] for e in events if isinstance(e, RowInserted)]
    assert titles == ["heard live", "missed by the socket", "after the reconnect"]
    assert 0 <= sleeps.waits[0] <= _realtime.RECONNECT.initial_delay
    assert _token_exchanges(emulator) == exchanges + new_tokens  # a server disconnect: re-auth


async def test_an_expired_token_is_renewed_mid_subscription(
    emulator: Emulator, clock: Clock, client: Client
) -> None:
    emulator.token_lifetime = 3600
    sleeps = Sleeps()
    async with client(emulator) as base, subscribed(emulator, base, sleeps) as feed:
        await base.append_row("Tasks", {"Title": "before"})
        await feed.take(1)
        exchanges = _token_exchanges(emulator)
        clock.offset += 3601  # the base token the socket joined with has expired
        await base.append_row("Tasks", {"Title": "while expired"})
        await base.append_row("Tasks", {"Title": "renewed"})
        events = await feed.take(3)
        assert emulator.realtime is not None
        await until(lambda: emulator.realtime is not None and emulator.realtime.members == 1)
    assert [e.row["Title"] for e in events if isinstance(e, RowInserted)] == [
        "before",
        "while expired",
        "renewed",
    ]
    assert _token_exchanges(emulator) > exchanges


async def test_a_cursor_resumes_exactly_even_within_a_batch(
    emulator: Emulator, client: Client
) -> None:
    sleeps = Sleeps()
    async with client(emulator) as base:
        async with subscribed(emulator, base, sleeps) as feed:
            await base.batch_append_rows("Tasks", [{"Title": t} for t in "abc"])
            await base.append_row("Tasks", {"Title": "d"})
            first = await feed.take(2)
        await base.append_row("Tasks", {"Title": "e"})
        async with subscribed(emulator, base, sleeps, since=first[-1].cursor) as resumed:
            events = await resumed.take(3)
            await nothing_more(base, resumed, 3)
    assert [e.row["Title"] for e in first if isinstance(e, RowInserted)] == ["a", "b"]
    assert [e.row["Title"] for e in events if isinstance(e, RowInserted)] == ["c", "d", "e"]


async def test_a_table_subscription_hears_only_its_table(
    emulator: Emulator, client: Client
) -> None:
    emulator.add_table("Other", [("Name", "text")])
    sleeps = Sleeps()
    async with (
        client(emulator) as base,
        subscribed(emulator, base, sleeps, table_name="Tasks") as feed,
    ):
        await base.append_row("Other", {"Name": "x"})
        await base.append_row("Tasks", {"Title": "y"})
        (only,) = await feed.take(1)
        await nothing_more(base, feed, 1)
    assert isinstance(only, RowInserted)
    assert only.table_name == "Tasks"


def _token_exchanges(emulator: Emulator) -> int:
    return sum(1 for record in emulator.request_log if record.path == TOKEN_PATH)


async def test_a_socket_that_stays_away_gives_way_to_polling(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    monkeypatch.setattr(_realtime, "GIVE_WAY_AFTER", 3)
    sleeps = Sleeps()
    async with (
        client(emulator) as base,
        subscribed(emulator, base, sleeps, poll_interval=0) as feed,
    ):
        attempts: list[str | None] = []

        async def unreachable(self: object, token: str | None) -> None:
            attempts.append(token)
            raise _realtime._Unreachable("gone")

        monkeypatch.setattr(_realtime._Socket, "open", unreachable)
        await miss_one(emulator, base, feed)
        await until(lambda: any(e.row.get("Title") == "missed by the socket" for e in feed.events))
    missed = next(e for e in feed.events if e.row.get("Title") == "missed by the socket")
    assert missed.source == "poll"
    assert len(attempts) == 2  # the drop and two failed attempts are three; then it polls


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_gets_no_realtime_source_and_polls(emulator: Emulator, client: Client) -> None:
    async with client(emulator) as base:
        assert await _realtime.open_source(base) is None
        heard: list[Change] = []
        stream = base.changes(poll_interval=0.01)

        async def consume() -> None:
            async for change in stream:
                heard.append(change)

        async with anyio.create_task_group() as group:
            group.start_soon(consume)
            await until(lambda: _polled(emulator))
            await base.append_row("Tasks", {"Title": "a"})
            await until(lambda: len(heard) == 1)
            group.cancel_scope.cancel()
    assert isinstance(heard[0], RowInserted)
    assert heard[0].source == "poll"
    assert emulator.realtime is not None
    assert emulator.realtime.joins == 0


def _polled(emulator: Emulator) -> bool:
    """Whether the polling source has set its start and finished a round (each reads the log)."""
    return sum(r.path.endswith("/operations/") for r in emulator.request_log) >= 2


def test_reconnect_waits_grow_with_jitter() -> None:
    waits = [_realtime.RECONNECT.backoff(n) for n in range(1, 12)]
    assert all(0 <= w <= _realtime.RECONNECT.max_delay for w in waits)
    assert math.isclose(
        min(_realtime.RECONNECT.max_delay, _realtime.RECONNECT.initial_delay * 2**10),
        _realtime.RECONNECT.max_delay,
    )


async def test_a_datetime_start_is_caught_up_by_polling_then_goes_live(
    emulator: Emulator, clock: Clock, client: Client
) -> None:
    start = datetime.fromtimestamp(clock() - 1, timezone.utc)
    emulator.append_rows("Tasks", [{"Title": "before the subscription"}])
    sleeps = Sleeps()
    async with client(emulator) as base, subscribed(emulator, base, sleeps, since=start) as feed:
        await feed.take(1)  # the catch-up has read the rows: a write now reaches the socket only
        await base.append_row("Tasks", {"Title": "live"})
        caught_up, live = await feed.take(2)
        await nothing_more(base, feed, 2)
    assert isinstance(caught_up, RowInserted)
    assert (caught_up.row["Title"], caught_up.source) == ("before the subscription", "poll")
    assert isinstance(live, RowInserted)
    assert (live.row["Title"], live.source) == ("live", "realtime")


async def test_without_an_operation_log_a_drop_is_bridged_by_polling(
    emulator: Emulator, client: Client
) -> None:
    emulator.faults.script("/operations/", status=404, count=1000)
    sleeps = Sleeps()
    async with client(emulator) as base, subscribed(emulator, base, sleeps) as feed:
        await miss_one(emulator, base, feed)
        await until(lambda: any(e.row.get("Title") == "missed by the socket" for e in feed.events))
    missed = next(e for e in feed.events if e.row.get("Title") == "missed by the socket")
    assert isinstance(missed, RowInserted)
    assert missed.source == "poll"


async def test_a_refused_join_fetches_a_new_token(
    emulator: Emulator, clock: Clock, client: Client
) -> None:
    emulator.token_lifetime = 3600
    sleeps = Sleeps()
    async with client(emulator) as base:
        await base.auth()
        clock.offset += 3601  # the client still holds the token; the server finds it expired
        exchanges = _token_exchanges(emulator)
        async with subscribed(emulator, base, sleeps) as feed:
            await base.append_row("Tasks", {"Title": "a"})
            (event,) = await feed.take(1)
    assert isinstance(event, RowInserted)
    assert _token_exchanges(emulator) == exchanges + 1
    assert len(sleeps.waits) == 1


async def test_a_server_that_never_acknowledges_the_join_is_still_heard(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    monkeypatch.setattr(_realtime, "JOIN_TIMEOUT", 0.05)
    monkeypatch.setattr(_realtime._Socket, "_on_join_ack", lambda self, *answer: None)
    sleeps = Sleeps()
    async with client(emulator) as base, subscribed(emulator, base, sleeps) as feed:
        await base.append_row("Tasks", {"Title": "a"})
        (event,) = await feed.take(1)
    assert isinstance(event, RowInserted)
    assert sleeps.waits == []


async def test_a_token_near_expiry_is_renewed_on_the_live_socket(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    lifetime = emulator.token_lifetime
    hub = emulator.realtime
    assert hub is not None
    # the token joined first reads as due at once; the one renewed in its place does not
    monkeypatch.setattr(_realtime, "_clock", lambda: time.time() + lifetime * (hub.joins < 2))
    sleeps = Sleeps()
    async with client(emulator) as base, subscribed(emulator, base, sleeps) as feed:
        await until(lambda: hub.joins >= 2)
        await base.append_row("Tasks", {"Title": "still joined"})
        (event,) = await feed.take(1)
    assert isinstance(event, RowInserted)
    assert event.source == "realtime"
    assert _token_exchanges(emulator) >= 2  # the token first joined with, and its renewal
    assert sleeps.waits == []  # joined again in place: no reconnection


async def test_a_server_without_socket_io_is_polled(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    monkeypatch.setattr(emulator_module, "_realtime_hub", lambda emulator: None)
    with Emulator() as emulator:
        assert emulator.realtime is None
        async with client(emulator) as base:
            assert await _realtime.open_source(base) is None
            with pytest.raises(InvalidInputError, match="realtime"):
                await base.changes(source="realtime").__anext__()

"""The polling change source against the emulator: inserts, updates, deletions and schema
changes, cursors that resume exactly, paging, and concurrent writers (nothing lost or twice)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from datetime import datetime, timezone
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from seatable_async import Base, InvalidInputError, NotFoundError
from seatable_async.changes import (
    Change,
    RowDeleted,
    RowInserted,
    RowUpdated,
    SchemaChanged,
    _polling,
)
from seatable_async.changes._convert import changes_of_operation
from seatable_async.changes._source import Watch, decode_cursor, encode_cursor
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, SERVER
from ..resources._emulated import TOKEN, URL, emulated_base

pytestmark = pytest.mark.anyio


def notes_emulator(clock: Callable[[], float] = time.time) -> Emulator:
    emulator = Emulator(api_token=TOKEN, clock=clock)
    emulator.add_table("Notes", [("Text", "text"), ("Count", "number")])
    return emulator


class Polls:
    """A `sleep` for `changes()`: each wait between polls runs the next step instead."""

    def __init__(self, *steps: Callable[[], Any]) -> None:
        self.steps = list(steps)
        self.waits = 0

    async def __call__(self, seconds: float) -> None:
        assert seconds == 0
        self.waits += 1
        if not self.steps:
            raise _Done
        result = self.steps.pop(0)()
        if hasattr(result, "__await__"):
            await result


class _Done(Exception):
    """Ends a stream once every step has run and been polled."""


async def drain(stream: AsyncIterator[Change], into: list[Change]) -> None:
    async with aclosing(stream) as events:  # type: ignore[type-var]
        async for change in events:
            into.append(change)


async def collect(stream: AsyncIterator[Change]) -> list[Change]:
    """Every event until the sleep runs out of steps."""
    seen: list[Change] = []
    with pytest.raises(_Done):
        await drain(stream, seen)
    return seen


async def test_inserts_updates_deletes_and_schema_changes_arrive_typed() -> None:
    emulator = notes_emulator()
    (old,) = emulator.append_rows("Notes", [{"Text": "before"}])
    async with emulated_base(emulator) as base:
        new: list[str] = []

        async def insert() -> None:
            new.append((await base.append_row("Notes", {"Text": "a", "Count": 1}))["_id"])

        async def update() -> None:
            await base.update_row("Notes", new[0], {"Count": 2})
            await base.update_row("Notes", old, {"Count": 5})

        async def delete_and_add_column() -> None:
            await base.delete_row("Notes", old)
            await base.insert_column("Notes", "Extra", "text")

        polls = Polls(insert, update, delete_and_add_column)
        events = await collect(base.changes("Notes", poll_interval=0, sleep=polls))
    kinds = [(type(e).__name__, e.row_id) for e in events]
    assert kinds == [
        ("RowInserted", new[0]),
        ("RowUpdated", new[0]),
        ("RowUpdated", old),
        ("RowDeleted", old),
        ("SchemaChanged", None),
    ]
    inserted, updated, _, deleted, schema = events
    assert isinstance(inserted, RowInserted)
    assert inserted.row["Text"] == "a"
    assert inserted.table_name == "Notes"
    assert inserted.source == "poll"
    assert isinstance(updated, RowUpdated)
    assert updated.row["Count"] == 2
    assert updated.old_values is None
    assert isinstance(deleted, RowDeleted)
    assert deleted.row["Text"] == "before"
    assert isinstance(schema, SchemaChanged)
    assert schema.op_type == "insert_column"
    assert schema.detail["column_name"] == "Extra"
    assert all(e.op_time is not None and e.op_time.tzinfo is not None for e in events)


EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
_REQUEST = httpx.Request("GET", URL)


async def everything(base: Base, since: str | datetime = EPOCH, **kwargs: Any) -> list[Change]:
    """One poll's events from `since` (by default: every row as inserted)."""
    return await collect(base.changes(since=since, poll_interval=0, sleep=Polls(), **kwargs))


async def test_each_cursor_resumes_right_after_its_event() -> None:
    emulator = notes_emulator()
    ids = emulator.append_rows("Notes", [{"Count": n} for n in range(4)])
    async with emulated_base(emulator) as base:
        await base.update_row("Notes", ids[1], {"Count": 10})
        await base.delete_row("Notes", ids[2])
        events = await everything(base)
        assert [e.row_id for e in events] == [ids[2], *sorted([ids[0], ids[3]]), ids[1]]
        assert [type(e) for e in events] == [RowDeleted] + [RowInserted] * 3
        for k, event in enumerate(events):
            assert await everything(base, event.cursor) == events[k + 1 :]


async def test_rows_stamped_within_one_second_page_without_loss_or_repeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A frozen clock stamps every request 1 ms after the last and a batch all alike; pages of
    three rows make the source page by time and, within one second, by offset."""
    monkeypatch.setattr(_polling, "MAX_ROWS", 3)
    emulator = notes_emulator(clock=lambda: 1_800_000_000.0)
    async with emulated_base(emulator) as base:
        appended = await base.batch_append_rows("Notes", [{"Count": n} for n in range(5)])
        ids = [row["_id"] for row in appended["row_ids"]]
        ids += [(await base.append_row("Notes", {"Count": n}))["_id"] for n in (5, 6)]
        events = await everything(base)
        assert [e.row_id for e in events] == sorted(ids[:5]) + ids[5:]
        assert all(isinstance(e, RowInserted) for e in events)
        for k, event in enumerate(events):
            assert await everything(base, event.cursor) == events[k + 1 :]
        await base.update_row("Notes", ids[0], {"Count": 9})
        (updated,) = await everything(base, events[-1].cursor)
    assert isinstance(updated, RowUpdated)
    assert updated.row["Count"] == 9


async def test_from_now_reports_only_later_changes_of_every_table() -> None:
    emulator = notes_emulator()
    emulator.add_table("Other", [("Name", "text")])
    emulator.append_rows("Notes", [{"Count": 1}])
    async with emulated_base(emulator) as base:

        async def write() -> None:
            await base.append_row("Other", {"Name": "x"})
            await base.add_table("Third", columns=[{"column_name": "Title", "column_type": "text"}])
            await base.append_row("Third", {"Title": "t"})

        events = await collect(base.changes(poll_interval=0, sleep=Polls(write, lambda: None)))
    described = [(type(e).__name__, e.table_name) for e in events]
    assert ("RowInserted", "Other") in described
    assert ("RowInserted", "Third") in described
    assert ("SchemaChanged", "Third") in described
    assert all(e.table_name != "Notes" for e in events)


async def test_concurrent_writers_lose_nothing_and_repeat_nothing() -> None:
    """Three writers insert and update rows while the feed polls between their steps; every
    row arrives inserted once, no state of a row twice, and each row's last event is its final
    state."""
    emulator = notes_emulator()
    events: list[Change] = []
    async with emulated_base(emulator) as base:
        finished, polled_after = anyio.Event(), anyio.Event()

        async def writer(n: int) -> None:
            mine: list[str] = []
            for step in range(12):
                if step % 3 == 0:
                    row = await base.append_row("Notes", {"Text": f"{n}", "Count": 0})
                    mine.append(row["_id"])
                else:
                    await base.update_row("Notes", mine[-1], {"Count": step})
                await anyio.lowlevel.checkpoint()

        async def write_all() -> None:
            async with anyio.create_task_group() as writers:
                for n in range(3):
                    writers.start_soon(writer, n)
            finished.set()

        async def between_polls(seconds: float) -> None:
            """Polls run while the writers write, and once more after they finished."""
            if polled_after.is_set():
                raise _Done
            if finished.is_set():
                polled_after.set()
            await anyio.lowlevel.checkpoint()

        stream = base.changes("Notes", since=EPOCH, poll_interval=0, sleep=between_polls)
        async with anyio.create_task_group() as group:
            group.start_soon(write_all)
            with pytest.raises(_Done):
                await drain(stream, events)
        final = {row["_id"]: row for row in emulator.rows("Notes")}
    inserted = [e.row_id for e in events if isinstance(e, RowInserted)]
    assert sorted(inserted) == sorted(final)
    states = [(e.row_id, e.raw["_mtime"]) for e in events]
    assert len(states) == len(set(states))
    last: dict[str | None, Any] = {e.row_id: e.raw for e in events}
    assert {row_id: (row["Count"], row["_mtime"]) for row_id, row in last.items()} == {
        row_id: (row["Count"], row["_mtime"]) for row_id, row in final.items()
    }
    assert any(isinstance(e, RowUpdated) for e in events), "polls ran between the writes"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"since": "poll:not-base64!"}, "since"),
        ({"since": "elsewhere:e30"}, "since"),
        ({"since": 17}, "since"),
        ({"since": datetime(2026, 1, 1)}, "time zone"),
        ({"source": "carrier-pigeon"}, "source"),
        ({"poll_interval": -1}, "poll_interval"),
        ({"poll_interval": float("inf")}, "poll_interval"),
        ({"table_name": ""}, "table_name"),
    ],
)
async def test_bad_arguments_are_refused_when_called(
    server: respx.MockRouter, kwargs: dict[str, Any], named: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=named):
            base.changes(**kwargs)
    assert not server.calls


async def test_asking_for_realtime_without_the_extra_says_what_to_install() -> None:
    async with emulated_base(notes_emulator()) as base:
        with pytest.raises(InvalidInputError, match=r"seatable-async\[realtime\]"):
            await collect(base.changes(source="realtime"))


async def test_a_server_without_the_operation_log_still_reports_rows() -> None:
    """Deletions need `getBaseActivityLog`; without it (404) inserts and updates still arrive,
    and the log is not asked again."""
    emulator = notes_emulator()
    (gone,) = emulator.append_rows("Notes", [{"Count": 1}])
    asked: list[int] = []

    async def missing(page: int = 1) -> Any:
        asked.append(page)
        raise NotFoundError("not served", response=httpx.Response(404, request=_REQUEST))

    async with emulated_base(emulator) as base:
        await base.delete_row("Notes", gone)
        (kept,) = emulator.append_rows("Notes", [{"Count": 2}])
        base.get_base_activity_log = missing  # type: ignore[method-assign]
        events = await collect(base.changes(since=EPOCH, poll_interval=0, sleep=Polls(list)))
    assert [(type(e), e.row_id) for e in events] == [(RowInserted, kept)]
    assert asked == [1]


async def test_catch_up_reports_one_round_and_ends() -> None:
    emulator = notes_emulator()
    ids = emulator.append_rows("Notes", [{"Count": 1}, {"Count": 2}])
    async with emulated_base(emulator) as base:
        source = await _polling.open_source(base)
        since = decode_cursor(EPOCH)
        watch = Watch(None, since, 0.0, Polls())
        events = [change async for change in source.catch_up(watch)]
    assert sorted(e.row_id or "" for e in events) == sorted(ids)


async def test_a_table_deleted_behind_the_cache_is_dropped_not_fatal() -> None:
    """Another client deletes a watched table; without the log to say so, the failed query
    rereads the metadata, finds the table gone and polls on."""
    emulator = notes_emulator()
    emulator.add_table("Doomed", [("Name", "text")])

    async def missing(page: int = 1) -> Any:
        raise NotFoundError("not served", response=httpx.Response(404, request=_REQUEST))

    async with emulated_base(emulator) as watcher, emulated_base(emulator) as other:
        watcher.get_base_activity_log = missing  # type: ignore[method-assign]

        async def delete_then_write() -> None:
            await other.delete_table("Doomed")
            await other.append_row("Notes", {"Count": 3})

        stream = watcher.changes(poll_interval=0, sleep=Polls(delete_then_write, list))
        events = await collect(stream)
    assert [(type(e), e.table_name) for e in events] == [(RowInserted, "Notes")]


async def test_a_large_batch_folds_into_a_small_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """More rows than `SEEN_LIMIT` at the mark's time become one digest: the cursor stays small,
    resuming repeats nothing (also after one of them changed and moved on), and if those rows
    differ from the digest in place all are reported again (repeated, never lost)."""
    monkeypatch.setattr(_polling, "SEEN_LIMIT", 2)
    emulator = notes_emulator(clock=lambda: 1_800_000_000.0)
    async with emulated_base(emulator) as base:
        appended = await base.batch_append_rows("Notes", [{"Count": n} for n in range(5)])
        ids = sorted(row["_id"] for row in appended["row_ids"])
        events = await everything(base)
        assert [e.row_id for e in events] == ids
        last = decode_cursor(events[-1].cursor)
        assert last is not None
        notes_mark = last.state["w"][events[0].table_id]
        assert notes_mark[1] == {}
        assert notes_mark[2][0] == ids[-1]
        assert await everything(base, events[-1].cursor) == []
        tampered = dict(last.state)
        tampered["w"] = {
            table_id: [m[0], m[1], [m[2][0], "0" * 16, m[2][2]]]
            if table_id == events[0].table_id
            else m
            for table_id, m in last.state["w"].items()
        }
        again = await everything(base, encode_cursor("poll", last.time_ms, tampered))
        assert sorted(e.row_id or "" for e in again) == ids
        await base.update_row("Notes", ids[2], {"Count": 9})
        (updated,) = await everything(base, events[-1].cursor)
        assert (type(updated), updated.row_id) == (RowUpdated, ids[2])


async def test_a_damaged_poll_cursor_is_refused() -> None:
    damaged = encode_cursor("poll", 0, {"w": {"0000": ["x"]}})
    async with emulated_base(notes_emulator()) as base:
        with pytest.raises(InvalidInputError, match="since"):
            await everything(base, damaged)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize(
    ("op_type", "logged_as"),
    [
        ("insert_table", SchemaChanged), ("rename_table", SchemaChanged),
        ("insert_column", SchemaChanged), ("delete_columns", SchemaChanged),
        ("modify_column_options", SchemaChanged), ("delete_view", SchemaChanged),
        ("modify_column_cascade", SchemaChanged), ("delete_row", RowDeleted),
        ("delete_rows", RowDeleted), ("insert_row", None), ("modify_rows", None),
        ("lock_rows", None), ("add_link", None),
    ],
)  # fmt: skip
async def test_the_log_and_the_socket_agree_on_what_each_operation_is(
    op_type: str, logged_as: type[Change] | None
) -> None:
    """A log entry makes the event the same operation makes on the socket, but none for the
    inserts and updates that polling reads through SQL instead."""
    emulator = notes_emulator()
    (row_id,) = emulator.append_rows("Notes", [{"Text": "x"}])
    async with emulated_base(emulator) as base:
        table_id = (await base.get_metadata())["tables"][0]["_id"]
        operation = {"op_type": op_type, "table_id": table_id, "row_id": row_id}
        operation["row_ids"] = [row_id]
        entry = {"op_id": 1, "op_time": 0, "operation": json.dumps(operation)}
        watch = Watch(None, None, 0.0, Polls())
        logged = await _polling.PollingSource(base)._entry_changes(entry, watch, "c")
    on_socket = changes_of_operation(operation, None, cursor="c", source="realtime")
    assert [type(c) for c in logged] == ([] if logged_as is None else [logged_as])
    assert logged_as is None or [type(c) for c in on_socket] == [logged_as]

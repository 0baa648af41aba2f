"""Bulk jobs against the emulator: what lands in the table, with the fewest calls, and exactly
once when writes fail after they were applied."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from seatable_async import Base, BatchLimits, BulkError, RetryPolicy
from seatable_async.testing import Emulator

pytestmark = pytest.mark.anyio

TOKEN = "bulk-api-token"
NO_WAIT = RetryPolicy(initial_delay=0, max_delay=0)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_token=TOKEN) as emulator:
        emulator.add_table("People", [("Name", "text"), ("Team", "text"), ("Age", "number")])
        yield emulator


@pytest.fixture
async def live(emulator: Emulator) -> AsyncIterator[Base]:
    limits = BatchLimits(append_rows=50, update_rows=50, delete_rows=100)
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as http,
        Base(
            TOKEN, "http://127.0.0.1", retry=NO_WAIT, http_client=http, batch_limits=limits
        ) as base,
    ):
        await base.auth()
        yield base


def _people(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"Name": f"p{i}", "Team": "ab"[i % 2], "Age": i} for i in range(start, start + count)]


def _names(emulator: Emulator) -> list[str]:
    return [row["Name"] for row in emulator.rows("People")]


async def test_append_update_delete_round_trip_in_the_fewest_calls(
    emulator: Emulator, live: Base
) -> None:
    appended = await live.bulk_append("People", _people(420))
    stored = emulator.rows("People")
    assert [row["_id"] for row in stored] == appended.row_ids
    assert _names(emulator) == [f"p{i}" for i in range(420)]
    assert appended.requests == 9
    updates = [{"row_id": row_id, "row": {"Age": -1}} for row_id in appended.row_ids[:120]]
    updated = await live.bulk_update("People", updates)
    assert (updated.rows, updated.requests) == (120, 3)
    assert [row["Age"] for row in emulator.rows("People")][119:121] == [-1, 120]
    deleted = await live.bulk_delete("People", appended.row_ids[::2])
    assert (deleted.rows, deleted.requests) == (210, 3)
    assert _names(emulator) == [f"p{i}" for i in range(1, 420, 2)]


async def test_appends_whose_answer_is_lost_land_exactly_once_with_a_key(
    emulator: Emulator, live: Base
) -> None:
    emulator.faults.script("/rows/", 502, count=3, method="POST", apply_write=True)
    result = await live.bulk_append("People", _people(300), key="Name")
    assert sorted(_names(emulator)) == sorted(f"p{i}" for i in range(300))
    by_name = {row["Name"]: row["_id"] for row in emulator.rows("People")}
    assert result.row_ids == [by_name[f"p{i}"] for i in range(300)]
    assert result.failures == ()
    assert result.requests == 6 + 3  # six appends, three lookups that found every row


async def test_without_a_key_a_lost_answer_is_reported_never_repeated(
    emulator: Emulator, live: Base
) -> None:
    emulator.faults.script("/rows/", 502, count=1, method="POST", apply_write=True)
    with pytest.raises(BulkError) as caught:
        await live.bulk_append("People", _people(300), concurrency=1)
    [failure] = caught.value.failures
    assert (failure.outcome, failure.rows) == ("unknown", _people(50))
    assert _names(emulator) == [f"p{i}" for i in range(300)]
    assert caught.value.result.rows == 250


async def test_upsert_with_a_key_of_two_columns(emulator: Emulator, live: Base) -> None:
    emulator.append_rows("People", [{"Name": "p1", "Team": "b", "Age": 0}])
    emulator.append_rows("People", [{"Name": "p1", "Team": "a", "Age": 0}])
    rows = _people(120)
    result = await live.bulk_upsert("People", rows, key=["Name", "Team"])
    assert (result.created, result.updated, result.requests) == (119, 1, 1 + 3 + 1)
    stored = emulator.rows("People")
    assert len(stored) == 121
    assert [(row["Name"], row["Team"], row["Age"]) for row in stored[:2]] == [
        ("p1", "b", 1),
        ("p1", "a", 0),
    ]
    by_key = {(row["Name"], row["Team"]): row["_id"] for row in stored}
    assert result.row_ids == [by_key[row["Name"], row["Team"]] for row in rows]
    again = await live.bulk_upsert("People", rows, key=["Name", "Team"])
    assert (again.created, again.updated, again.row_ids) == (0, 120, result.row_ids)

"""Bridging from the operation log: how far it reaches back, and realtime cursor positions."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from seatable_async import NotFoundError
from seatable_async.changes._bridge import Covered, Position, log_since
from seatable_async.changes._source import decode_cursor

pytestmark = pytest.mark.anyio


def entry(op_id: int) -> dict[str, Any]:
    operation = {"op_type": "insert_rows", "table_id": "t", "row_ids": [f"r{op_id}"]}
    return {
        "op_id": op_id,
        "op_time": 1000 * op_id,
        "author": "u",
        "operation": json.dumps(operation),
    }


class Log:
    """A stand-in base whose log pages are given; ``None`` as a page answers 404."""

    def __init__(self, *pages: list[int] | None) -> None:
        self.pages = pages
        self.asked: list[int] = []

    async def get_base_activity_log(self, page: int) -> list[dict[str, Any]]:
        self.asked.append(page)
        ids = self.pages[page - 1] if page <= len(self.pages) else []
        if ids is None:
            request = httpx.Request("GET", "http://x")
            raise NotFoundError("no log", response=httpx.Response(404, request=request))
        return [entry(op_id) for op_id in ids]


async def since(log: Log, op_id: int) -> list[int] | None:
    entries = await log_since(log, op_id)  # type: ignore[arg-type]
    return None if entries is None else [e.op_id for e in entries]


async def test_pages_back_until_the_position_oldest_first_each_once() -> None:
    log = Log([9, 8, 7], [7, 6, 5])  # 7 moved to page two while paging
    assert await since(log, 6) == [6, 7, 8, 9]
    assert log.asked == [1, 2]


async def test_a_log_that_does_not_reach_back_cannot_bridge() -> None:
    assert await since(Log([9, 8], [7]), 5) is None
    assert await since(Log([9, 8], [7]), 0) == [7, 8, 9]  # from the start: all of it
    assert await since(Log([9, 8], [9, 8]), 5) is None  # a server that ignores the page
    assert await since(Log(None), 5) is None


def test_positions_round_trip_through_their_cursors() -> None:
    for position in (Position(7, 2, 5000), Position(7, None, 5000)):
        assert Position.of(decode_cursor(position.cursor())) == position
    assert Position.of(decode_cursor("poll:eyJ0IjoxfQ")) is None


def test_covered_tells_row_writes_from_log_operations() -> None:
    covered = Covered(all_up_to=5, log_up_to=8)
    assert covered.covers(5, "insert_rows")
    assert not covered.covers(6, "modify_rows")
    assert covered.covers(8, "delete_rows")
    assert covered.covers(8, "insert_column")
    assert not covered.covers(9, "delete_rows")
    assert not covered.covers(None, "insert_rows")

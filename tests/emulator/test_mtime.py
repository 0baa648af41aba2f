"""`_mtime` moves on every update, even when the clock stands still; one request's rows share
a stamp, as SeaTable stamps a batch."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from seatable_async.testing import Emulator

from .conftest import FakeClock, gateway_for

pytestmark = pytest.mark.anyio


async def test_every_update_changes_mtime_under_a_frozen_clock(
    emulator: Emulator, clock: FakeClock
) -> None:
    ids = emulator.append_rows("Contacts", [{"Name": "a"}, {"Name": "b"}])
    created = {row["_id"]: row["_mtime"] for row in emulator.rows("Contacts")}
    updates = [{"row_id": row_id, "row": {"Age": 1}} for row_id in ids]
    stamps: list[dict[str, str]] = []
    async with gateway_for(emulator) as gw:
        for _ in range(3):
            body = {"table_name": "Contacts", "updates": updates}
            assert (await gw.request("PUT", "/rows/", json=body)).status_code == 200
            stamps.append({row["_id"]: row["_mtime"] for row in emulator.rows("Contacts")})
    assert len({*created.values()}) == 1
    for stamp in stamps:
        assert len({*stamp.values()}) == 1, "one request's rows share a stamp"
    moments = [datetime.fromisoformat(created[ids[0]])]
    moments += [datetime.fromisoformat(stamp[ids[0]]) for stamp in stamps]
    steps = {later - earlier for earlier, later in itertools.pairwise(moments)}
    assert steps == {timedelta(milliseconds=1)}, moments


async def test_mtime_follows_the_clock_at_millisecond_resolution(
    emulator: Emulator, clock: FakeClock
) -> None:
    (row_id,) = emulator.append_rows("Contacts", [{"Name": "a"}])
    clock.advance(0.25)
    body = {"table_name": "Contacts", "updates": [{"row_id": row_id, "row": {"Age": 2}}]}
    async with gateway_for(emulator) as gw:
        response = await gw.request("PUT", "/rows/", json=body)
    assert response.status_code == 200, response.text
    (row,) = emulator.rows("Contacts")
    assert row["_mtime"].endswith(":00.250+00:00"), row["_mtime"]

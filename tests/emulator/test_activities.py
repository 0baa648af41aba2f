"""Row activities of batch writes: one per row, in row order, each as the row was written."""

from __future__ import annotations

import pytest

from seatable_async.testing import Emulator

from .conftest import gateway_for

pytestmark = pytest.mark.anyio


async def test_each_appended_row_shows_the_options_known_once_it_was_written(
    emulator: Emulator,
) -> None:
    """A row that creates a select option shows it in its activity; an earlier row of the same
    append does not (SeaTable logs each row as it inserts it)."""
    rows = [{"Name": "first", "Tags": ["a"]}, {"Name": "second", "Tags": ["b"]}]
    async with gateway_for(emulator) as gw:
        appended = await gw.request("POST", "/rows/", json={"table_name": "Contacts", "rows": rows})
        ids = [r["_id"] for r in appended.json()["row_ids"]]
        listed = [
            (await gw.request("GET", "/activities/", params={"row_id": row_id})).json()
            for row_id in ids
        ]
    activities = [answer["activities"] for answer in listed]
    assert [len(a) for a in activities] == [1, 1]
    first, second = activities[0][0], activities[1][0]
    assert second["id"] == first["id"] + 1
    assert (first["op_type"], first["detail"]["row_name"]) == ("insert_row", "first")
    tags = [
        [o["name"] for o in cell["column_data"]["options"]]
        for activity in (first, second)
        for cell in activity["detail"]["row_data"]
        if cell["column_name"] == "Tags"
    ]
    assert tags == [["a"], ["a", "b"]]

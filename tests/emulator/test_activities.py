"""Row activities of batch writes: one per row, in row order, each as the row was written."""

from __future__ import annotations

import json

import pytest

from seatable_async.testing import Emulator
from seatable_async.testing._store.activities import _DetailText

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


VALUES: list[object] = [
    "plain",
    'ünï "quoted"\n',
    7,
    -(2**70),
    1.5,
    float("nan"),
    True,
    False,
    None,
]
VALUES += [["a", 1], {"lat": 1.5}, [], {}]


@pytest.mark.parametrize("with_old", [False, True])
def test_detail_text_is_the_json_encoding_of_the_detail(with_old: bool) -> None:
    """The detail written from pieces is what ``json.dumps(detail, default=str)`` writes."""
    table = {"_id": "T1", "name": "Tâble"}
    select = {"key": "s", "name": "Tags", "type": "multiple-select", "data": {"options": []}}
    text = {"key": "0000", "name": "Name", "type": "text", "data": None}
    changes = [(select if i % 2 else text, value, VALUES[-1 - i]) for i, value in enumerate(VALUES)]
    detail = {
        "table_id": "T1",
        "table_name": "Tâble",
        "row_name": "row ü",
        "row_data": [
            {
                "column_key": column["key"],
                "column_name": column["name"],
                "column_type": column["type"],
                "column_data": column["data"] or {},
                "value": value,
                **({"old_value": old} if with_old else {}),
            }
            for column, value, old in changes
        ],
    }
    written = _DetailText(table, with_old=with_old).text("row ü", changes)
    assert written == json.dumps(detail, default=str)
    assert _DetailText(table, with_old=with_old).text("", []) == json.dumps(
        {"table_id": "T1", "table_name": "Tâble", "row_name": "", "row_data": []}
    )

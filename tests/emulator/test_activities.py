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


async def test_a_batch_update_logs_each_row_against_its_state_before(
    emulator: Emulator,
) -> None:
    """A row updated twice in one call is logged twice, each change against the value just
    before; each row shows the select options known once it was written."""
    ids = emulator.append_rows("Contacts", [{"Name": "one"}, {"Name": "two"}])
    updates = [
        {"row_id": ids[0], "row": {"Name": "one b", "Tags": ["x"]}},
        {"row_id": ids[1], "row": {"Tags": ["y"]}},
        {"row_id": ids[0], "row": {"Name": "one c"}},
        {"row_id": ids[1], "row": {"Tags": ["y"]}},  # no change: not logged
    ]
    async with gateway_for(emulator) as gw:
        body = {"table_name": "Contacts", "updates": updates}
        assert (await gw.request("PUT", "/rows/", json=body)).status_code == 200
        listed = [
            (await gw.request("GET", "/activities/", params={"row_id": row_id})).json()
            for row_id in ids
        ]
    modified = [
        [a for a in answer["activities"] if a["op_type"] == "modify_row"] for answer in listed
    ]
    names = [
        [
            (c["old_value"], c["value"])
            for c in a["detail"]["row_data"]
            if c["column_name"] == "Name"
        ]
        for a in modified[0]
    ]
    assert names == [[("one b", "one c")], [("one", "one b")]]  # newest first
    options = [
        [o["name"] for o in c["column_data"]["options"]]
        for a in (modified[0][1], modified[1][0])
        for c in a["detail"]["row_data"]
        if c["column_name"] == "Tags"
    ]
    assert options == [["x"], ["x", "y"]]
    assert len(modified[1]) == 1


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
VALUES += [["a", 1], ["ü", 'q"'], {"lat": 1.5}, [], {}]


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

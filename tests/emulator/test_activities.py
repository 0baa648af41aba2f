"""Row activities of batch writes: one per row, in row order, each as the row was written."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from seatable_async.testing import Emulator
from seatable_async.testing._store.batches import (
    ENCODER,
    batch_activities,
    batch_payload,
    encode_payload,
    load_payload,
    row_operation,
)

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


async def test_an_insert_is_logged_as_written_whatever_happens_to_the_row_later(
    emulator: Emulator,
) -> None:
    """An insert's activity and log entry show the row as it was inserted (no links, the old
    name, the column as it was named) after the row is linked, updated and a column renamed."""
    emulator.add_table("Versions", [("Number", "number")])
    (version,) = emulator.append_rows("Versions", [{"Number": 1.1}])
    async with gateway_for(emulator) as gw:
        link = await gw.add_link_column("Contacts", "Versions", "Versions")
        body = {"table_name": "Contacts", "rows": [{"Name": "old", "Age": 3}, {"Name": "x"}]}
        appended = (await gw.request("POST", "/rows/", json=body)).json()
        row_id = appended["row_ids"][0]["_id"]
        later = [
            ("POST", "/links/", {**link, "other_rows_ids_map": {row_id: [version]}}),
            (
                "PUT",
                "/rows/",
                {"table_name": "Contacts", "updates": [{"row_id": row_id, "row": {"Name": "new"}}]},
            ),
            (
                "PUT",
                "/columns/",
                {
                    "table_name": "Contacts",
                    "column": "Age",
                    "op_type": "rename_column",
                    "new_column_name": "Years",
                },
            ),
        ]
        for method, path, payload in later:
            answer = await gw.request(method, path, json=payload)
            assert answer.status_code == 200, answer.text
        activities = (await gw.request("GET", "/activities/", params={"row_id": row_id})).json()
    inserted = [a for a in activities["activities"] if a["op_type"] == "insert_row"]
    assert [(a["detail"]["row_name"], len(inserted)) for a in inserted] == [("old", 1)]
    cells = {c["column_name"]: c["value"] for c in inserted[0]["detail"]["row_data"]}
    assert cells == {"Name": "old", "Age": 3}
    entry = next(
        op
        for _, op in emulator.store.operations_after(emulator.base_uuid, 0)
        if op.get("op_type") == "insert_rows" and row_id in op["row_ids"]
    )
    columns = {
        c["name"]: c["key"]
        for c in emulator.store.table(emulator.store.base(emulator.base_uuid), "Contacts")[
            "columns"
        ]
    }
    first = entry["row_datas"][0]
    assert (first["_id"], first[columns["Name"]], first[columns["Years"]]) == (row_id, "old", 3)
    assert first[columns["Versions"]] == []
    assert [r["_id"] for r in entry["row_datas"]] == [r["_id"] for r in appended["row_ids"]]


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


@pytest.mark.parametrize("op_type", ["insert_row", "modify_row", "delete_row"])
def test_a_stored_batch_gives_back_each_detail_and_the_log_entry(op_type: str) -> None:
    """A row's activity detail and the log entry read back from a stored batch encode as
    ``json.dumps(..., default=str)`` of what was written, a value JSON cannot hold included."""
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    table = {"_id": "T1", "name": "Tâble", "columns": [{"key": "0000"}]}
    select = {"key": "s", "name": "Tags", "type": "multiple-select", "data": {"options": []}}
    text = {"key": "0000", "name": "Name", "type": "text", "data": None}
    values = [*VALUES, when]
    changes = [(select if i % 2 else text, value, values[-1 - i]) for i, value in enumerate(values)]
    with_old = op_type != "insert_row"
    row = {"_id": "r1", "0000": "row ü", "s": ["a"], "when": when}
    other = {"_id": "r2", "0000": 5}
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
    stored = load_payload(encode_payload(batch_payload(table, [(other, []), (row, changes)])))
    read = batch_activities(stored, 7, op_type, "r1")
    assert [activity_id for activity_id, _ in read] == [8]
    assert ENCODER.encode(read[0][1]) == json.dumps(detail, default=str)
    assert batch_activities(stored, 7, op_type, "r2")[0][1]["row_name"] == "5"
    cells = {cell["column_key"]: cell for cell in detail["row_data"]}
    expected: dict[str, object] = {
        "insert_row": {"row_datas": [other, row]},
        "modify_row": {
            "updated": {"r2": {}, "r1": {k: c["value"] for k, c in cells.items()}},
            "old_rows": {"r2": {}, "r1": {k: c.get("old_value") for k, c in cells.items()}},
        },
        "delete_row": {"deleted_rows": [other, row]},
    }[op_type]
    grouped = {"op_type": f"{op_type}s", "table_id": "T1", "row_ids": ["r2", "r1"], **expected}
    operation = row_operation(op_type, [stored])
    assert ENCODER.encode(operation) == json.dumps(grouped, default=str)


def test_a_database_file_of_an_older_emulator_keeps_its_operation_log(tmp_path: Path) -> None:
    """The operation log table of an older file gains the batches column; its entries read
    back as they were written."""
    path = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "CREATE TABLE emu_operations (op_id INTEGER PRIMARY KEY, base_uuid TEXT NOT NULL,"
            " author TEXT NOT NULL, app TEXT, op_time INTEGER NOT NULL, operation TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO emu_operations (base_uuid, author, op_time, operation)"
            """ VALUES ('b1', 'a', 1, '{"op_type": "insert_column"}')"""
        )
    emulator = Emulator(db_path=str(path))
    try:
        assert emulator.store.operations_after("b1", 0) == [(1, {"op_type": "insert_column"})]
    finally:
        emulator.close()

"""SeaTable operations as typed events: keys to names, option ids to names, every row shape."""

from __future__ import annotations

from typing import Any

import pytest

from seatable_async.changes import RowDeleted, RowInserted, RowUpdated, SchemaChanged
from seatable_async.changes._convert import changes_of_operation

METADATA: dict[str, Any] = {
    "tables": [
        {
            "_id": "t1",
            "name": "Tasks",
            "columns": [
                {"key": "0000", "name": "Title", "type": "text"},
                {
                    "key": "s1",
                    "name": "State",
                    "type": "single-select",
                    "data": {
                        "options": [{"id": "o1", "name": "open"}, {"id": "o2", "name": "done"}]
                    },
                },
                {
                    "key": "m1",
                    "name": "Tags",
                    "type": "multiple-select",
                    "data": {"options": [{"id": "o3", "name": "red"}]},
                },
                {"key": "l1", "name": "Notes", "type": "long-text"},
            ],
        }
    ]
}


def convert(operation: dict[str, Any]) -> list[Any]:
    return changes_of_operation(operation, METADATA, cursor="c", source="realtime")


def test_cells_are_named_and_read_as_the_rest_api_shows_them() -> None:
    (change,) = convert(
        {
            "op_type": "insert_row",
            "table_id": "t1",
            "row_id": "r1",
            "row_data": {
                "_id": "r1",
                "0000": "a",
                "s1": "o2",
                "m1": ["o3", "unknown"],
                "l1": {"text": "hi", "preview": "hi"},
                "zz": 1,
            },
        }
    )
    assert isinstance(change, RowInserted)
    assert change.row == {
        "_id": "r1",
        "Title": "a",
        "State": "done",
        "Tags": ["red", "unknown"],
        "Notes": "hi",
        "zz": 1,
    }
    assert (change.table_id, change.table_name, change.row_id) == ("t1", "Tasks", "r1")
    assert change.cursor == "c"


@pytest.mark.parametrize(
    "operation",
    [
        {"op_type": "modify_row", "table_id": "t1", "row_id": "r1",
         "updated": {"0000": "b"}, "old_row": {"0000": "a"}},
        {"op_type": "modify_rows", "table_id": "t1", "row_ids": ["r1"],
         "updated": {"r1": {"0000": "b"}}, "old_rows": {"r1": {"0000": "a"}}},
    ],
)  # fmt: skip
def test_updates_carry_new_and_old_cells(operation: dict[str, Any]) -> None:
    (change,) = convert(operation)
    assert isinstance(change, RowUpdated)
    assert change.row == {"Title": "b"}
    assert change.old_values == {"Title": "a"}
    assert change.changed == frozenset({"Title"})


def test_batches_make_one_event_per_row_in_order() -> None:
    inserted = convert(
        {"op_type": "insert_rows", "table_id": "t1", "row_ids": ["r1", "r2"],
         "row_datas": [{"0000": "a"}, {"0000": "b"}]}
    )  # fmt: skip
    deleted = convert(
        {"op_type": "delete_rows", "table_id": "t1", "row_ids": ["r1", "r2"],
         "deleted_rows": [{"0000": "a"}]}
    )  # fmt: skip
    assert [(type(c), c.row_id, c.row) for c in inserted] == [
        (RowInserted, "r1", {"Title": "a"}),
        (RowInserted, "r2", {"Title": "b"}),
    ]
    assert [(type(c), c.row_id, c.row) for c in deleted] == [
        (RowDeleted, "r1", {"Title": "a"}),
        (RowDeleted, "r2", {}),
    ]


def test_tables_columns_and_views_are_schema_changes_of_their_table() -> None:
    (renamed,) = convert({"op_type": "rename_column", "table_id": "t1", "column_key": "0000"})
    (created,) = convert({"op_type": "insert_table", "table_data": {"_id": "t9", "name": "New"}})
    (named,) = convert({"op_type": "modify_view", "table_name": "Tasks", "view_name": "V"})
    assert isinstance(renamed, SchemaChanged)
    assert (renamed.op_type, renamed.table_id, renamed.table_name) == (
        "rename_column",
        "t1",
        "Tasks",
    )
    assert renamed.detail["column_key"] == "0000"
    assert (created.table_id, created.row_id) == ("t9", None)
    assert (named.op_type, named.table_id) == ("modify_view", "t1")


def test_other_operations_make_no_event() -> None:
    assert convert({"op_type": "lock_rows", "table_id": "t1", "row_ids": ["r1"]}) == []
    assert convert({"op_type": "update_links", "table_id": "t1"}) == []


def test_malformed_rows_are_skipped_not_fatal() -> None:
    assert convert({"op_type": "insert_rows", "table_id": "t1", "row_ids": "r1"}) == []
    assert convert({"op_type": "delete_row", "table_id": "t1"}) == []
    (change,) = convert({"op_type": "modify_row", "table_id": "gone", "row_id": "r1", "updated": 5})
    assert isinstance(change, RowUpdated)
    assert (change.table_name, change.row, change.old_values) == (None, {}, {})

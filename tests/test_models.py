"""The metadata as typed, frozen models: built from any answer, found by name or id, raw kept."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from seatable_async import Base, Column, ColumnType, InvalidInputError, Metadata, Table, View
from seatable_async.testing import Emulator

from .helpers import API_TOKEN, METADATA, SERVER
from .resources._emulated import TOKEN, emulated_base

pytestmark = pytest.mark.anyio

RAW: dict[str, Any] = {
    "tables": [
        {
            "_id": "0000",
            "name": "Tasks",
            "columns": [
                {"key": "0000", "name": "Title", "type": "text", "width": 200},
                {"key": "a1B2", "name": "Points", "type": "number", "data": {"format": "number"}},
                {"key": "c3D4", "name": "Score", "type": "number"},
                {"key": "e5F6", "name": "Shape", "type": "hologram"},
                {"key": "g7H8", "name": "0000", "type": "checkbox"},
            ],
            "views": [
                {
                    "_id": "0000",
                    "name": "Default View",
                    "type": "table",
                    "is_locked": False,
                    "filters": [{"column_key": "a1B2", "filter_predicate": "greater"}],
                    "filter_conjunction": "And",
                    "sorts": [{"column_key": "0000", "sort_type": "up"}],
                    "hidden_columns": ["c3D4"],
                },
                {"_id": "Vw01", "name": "Open"},
            ],
        },
        {"_id": "k9Lm", "name": "0000", "columns": [], "views": []},
    ]
}
"""Two tables; Tasks has a column named like another's key and a type this library lacks."""

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=30,
)
KEYS = st.sampled_from(["tables", "_id", "name", "columns", "views", "key", "type", "data"])
SHAPED = st.recursive(
    st.none() | st.integers() | st.sampled_from(["0000", "number", "", " ", "Tasks"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=40,
)
"""JSON made of the keys metadata has, so that the odd shapes reach every builder."""


def test_the_models_hold_the_metadata() -> None:
    metadata = Metadata.from_dict(RAW)
    tasks = metadata.table("Tasks")
    assert [table.name for table in metadata.tables] == ["Tasks", "0000"]
    assert tasks.column("Title") == Column(
        "0000", "Title", ColumnType.TEXT, None, 200, RAW["tables"][0]["columns"][0]
    )
    assert tasks.column("Points").data == {"format": "number"}
    assert tasks.column("Shape").type == "hologram"
    view = tasks.view("Default View")
    assert (view.type, view.is_locked, view.filter_conjunction) == ("table", False, "And")
    assert view.filters == ({"column_key": "a1B2", "filter_predicate": "greater"},)
    assert view.sorts == ({"column_key": "0000", "sort_type": "up"},)
    assert view.hidden_columns == ("c3D4",)
    assert tasks.view("Open") == View("Vw01", "Open", raw=RAW["tables"][0]["views"][1])


def test_lookups_try_names_first_then_ids_or_keys() -> None:
    metadata = Metadata.from_dict(RAW)
    assert metadata.table("0000").id == "k9Lm"
    assert metadata.table("k9Lm").name == "0000"
    tasks = metadata.table("Tasks")
    assert tasks.column("0000").key == "g7H8"
    assert tasks.column("a1B2").name == "Points"
    assert tasks.view("Vw01").name == "Open"
    assert [c.name for c in tasks.columns_of_type(ColumnType.NUMBER)] == ["Points", "Score"]
    assert [c.name for c in tasks.columns_of_type("hologram")] == ["Shape"]
    assert tasks.columns_of_type(ColumnType.LINK) == ()


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        (lambda m: m.table("Nope"), "this base has no table 'Nope'"),
        (lambda m: m.table("Tasks").column("Nope"), "table 'Tasks' has no column 'Nope'"),
        (lambda m: m.table("Tasks").view("Nope"), "table 'Tasks' has no view 'Nope'"),
        (lambda m: m.table(""), "name_or_id must be a non-empty string"),
        (lambda m: m.find_table(7), "name_or_id must be a non-empty string"),
        (lambda m: m.table("Tasks").find_column(None), "name_or_key must be a non-empty"),
        (lambda m: m.table("Tasks").columns_of_type(3), "column_type must be a ColumnType"),
    ],
)
def test_what_is_missing_or_wrong_is_an_invalid_input_error(lookup: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        lookup(Metadata.from_dict(RAW))


def test_find_answers_none_for_what_is_missing() -> None:
    tasks = Metadata.from_dict(RAW).table("Tasks")
    assert Metadata.from_dict(RAW).find_table("Nope") is None
    assert tasks.find_column("Nope") is None
    assert tasks.find_view("Nope") is None


def test_the_models_are_frozen_and_keep_their_raw_dicts() -> None:
    metadata = Metadata.from_dict(RAW)
    table = metadata.table("Tasks")
    models: list[Any] = [metadata, table, table.column("Title"), table.view("Open")]
    for model in models:
        with pytest.raises(dataclasses.FrozenInstanceError):
            model.name = "changed"
    assert metadata.raw is RAW
    assert table.raw is RAW["tables"][0]
    assert table.column("Shape").raw == {"key": "e5F6", "name": "Shape", "type": "hologram"}
    assert len({table, *table.columns, *table.views}) == 1 + 5 + 2


def test_odd_parts_are_left_out_and_stay_raw() -> None:
    odd: dict[str, Any] = {
        "tables": [
            "table",
            {"_id": 5, "name": "NoId"},
            {"_id": "t1", "name": "T", "columns": {"key": "x"}, "views": None},
            {
                "_id": "t2",
                "name": "U",
                "columns": [{"key": "k", "name": "N"}, {"key": "k2", "name": "M", "type": "url"}],
                "views": [
                    {"_id": "v", "name": "V", "filters": "all", "hidden_columns": [1, "k2"]},
                    {"name": "no id"},
                ],
            },
        ]
    }
    metadata = Metadata.from_dict(odd)
    assert [table.name for table in metadata.tables] == ["T", "U"]
    assert metadata.table("T") == Table("t1", "T", raw=odd["tables"][2])
    u = metadata.table("U")
    assert [c.name for c in u.columns] == ["M"]
    assert u.views == (View("v", "V", hidden_columns=("k2",), raw=odd["tables"][3]["views"][0]),)
    assert Metadata.from_dict(["not", "a", "dict"]) == Metadata()


@given(JSON)
def test_any_json_builds(metadata: object) -> None:
    Metadata.from_dict(metadata)
    Metadata.from_dict({"tables": metadata})


@given(SHAPED)
def test_any_json_of_metadata_keys_builds_and_can_be_searched(metadata: object) -> None:
    for table in Metadata.from_dict(metadata).tables:
        table.find_column("0000")
        table.find_view("0000")
        table.columns_of_type(ColumnType.NUMBER)


async def test_the_emulators_metadata_builds() -> None:
    emulator = Emulator(api_token=TOKEN)
    emulator.add_table(
        "Tasks",
        [("Title", "text"), ("Points", "number"), ("Done", "checkbox"), ("Due", "date")],
    )
    async with emulated_base(emulator) as base:
        await base.add_view("Tasks", "Open")
        points = (await base.metadata()).table("Tasks").column("Points")
        await base.update_view(
            "Tasks",
            "Open",
            filters=[{"column_key": points.key, "filter_predicate": "greater", "filter_term": 3}],
            sorts=[{"column_key": points.key, "sort_type": "down"}],
            hidden_columns=[points.key],
        )
        metadata = await base.metadata()
        raw = await base.get_metadata()
    tasks = metadata.table("Tasks")
    assert metadata.raw == raw
    assert metadata.table(tasks.id) == tasks
    assert [(c.name, c.type) for c in tasks.columns] == [
        ("Title", ColumnType.TEXT),
        ("Points", ColumnType.NUMBER),
        ("Done", ColumnType.CHECKBOX),
        ("Due", ColumnType.DATE),
    ]
    assert tasks.column(points.key) == points
    open_view = tasks.view("Open")
    assert tasks.view(open_view.id) == open_view
    assert open_view.filters == (
        {"column_key": points.key, "filter_predicate": "greater", "filter_term": 3},
    )
    assert open_view.sorts == ({"column_key": points.key, "sort_type": "down"},)
    assert open_view.hidden_columns == (points.key,)
    assert len(tasks.views) == 2


async def test_metadata_reads_only_when_the_cache_is_empty(server: respx.MockRouter) -> None:
    route = server.routes["metadata"]
    async with Base(API_TOKEN, SERVER) as base:
        first = await base.metadata()
        again = await base.metadata()
        await base.get_metadata()
        assert route.call_count == 2
        await base.metadata()
    assert route.call_count == 2
    assert first == again == Metadata.from_dict(copy.deepcopy(METADATA["metadata"]))
    assert first.table("Table1").column("Age").type is ColumnType.NUMBER

"""The gateway's JSON answers written without the encoder's per-row work keep its exact bytes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatable_async.testing import Emulator
from seatable_async.testing._http import EncodedJSON, encode_object, encode_rows

from .conftest import gateway_for

STARLETTE_JSON = {"ensure_ascii": False, "allow_nan": False, "separators": (",", ":")}
"""What Starlette's ``JSONResponse`` writes (the emulator's answers before they were sped up)."""

MARKS = st.sampled_from(["\0", ',"\\u0000",', '["\0",', '\0"]', ","])
"""Texts holding (parts of) the mark the encoder splits a column's text at."""
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    MARKS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
COLUMN_OF: dict[str, st.SearchStrategy[Any]] = {
    "text": st.text(),
    "repeated text": st.sampled_from(["", "a", 'q"', "\u2028"]),
    "text or null": st.none() | st.text(),
    "integers": st.integers(),
    "booleans or null": st.none() | st.booleans(),
    "nulls": st.none(),
    "anything": VALUES,
    "lists around marks": st.lists(MARKS | st.integers(), min_size=3, max_size=5),
}
"""Cells a column holds: each fast path of the column encoder, and any JSON at all."""
LABELS = st.sampled_from(["_id", "Name", "Name", "%s", "100%", 'a"b', "é", "\u2028", ""])
"""Labels that repeat, hold format directives, quotes and characters JSON escapes or keeps."""


@st.composite
def labelled_columns(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """Labels (some repeated) and as many columns of cells, all of one length."""
    size = draw(st.integers(0, 4))
    labels = draw(st.lists(LABELS, min_size=1, max_size=6))
    kinds = [draw(st.sampled_from(sorted(COLUMN_OF))) for _ in labels]
    columns = [draw(st.lists(COLUMN_OF[kind], min_size=size, max_size=size)) for kind in kinds]
    return labels, columns


@settings(max_examples=300, deadline=None)
@given(labelled_columns())
def test_rows_are_the_bytes_the_encoder_writes_of_their_objects(
    labelled: tuple[list[str], list[list[Any]]],
) -> None:
    labels, columns = labelled
    rows = [dict(zip(labels, cells, strict=True)) for cells in zip(*columns, strict=True)]
    assert encode_rows(labels, columns) == json.dumps(rows, **STARLETTE_JSON)


@pytest.mark.parametrize(
    "cells",
    [
        [["a", "\0", "b"], 3],
        [{"k": "\0", "j": 1, "l": "\0"}, ["\0"], "\0"],
        [["x", ',"\\u0000",', "y"], ["\0", "\0", "\0"]],
    ],
)
def test_a_column_holding_the_mark_is_written_value_by_value(cells: list[Any]) -> None:
    rows = [{"c": cell} for cell in cells]
    assert encode_rows(["c"], [cells]) == json.dumps(rows, **STARLETTE_JSON)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_rows_refuse_what_json_cannot_hold_as_the_encoder_does(number: float) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        json.dumps([{"n": number}], **STARLETTE_JSON)
    with pytest.raises(ValueError, match="not JSON compliant"):
        encode_rows(["n"], [[number]])


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(), VALUES, max_size=4), labelled_columns())
def test_an_object_takes_encoded_members_as_they_are(
    fields: dict[str, Any], labelled: tuple[list[str], list[list[Any]]]
) -> None:
    rows = [dict(zip(labelled[0], cells, strict=True)) for cells in zip(*labelled[1], strict=True)]
    answer = encode_object({**fields, "rows": encode_rows(*labelled)})
    assert isinstance(answer, EncodedJSON)
    assert answer == json.dumps({**fields, "rows": rows}, **STARLETTE_JSON)


@pytest.mark.anyio
async def test_list_rows_answers_the_bytes_of_its_rendered_rows(emulator: Emulator) -> None:
    """Cells of every kind, a link, text that JSON escapes, both key modes and a view hiding a
    column: each answer is the encoder's text of the rows the store renders."""
    emulator.add_table("Teams", [("Title", "text")])
    rows = [
        {"Name": 'Ann "A" \u2028 é\n', "Age": 30, "Done": True, "Birthday": "2030-06-20"},
        {"Name": "%s 100%", "Age": 2.5, "Tags": ["x", "y"], "Status": "open"},
        {"Name": None, "Age": -7, "Done": False},
    ]
    ids = emulator.append_rows("Contacts", rows)
    team = emulator.append_rows("Teams", [{"Title": "Blue"}])[0]
    columns = {
        c["name"]: c["key"] for c in emulator.store.table(emulator.base, "Contacts")["columns"]
    }
    async with gateway_for(emulator) as gw:
        link = await gw.add_link_column("Contacts", "Team", "Teams")
        links = {"table_name": "Contacts", "other_table_name": "Teams", "link_id": link["link_id"]}
        linked = await gw.request(
            "POST", "/links/", json={**links, "other_rows_ids_map": {ids[0]: [team]}}
        )
        await gw.request(
            "POST", "/views/", params={"table_name": "Contacts"}, json={"name": "NoAge"}
        )
        await gw.request(
            "PUT",
            "/views/NoAge/",
            params={"table_name": "Contacts"},
            json={"hidden_columns": [columns["Age"]]},
        )
        answers = {
            (by_name, view): await gw.request(
                "GET",
                "/rows/",
                params={"table_name": "Contacts", "convert_keys": by_name, "view_name": view},
            )
            for by_name in (True, False)
            for view in ("", "NoAge")
        }
    assert linked.status_code == 200, linked.text
    for (by_name, view), answer in answers.items():
        hidden = ("Age" if by_name else columns["Age"]) if view else None
        rendered = [
            {label: cell for label, cell in row.items() if label != hidden}
            for row in emulator.rows("Contacts", convert_keys=by_name)
        ]
        assert answer.status_code == 200
        assert answer.content == json.dumps({"rows": rendered}, **STARLETTE_JSON).encode()
    assert json.loads(answers[True, ""].content)["rows"][0]["Team"]


@pytest.mark.anyio
async def test_sql_answers_are_the_encoder_bytes_and_a_shared_label_answers_the_link(
    emulator: Emulator,
) -> None:
    """Results are written by the rows encoder: the encoder's text of the answer, and a label
    two outputs share shows the last one's cells, or a link's, as when links were filled in."""
    emulator.add_table("Teams", [("Title", "text")])
    ann = emulator.append_rows("Contacts", [{"Name": 'Ann "A" é', "Age": 2.5, "Tags": ["x"]}])[0]
    team = emulator.append_rows("Teams", [{"Title": "Blue"}])[0]
    async with gateway_for(emulator) as gw:
        link = await gw.add_link_column("Contacts", "Team", "Teams")
        links = {"table_name": "Contacts", "other_table_name": "Teams", "link_id": link["link_id"]}
        await gw.request("POST", "/links/", json={**links, "other_rows_ids_map": {ann: [team]}})
        answers = [
            await gw.sql(sql)
            for sql in (
                "SELECT * FROM Contacts",
                "SELECT Team AS x, Name AS x FROM Contacts",
                "SELECT Team AS x, Name AS x FROM Contacts WHERE Name = 'nobody'",
            )
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.content == json.dumps(answer.json(), **STARLETTE_JSON).encode()
    star, shared, none = (answer.json()["results"] for answer in answers)
    assert star[0]["Name"] == 'Ann "A" é'
    assert shared == [{"x": [{"row_id": team, "display_value": "Blue"}]}]
    assert none == []

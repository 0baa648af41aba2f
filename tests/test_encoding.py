"""`row_values` sends what `json_value` sends for each cell, and refuses what it refuses."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatable_async import InvalidInputError
from seatable_async._encoding import json_value, row_values

CELLS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**308, max_value=10**310)
    | st.floats()
    | st.text(max_size=4)
    | st.sampled_from(["\ud800", "a\udc80b", Decimal("1.5")]),
    lambda inner: st.lists(inner, max_size=3) | st.lists(st.text(max_size=3), max_size=3),
    max_leaves=4,
)
"""Cell values of the types the quick path takes, the values it must leave alone among them."""


def _outcome(encode: Any) -> Any:
    try:
        return ("sent", repr(encode()))
    except InvalidInputError as refusal:
        return ("refused", str(refusal))


def _cell_by_cell(row: dict[str, Any]) -> dict[str, Any]:
    return {key: json_value(f"column {key!r}", value) for key, value in row.items()}


@settings(max_examples=200, deadline=None)
@given(row=st.dictionaries(st.sampled_from(["Name", "Age", "Tags"]), CELLS, max_size=3))
def test_a_row_encodes_as_its_cells_do(row: dict[str, Any]) -> None:
    assert _outcome(lambda: row_values("row", row)) == _outcome(lambda: _cell_by_cell(row))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "is nan"),
        (10**400, "beyond"),
        ("a\ud800", "lone surrogate"),
        (["a", "\ud800"], "lone surrogate"),
        (["a", math.inf], "is inf"),
    ],
)
def test_a_common_type_that_cannot_be_sent_is_refused_naming_its_column(
    value: Any, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=f"^column 'Tags' .*{message}"):
        row_values("row", {"Name": "x", "Tags": value})


def test_a_list_of_texts_is_sent_as_a_copy() -> None:
    """Changing the caller's list after the row was encoded changes nothing sent."""
    tags = ["a", "b"]
    sent = row_values("row", {"Tags": tags})
    tags.append("c")
    assert sent == {"Tags": ["a", "b"]}


@pytest.mark.parametrize("row", [{"": 1}, {1: 1}, {"\udc80": 1}, {"a": 1, "b\ud800": 2}])
def test_a_key_that_is_no_column_name_is_refused(row: dict[Any, Any]) -> None:
    with pytest.raises(InvalidInputError, match=r"^row keys must be non-empty column names"):
        row_values("row", row)

"""``decode_cells`` and ``encode_cells`` (a whole column at once) answer what ``decode_cell`` and
``encode_cell`` answer per cell."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatable_async.testing._cells import (
    CELL_TYPES,
    _dump,
    decode_cell,
    decode_cells,
    encode_cell,
    encode_cells,
)
from seatable_async.testing._errors import APIError

STORED: dict[str, list[object]] = {
    "multiple-select": ['["a", "b"]', ' ["b"]\n', "[]", None, 5, '"x"', "1e400", '["a", "b"]'],
    "geolocation": ['{"lat": 1.5, "lng": 2}', None],
    "checkbox": [0, 1, None],
    "text": ["t", None, 3],
    "formula": ["ignored", None],
}


@pytest.mark.parametrize("column_type", list(STORED))
def test_a_column_decodes_as_its_cells_do(column_type: str) -> None:
    column = {"key": "abcd", "name": "C", "type": column_type, "data": None}
    stored = STORED[column_type]
    assert decode_cells(stored, column) == [decode_cell(value, column) for value in stored]


def test_repeated_cells_decode_to_lists_of_their_own() -> None:
    column = {"key": "abcd", "name": "C", "type": "multiple-select", "data": None}
    first, second, third = decode_cells(['["a", "b"]', '["a", "b"]', '["a", "b"]'], column)
    first.append("c")
    assert second == third == ["a", "b"]
    assert second is not third


@pytest.mark.parametrize("broken", ['["a"', '["a"] x', ""])
def test_stored_text_that_is_not_json_fails_as_before(broken: str) -> None:
    column = {"key": "abcd", "name": "C", "type": "multiple-select", "data": None}
    with pytest.raises(json.JSONDecodeError):
        decode_cell(broken, column)
    with pytest.raises(json.JSONDecodeError):
        decode_cells(['["ok"]', broken], column)


@pytest.mark.parametrize("items", [[], ["a"], ["a", 'q"uote', "ünï\n"], ["a", 1], [["a"]]])
def test_a_list_cell_is_stored_as_json_dumps_writes_it(items: list[object]) -> None:
    column = {"key": "abcd", "name": "C", "type": "multiple-select", "data": None}
    stored = encode_cell(items, column) if items else _dump(items, column)
    assert stored == json.dumps(items, ensure_ascii=False, allow_nan=False)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(["", "7", "1.5", "1e3", "x", "2026-01-02"])
)
CELL_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)
"""What a request body can hold in a cell, a list of repeated texts among them."""


def _encoded_or_refusal(encode: Callable[[], object]) -> object:
    """What encoding answers: the stored values, or the refusal's status and message."""
    try:
        return encode()
    except APIError as refusal:
        return (refusal.status, refusal.body)


WRITABLE = sorted(name for name, kind in CELL_TYPES.items() if kind.writable)
TRICKY: list[object] = [
    *(True, False, 1, 1.0, 0, 2**63, -(2**63), float("nan"), float("inf"), 1e300),
    *("", "7", "1.5", "x", None, [], {}, {"text": "t"}, {"lat": 1}),
    *(["a", "b"], ["a", "b"], [1, "a"], [True, "a"], [1.0, "a"], ["a", ["b"]], ["a", {}]),
]
"""Values whose types an encoder could confuse (``1 == 1.0 == True``), repeated lists too."""


def _same_encoding(column_type: str, values: list[object]) -> None:
    column = {"key": "abcd", "name": "C", "type": column_type, "data": {}}
    whole = _encoded_or_refusal(lambda: encode_cells(values, column))
    one_by_one = _encoded_or_refusal(lambda: [encode_cell(value, column) for value in values])
    assert repr(whole) == repr(one_by_one)  # repr: NaN != NaN, and 1 == 1.0 == True


@pytest.mark.parametrize("column_type", WRITABLE)
def test_a_column_encodes_as_its_cells_do(column_type: str) -> None:
    """``encode_cells`` stores what ``encode_cell`` stores per cell, or refuses the same way:
    each tricky value alone, then all that are stored in both orders."""
    column = {"key": "abcd", "name": "C", "type": column_type, "data": {}}
    for value in TRICKY:
        _same_encoding(column_type, [value])
    stored = [
        v
        for v in TRICKY
        if isinstance(_encoded_or_refusal(partial(encode_cells, [v], column)), list)
    ]
    for values in (stored, stored[::-1]):
        _same_encoding(column_type, values)


@pytest.mark.parametrize("column_type", WRITABLE)
@settings(max_examples=15, deadline=None)
@given(values=st.lists(CELL_VALUES | st.sampled_from(TRICKY), max_size=8))
def test_any_column_encodes_as_its_cells_do(column_type: str, values: list[object]) -> None:
    _same_encoding(column_type, values)

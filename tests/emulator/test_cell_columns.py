"""``decode_cells`` (a whole column at once) answers what ``decode_cell`` answers per cell."""

from __future__ import annotations

import json

import pytest

from seatable_async.testing._cells import _dump, decode_cell, decode_cells, encode_cell

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

"""A bounded fuzz of the gateway: requests with malformed fields answer 4xx, never 5xx, and never
leave a table that later reads and writes choke on. A systematic sweep replaces each field of
each valid request by each junk value; a seeded random run combines up to two replacements."""

from __future__ import annotations

import contextlib
import json
import random
from typing import Any

import pytest

from seatable_async.testing import Emulator

from .conftest import Gateway, gateway_for

pytestmark = pytest.mark.anyio

REQUESTS = 300
JUNK: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    float("inf"),
    "",
    "x",
    "1e400",
    "Name",
    [],
    [{}],
    [[]],
    [None],
    ["x"],
    {},
    {"a": 1},
    {"name": ["x"]},
)
"""Values a field is replaced by: wrong types, empties, numbers SQLite or JSON cannot hold."""

T = "Contacts"
VALID: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("POST", "/rows/", {"table_name": T, "rows": [{"Name": "a", "Age": 1, "Tags": ["t"]}]}),
    ("PUT", "/rows/", {"table_name": T, "updates": [{"row_id": "x", "row": {"Age": 2}}]}),
    ("DELETE", "/rows/", {"table_name": T, "row_ids": ["x"]}),
    ("PUT", "/lock-rows/", {"table_name": T, "row_ids": ["x"]}),
    ("POST", "/add-archived-rows/", {"table_name": T, "rows": [{"Name": "z"}]}),
    ("POST", "/unarchive/", {"table_name": T, "row_ids": ["x"]}),
    (
        "POST",
        "/tables/",
        {"table_name": "N", "columns": [{"column_name": "A", "column_type": "text"}]},
    ),
    ("PUT", "/tables/", {"table_name": "Table1", "new_table_name": "T2"}),
    ("POST", "/tables/duplicate-table/", {"table_name": T, "is_duplicate_records": True}),
    ("POST", "/columns/", {"table_name": T, "column_name": "C", "column_type": "auto-number"}),
    (
        "POST",
        "/columns/",
        {
            "table_name": T,
            "column_name": "S",
            "column_type": "single-select",
            "column_data": {"options": [{"name": "a", "color": "#fff", "textColor": "#000"}]},
        },
    ),
    ("PUT", "/columns/", {"table_name": T, "column": "Age", "op_type": "move_column"}),
    ("PUT", "/columns/", {"table_name": T, "column": "Age", "op_type": "modify_column_type"}),
    ("PUT", "/columns/", {"table_name": T, "column": "Age", "op_type": "resize_column"}),
    ("POST", "/batch-append-columns/", {"table_name": T, "columns": [{"column_name": "D"}]}),
    ("POST", "/column-options/", {"table_name": T, "column": "Status", "options": [{"name": "o"}]}),
    (
        "PUT",
        "/column-options/",
        {"table_name": T, "column": "Status", "options": [{"id": "1", "name": "b"}]},
    ),
    ("DELETE", "/column-options/", {"table_name": T, "column": "Status", "option_names": ["o"]}),
    ("POST", "/views/?table_name=Contacts", {"name": "V", "type": "table"}),
    ("PUT", "/views/Default View/?table_name=Contacts", {"filters": [], "sorts": []}),
    ("POST", "/archive-view/", {"table_name": T, "view_name": "Default View"}),
    ("POST", "/query-links/", {"table_name": T, "link_column_name": "Name", "rows": []}),
    ("POST", "/sql/", {"sql": "SELECT Name FROM Contacts WHERE Age > ?", "parameters": [1]}),
    ("POST", "/sql/", {"sql": "UPDATE Contacts SET Age = ?", "parameters": [1]}),
    ("POST", "/sql/", {"sql": "INSERT INTO Contacts (Name) VALUES (?)", "parameters": ["n"]}),
)
"""One valid request per operation; the fuzz replaces one or two fields of one of them."""

SAMPLE_VALUES: dict[str, Any] = {
    "number": 1,
    "rate": 1,
    "duration": "1:30",
    "checkbox": True,
    "date": "2024-01-02 10:00",
    "multiple-select": ["m"],
    "collaborator": ["me@example.com"],
    "geolocation": {"lng": 1, "lat": 2},
}
"""A value to write into a column of each type (other types get a string)."""


def mutated(rng: random.Random, value: Any) -> Any:
    """``value`` with one field or item, at any depth, replaced by junk."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        return {**value, key: mutated(rng, value[key])}
    if isinstance(value, list) and value and rng.random() < 0.8:
        index = rng.randrange(len(value))
        return [*value[:index], mutated(rng, value[index]), *value[index + 1 :]]
    return rng.choice(JUNK)


def replacements(value: Any) -> list[Any]:
    """``value`` with each field or item, at every depth, replaced by each junk value in turn."""
    variants: list[Any] = list(JUNK)
    if isinstance(value, dict):
        for key, item in value.items():
            variants += [{**value, key: new} for new in replacements(item)]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            variants += [[*value[:index], new, *value[index + 1 :]] for new in replacements(item)]
    return variants


async def assert_tables_usable(gw: Gateway, after: object) -> None:
    """Every table still lists its rows and takes a row with a value in every column."""
    metadata = (await gw.request("GET", "/metadata/")).json()["metadata"]
    for table in metadata["tables"]:
        row = {c["name"]: SAMPLE_VALUES.get(c["type"], "s") for c in table["columns"]}
        name = table["name"]
        appended = await gw.request("POST", "/rows/", json={"table_name": name, "rows": [row]})
        listed = await gw.request("GET", "/rows/", params={"table_name": name})
        statuses = (appended.status_code, listed.status_code)
        assert statuses == (200, 200), (after, name, appended.text, listed.text)


class Undo(Exception):
    """Raised to roll the store back to where a sweep step started."""


async def test_every_single_field_replaced_by_junk_answers_below_500(emulator: Emulator) -> None:
    """Each variant starts from the same state (an outer store transaction is rolled back), so
    an earlier success cannot hide a later variant's effect; a success must leave tables usable."""
    emulator.append_rows(T, [{"Name": "Ann", "Age": 3, "Status": "s"}])
    async with gateway_for(emulator) as gw:
        for method, path, valid in VALID:
            for body in replacements(valid)[len(JUNK) :]:
                with contextlib.suppress(Undo), emulator.store.transaction():
                    response = await gw.request(method, path, content=json.dumps(body))
                    assert response.status_code < 500, (method, path, body, response.text)
                    if response.is_success:
                        await assert_tables_usable(gw, after=(method, path, body))
                    raise Undo


async def test_malformed_requests_answer_4xx_and_leave_the_table_usable(
    emulator: Emulator,
) -> None:
    rng = random.Random(2024)
    emulator.append_rows(T, [{"Name": "Ann", "Age": 3, "Status": "s"}])
    async with gateway_for(emulator) as gw:
        for _ in range(REQUESTS):
            method, path, body = rng.choice(VALID)
            for _ in range(rng.randint(1, 2)):
                body = mutated(rng, body)
            response = await gw.request(method, path, content=json.dumps(body))
            assert response.status_code < 500, (method, path, body, response.text)
        await assert_tables_usable(gw, after="the random requests")

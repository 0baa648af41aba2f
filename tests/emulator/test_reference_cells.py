"""Reference section 12 (cell values), one case per row of 12.3 and per date format of 12.2.

Each case writes what section 12 says a client sends, through ``POST rows``, and reads the
cell back through ``GET rows``, ``GET row`` and SQL (all with ``convert_keys=true``), which
must agree with what section 12 says SeaTable 6.0.10 answers. The emulator's offset is
``+00:00`` where the reference's test server answered ``+02:00``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from seatable_async.testing import Emulator

from .conftest import FakeClock, Gateway, gateway_for

pytestmark = pytest.mark.anyio

UNSET = object()
"""A cell the written row leaves out."""


@dataclass(frozen=True)
class Same:
    """The expected value is that of another field of the same row (``_ctime``, ...)."""

    field: str


@dataclass(frozen=True)
class Case:
    """One row of the table: a column, the value written, the value read back."""

    column_type: str
    written: Any
    read: Any
    data: dict[str, Any] = field(default_factory=dict)


USER = Same("_creator")
FILE = {"name": "test.txt", "size": 12, "type": "file", "url": "/workspace/1/asset/u/test.txt"}
SIGN = {
    "username": "0123456789abcdef@auth.local",
    "sign_image_url": "/digital-signs/2023-06/sign.png",
    "sign_time": "2023-06-22T09:42:08.761+00:00",
}
AUTO = {"format": "0000", "digits": 4}
CASES: dict[str, Case] = {
    "text": Case("text", "ABC", "ABC"),
    "email": Case("email", "example@seatable.io", "example@seatable.io"),
    "url": Case("url", "https://seatable.io", "https://seatable.io"),
    "long-text": Case(
        "long-text", "## Heading\n- Item 1\n- Item 2", "## Heading\n- Item 1\n- Item 2"
    ),
    "number float": Case("number", 499.99, 499.99),
    "number integer": Case("number", 500, 500),
    "number percent keeps the raw number": Case("number", 5, 5, {"format": "percent"}),
    "checkbox true": Case("checkbox", True, True),
    "checkbox false": Case("checkbox", False, False),
    "checkbox never set is null": Case("checkbox", UNSET, None),
    "checkbox written 1 stores false": Case("checkbox", 1, False),
    "date": Case("date", "2030-06-20", "2030-06-20T00:00:00+00:00"),
    "duration seconds sent as a string": Case("duration", "5400", 5400, {"format": "duration"}),
    "duration h:mm:ss reads as seconds": Case(
        "duration", "1:30:30", 5430, {"format": "duration", "duration_format": "h:mm:ss"}
    ),
    "single-select unknown name is created": Case("single-select", "option-1", "option-1"),
    "multiple-select unknown names are created": Case("multiple-select", ["a", "b"], ["a", "b"]),
    "collaborator": Case("collaborator", ["0123@auth.local"], ["0123@auth.local"]),
    "image": Case(
        "image",
        ["/workspace/24/asset/u/heart.png", "https://seatable.io/logo.svg"],
        ["/workspace/24/asset/u/heart.png", "https://seatable.io/logo.svg"],
    ),
    "file": Case("file", [FILE], [FILE]),
    "formula is read-only": Case("formula", "written", None, {"formula": "1 + 2"}),
    "link-formula is read-only": Case("link-formula", 6, None),
    "rate has no range check": Case("rate", 7, 7, {"rate_max_number": 5}),
    "geolocation lng_lat": Case("geolocation", {"lat": 50, "lng": 8.23}, {"lat": 50, "lng": 8.23}),
    "geolocation country": Case(
        "geolocation", {"country_region": "Germany"}, {"country_region": "Germany"}
    ),
    "geolocation partial": Case("geolocation", {"lng": 8.23}, {"lng": 8.23}),
    "auto-number": Case("auto-number", UNSET, "0001", AUTO),
    "auto-number with a string prefix": Case(
        "auto-number", UNSET, "row-0001", {**AUTO, "prefix_type": "string", "prefix": "row-"}
    ),
    "auto-number with a date prefix": Case(
        "auto-number", UNSET, "202701150001", {**AUTO, "prefix_type": "date"}
    ),
    "auto-number accepts overwrites": Case("auto-number", "X-9", "X-9", AUTO),
    "button is always null": Case("button", "pressed", None),
    "digital-sign": Case("digital-sign", SIGN, SIGN),
    "department-single-select": Case("department-single-select", 3, 3),
    "creator": Case("creator", "someone@auth.local", USER),
    "last-modifier": Case("last-modifier", "someone@auth.local", USER),
    "ctime": Case("ctime", "2000-01-01T00:00:00+00:00", Same("_ctime")),
    "mtime": Case("mtime", "2000-01-01T00:00:00+00:00", Same("_mtime")),
}
"""Section 12.3, by type; ``link`` and the system fields have tests of their own below."""


async def read_back(gw: Gateway, table: str, row_id: str) -> list[dict[str, Any]]:
    """The row as ``GET rows``, ``GET row`` and SQL render it, names as keys."""
    listed = await gw.request("GET", "/rows/", params={"table_name": table, "convert_keys": True})
    got = await gw.request(
        "GET", f"/rows/{row_id}/", params={"table_name": table, "convert_keys": True}
    )
    sql = await gw.sql(f"SELECT * FROM {table} WHERE _id = ?", row_id, convert_keys=True)
    for response in (listed, got, sql):
        assert response.status_code == 200, response.text
    return [listed.json()["rows"][0], got.json(), sql.json()["results"][0]]


async def write_and_read(
    emulator: Emulator, column_type: str, data: dict[str, Any], written: Any
) -> tuple[list[dict[str, Any]], Any]:
    """Add a table with column ``C``, append one row through the API, read it back three ways;
    also returns the column as the metadata describes it after the write."""
    column = {"column_name": "C", "column_type": column_type, "column_data": data or None}
    emulator.add_table("Cells", [("Name", "text"), column])
    row = {"Name": "r"} if written is UNSET else {"Name": "r", "C": written}
    async with gateway_for(emulator) as gw:
        appended = await gw.request("POST", "/rows/", json={"table_name": "Cells", "rows": [row]})
        assert appended.status_code == 200, appended.text
        rows = await read_back(gw, "Cells", appended.json()["row_ids"][0]["_id"])
    (described,) = [c for c in emulator.base.metadata["tables"][-1]["columns"] if c["name"] == "C"]
    return rows, described


@pytest.mark.parametrize("case", list(CASES))
async def test_cell_value_per_column_type(case: str, emulator: Emulator, clock: FakeClock) -> None:
    clock.now = 1_800_000_000.0  # 2027-01-15 08:00 UTC: the date prefix's day
    spec = CASES[case]
    rows, _ = await write_and_read(emulator, spec.column_type, spec.data, spec.written)
    for row in rows:
        expected = row[spec.read.field] if isinstance(spec.read, Same) else spec.read
        assert row["C"] == expected, row
        assert type(row["C"]) is type(expected)


@pytest.mark.parametrize(
    ("column_type", "written"),
    [("single-select", "option-1"), ("multiple-select", ["option-1", "option-2"])],
)
async def test_unknown_select_options_are_created(
    column_type: str, written: Any, emulator: Emulator
) -> None:
    _, column = await write_and_read(emulator, column_type, {}, written)
    names = [option["name"] for option in column["data"]["options"]]
    assert names == (written if isinstance(written, list) else [written])
    assert all(option["id"] for option in column["data"]["options"])


async def test_link_cells_are_read_only_rows_with_typed_display_values(
    emulator: Emulator,
) -> None:
    emulator.add_table("Versions", [("Number", "number")])
    (version,) = emulator.append_rows("Versions", [{"Number": 1.1}])
    async with gateway_for(emulator) as gw:
        link = await gw.add_link_column("Contacts", "Versions", "Versions")
        rows = {"table_name": "Contacts", "rows": [{"Name": "a", "Versions": [version]}]}
        appended = await gw.request("POST", "/rows/", json=rows)
        row_id = appended.json()["row_ids"][0]["_id"]
        ignored = await read_back(gw, "Contacts", row_id)
        linked = await gw.request(
            "POST",
            "/links/",
            json={
                "table_id": link["table_id"],
                "other_table_id": link["other_table_id"],
                "link_id": link["link_id"],
                "other_rows_ids_map": {row_id: [version]},
            },
        )
        assert linked.status_code == 200, linked.text
        read = await read_back(gw, "Contacts", row_id)
    assert all(not row["Versions"] for row in ignored)
    assert [row["Versions"] for row in read] == [[{"row_id": version, "display_value": 1.1}]] * 3


ROW_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
ISO_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$")


async def test_system_fields(emulator: Emulator) -> None:
    """``_id`` 22 characters, times ISO with milliseconds and offset, creator a user id,
    ``_archived`` false, ``_locked`` null until lock-rows sets it (and ``_locked_by``)."""
    (row_id,) = emulator.append_rows("Contacts", [{"Name": "a"}])
    async with gateway_for(emulator) as gw:
        before = await read_back(gw, "Contacts", row_id)
        locked = await gw.request(
            "PUT", "/lock-rows/", json={"table_name": "Contacts", "row_ids": [row_id]}
        )
        assert locked.status_code == 200, locked.text
        after = await read_back(gw, "Contacts", row_id)
    for row in before:
        assert ROW_ID.match(row["_id"])
        assert ISO_MILLIS.match(row["_ctime"])
        assert ISO_MILLIS.match(row["_mtime"])
        assert row["_creator"] == row["_last_modifier"] == emulator.user_id
        assert (row["_archived"], row["_locked"], row["_locked_by"]) == (False, None, None)
    assert [(row["_locked"], row["_locked_by"]) for row in after] == [(True, emulator.user_id)] * 3


async def test_big_data_rows_are_archived(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        added = await gw.request(
            "POST", "/add-archived-rows/", json={"table_name": "Contacts", "rows": [{"Name": "a"}]}
        )
        assert added.status_code == 200, added.text
        sql = await gw.sql("SELECT _archived FROM Contacts")
    assert sql.json()["results"] == [{"_archived": True}]


DATE_FORMATS = ["", "YYYY-MM-DD", "M/D/YYYY", "DD/MM/YYYY", "DD.MM.YYYY"]
"""Section 12.2's date formats; each also comes with " HH:mm" (accurate to minute)."""


@pytest.mark.parametrize("date_format", DATE_FORMATS)
@pytest.mark.parametrize(
    ("written", "day", "minute"),
    [
        ("2030-06-20 23:55:31", "2030-06-20T00:00:00+00:00", "2030-06-20T23:55:00+00:00"),
        ("2030-06-20T00:30:00+02:00", "2030-06-20T00:00:00+00:00", "2030-06-19T22:30:00+00:00"),
    ],
    ids=["naive", "with an offset, as read back"],
)
@pytest.mark.parametrize("accurate_to_minute", [False, True], ids=["day", "minute"])
async def test_date_formats(
    date_format: str,
    written: str,
    day: str,
    minute: str,
    accurate_to_minute: bool,
    emulator: Emulator,
) -> None:
    """Always a full ISO-8601 timestamp with offset; hh:mm ignored unless accurate to minute,
    seconds always; a date-only column keeps the day written, whatever its offset."""
    data = {"format": f"{date_format} HH:mm".strip() if accurate_to_minute else date_format}
    rows, _ = await write_and_read(emulator, "date", data, written)
    assert [row["C"] for row in rows] == [minute if accurate_to_minute else day] * 3


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2030/06/20", "2030-06-20T00:00:00+00:00"),
        ("2030/06/20 23:55", "2030-06-20T23:55:00+00:00"),
        ("6/5/2024", "2024-06-05T00:00:00+00:00"),
        ("05/06/2024", "2024-05-06T00:00:00+00:00"),
        ("20.06.2030 23:55", "2030-06-20T23:55:00+00:00"),
        ("2031/12/31", "2031-12-31T00:00:00+00:00"),
        ("2030-06-20", "2030-06-20T00:00:00+00:00"),
        ("2030-06-20 23:55", "2030-06-20T23:55:00+00:00"),
        ("not a date", None),
    ],
)
async def test_accepted_date_inputs(written: str, read: str | None, emulator: Emulator) -> None:
    """The inputs section 12.3 saw accepted (slashes read month first, as in "6/5/2024");
    an invalid date string is stored as null."""
    rows, _ = await write_and_read(emulator, "date", {"format": "YYYY-MM-DD HH:mm"}, written)
    assert [row["C"] for row in rows] == [read] * 3


async def test_derived_columns_filter_and_sort_by_the_system_field(
    emulator: Emulator, clock: FakeClock
) -> None:
    """A ctime column is ``_ctime`` in SQL conditions and in view sorts too."""
    emulator.add_table("Log", [("Name", "text"), ("Created", "ctime")])
    for name in ("old", "new"):
        emulator.append_rows("Log", [{"Name": name}])
        clock.advance(60)
    (created,) = [
        c for c in emulator.base.metadata["tables"][-1]["columns"] if c["type"] == "ctime"
    ]
    async with gateway_for(emulator) as gw:
        sql = await gw.sql(
            "SELECT Name FROM Log WHERE Created > '2000-01-01' ORDER BY Created DESC"
        )
        await gw.request("POST", "/views/", params={"table_name": "Log"}, json={"name": "Newest"})
        await gw.request(
            "PUT",
            "/views/Newest/",
            params={"table_name": "Log"},
            json={"sorts": [{"column_key": created["key"], "sort_type": "down"}]},
        )
        view = await gw.request(
            "GET", "/rows/", params={"table_name": "Log", "view_name": "Newest"}
        )
    assert [r["Name"] for r in sql.json()["results"]] == ["new", "old"]
    assert [r["0000"] for r in view.json()["rows"]] == ["new", "old"]

"""Rows endpoints: shapes, system fields, limits, views and value formats."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from seatable_async.testing import Emulator
from seatable_async.testing._store import rows as store_rows

from .conftest import gateway_for

pytestmark = pytest.mark.anyio

SYSTEM_FIELDS = {
    "_id",
    "_ctime",
    "_mtime",
    "_creator",
    "_last_modifier",
    "_locked",
    "_locked_by",
    "_archived",
}
ROW_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


async def test_append_returns_ids_and_first_row_keyed_by_column_keys(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            "POST",
            "/rows/",
            json={"table_name": "Contacts", "rows": [{"Name": "Ann", "Age": 30}, {"Name": "Bob"}]},
        )
    body = response.json()
    assert response.status_code == 200
    assert body["inserted_row_count"] == 2
    assert all(ROW_ID.match(r["_id"]) for r in body["row_ids"])
    assert body["first_row"]["0000"] == "Ann"
    assert "Name" not in body["first_row"]
    assert body["first_row"]["_id"] == body["row_ids"][0]["_id"]


async def test_list_rows_renders_every_column_and_system_field(emulator: Emulator) -> None:
    emulator.append_rows("Contacts", [{"Name": "Ann", "Birthday": "2030-06-20"}])
    async with gateway_for(emulator) as gw:
        names = await gw.request(
            "GET", "/rows/", params={"table_name": "Contacts", "convert_keys": "true"}
        )
        keys = await gw.request("GET", "/rows/", params={"table_name": "Contacts"})
    row = names.json()["rows"][0]
    assert set(row) >= SYSTEM_FIELDS
    assert row["Age"] is None
    assert row["Tags"] is None
    assert row["Birthday"] == "2030-06-20T00:00:00+00:00"
    assert ISO_WITH_OFFSET.match(row["_ctime"])
    assert row["_creator"] == emulator.user_id
    assert row["_archived"] is False
    assert row["_locked"] is None
    assert keys.json()["rows"][0]["0000"] == "Ann"


async def test_paging_with_start_and_limit(emulator: Emulator) -> None:
    emulator.append_rows("Contacts", [{"Name": f"n{i}"} for i in range(25)])
    async with gateway_for(emulator) as gw:
        pages = [
            await gw.request(
                "GET",
                "/rows/",
                params={"table_name": "Contacts", "start": start, "limit": 10, "convert_keys": 1},
            )
            for start in (0, 10, 20)
        ]
    names = [r["Name"] for page in pages for r in page.json()["rows"]]
    assert names == [f"n{i}" for i in range(25)]
    assert len(pages[-1].json()["rows"]) == 5


@pytest.mark.parametrize("limit", [0, 1001, -5])
async def test_list_limit_outside_1_to_1000_is_rejected(emulator: Emulator, limit: int) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            "GET", "/rows/", params={"table_name": "Contacts", "limit": limit}
        )
    assert response.status_code == 400
    assert "error_message" in response.json()


async def test_write_limits(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        append = await gw.request(
            "POST", "/rows/", json={"table_name": "Contacts", "rows": [{}] * 1001}
        )
        update = await gw.request(
            "PUT",
            "/rows/",
            json={"table_name": "Contacts", "updates": [{"row_id": "x", "row": {}}] * 1001},
        )
        delete = await gw.request(
            "DELETE", "/rows/", json={"table_name": "Contacts", "row_ids": ["x"] * 10_001}
        )
        delete_ok = await gw.request(
            "DELETE", "/rows/", json={"table_name": "Contacts", "row_ids": ["x"] * 10_000}
        )
    for response in (append, update, delete):
        assert response.status_code == 400
        assert "error_message" in response.json()
    assert delete_ok.json() == {"success": True}
    assert emulator.rows("Contacts") == []


async def test_update_get_and_delete(emulator: Emulator) -> None:
    (row_id,) = emulator.append_rows("Contacts", [{"Name": "Ann", "Age": 1}])
    async with gateway_for(emulator) as gw:
        updated = await gw.request(
            "PUT",
            "/rows/",
            json={"table_name": "Contacts", "updates": [{"row_id": row_id, "row": {"Age": 2}}]},
        )
        got = await gw.request(
            "GET", f"/rows/{row_id}/", params={"table_name": "Contacts", "convert_keys": "true"}
        )
        deleted = await gw.request(
            "DELETE", "/rows/", json={"table_name": "Contacts", "row_ids": [row_id]}
        )
        missing = await gw.request("GET", f"/rows/{row_id}/", params={"table_name": "Contacts"})
    assert updated.json() == {"success": True}
    assert got.json()["Age"] == 2
    assert got.json()["Name"] == "Ann"
    assert deleted.json() == {"success": True}
    assert missing.status_code == 404
    assert missing.json() == {"error_message": "row _id not exits"}


async def test_paths_work_with_and_without_trailing_slash(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        with_slash = await gw.request("GET", "/rows/", params={"table_name": "Contacts"})
        without = await gw.request("GET", "/rows", params={"table_name": "Contacts"})
        sql = await gw.request("POST", "/sql", json={"sql": "SELECT * FROM Contacts"})
    assert with_slash.status_code == without.status_code == sql.status_code == 200


async def test_value_formats(emulator: Emulator) -> None:
    emulator.append_rows(
        "Contacts",
        [
            {
                "Done": 1,
                "Birthday": "2030/06/20 23:55",
                "Tags": ["new", "hot"],
                "Status": "open",
                "Unknown": "ignored",
                "Age": "42",
            },
            {"Done": True, "Birthday": "not a date"},
        ],
    )
    first, second = emulator.rows("Contacts")
    assert first["Done"] is False  # SeaTable stores false for the integer 1 (API_ISSUES #1)
    assert second["Done"] is True
    assert first["Birthday"] == "2030-06-20T00:00:00+00:00"  # date-only column drops the time
    assert second["Birthday"] is None
    assert first["Tags"] == ["new", "hot"]
    assert first["Status"] == "open"
    assert first["Age"] == 42
    assert "Unknown" not in first
    metadata = emulator.base.metadata["tables"][-1]["columns"]
    options = {c["name"]: [o["name"] for o in c["data"]["options"]] for c in metadata if c["data"]}
    assert options == {"Tags": ["new", "hot"], "Status": ["open"]}


async def test_views_hide_columns_filter_and_sort(emulator: Emulator) -> None:
    emulator.append_rows(
        "Contacts", [{"Name": "b", "Age": 5}, {"Name": "a", "Age": 50}, {"Name": "c", "Age": 20}]
    )
    columns = {c["name"]: c["key"] for c in emulator.base.metadata["tables"][-1]["columns"]}
    async with gateway_for(emulator) as gw:
        created = await gw.request(
            "POST", "/views/", params={"table_name": "Contacts"}, json={"name": "Adults"}
        )
        duplicate = await gw.request(
            "POST", "/views/", params={"table_name": "Contacts"}, json={"name": "Adults"}
        )
        await gw.request(
            "PUT",
            "/views/Adults/",
            params={"table_name": "Contacts"},
            json={
                "hidden_columns": [columns["Tags"]],
                "filters": [
                    {"column_key": columns["Age"], "filter_predicate": "greater", "filter_term": 10}
                ],
                "sorts": [{"column_key": columns["Name"], "sort_type": "up"}],
            },
        )
        rows = await gw.request(
            "GET",
            "/rows/",
            params={"table_name": "Contacts", "view_name": "Adults", "convert_keys": "true"},
        )
        listed = await gw.request(
            "GET", "/columns/", params={"table_name": "Contacts", "view_name": "Adults"}
        )
        views = await gw.request("GET", "/views/", params={"table_name": "Contacts"})
        deleted = await gw.request("DELETE", "/views/Adults/", params={"table_name": "Contacts"})
        last = await gw.request("DELETE", "/views/Default View/", params={"table_name": "Contacts"})
    assert created.json()["name"] == "Adults"
    assert (duplicate.status_code, duplicate.json()) == (400, {"error_msg": "params invalid"})
    assert [r["Name"] for r in rows.json()["rows"]] == ["a", "c"]
    assert "Tags" not in rows.json()["rows"][0]
    assert "Tags" not in [c["name"] for c in listed.json()["columns"]]
    assert [v["name"] for v in views.json()["views"]] == ["Default View", "Adults"]
    assert deleted.json() == {"success": True}
    assert last.status_code == 400


async def test_lock_and_unlock_rows(emulator: Emulator) -> None:
    (row_id,) = emulator.append_rows("Contacts", [{"Name": "Ann"}])
    async with gateway_for(emulator) as gw:
        body = {"table_name": "Contacts", "row_ids": [row_id]}
        await gw.request("PUT", "/lock-rows/", json=body)
        locked = emulator.rows("Contacts")[0]
        await gw.request("PUT", "/unlock-rows/", json=body)
    assert locked["_locked"] is True
    assert locked["_locked_by"] == emulator.user_id
    assert emulator.rows("Contacts")[0]["_locked"] is None


async def test_unknown_table_and_bad_body(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        unknown = await gw.request("POST", "/rows/", json={"table_name": "Nope", "rows": [{}]})
        not_json = await gw.request("POST", "/rows/", content=b"{oops")
    assert unknown.status_code == 404
    assert not_json.status_code == 400
    assert "error_message" in not_json.json()


async def test_wrongly_typed_fields_answer_400_not_500(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            "POST",
            "/query-links/",
            json={"table_name": "Table1", "link_column_name": "Name", "rows": []},
        )
        typed = await gw.request(
            "PUT",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column": "Age",
                "op_type": "resize_column",
                "new_column_width": "wide",
            },
        )
    assert response.status_code == 400
    assert typed.status_code == 400
    assert "error_message" in typed.json()


@pytest.mark.parametrize("body", [b'{"rows": NaN}', b'{"a": [-Infinity]}', b'{"a": 1e999}'])
async def test_non_finite_json_numbers_are_an_unparsable_body(
    emulator: Emulator, body: bytes
) -> None:
    async with gateway_for(emulator) as gw:
        refused = await gw.request("POST", "/rows/", content=body)
        unparsable = await gw.request("POST", "/rows/", content=b"{oops")
    assert (refused.status_code, refused.json()) == (400, unparsable.json())
    assert unparsable.json() == {"error_message": "invalid JSON body"}


@pytest.mark.parametrize("field", ["limit", "offset"])
@pytest.mark.parametrize("value", ["x", [1], 1.5, -1, True, 10**30])
async def test_link_page_fields_must_be_counts(
    emulator: Emulator, field: str, value: object
) -> None:
    link = {"column_name": "L", "column_type": "link", "column_data": {"other_table": "Contacts"}}
    emulator.add_table("Teams", [("Name", "text"), link])
    body = {"table_name": "Teams", "link_column_name": "L", "rows": [{"row_id": "x"}]}
    async with gateway_for(emulator) as gw:
        valid = await gw.request("POST", "/query-links/", json=body)
        body["rows"] = [{"row_id": "x", field: value}]
        invalid = await gw.request("POST", "/query-links/", json=body)
    assert (valid.status_code, valid.json()) == (200, {"x": []})
    assert (invalid.status_code, invalid.json()) == (400, {"error_message": f"{field} invalid"})


@pytest.mark.parametrize("comment_id", ["1" * 30, "1" * 5000, "-1", "\u0661"])
async def test_comment_ids_no_comment_can_have_are_not_found(
    emulator: Emulator, comment_id: str
) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request("GET", f"/comments/{comment_id}/")
    assert (response.status_code, response.json()) == (404, {"error_message": "comment not found"})


async def test_comments_within_more_days_than_since_the_epoch(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request("GET", "/comments-within-days/", params={"days": "9" * 30})
    assert (response.status_code, response.json()) == (200, {"comments": []})


async def test_extreme_durations_and_dates(emulator: Emulator) -> None:
    """Leading zeros do not count against a duration's size; a moment whose UTC time falls
    outside the calendar is unreadable, so stored as null (a date-only column keeps its day)."""
    minutes = {
        "column_name": "T",
        "column_type": "date",
        "column_data": {"format": "DD.MM.YYYY HH:mm"},
    }
    emulator.add_table("Times", [("Name", "text"), ("D", "duration"), ("B", "date"), minutes])
    moment = "0001-01-01T00:00:00+01:00"
    row = {"Name": "a", "D": "0" * 5000 + "1:00", "B": moment, "T": moment}
    async with gateway_for(emulator) as gw:
        appended = await gw.request("POST", "/rows/", json={"table_name": "Times", "rows": [row]})
    assert appended.status_code == 200, appended.text
    (stored,) = emulator.rows("Times")
    assert (stored["D"], stored["B"], stored["T"]) == (3600, "0001-01-01T00:00:00+00:00", None)


def test_seeded_restarts_on_a_stored_db_never_reuse_row_ids(tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.sqlite")
    ids: list[str] = []
    for _ in range(3):
        with Emulator(seed=1, db_path=db) as emu:
            ids += emu.append_rows("Table1", [{"Name": "x"}, {"Name": "y"}])
            assert [r["_id"] for r in emu.rows("Table1")] == ids
    assert len(set(ids)) == 6


def test_a_database_file_keeps_what_a_killed_emulator_wrote(tmp_path: Path) -> None:
    """The file is written without waiting for the disk, yet every committed write is in it
    when the emulator's process dies without closing it."""
    db = str(tmp_path / "killed.sqlite")
    script = (
        "import os, sys\n"
        "from seatable_async.testing import Emulator\n"
        "emu = Emulator(seed=1, db_path=sys.argv[1])\n"
        "ids = emu.append_rows('Table1', [{'Name': 'kept'}])\n"
        "print(ids[0], emu.store._db.execute('PRAGMA synchronous').fetchone()[0], flush=True)\n"
        "os._exit(9)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, db], capture_output=True, text=True, timeout=60
    )
    row_id, synchronous = done.stdout.split()
    assert (done.returncode, synchronous) == (9, "0")
    with Emulator(db_path=db) as emu:
        assert [(r["_id"], r["Name"]) for r in emu.rows("Table1")] == [(row_id, "kept")]


def test_row_ids_are_deterministic_under_a_seed_for_a_fresh_db(tmp_path: Path) -> None:
    runs = []
    for name in ("a.sqlite", "b.sqlite"):
        with Emulator(seed=1, db_path=str(tmp_path / name)) as emu:
            runs.append(emu.append_rows("Table1", [{"Name": "x"}]))
    assert runs[0] == runs[1]


def test_seeded_row_and_option_ids_keep_their_order_of_draws() -> None:
    """Row ids are drawn in bulk, yet interleaved with new options' ids as one row at a time
    drew them (values of the row-by-row implementation, pinned)."""
    with Emulator(seed=1) as emu:
        emu.add_table("T", [("Tags", "multiple-select")])
        ids = emu.append_rows("T", [{"Tags": []}, {"Tags": ["a"]}, {}, {"Tags": ["a", "b"]}])
        (column,) = emu.base.metadata["tables"][-1]["columns"]
    assert ids == [
        "jC4HGIIs5Hyox0EH5myw5A",
        "jYLKY4bSyW52DoGbhckkww",
        "WXFkxKYFigBYGiKyLeUEcg",
        "_ti2uDV-RM0xKZA6wdRVlw",
    ]
    assert [(o["name"], o["id"]) for o in column["data"]["options"]] == [
        ("a", "976363"),
        ("b", "379267"),
    ]


@pytest.mark.parametrize(
    "cells",
    [
        b'{"N": 1e999}',
        b'{"N": -Infinity}',
        b'{"N": NaN}',
        b'{"N": "1e400"}',
        b'{"N": 100000000000000000000000000}',
        b'{"R": "1e400"}',
        b'{"D": 100000000000000000000000000000}',
        b'{"D": "99999999999999999999:00"}',
        b'{"D": "' + b"1" * 5000 + b':00"}',
        b'{"G": {"lat": NaN, "lng": 1}}',
    ],
)
async def test_numbers_sqlite_or_json_cannot_hold_are_refused(
    emulator: Emulator, cells: bytes
) -> None:
    emulator.add_table(
        "Scores",
        [("Name", "text"), ("N", "number"), ("R", "rate"), ("D", "duration"), ("G", "geolocation")],
    )
    body = b'{"table_name": "Scores", "rows": [{"Name": "ok"}, ' + cells + b"]}"
    async with gateway_for(emulator) as gw:
        appended = await gw.request("POST", "/rows/", content=body)
        listed = await gw.request("GET", "/rows/", params={"table_name": "Scores"})
    assert appended.status_code == 400
    assert set(appended.json()) == {"error_message"}
    assert (listed.status_code, listed.json()) == (200, {"rows": []})


@pytest.mark.parametrize(
    "settings",
    [
        {"filters": ["x"]},
        {"filters": "abc"},
        {"filters": [{"column_key": "0000", "filter_predicate": "is", "filter_term": {"a": 1}}]},
        {"filters": [{"column_key": "0000", "filter_predicate": "is", "filter_term": 10**30}]},
        {"filters": [{"column_key": "0000", "filter_predicate": 5}]},
        {"filter_conjunction": "Xor"},
        {"sorts": ["x"]},
        {"sorts": "abc"},
        {"sorts": [{"column_key": "0000", "sort_type": 1}]},
        {"groupbys": [None]},
        {"hidden_columns": [5]},
        {"is_locked": "yes"},
    ],
)
async def test_malformed_view_settings_are_refused_on_write(
    emulator: Emulator, settings: dict[str, object]
) -> None:
    emulator.append_rows("Contacts", [{"Name": "Ann"}])
    async with gateway_for(emulator) as gw:
        updated = await gw.request(
            "PUT", "/views/Default View/", params={"table_name": "Contacts"}, json=settings
        )
        listed = await gw.request(
            "GET", "/rows/", params={"table_name": "Contacts", "view_name": "Default View"}
        )
    assert (updated.status_code, updated.json()) == (400, {"error_msg": "params invalid"})
    assert listed.status_code == 200
    assert len(listed.json()["rows"]) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/lock-rows/"),
        ("PUT", "/unlock-rows/"),
        ("DELETE", "/rows/"),
        ("POST", "/unarchive/"),
    ],
)
@pytest.mark.parametrize("row_ids", [[{}], [[]], [{"_id": "x"}], [None], "abc"])
async def test_row_ids_must_be_strings(
    emulator: Emulator, method: str, path: str, row_ids: object
) -> None:
    emulator.append_rows("Contacts", [{"Name": "Ann"}])
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            method, path, json={"table_name": "Contacts", "row_ids": row_ids}
        )
    assert (response.status_code, response.json()) == (400, {"error_message": "row_ids invalid"})
    assert len(emulator.rows("Contacts")) == 1


async def test_start_beyond_what_sqlite_can_count_answers_400(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            "GET", "/rows/", params={"table_name": "Contacts", "start": "1" + "0" * 25}
        )
    assert (response.status_code, response.json()) == (400, {"error_message": "start invalid"})


@pytest.mark.parametrize("path", ["/rows/", "/add-archived-rows/"])
@pytest.mark.parametrize("rows", [["x"], [[]], [{}, None], "abc"])
async def test_rows_to_append_must_be_objects(emulator: Emulator, path: str, rows: object) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request("POST", path, json={"table_name": "Contacts", "rows": rows})
    assert response.status_code == 400
    assert response.json()["error_message"].startswith("rows")
    assert emulator.rows("Contacts") == []


async def test_an_emulator_fault_stays_a_500_not_a_client_error(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulator.store, "new_row_ids", lambda count: ["always-the-same"] * count)
    emulator.append_rows("Contacts", [{"Name": "Ann"}])
    async with gateway_for(emulator) as gw:
        with pytest.raises(sqlite3.IntegrityError):
            await gw.request("POST", "/rows/", json={"table_name": "Contacts", "rows": [{}]})
    assert emulator.request_log[-1].status == 500
    assert [row["Name"] for row in emulator.rows("Contacts")] == ["Ann"]


MIXED_ROWS: list[dict[str, object]] = [
    {"Name": "a", "Age": 1, "Tags": ["x", "y"], "Done": True},
    {"Age": "2.5", "Tags": ["x", "y"], "Status": "s", "Note": {"text": "t"}},
    {"Name": 7, "Age": None, "Tags": [], "When": "2026-01-02 10:00", "Extra": 1},
    {"Name": "", "Tags": ["y"], "Done": False, "Where": {"lat": 1, "lng": 2}},
]
"""Rows naming different columns, with values each encoder converts, empties and unknowns."""


def test_appending_column_by_column_stores_what_row_by_row_stores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The column-by-column append (no option created) stores the same rows, ids and log
    entries as the row-by-row one, on emulators seeded alike."""
    columns = [
        ("Name", "text"),
        ("Age", "number"),
        ("Done", "checkbox"),
        ("When", "date"),
        ("Tags", "multiple-select"),
        ("Status", "single-select"),
        ("Note", "long-text"),
        ("Where", "geolocation"),
    ]
    seen = []
    for row_by_row in (False, True):
        with Emulator(seed=11, clock=lambda: 1_800_000_000.0) as emu:
            emu.add_table("T", columns)
            emu.append_rows("T", [{"Tags": ["x", "y"], "Status": "s"}])  # the options exist
            if row_by_row:
                monkeypatch.setattr(store_rows, "cells_by_column", lambda *args: None)
            ids = emu.append_rows("T", MIXED_ROWS)
            log = emu.store.operations_after(emu.base_uuid, 0)
            seen.append((ids, emu.rows("T"), log))
    assert seen[0] == seen[1]
    assert len(seen[0][0]) == len(MIXED_ROWS)

"""Tables, columns, select options and links."""

from __future__ import annotations

import pytest

from seatable_async.testing import Emulator

from .conftest import FakeClock, gateway_for

pytestmark = pytest.mark.anyio


async def test_metadata_lists_tables_columns_and_views(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        response = await gw.request("GET", "/metadata/")
    metadata = response.json()["metadata"]
    assert [t["name"] for t in metadata["tables"]] == ["Table1", "Contacts"]
    table1 = metadata["tables"][0]
    assert table1["_id"] == "0000"
    assert table1["columns"][0] == {
        "key": "0000",
        "type": "text",
        "name": "Name",
        "editable": True,
        "width": 200,
        "resizable": True,
        "draggable": True,
        "data": None,
        "permission_type": "",
        "permitted_users": [],
    }
    assert table1["views"][0]["name"] == "Default View"
    assert {"version", "format_version", "settings"} <= set(metadata)


async def test_table_lifecycle(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        created = await gw.request(
            "POST",
            "/tables/",
            json={
                "table_name": "Orders",
                "columns": [
                    {"column_name": "Title", "column_type": "text"},
                    {"column_name": "Total", "column_type": "number"},
                ],
            },
        )
        duplicate = await gw.request("POST", "/tables/", json={"table_name": "Orders"})
        renamed = await gw.request(
            "PUT", "/tables/", json={"table_name": "Orders", "new_table_name": "Sales"}
        )
        emulator.append_rows("Sales", [{"Title": "t", "Total": 3}])
        copied = await gw.request(
            "POST",
            "/tables/duplicate-table/",
            json={"table_name": "Sales", "is_duplicate_records": True},
        )
        deleted = await gw.request("DELETE", "/tables/", json={"table_name": "Sales"})
    assert created.status_code == 200
    assert [c["name"] for c in created.json()["columns"]] == ["Title", "Total"]
    assert created.json()["rows"] == []
    assert duplicate.status_code == 400
    assert renamed.json() == {"success": True}
    assert copied.json()["name"] == "Sales(copy)"
    assert emulator.rows("Sales(copy)")[0]["Total"] == 3
    assert deleted.json() == {"success": True}
    assert emulator.tables() == ["Table1", "Contacts", "Sales(copy)"]


async def test_column_lifecycle_and_error_shapes(emulator: Emulator) -> None:
    emulator.append_rows("Contacts", [{"Age": 7}])
    async with gateway_for(emulator) as gw:
        inserted = await gw.request(
            "POST",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column_name": "Note",
                "column_type": "long-text",
                "anchor_column": "Name",
            },
        )
        duplicate = await gw.request(
            "POST",
            "/columns/",
            json={"table_name": "Contacts", "column_name": "Note", "column_type": "text"},
        )
        clash = await gw.request(
            "PUT",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column": "Note",
                "op_type": "rename_column",
                "new_column_name": "Age",
            },
        )
        retyped = await gw.request(
            "PUT",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column": "Age",
                "op_type": "modify_column_type",
                "new_column_type": "text",
            },
        )
        appended = await gw.request(
            "POST",
            "/batch-append-columns/",
            json={
                "table_name": "Contacts",
                "columns": [{"column_name": "A", "column_type": "url"}],
            },
        )
        no_formula = await gw.request(
            "POST",
            "/batch-append-columns/",
            json={
                "table_name": "Contacts",
                "columns": [{"column_name": "F", "column_type": "formula"}],
            },
        )
        deleted = await gw.request(
            "DELETE", "/columns/", json={"table_name": "Contacts", "column": "Note"}
        )
        primary = await gw.request(
            "DELETE", "/columns/", json={"table_name": "Contacts", "column": "Name"}
        )
        listed = await gw.request("GET", "/columns/", params={"table_name": "Contacts"})
    names = [c["name"] for c in listed.json()["columns"]]
    assert inserted.json()["type"] == "long-text"
    assert (duplicate.status_code, duplicate.json()) == (400, "Column Note exists.")
    assert clash.status_code == 400
    assert clash.json() == {
        "error_type": "column_already_exists",
        "error_message": "column name already exists",
    }
    assert retyped.json()["type"] == "text"
    assert emulator.rows("Contacts")[0]["Age"] == "7"
    assert appended.json()["columns"][0]["name"] == "A"
    assert no_formula.status_code == 400
    assert deleted.json() == {"success": True}
    assert primary.status_code == 400
    assert names[0] == "Name"
    assert "Note" not in names
    assert names[-1] == "A"


async def test_select_options_add_update_delete(emulator: Emulator) -> None:
    emulator.append_rows("Contacts", [{"Status": "open", "Tags": ["x", "y"]}])
    async with gateway_for(emulator) as gw:
        added = await gw.request(
            "POST",
            "/column-options/",
            json={
                "table_name": "Contacts",
                "column": "Status",
                "options": [{"name": "closed", "color": "#fff", "textColor": "#000"}],
            },
        )
        metadata = (await gw.request("GET", "/metadata/")).json()["metadata"]
        status = next(c for c in metadata["tables"][1]["columns"] if c["name"] == "Status")
        open_id = next(o["id"] for o in status["data"]["options"] if o["name"] == "open")
        updated = await gw.request(
            "PUT",
            "/column-options/",
            json={
                "table_name": "Contacts",
                "column": "Status",
                "options": [{"id": open_id, "name": "reopened"}],
                "return_options": True,
            },
        )
        removed = await gw.request(
            "DELETE",
            "/column-options/",
            json={"table_name": "Contacts", "column": "Tags", "option_names": ["x"]},
        )
    assert added.json() == {"success": True}
    assert [o["name"] for o in updated.json()["options"]] == ["reopened", "closed"]
    assert removed.json() == {"success": True}
    row = emulator.rows("Contacts")[0]
    assert row["Status"] == "reopened"
    assert row["Tags"] == ["y"]


async def test_links_create_query_replace_delete(emulator: Emulator) -> None:
    emulator.add_table("Projects", [("Title", "text")])
    (person,) = emulator.append_rows("Contacts", [{"Name": "Ann"}])
    first, second = emulator.append_rows("Projects", [{"Title": "P1"}, {"Title": "P2"}])
    async with gateway_for(emulator) as gw:
        link = await gw.add_link_column("Contacts", "Projects", "Projects")
        body = {
            "table_id": link["table_id"],
            "other_table_id": link["other_table_id"],
            "link_id": link["link_id"],
            "other_rows_ids_map": {person: [first, second]},
        }
        created = await gw.request("POST", "/links/", json=body)
        again = await gw.request("POST", "/links/", json=body)
        queried = await gw.request(
            "POST",
            "/query-links/",
            json={
                "table_name": "Contacts",
                "link_column_name": "Projects",
                "rows": [{"row_id": person, "offset": 1, "limit": 5}],
            },
        )
        replaced = await gw.request(
            "PUT", "/links/", json={**body, "other_rows_ids_map": {person: [second]}}
        )
        rows = await gw.request(
            "GET", "/rows/", params={"table_name": "Contacts", "convert_keys": "true"}
        )
        reverse = emulator.rows("Projects")
        deleted = await gw.request(
            "DELETE", "/links/", json={**body, "other_rows_ids_map": {person: [second]}}
        )
    assert created.json() == {"success": True}
    assert again.status_code == 400
    assert queried.json() == {person: [{"row_id": second, "display_value": "P2"}]}
    assert replaced.json() == {"success": True}
    assert rows.json()["rows"][0]["Projects"] == [{"row_id": second, "display_value": "P2"}]
    mirror = {r["Title"]: r["Contacts"] for r in reverse}
    assert mirror == {"P1": [], "P2": [{"row_id": person, "display_value": "Ann"}]}
    assert deleted.json() == {"deleted_links_count": 1, "success": True}
    assert emulator.rows("Contacts")[0]["Projects"] == []


async def test_add_archived_rows_and_collaborators(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        archived = await gw.request(
            "POST", "/add-archived-rows/", json={"table_name": "Contacts", "rows": [{"Name": "z"}]}
        )
        users = await gw.request("GET", "/related-users/")
    assert archived.json() == {"inserted_row_count": 1}
    assert emulator.rows("Contacts")[0]["_archived"] is True
    assert users.json()["user_list"][0]["email"] == emulator.user_id


async def test_archive_view_and_unarchive(emulator: Emulator) -> None:
    ids = emulator.append_rows("Contacts", [{"Name": "a"}, {"Name": "b"}])
    async with gateway_for(emulator) as gw:
        archived = await gw.request(
            "POST", "/archive-view/", json={"table_name": "Contacts", "view_name": "Default View"}
        )
        all_archived = [r["_archived"] for r in emulator.rows("Contacts")]
        restored = await gw.request(
            "POST",
            "/unarchive/",
            json={"table_id": emulator.base.tables[1]["_id"], "row_ids": ids[:1]},
        )
    assert archived.json() == {"success": True, "error_message": ""}
    assert all_archived == [True, True]
    assert restored.json()["success"] is True
    assert [r["_archived"] for r in emulator.rows("Contacts")] == [False, True]


async def test_row_comments(emulator: Emulator, clock: FakeClock) -> None:
    (row_id,) = emulator.append_rows("Contacts", [{"Name": "a"}])
    table_id = emulator.base.tables[1]["_id"]
    async with gateway_for(emulator) as gw:
        created = await gw.request(
            "POST",
            "/comments/",
            params={"table_id": table_id, "row_id": row_id},
            json={"comment": "looks good"},
        )
        listed = await gw.request("GET", "/comments/", params={"row_id": row_id})
        comment_id = listed.json()[0]["id"]
        single = await gw.request("GET", f"/comments/{comment_id}/")
        count = await gw.request("GET", "/comments-count/", params={"row_id": row_id})
        recent = await gw.request("GET", "/comments-within-days/", params={"days": 1})
        per_row = await gw.client.get(
            f"/api/v2.1/dtables/{emulator.base_uuid}/rows-comments-num/", headers=gw.headers
        )
        clock.advance(2 * 86400)
        old = await gw.request("GET", "/comments-within-days/", params={"days": 1})
        deleted = await gw.request("DELETE", f"/comments/{comment_id}/")
        missing = await gw.request("GET", f"/comments/{comment_id}/")
    assert created.json() == {"success": True}
    assert listed.json()[0]["comment"] == "looks good"
    assert listed.json()[0]["author"] == emulator.user_id
    assert single.json()["row_id"] == row_id
    assert count.json() == {"count": 1}
    assert len(recent.json()["comments"]) == 1
    assert per_row.json() == {"rows_comments_num": {row_id: 1}}
    assert old.json() == {"comments": []}
    assert deleted.json() == {"success": True}
    assert missing.status_code == 404


async def test_auto_links_match_equal_values(emulator: Emulator) -> None:
    emulator.add_table("Cities", [("City", "text")])
    ann, bob = emulator.append_rows("Contacts", [{"Name": "Berlin"}, {"Name": "Nowhere"}])
    (berlin,) = emulator.append_rows("Cities", [{"City": "Berlin"}])
    async with gateway_for(emulator) as gw:
        link = await gw.add_link_column("Contacts", "Lives in", "Cities")
        started = await gw.request(
            "POST",
            "/auto-links/",
            json={
                "link_id": link["link_id"],
                "matching_keys": [{"table1_key": "0000", "table2_key": "0000"}],
            },
        )
        task = await gw.request(
            "GET", "/auto-link-task/", params={"task_id": started.json()["task_id"]}
        )
        unknown = await gw.request("GET", "/auto-link-task/", params={"task_id": "nope"})
    assert task.json() == {"status": "success"}
    assert unknown.status_code == 404
    links = {r["_id"]: r["Lives in"] for r in emulator.rows("Contacts")}
    assert links == {ann: [{"row_id": berlin, "display_value": "Berlin"}], bob: []}


@pytest.mark.parametrize(
    ("column_type", "column_data"),
    [
        ("auto-number", {"digits": "abc"}),
        ("auto-number", {"digits": 10**9}),
        ("auto-number", {"prefix": ["x"]}),
        ("single-select", {"options": "abc"}),
        ("multiple-select", {"options": [{"name": ["x"]}]}),
        ("single-select", {"options": None}),
        ("single-select", {"options": [{"name": ""}]}),
        ("multiple-select", {"options": [{"name": "a", "id": 7}]}),
    ],
)
async def test_column_data_that_would_break_later_writes_is_refused(
    emulator: Emulator, column_type: str, column_data: dict[str, object]
) -> None:
    async with gateway_for(emulator) as gw:
        inserted = await gw.request(
            "POST",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column_name": "Extra",
                "column_type": column_type,
                "column_data": column_data,
            },
        )
        appended = await gw.request(
            "POST", "/rows/", json={"table_name": "Contacts", "rows": [{"Name": "Ann"}]}
        )
    assert inserted.status_code == 400
    assert inserted.json()["error_type"] == "column_data_error"
    assert appended.status_code == 200
    assert "Extra" not in emulator.rows("Contacts")[0]


async def test_auto_number_column_data_is_honoured(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        inserted = await gw.request(
            "POST",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column_name": "No",
                "column_type": "auto-number",
                "column_data": {"digits": 3, "prefix": "C-"},
            },
        )
    emulator.append_rows("Contacts", [{"Name": "Ann"}])
    assert inserted.status_code == 200
    assert emulator.rows("Contacts")[0]["No"] == "C-001"


@pytest.mark.parametrize(
    "options",
    [
        ["x"],
        [{"id": "nope", "name": ["x"]}],
        [{"name": "b"}],
        [{"id": None, "name": "b"}],
        [{"id": "OPEN", "name": ""}],
    ],
)
async def test_malformed_select_option_updates_are_refused(
    emulator: Emulator, options: list[object]
) -> None:
    emulator.append_rows("Contacts", [{"Status": "open"}])
    (status,) = (c for c in emulator.base.tables[1]["columns"] if c["name"] == "Status")
    open_id = status["data"]["options"][0]["id"]
    changes = [{**o, "id": open_id} if o == {"id": "OPEN", "name": ""} else o for o in options]
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            "PUT",
            "/column-options/",
            json={"table_name": "Contacts", "column": "Status", "options": changes},
        )
    assert response.status_code == 400
    assert "error_message" in response.json()
    assert [o["name"] for o in status["data"]["options"]] == ["open"]
    assert emulator.rows("Contacts")[0]["Status"] == "open"


async def test_select_options_given_without_ids_get_ids(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        inserted = await gw.request(
            "POST",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column_name": "Size",
                "column_type": "single-select",
                "column_data": {"options": [{"name": "S", "id": "111111"}, {"name": "M"}]},
            },
        )
        medium_id = inserted.json()["data"]["options"][1]["id"]
        renamed = await gw.request(
            "PUT",
            "/column-options/",
            json={
                "table_name": "Contacts",
                "column": "Size",
                "options": [{"id": medium_id, "name": "Medium"}],
                "return_options": True,
            },
        )
    assert medium_id not in ("", "111111")
    assert [o["name"] for o in renamed.json()["options"]] == ["S", "Medium"]


async def test_a_column_retyped_to_select_without_column_data_takes_values(
    emulator: Emulator,
) -> None:
    async with gateway_for(emulator) as gw:
        retyped = await gw.request(
            "PUT",
            "/columns/",
            json={
                "table_name": "Contacts",
                "column": "Name",
                "op_type": "modify_column_type",
                "new_column_type": "single-select",
            },
        )
        appended = await gw.request(
            "POST", "/rows/", json={"table_name": "Contacts", "rows": [{"Name": "Ann"}]}
        )
    assert retyped.json()["data"]["options"] == []
    assert appended.status_code == 200
    assert emulator.rows("Contacts")[0]["Name"] == "Ann"


@pytest.mark.parametrize("column_data", [-1, "abc", ["x"]])
async def test_create_table_refuses_column_data_that_is_not_an_object(
    emulator: Emulator, column_data: object
) -> None:
    column = {"column_name": "N", "column_type": "auto-number", "column_data": column_data}
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            "POST", "/tables/", json={"table_name": "New", "columns": [column]}
        )
    assert response.status_code == 400
    assert response.json()["error_type"] == "column_data_error"
    assert "New" not in emulator.tables()


async def test_moving_a_column_onto_itself_is_refused(emulator: Emulator) -> None:
    before = [c["name"] for c in emulator.base.tables[1]["columns"]]
    async with gateway_for(emulator) as gw:
        response = await gw.request(
            "PUT",
            "/columns/",
            json={
                "table_name": "Contacts",
                "op_type": "move_column",
                "column": "Age",
                "target_column": "Age",
            },
        )
    assert response.status_code == 400
    assert [c["name"] for c in emulator.base.tables[1]["columns"]] == before


@pytest.mark.parametrize("width", ["wide", "300", [300], 1.5, 0, -1, True, 10**30])
async def test_a_column_width_must_be_a_positive_integer(emulator: Emulator, width: object) -> None:
    body = {"table_name": "Contacts", "column": "Age", "op_type": "resize_column"}
    async with gateway_for(emulator) as gw:
        refused = await gw.request("PUT", "/columns/", json={**body, "new_column_width": width})
        resized = await gw.request("PUT", "/columns/", json={**body, "new_column_width": 300})
        kept = await gw.request("PUT", "/columns/", json=body)
    assert (refused.status_code, refused.json()) == (
        400,
        {"error_message": "new_column_width invalid"},
    )
    assert (resized.json()["width"], kept.json()["width"]) == (300, 300)

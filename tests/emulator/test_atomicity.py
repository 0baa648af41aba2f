"""A failed request changes nothing: rows, tables, schema and the operation log stay as they
were."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

import pytest

from seatable_async.testing import Emulator, _web
from seatable_async.testing._errors import APIError, web_error
from seatable_async.testing._http import JSONAnswer

from .conftest import client_for, gateway_for

pytestmark = pytest.mark.anyio

FAILING_WRITES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "POST",
        "/tables/",
        {"table_name": "New", "columns": [{"column_name": "A", "column_type": "x"}]},
    ),
    (
        "POST",
        "/tables/",
        {
            "table_name": "New",
            "columns": [
                {"column_name": "A", "column_type": "text"},
                {"column_name": "L", "column_type": "link", "column_data": {"other_table": "Nope"}},
            ],
        },
    ),
    (
        "POST",
        "/rows/",
        {
            "table_name": "Contacts",
            "rows": [{"Name": "ok", "Status": "brand-new"}, {"Age": 10**26}],
        },
    ),
    (
        "PUT",
        "/rows/",
        {
            "table_name": "Contacts",
            "updates": [
                {"row_id": "nope", "row": {"Status": "brand-new"}},
                {"row_id": "nope", "row": {"Age": 10**26}},
            ],
        },
    ),
    (
        "PUT",
        "/columns/",
        {
            "table_name": "Contacts",
            "op_type": "modify_column_type",
            "column": "Name",
            "new_column_type": "number",
        },
    ),
    (
        "POST",
        "/column-options/",
        {"table_name": "Contacts", "column": "Status", "options": [{"name": "a"}, {"name": ""}]},
    ),
    (
        "POST",
        "/batch-append-columns/",
        {
            "table_name": "Contacts",
            "columns": [
                {"column_name": "Extra", "column_type": "text"},
                {"column_name": "Extra", "column_type": "text"},
            ],
        },
    ),
]
"""Each changes rows or schema before it fails, so each needs the rollback: with it disabled,
every case fails (``modify_column_type`` converts "Ann" before it reaches "1e400")."""


@pytest.mark.parametrize(("method", "path", "body"), FAILING_WRITES)
async def test_a_failed_write_leaves_rows_and_schema_unchanged(
    emulator: Emulator, method: str, path: str, body: dict[str, Any]
) -> None:
    emulator.append_rows("Contacts", [{"Name": "Ann", "Age": 30}, {"Name": "1e400"}])
    metadata = copy.deepcopy(emulator.base.metadata)
    rows = emulator.rows("Contacts")
    async with gateway_for(emulator) as gw:
        logged = (await gw.request("GET", "/operations/")).json()
        failed = await gw.request(method, path, json=body)
        after = await gw.request("GET", "/metadata/")
        assert (await gw.request("GET", "/operations/")).json() == logged
    assert failed.status_code in (400, 404), failed.text
    assert after.json()["metadata"] == metadata
    assert emulator.rows("Contacts") == rows


async def test_an_answer_that_cannot_be_rendered_is_a_500_and_not_stored(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client input cannot make an answer unrenderable, so a failing renderer stands in for an
    emulator bug: the answer is rendered inside the request's transaction."""
    render = JSONAnswer.render

    def refuse_append_answers(self: JSONAnswer, content: Any) -> bytes:
        if isinstance(content, dict) and "inserted_row_count" in content:
            raise ValueError("unrenderable answer")
        return render(self, content)

    monkeypatch.setattr(JSONAnswer, "render", refuse_append_answers)
    async with gateway_for(emulator) as gw:
        with pytest.raises(ValueError, match="unrenderable answer"):
            await gw.request(
                "POST", "/rows/", json={"table_name": "Contacts", "rows": [{"Name": "Ann"}]}
            )
        listed = await gw.request("GET", "/rows/", params={"table_name": "Contacts"})
    assert emulator.request_log[-2].status == 500
    assert listed.json()["rows"] == []


async def test_an_unexpected_type_error_in_a_handler_is_a_500_and_changes_nothing(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only explicit checks answer 400; a TypeError is an emulator bug, not the client's."""
    emulator.append_rows("Contacts", [{"Name": "Ann", "Age": 30}])
    rows = emulator.rows("Contacts")
    update_rows = emulator.store.update_rows

    def update_then_fail(*args: Any, **kwargs: Any) -> None:
        update_rows(*args, **kwargs)
        raise TypeError("an emulator bug")

    monkeypatch.setattr(emulator.store, "update_rows", update_then_fail)
    update = {"row_id": rows[0]["_id"], "row": {"Age": 31}}
    async with gateway_for(emulator) as gw:
        with pytest.raises(TypeError, match="an emulator bug"):
            await gw.request("PUT", "/rows/", json={"table_name": "Contacts", "updates": [update]})
    assert emulator.request_log[-1].status == 500
    assert emulator.rows("Contacts") == rows


def test_add_table_with_a_bad_link_spec_leaves_no_table(emulator: Emulator) -> None:
    before = emulator.tables()
    link = {"column_name": "L", "column_type": "link", "column_data": {"other_table": "Nope"}}
    with pytest.raises(APIError, match="Nope"):
        emulator.add_table("New", [("A", "text"), link])
    assert emulator.tables() == before


def test_a_transaction_sqlite_rolled_back_itself_keeps_its_error_and_reloads(
    emulator: Emulator,
) -> None:
    store = emulator.store
    with store.transaction() as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        emulator.append_rows("Contacts", [{"Status": "new", "Name": "x" * 100_000}])
    with store.transaction() as db:
        db.execute("PRAGMA max_page_count = 1073741823")
    (status,) = (c for c in emulator.base.tables[1]["columns"] if c["name"] == "Status")
    assert status["data"]["options"] == []
    emulator.append_rows("Contacts", [{"Name": "Ann"}])
    assert [row["Name"] for row in emulator.rows("Contacts")] == ["Ann"]


def _account(emulator: Emulator) -> dict[str, str]:
    return {"Authorization": f"Token {emulator.account_token}"}


async def test_a_failing_api_token_creation_leaves_no_token(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dtable-web write runs in one transaction too: a failure after the write undoes it."""
    add_api_token = emulator.store.add_api_token

    def add_then_fail(*args: Any, **kwargs: Any) -> None:
        add_api_token(*args, **kwargs)
        raise TypeError("an emulator bug")

    before = emulator.store.api_tokens(emulator.base)
    monkeypatch.setattr(emulator.store, "add_api_token", add_then_fail)
    path = f"/api/v2.1/workspace/{emulator.workspace_id}/dtable/{emulator.base.name}/api-tokens/"
    async with client_for(emulator) as client:
        with pytest.raises(TypeError, match="an emulator bug"):
            await client.post(path, data={"app_name": "new"}, headers=_account(emulator))
    assert emulator.request_log[-1].status == 500
    assert emulator.store.api_tokens(emulator.base) == before


async def test_a_base_whose_answer_fails_is_not_created(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> None:
        raise web_error(400, "unrenderable")

    names = [base.name for base in emulator.store.bases]
    monkeypatch.setattr(_web, "_base_json", refuse)
    async with client_for(emulator) as client:
        failed = await client.post(
            "/api/v2.1/dtables/", data={"name": "New base"}, headers=_account(emulator)
        )
    assert failed.status_code == 400, failed.text
    assert [base.name for base in emulator.store.bases] == names


async def test_a_copy_to_a_bad_workspace_changes_nothing(emulator: Emulator) -> None:
    names = [base.name for base in emulator.store.bases]
    form = {"src_workspace_id": emulator.workspace_id, "name": emulator.base.name}
    async with client_for(emulator) as client:
        failed = await client.post(
            "/api/v2.1/dtable-copy/",
            data={**form, "dst_workspace_id": "999"},
            headers=_account(emulator),
        )
    assert failed.status_code == 404, failed.text
    assert [base.name for base in emulator.store.bases] == names

"""The cached metadata that names column keys never goes stale silently (issue 6, req. 7)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
import respx

from seatable_async import Base
from seatable_async.resources.base_info import changes_schema

from .helpers import API_TOKEN, GATEWAY, METADATA, SERVER

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"


def _metadata(**renamed: str) -> dict[str, Any]:
    """METADATA with columns renamed (old name → new name) or added (key → name)."""
    metadata = copy.deepcopy(METADATA)
    columns = metadata["metadata"]["tables"][0]["columns"]
    known = {column["name"] for column in columns}
    for old, new in renamed.items():
        if old in known:
            next(column for column in columns if column["name"] == old)["name"] = new
        else:
            columns.append({"key": old, "name": new, "type": "number"})
    return metadata


def _answers(server: respx.MockRouter, *metadata: dict[str, Any]) -> respx.Route:
    """The metadata route, answering each given metadata in turn."""
    route = server.routes["metadata"]
    route.side_effect = [httpx.Response(200, json=body) for body in metadata]
    return route


def _appended(first_row: dict[str, Any]) -> httpx.Response:
    row = {"_id": "Bko1e60YT-egit2SljWSZA", **first_row}
    return httpx.Response(
        200, json={"inserted_row_count": 1, "row_ids": [{"_id": row["_id"]}], "first_row": row}
    )


async def test_a_column_renamed_elsewhere_is_returned_under_its_new_name(
    server: respx.MockRouter,
) -> None:
    """The cache still says Age; the caller writes Years, so the metadata is read again first."""
    metadata = _answers(server, METADATA, _metadata(Age="Years"))
    server.post(ROWS).mock(return_value=_appended({"0000": "Ada", "a1B2": 36}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.get_metadata()
        row = await base.append_row("Table1", {"Name": "Ada", "Years": 36})
    assert row == {"_id": "Bko1e60YT-egit2SljWSZA", "Name": "Ada", "Years": 36}
    assert "Age" not in row
    assert metadata.call_count == 2


async def test_an_answer_with_an_unknown_key_refreshes_the_cache_once(
    server: respx.MockRouter,
) -> None:
    metadata = _answers(server, METADATA, _metadata(n3W0="Count"))
    server.post(ROWS).mock(return_value=_appended({"0000": "Ada", "n3W0": 7}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.get_metadata()
        first = await base.append_row("Table1", {"Name": "Ada"})
        second = await base.append_row("Table1", {"Name": "Ada"})
    assert first == second == {"_id": "Bko1e60YT-egit2SljWSZA", "Name": "Ada", "Count": 7}
    assert metadata.call_count == 2


async def test_a_schema_change_through_this_client_drops_the_cache(
    server: respx.MockRouter,
) -> None:
    metadata = _answers(server, METADATA, _metadata(Name="Title"))
    server.put(f"{GATEWAY}/columns/").mock(return_value=httpx.Response(200, json={}))
    server.post(ROWS).mock(return_value=_appended({"0000": "Ada"}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.get_metadata()
        rename = {"table_name": "Table1", "column": "Name", "new_column_name": "Title"}
        await base.with_options(timeout=5).request("PUT", "columns/", json=rename)
        row = await base.append_row("Table1", {"Age": 1})
    assert row == {"_id": "Bko1e60YT-egit2SljWSZA", "Title": "Ada"}
    assert metadata.call_count == 2


async def test_views_share_one_cache(server: respx.MockRouter) -> None:
    server.post(ROWS).mock(return_value=_appended({"0000": "Ada"}))
    async with Base(API_TOKEN, SERVER) as base:
        await base.with_options(timeout=5).get_metadata()
        await base.append_row("Table1", {"Name": "Ada"})
    assert server.routes["metadata"].call_count == 1


@pytest.mark.parametrize(
    ("method", "suffix", "expected"),
    [
        ("POST", "tables/", True),
        ("POST", "tables/duplicate-table/", True),
        ("PUT", "columns/", True),
        ("DELETE", "column-options/", True),
        ("PUT", "views/Default%20View/", True),
        ("GET", "columns/", False),
        ("POST", "rows/", False),
        ("POST", "sql/", False),
        ("PUT", "links/", False),
    ],
)
def test_which_calls_change_the_schema(method: str, suffix: str, expected: bool) -> None:
    assert changes_schema(method, suffix) is expected

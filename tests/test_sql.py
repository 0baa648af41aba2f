"""SQL: request shape, `success: false`, and SELECT-only retries."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from seatable_async import Base, InternalServerError, InvalidInputError, QueryError
from seatable_async.resources.sql import is_read_only

from .helpers import API_TOKEN, GATEWAY, SERVER, FakeTime

pytestmark = pytest.mark.anyio

SQL = f"{GATEWAY}/sql/"
RESULT = {"metadata": [], "results": [{"Name": "a"}], "success": True, "error_message": ""}


@pytest.mark.parametrize(
    ("sql", "read_only"),
    [
        ("SELECT * FROM T", True),
        ("  select Name from T", True),
        ("-- comment\n/* block */ SELECT 1", True),
        ("(SELECT 1)", True),
        ("SELECTED", False),
        ("UPDATE T SET a = 1", False),
        ("INSERT INTO T (a) VALUES (1)", False),
        ("DELETE FROM T", False),
    ],
)
def test_only_select_counts_as_read_only(sql: str, read_only: bool) -> None:
    assert is_read_only(sql) is read_only


async def test_query_sends_sql_parameters_and_convert(server: respx.MockRouter) -> None:
    route = server.post(SQL).mock(return_value=httpx.Response(200, json=RESULT))
    async with Base(API_TOKEN, SERVER) as base:
        rows = await base.query("SELECT * FROM T WHERE a = ? AND b = ?", parameters=["x", 2])
    assert rows == [{"Name": "a"}]
    sent = json.loads(route.calls[0].request.read())
    assert sent == {
        "sql": "SELECT * FROM T WHERE a = ? AND b = ?",
        "convert_keys": True,
        "parameters": ["x", 2],
    }


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"success": False, "error_message": "no such table: X", "results": []}),
        '{"results": [], "success" :\n false, "error_message": "no such table: X"}',
    ],
)
async def test_success_false_raises_query_error(server: respx.MockRouter, body: str) -> None:
    server.post(SQL).mock(return_value=httpx.Response(200, text=body))
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(QueryError, match="no such table: X") as caught:
            await base.query("SELECT * FROM X")
    assert caught.value.status_code == 200


@pytest.mark.parametrize(("sql", "calls"), [("SELECT * FROM T", 2), ("DELETE FROM T", 1)])
async def test_select_is_retried_on_5xx_but_writes_are_not(
    server: respx.MockRouter, fake_time: FakeTime, sql: str, calls: int
) -> None:
    route = server.post(SQL).mock(
        side_effect=[httpx.Response(500), httpx.Response(200, json=RESULT)]
    )
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        if calls == 2:
            await base.query(sql)
        else:
            with pytest.raises(InternalServerError):
                await base.query(sql)
    assert route.call_count == calls


@pytest.mark.parametrize("parameters", ["abc", [object()], {"a": 1}])
async def test_bad_parameters_fail_before_sending(
    server: respx.MockRouter, parameters: object
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError):
            await base.query("SELECT 1", parameters=parameters)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            await base.query("")
    assert not server.calls


async def test_a_write_answer_without_results_is_not_an_error(server: respx.MockRouter) -> None:
    """SeaTable documents only `success` for writes; nothing may fail once a write went through."""
    server.post(SQL).mock(return_value=httpx.Response(200, json={"success": True}))
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.query("UPDATE T SET a = 1") == []

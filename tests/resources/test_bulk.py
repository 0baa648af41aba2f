"""Bulk jobs against a fake gateway: chunking, order, the minimum of requests, how failures are
classified and reported, exactly-once appends, upserts, progress, cancellation and how much of
the input a job holds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest

import seatable_async.resources.bulk as bulk_module
from seatable_async import (
    BadRequestError,
    Base,
    BatchLimits,
    BulkError,
    BulkResult,
    InvalidInputError,
    RateLimit,
    RetryPolicy,
    SeaTableError,
)
from seatable_async._bulk import _progress

from ..helpers import API_TOKEN, SERVER, TOKEN_PATH, grant

pytestmark = pytest.mark.anyio

NO_WAIT = RetryPolicy(initial_delay=0, max_delay=0)
"""Retries as usual, without waiting between attempts."""
Reply = Callable[[httpx.Request], httpx.Response]


def _json(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


class FakeGateway:
    """Answers appends with ids made from the rows' `Name`, finds rows by `Name` for SQL, and
    lets a test script replies per step (`append`, `update`, `delete`, `sql`) or hold calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.replies: dict[str, list[Reply]] = {}
        self.table: dict[str, str] = {}
        """Rows the SQL lookups find: name → row id."""
        self.gate: Callable[[str, Any], Awaitable[None]] | None = None

    def steps(self, step: str) -> list[Any]:
        return [body for kind, body in self.calls if kind == step]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json=grant())
        step = {"POST": "append", "PUT": "update", "DELETE": "delete"}[request.method]
        if request.url.path.endswith("/sql/"):
            step = "sql"
        body = _json(request)
        self.calls.append((step, body))
        if self.gate is not None:
            await self.gate(step, body)
        if self.replies.get(step):
            return self.replies[step].pop(0)(request)
        return self._answer(step, body)

    def _answer(self, step: str, body: Any) -> httpx.Response:
        if step == "append":
            ids = [{"_id": f"id-{row['Name']}"} for row in body["rows"]]
            return httpx.Response(200, json={"inserted_row_count": len(ids), "row_ids": ids})
        if step == "sql":
            found = [p for p in body["parameters"] if p in self.table]
            rows = [{"_id": self.table[name], "Name": name} for name in found]
            return httpx.Response(200, json={"success": True, "results": rows})
        return httpx.Response(200, json={"success": True})


@pytest.fixture
def fake() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
async def base(fake: FakeGateway) -> AsyncIterator[Base]:
    """A base whose chunks reach the fake gateway as the job sends them: no rate limiter, whose
    first call of a base goes alone and would hold back the gated chunks these tests reorder."""
    limits = BatchLimits(append_rows=3, update_rows=3, delete_rows=5)
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(fake.handle)) as http,
        Base(
            API_TOKEN,
            SERVER,
            http_client=http,
            retry=NO_WAIT,
            batch_limits=limits,
            rate_limit=None,
        ) as client,
    ):
        await client.auth()
        yield client


def _rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"Name": f"n{i}", "Age": i} for i in range(start, start + count)]


def _status(status: int, body: Any = None) -> Reply:
    return lambda request: httpx.Response(status, json=body or {"error_message": "scripted"})


def _raise(error: type[httpx.TransportError]) -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        raise error("scripted", request=request)

    return reply


def _answered(fake: FakeGateway) -> Reply:
    """The fake's usual answer, as a scripted reply."""
    return lambda request: fake._answer("append", _json(request))


# ---------------------------------------------------------------------- chunking and order


async def test_append_update_delete_make_the_minimum_of_requests(
    fake: FakeGateway, base: Base
) -> None:
    appended = await base.bulk_append("T", _rows(10))
    assert (appended.rows, appended.created, appended.chunks, appended.requests) == (10, 10, 4, 4)
    assert appended.row_ids == [f"id-n{i}" for i in range(10)]
    assert [len(body["rows"]) for body in fake.steps("append")] == [3, 3, 3, 1]
    updates = [{"row_id": row_id, "row": {"Age": 1}} for row_id in appended.row_ids]
    updated = await base.bulk_update("T", updates)
    assert (updated.rows, updated.updated, updated.requests, updated.retries) == (10, 10, 4, 0)
    deleted = await base.bulk_delete("T", appended.row_ids)
    assert (deleted.rows, deleted.requests, deleted.row_ids) == (10, 2, [])
    assert sorted(i for body in fake.steps("delete") for i in body["row_ids"]) == sorted(
        appended.row_ids
    )
    assert fake.steps("update")[0] == {"table_name": "T", "updates": updates[:3]}


async def test_row_ids_keep_input_order_when_chunks_end_out_of_order(
    fake: FakeGateway, base: Base
) -> None:
    last_done = anyio.Event()

    async def first_chunk_last(step: str, body: Any) -> None:
        names = [row["Name"] for row in body["rows"]]
        if "n0" in names:
            await last_done.wait()
        if "n6" in names:
            last_done.set()

    fake.gate = first_chunk_last
    result = await base.bulk_append("T", _rows(7), concurrency=3)
    assert [body["rows"][0]["Name"] for body in fake.steps("append")] == ["n0", "n3", "n6"]
    assert result.row_ids == [f"id-n{i}" for i in range(7)]


async def test_requests_and_retries_count_every_attempt(fake: FakeGateway, base: Base) -> None:
    fake.replies["update"] = [_status(503)]
    result = await base.bulk_update("T", [{"row_id": f"r{i}", "row": {}} for i in range(4)])
    assert (result.rows, result.requests, result.retries) == (4, 3, 1)


async def test_async_iterables_are_read_too(fake: FakeGateway, base: Base) -> None:
    async def ids() -> AsyncIterator[str]:
        for i in range(7):
            await anyio.lowlevel.checkpoint()
            yield f"r{i}"

    result = await base.bulk_delete("T", ids())
    assert (result.rows, result.consumed) == (7, 7)
    assert [body["row_ids"] for body in fake.steps("delete")] == [
        [f"r{i}" for i in range(5)],
        ["r5", "r6"],
    ]


async def test_an_empty_input_sends_nothing(fake: FakeGateway, base: Base) -> None:
    result = await base.bulk_append("T", iter([]))
    assert result == BulkResult(elapsed=result.elapsed)
    assert fake.calls == []


# ---------------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda b: b.bulk_append("T", [{"Name": "a"}, 5]), r"rows\[1\] must be a mapping"),
        (lambda b: b.bulk_append("T", [{"Name": "a"}, {"Age": 1}], key="Name"), r"rows\[1\]"),
        (lambda b: b.bulk_append("T", [{"Name": "a"}, {"Name": "a"}], key="Name"), "repeats"),
        (lambda b: b.bulk_upsert("T", [{"Name": None}], key="Name"), "key column"),
        (lambda b: b.bulk_upsert("T", [], key="_id"), "hidden"),
        (lambda b: b.bulk_upsert("T", [], key=["A", "A"]), "twice"),
        (lambda b: b.bulk_update("T", [{"row_id": "r", "row": {}}] * 2), "row_id"),
        (lambda b: b.bulk_update("T", [{"row_id": "r"}]), r"updates\[0\]"),
        (lambda b: b.bulk_delete("T", "abc"), "iterable"),
        (lambda b: b.bulk_delete("T", [""]), r"row_ids\[0\]"),
        (lambda b: b.bulk_delete("", []), "table_name"),
        (lambda b: b.bulk_delete("T", [], concurrency=0), "concurrency"),
        (lambda b: b.bulk_delete("T", [], fail_fast=1), "fail_fast"),
        (lambda b: b.bulk_delete("T", [], on_progress=1), "on_progress"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    fake: FakeGateway, base: Base, call: Callable[[Base], object], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call(base)
    assert fake.calls == []


async def test_a_refused_item_of_an_iterator_fails_only_its_chunk(
    fake: FakeGateway, base: Base
) -> None:
    rows: list[Any] = [*_rows(4), {"Name": "n4", "Age": float("nan")}, *_rows(3, 5)]
    with pytest.raises(BulkError) as caught:
        await base.bulk_append("T", iter(rows))
    [failure] = caught.value.failures
    assert (failure.step, failure.outcome, list(failure.indices)) == ("read", "failed", [3, 4, 5])
    assert failure.rows == rows[3:6]
    assert isinstance(failure.error, InvalidInputError)
    assert caught.value.result.row_ids == ["id-n0", "id-n1", "id-n2", "id-n6", "id-n7"]


async def test_a_job_runs_once(base: Base) -> None:
    job = base.bulk_delete("T", ["r"])
    await job
    with pytest.raises(SeaTableError, match="runs once"):
        await job


# ---------------------------------------------------------------------- failures

OUTCOMES = [
    (_status(400), "failed", BadRequestError),
    (_status(502), "unknown", SeaTableError),
    (_status(200, {"inserted_row_count": 3}), "unknown", SeaTableError),
    (_raise(httpx.ConnectError), "failed", SeaTableError),
    (_raise(httpx.ReadError), "unknown", SeaTableError),
    (_raise(httpx.ReadTimeout), "unknown", SeaTableError),
]


@pytest.mark.parametrize(("reply", "outcome", "error"), OUTCOMES)
async def test_a_failed_append_says_whether_it_may_have_landed(
    fake: FakeGateway, base: Base, reply: Reply, outcome: str, error: type[Exception]
) -> None:
    fake.replies["append"] = [_answered(fake), reply]
    rows = _rows(9)
    once = base.with_options(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(BulkError) as caught:
        await once.bulk_append("T", rows, concurrency=1)
    [failure] = caught.value.failures
    assert (failure.outcome, failure.step, failure.rows, list(failure.indices)) == (
        outcome,
        "append",
        rows[3:6],
        [3, 4, 5],
    )
    assert isinstance(failure.error, error)
    result = caught.value.result
    assert result.row_ids == [f"id-n{i}" for i in (0, 1, 2, 6, 7, 8)]
    assert (result.rows, result.chunks, result.consumed) == (6, 3, 9)
    assert len(fake.steps("append")) == 3


async def test_an_update_that_keeps_failing_is_unknown_but_safe_to_repeat(
    fake: FakeGateway, base: Base
) -> None:
    fake.replies["update"] = [_status(503)] * 5
    with pytest.raises(BulkError, match="1 chunk") as caught:
        await base.bulk_update("T", [{"row_id": f"r{i}", "row": {}} for i in range(3)])
    assert caught.value.failures[0].outcome == "unknown"
    assert caught.value.result.retries == 4


async def test_fail_fast_stops_reading_after_a_failure(fake: FakeGateway, base: Base) -> None:
    fake.replies["delete"] = [_status(200), _status(404)]
    taken: list[int] = []

    def ids() -> Iterator[str]:
        for i in range(30):
            taken.append(i)
            yield f"r{i}"

    with pytest.raises(BulkError) as caught:
        await base.bulk_delete("T", ids(), concurrency=1, fail_fast=True)
    assert len(fake.steps("delete")) == 2
    assert caught.value.result.consumed == 10
    assert len(taken) == 10
    assert [f.outcome for f in caught.value.failures] == ["failed"]


async def test_without_fail_fast_the_other_chunks_go_on(fake: FakeGateway, base: Base) -> None:
    fake.replies["delete"] = [_status(404)]
    with pytest.raises(BulkError) as caught:
        await base.bulk_delete("T", [f"r{i}" for i in range(30)], concurrency=1)
    assert len(fake.steps("delete")) == 6
    assert caught.value.result.rows == 25


# ---------------------------------------------------------------------- exactly once


async def test_an_unknown_append_with_a_key_sends_only_the_rows_that_did_not_land(
    fake: FakeGateway, base: Base
) -> None:
    """A 502 after the first row of a chunk was stored: the lookup finds it, the rest go again."""

    def stored_one_then_502(request: httpx.Request) -> httpx.Response:
        fake.table["n3"] = "id-n3"
        return httpx.Response(502, json={"error_message": "bad gateway"})

    fake.replies["append"] = [_answered(fake), stored_one_then_502]
    result = await base.bulk_append("T", _rows(6), key="Name", concurrency=1)
    assert result.row_ids == [f"id-n{i}" for i in range(6)]
    assert (result.rows, result.created, result.failures) == (6, 6, ())
    [lookup] = fake.steps("sql")
    assert lookup["parameters"] == ["n3", "n4", "n5"]
    assert lookup["sql"] == "SELECT _id, `Name` FROM `T` WHERE `Name` IN (?, ?, ?) LIMIT 10000"
    assert [[row["Name"] for row in body["rows"]] for body in fake.steps("append")] == [
        ["n0", "n1", "n2"],
        ["n3", "n4", "n5"],
        ["n4", "n5"],
    ]
    assert result.requests == 4


async def test_an_unknown_append_without_a_key_is_reported_never_repeated(
    fake: FakeGateway, base: Base
) -> None:
    fake.replies["append"] = [_status(502)]
    with pytest.raises(BulkError, match="3 item\\(s\\) with unknown outcome") as caught:
        await base.bulk_append("T", _rows(6), concurrency=1)
    assert len(fake.steps("append")) == 2
    assert fake.steps("sql") == []
    assert caught.value.failures[0].rows == _rows(3)


async def test_a_lookup_that_fails_leaves_the_rows_unknown(fake: FakeGateway, base: Base) -> None:
    fake.replies["append"] = [_status(502)]
    fake.replies["sql"] = [_status(400)]
    with pytest.raises(BulkError) as caught:
        await base.bulk_append("T", _rows(3), key="Name")
    [failure] = caught.value.failures
    assert (failure.outcome, failure.error.message) == ("unknown", "scripted")


async def test_reconciling_gives_up_after_its_rounds(fake: FakeGateway, base: Base) -> None:
    fake.replies["append"] = [_status(502)] * bulk_module.RECONCILE_ROUNDS
    with pytest.raises(BulkError) as caught:
        await base.bulk_append("T", _rows(3), key="Name")
    assert caught.value.failures[0].outcome == "unknown"
    assert len(fake.steps("sql")) == bulk_module.RECONCILE_ROUNDS - 1


# ---------------------------------------------------------------------- upsert


async def test_upsert_looks_up_keys_then_appends_and_updates(
    fake: FakeGateway, base: Base, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "LOOKUP_KEYS", 4)
    fake.table = {f"n{i}": f"old-{i}" for i in (1, 2, 5, 6, 7)}
    rows = _rows(9)
    result = await base.bulk_upsert("T", rows, key="Name", concurrency=1)
    expected = [fake.table.get(f"n{i}", f"id-n{i}") for i in range(9)]
    assert result.row_ids == expected
    assert (result.created, result.updated, result.rows) == (4, 5, 9)
    assert [body["parameters"] for body in fake.steps("sql")] == [
        ["n0", "n1", "n2", "n3"],
        ["n4", "n5", "n6", "n7"],
        ["n8"],
    ]
    assert result.requests == 3 + 2 + 2  # ⌈9/4⌉ lookups, ⌈4/3⌉ appends, ⌈5/3⌉ updates
    updated = [u["row_id"] for body in fake.steps("update") for u in body["updates"]]
    assert sorted(updated) == sorted(fake.table.values())
    assert fake.steps("update")[0]["updates"][0] == {"row_id": "old-1", "row": rows[1]}


async def test_upsert_of_a_key_found_twice_fails_that_row(fake: FakeGateway, base: Base) -> None:
    fake.replies["sql"] = [
        lambda r: httpx.Response(
            200,
            json={
                "success": True,
                "results": [{"_id": "a", "Name": "n1"}, {"_id": "b", "Name": "n1"}],
            },
        )
    ]
    with pytest.raises(BulkError) as caught:
        await base.bulk_upsert("T", _rows(2), key="Name")
    [failure] = caught.value.failures
    assert (failure.step, failure.outcome, list(failure.indices)) == ("lookup", "failed", [1])
    assert caught.value.result.row_ids == ["id-n0"]


async def test_a_lookup_cut_at_the_cap_is_split(
    fake: FakeGateway, base: Base, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "MAX_ROWS", 2)
    fake.table = {"n0": "a", "n1": "b", "n2": "c"}
    result = await base.bulk_upsert("T", _rows(3), key="Name")
    assert result.updated == 3
    assert [body["parameters"] for body in fake.steps("sql")] == [
        ["n0", "n1", "n2"],
        ["n0"],
        ["n1", "n2"],
        ["n1"],
        ["n2"],
    ]


async def test_upsert_with_a_key_of_two_columns_filters_each(fake: FakeGateway, base: Base) -> None:
    rows = [{"Name": "a", "Age": 1}, {"Name": "a", "Age": 2}, {"Name": "b", "Age": 1}]
    fake.replies["sql"] = [
        lambda r: httpx.Response(
            200,
            json={
                "success": True,
                "results": [
                    {"_id": "x", "Name": "a", "Age": 2},
                    {"_id": "y", "Name": "b", "Age": 2},
                ],
            },
        )
    ]
    result = await base.bulk_upsert("T", rows, key=["Name", "Age"])
    [lookup] = fake.steps("sql")
    assert lookup["sql"].endswith("WHERE `Name` IN (?, ?) AND `Age` IN (?, ?) LIMIT 10000")
    assert lookup["parameters"] == ["a", "b", 1, 2]
    assert (result.created, result.updated) == (2, 1)
    assert result.row_ids == ["id-a", "x", "id-b"]


# ---------------------------------------------------------------------- progress


async def test_progress_is_reported_as_chunks_end(fake: FakeGateway, base: Base) -> None:
    seen: list[tuple[int, int | None]] = []
    await base.bulk_append(
        "T", _rows(7), on_progress=lambda done, total: seen.append((done, total))
    )
    assert sorted(seen) == [(3, 7), (6, 7), (7, 7)]
    seen.clear()
    await base.bulk_append("T", iter(_rows(4)), on_progress=lambda d, t: seen.append((d, t)))
    assert sorted(seen) == [(3, None), (4, None)]


async def test_progress_bar_draws_with_tqdm(
    fake: FakeGateway, base: Base, capsys: pytest.CaptureFixture[str]
) -> None:
    await base.bulk_append("T", _rows(7), progress=True)
    assert "7/7" in capsys.readouterr().err


async def test_progress_bar_needs_the_extra(base: Base, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "_module", lambda name: None)
    with pytest.raises(InvalidInputError, match=r"seatable-async\[progress\]"):
        base.bulk_append("T", [], progress=True)


# ---------------------------------------------------------------------- cancellation, memory


async def test_cancelling_a_job_stops_it_with_a_partial_result(
    fake: FakeGateway, base: Base
) -> None:
    stuck = anyio.Event()

    async def hold_the_third_chunk(step: str, body: Any) -> None:
        if body["rows"][0]["Name"] == "n6":
            stuck.set()
            await anyio.sleep_forever()

    fake.gate = hold_the_third_chunk
    job = base.bulk_append("T", _rows(30), concurrency=1)
    async with anyio.create_task_group() as group:
        group.start_soon(job.run)
        await stuck.wait()
        group.cancel_scope.cancel()
    result = job.result
    assert result.row_ids == [f"id-n{i}" for i in range(6)]
    assert [(f.outcome, list(f.indices)) for f in result.failures] == [("unknown", [6, 7, 8])]
    assert result.consumed == 9
    assert len(fake.steps("append")) == 3


def counted_rows(taken: list[int], count: int) -> Iterator[dict[str, Any]]:
    """`count` rows, each noted in `taken` as the job reads it."""
    for i in range(count):
        taken.append(i)
        yield {"Name": f"n{i}"}


def held_until(release: anyio.Event) -> Callable[[str, Any], Awaitable[None]]:
    """A gate that holds every call until `release` is set."""

    async def hold(step: str, body: Any) -> None:
        await release.wait()

    return hold


async def test_a_generator_is_read_no_further_than_the_chunks_in_flight(
    fake: FakeGateway, base: Base
) -> None:
    taken: list[int] = []
    release = anyio.Event()
    concurrency = 2

    rows = counted_rows(taken, 60)
    fake.gate = held_until(release)
    job = base.bulk_append("T", rows, concurrency=concurrency)
    async with anyio.create_task_group() as group:
        group.start_soon(job.run)
        for _ in range(50):
            await anyio.lowlevel.checkpoint()
        assert len(fake.steps("append")) == concurrency
        assert len(taken) == concurrency * 3  # the chunks in flight, and not one row more
        release.set()
    assert job.result.rows == 60


async def test_chunks_in_flight_default_to_the_clients_request_cap(fake: FakeGateway) -> None:
    taken: list[int] = []
    release = anyio.Event()

    rows = counted_rows(taken, 60)
    fake.gate = held_until(release)
    limits = BatchLimits(append_rows=3)
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(fake.handle)) as http,
        Base(
            API_TOKEN, SERVER, http_client=http, retry=NO_WAIT, batch_limits=limits,
            rate_limit=RateLimit(max_concurrency=3),
        ) as base,
    ):  # fmt: skip
        await base.auth()
        job = base.bulk_append("T", rows)
        async with anyio.create_task_group() as group:
            group.start_soon(job.run)
            for _ in range(50):
                await anyio.lowlevel.checkpoint()
            assert len(taken) == 3 * 3  # three chunks of three rows taken, as the cap allows
            release.set()
    assert job.result.rows == 60


async def test_an_error_of_the_progress_callback_stops_the_job(
    fake: FakeGateway, base: Base
) -> None:
    def broken(done: int, total: int | None) -> None:
        raise KeyError("progress")

    job = base.bulk_append("T", _rows(30), concurrency=1, on_progress=broken)
    with pytest.raises(KeyError, match="progress"):
        await job
    assert len(fake.steps("append")) == 1
    assert job.result.rows == 3


async def test_cancelling_while_reading_an_async_source_reports_what_it_took(
    fake: FakeGateway, base: Base
) -> None:
    reading = anyio.Event()

    async def rows() -> AsyncIterator[dict[str, Any]]:
        for row in _rows(4):
            yield row
        reading.set()
        await anyio.sleep_forever()
        yield {}  # pragma: no cover

    source = rows()
    job = base.bulk_append("T", source)
    async with anyio.create_task_group() as group:
        group.start_soon(job.run)
        await reading.wait()
        group.cancel_scope.cancel()
    await source.aclose()
    result = job.result
    assert result.row_ids == ["id-n0", "id-n1", "id-n2"]
    [failure] = result.failures
    assert (failure.step, failure.outcome, failure.rows) == ("read", "failed", _rows(1, 3))
    assert result.consumed == 4


async def test_cancelling_an_upsert_reports_every_row_it_took(
    fake: FakeGateway, base: Base, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "LOOKUP_KEYS", 4)
    stuck = anyio.Event()

    async def hold_the_second_update(step: str, body: Any) -> None:
        if step == "update" and len(fake.steps("update")) == 2:
            stuck.set()
            await anyio.sleep_forever()

    fake.table = {f"n{i}": f"old-{i}" for i in range(0, 40, 2)}
    fake.gate = hold_the_second_update
    job = base.bulk_upsert("T", _rows(40), key="Name", concurrency=2)
    async with anyio.create_task_group() as group:
        group.start_soon(job.run)
        await stuck.wait()
        group.cancel_scope.cancel()
    result = job.result
    reported = sorted(i for f in result.failures for i in f.indices)
    assert len(result.row_ids) + len(reported) == result.consumed
    assert {f.outcome for f in result.failures} <= {"failed", "unknown"}
    assert any(f.outcome == "unknown" and f.step == "update" for f in result.failures)

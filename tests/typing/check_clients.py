"""Checked by mypy in CI, never run: the clients are typed, so a misspelt method is an error.

`warn_unused_ignores` (part of `--strict`) makes every `type: ignore` below a claim: if the
attribute existed (or the client were `Any`), the ignore would be unused and mypy would fail.
"""

from __future__ import annotations

from typing_extensions import assert_type

from seatable_async import (
    Account,
    Base,
    BulkError,
    BulkJob,
    BulkResult,
    ChunkFailure,
    RateLimit,
    RetryPolicy,
)
from seatable_async.types import Row


async def clients_keep_their_types() -> None:
    async with Base("api-token", "https://cloud.seatable.io") as base:
        assert_type(base, Base)
        view = base.with_options(timeout=5)
        assert_type(view, Base)
        rows = await view.list_rows("Table1")
        assert_type(rows, list[Row])
        await base.list_rowz("Table1")  # type: ignore[attr-defined]
        await view.apend_row("Table1", {})  # type: ignore[attr-defined]
        base.with_options(timeout="5")  # type: ignore[arg-type]
    async with Account("me@example.com", "secret", "https://cloud.seatable.io") as account:
        assert_type(account, Account)
        assert_type(account.with_options(timeout=1), Account)
        opened = await account.get_base(1, "Base")
        assert_type(opened, Base)
        await account.list_rows("Table1")  # type: ignore[attr-defined]


async def bulk_jobs_keep_their_types() -> None:
    async with Base("api-token", "https://cloud.seatable.io") as base:
        job = base.bulk_append("Table1", [{"Name": "a"}], key="Name")
        assert_type(job, BulkJob)
        result = await job
        assert_type(result, BulkResult)
        assert_type(result.row_ids, list[str])
        assert_type(job.result, BulkResult)
        upserted = await base.bulk_upsert("Table1", [{"Name": "a"}], key=("Name", "Age"))
        assert_type(upserted.created, int)
        try:
            await base.bulk_delete("Table1", ["id"], on_progress=lambda done, total: None)
        except BulkError as error:
            assert_type(error.failures, tuple[ChunkFailure, ...])
        base.bulk_upsert("Table1", [{"Name": "a"}])  # type: ignore[call-arg]


def rate_limits_are_typed() -> None:
    Base("api-token", "https://cloud.seatable.io", rate_limit=RateLimit(max_concurrency=4))
    Base("api-token", "https://cloud.seatable.io", rate_limit=None)
    Account(token="t", server_url="https://cloud.seatable.io", rate_limit=RateLimit(adaptive=False))
    Base("api-token", "https://cloud.seatable.io", rate_limit=8)  # type: ignore[arg-type]
    RateLimit(requests_per_minute="100")  # type: ignore[arg-type]
    RetryPolicy(retry_budget=None)

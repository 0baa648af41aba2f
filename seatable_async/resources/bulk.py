"""Bulk jobs: append, update, delete and upsert any number of rows, in concurrent chunks at the
API's per-call limits, with exactly-once appends when the rows have a unique key.

Each method checks its arguments when called and returns a `BulkJob`; awaiting it runs the
job and returns a `BulkResult`, or raises `BulkError` saying, chunk by chunk, what failed and
whether it may have been applied.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from typing import Any

import anyio

from .._bulk._input import Item, Key, Keys, Reader, key_columns
from .._bulk._job import BulkJob, Job, Work
from .._bulk._progress import ProgressCallback, Reporter
from .._bulk._result import outcome_of
from .._call import ClientOptions
from .._encoding import row_values
from .._exceptions import SeaTableError
from .._filters._sql import _identifier, _placeholders
from .._sql_paging import MAX_ROWS
from .._validation import is_row_ids, optional_flag, require_text, without_none
from .rows import APPEND_ROWS, DELETE_ROWS, UPDATE_ROWS, _update
from .sql import SQLResource

__all__ = ["LOOKUP_KEYS", "LOOKUP_PARAMETERS", "BulkResource"]

LOOKUP_KEYS = MAX_ROWS - 1
"""Keys one lookup asks for: SeaTable answers a SELECT with 10,000 rows at most, so with one
key fewer an answer that reaches 10,000 shows that some key matched several rows (and that
rows may be missing: the lookup is then split until no answer is cut). SeaTable documents no
limit on a statement's parameters, and 9,999 keys make a body far below what its nginx takes."""
LOOKUP_PARAMETERS = 30_000
"""Parameters one lookup binds at most: with a key of several columns, fewer keys than
`LOOKUP_KEYS` (under the 32,766 that SQLite, behind the emulator, binds by default)."""
RECONCILE_ROUNDS = 3
"""Times an append with `key=` looks up which rows of an unknown outcome landed and sends the
rest again, before it reports what is left as unknown."""

Rows = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]]


class BulkResource(SQLResource):
    """`bulk_append`, `bulk_update`, `bulk_delete` and `bulk_upsert`.

    `concurrency` bounds the chunks in flight, and so the input held in memory; by default it
    is the client's `RateLimit.max_concurrency` (8), so that no chunk waits holding its rows,
    and the limiter's cap bounds the requests whatever it is.
    `on_progress(done, total)` is called as chunks end (`total` is None for an input without
    a length; an exception it raises stops the job, whose chunks in flight end first, and is
    raised in its place); `progress=True` draws a bar with tqdm or rich (`pip install
    "seatable-async[progress]"`). A list is checked whole before any request; an iterator is
    read as the job goes, and an item it yields that is refused fails its own chunk only.
    Unless `fail_fast=True`, a failed chunk does not stop the others.

    Awaiting the returned `BulkJob` runs it; cancelling it (a cancel scope, a cancelled
    request) stops it at once, and `job.result` then tells what was done, the chunks cut off
    in flight reported as of unknown outcome.
    """

    _options: ClientOptions

    def bulk_append(
        self,
        table_name: str,
        rows: Rows,
        *,
        key: str | Sequence[str] | None = None,
        apply_default: bool | None = None,
        concurrency: int | None = None,
        fail_fast: bool = False,
        on_progress: ProgressCallback | None = None,
        progress: bool = False,
    ) -> BulkJob:
        """Appends rows in `appendRows` calls of `append_rows` rows (⌈n/1000⌉ calls).

        An append is never retried blindly. With `key=` (a column, or columns, whose values
        are unique: present in every row, distinct within the job, and not in the table yet),
        a chunk whose outcome is unknown is looked up by key and only the rows that did not
        land are sent again, so each row is stored exactly once (after a pause of the retry
        policy's backoff, and at most `RECONCILE_ROUNDS` times). This trusts that a failed call
        has ended on the server when its answer arrives: a call a gateway gave up on while the
        server still worked could store its rows after the lookup. Without `key=`, such a
        chunk is reported with outcome `"unknown"` and never sent again.
        """
        table_name = require_text("table_name", table_name)
        keys = Keys(key_columns(key)) if key is not None else None
        flag = optional_flag("apply_default", apply_default)
        job = self._new_job("bulk_append", concurrency, fail_fast, on_progress, progress)
        reader = Reader("rows", rows, row_values, keys.require if keys else None)
        append = self._appender(job, table_name, keys, flag)
        size = self._batch_limits.append_rows
        return BulkJob(job, lambda: job.run(reader, lambda: _fan_out(job, size, append, "append")))

    def bulk_update(
        self,
        table_name: str,
        updates: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
        *,
        concurrency: int | None = None,
        fail_fast: bool = False,
        on_progress: ProgressCallback | None = None,
        progress: bool = False,
    ) -> BulkJob:
        """Applies `{"row_id": ..., "row": {...}}` updates in `updateRow` calls of `update_rows`.

        A row may be updated once per job (chunks run concurrently, so two updates of one row
        would race). Updates are safe to repeat, so the client retries them; one that still
        fails has an unknown outcome but may simply be sent again.
        """
        table_name = require_text("table_name", table_name)
        job = self._new_job("bulk_update", concurrency, fail_fast, on_progress, progress)
        reader = Reader(
            "updates", updates, _update, _row_id, unique="row_id (merge the updates of a row)"
        )

        async def update(items: list[Item[dict[str, Any]]]) -> None:
            await self._update_rows(table_name, items)
            job.wrote(items, updated=len(items))

        size = self._batch_limits.update_rows
        return BulkJob(job, lambda: job.run(reader, lambda: _fan_out(job, size, update, "update")))

    def bulk_delete(
        self,
        table_name: str,
        row_ids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int | None = None,
        fail_fast: bool = False,
        on_progress: ProgressCallback | None = None,
        progress: bool = False,
    ) -> BulkJob:
        """Deletes rows by `_id` in `deleteRow` calls of `delete_rows` ids (⌈n/10000⌉ calls);
        safe to repeat, so retried like a read."""
        table_name = require_text("table_name", table_name)
        job = self._new_job("bulk_delete", concurrency, fail_fast, on_progress, progress)
        reader = Reader("row_ids", row_ids, require_text)

        async def delete(items: list[Item[str]]) -> None:
            body = {"table_name": table_name, "row_ids": [item.sent for item in items]}
            await self._call(DELETE_ROWS, json=body)
            job.wrote(items)

        size = self._batch_limits.delete_rows
        return BulkJob(job, lambda: job.run(reader, lambda: _fan_out(job, size, delete, "delete")))

    def bulk_upsert(
        self,
        table_name: str,
        rows: Rows,
        key: str | Sequence[str],
        *,
        apply_default: bool | None = None,
        concurrency: int | None = None,
        fail_fast: bool = False,
        on_progress: ProgressCallback | None = None,
        progress: bool = False,
    ) -> BulkJob:
        """Updates the rows whose `key` (a column or several) matches a row of the table and
        appends the others, with exactly-once appends as `bulk_append(key=...)`.

        The rows are looked up by key with parameterized SQL, `LOOKUP_KEYS` keys a query
        (⌈n/9999⌉ lookups), then written in as few `appendRows` and `updateRow` calls as their
        numbers need. `row_ids` holds, in input order, the id of the row each input row
        became; `created` and `updated` count the two kinds. A key that matches several rows
        of the table fails its row (outcome `"failed"`): it is not the unique key it should be.
        """
        table_name = require_text("table_name", table_name)
        keys = Keys(key_columns(key))
        flag = optional_flag("apply_default", apply_default)
        job = self._new_job("bulk_upsert", concurrency, fail_fast, on_progress, progress)
        reader = Reader("rows", rows, row_values, keys.require)
        upsert = _Upsert(self, job, table_name, keys, flag)
        return BulkJob(job, lambda: job.run(reader, upsert.run))

    # ------------------------------------------------------------------ pieces

    @abc.abstractmethod
    def _request_slots(self) -> int:
        """How many requests the client lets this base have in flight at once."""

    def _new_job(
        self,
        name: str,
        concurrency: object,
        fail_fast: object,
        on_progress: object,
        progress: object,
    ) -> Job:
        if concurrency is None:
            concurrency = self._request_slots()
        return Job(
            name,
            concurrency=concurrency,
            fail_fast=fail_fast,
            reporter=Reporter(name, on_progress, progress),
        )

    async def _append_rows(
        self, table_name: str, items: Sequence[Item[dict[str, Any]]], flag: bool | None
    ) -> list[str]:
        """One `appendRows` call; the ids of the rows it stored, in order."""
        body = without_none(table_name=table_name, rows=[i.sent for i in items], apply_default=flag)
        expect = {"row_ids": lambda ids: is_row_ids(ids) and len(ids) == len(items)}
        answer = await self._call(APPEND_ROWS, json=body, expect=expect)
        return [row["_id"] for row in answer["row_ids"]]

    async def _update_rows(self, table_name: str, items: Sequence[Item[dict[str, Any]]]) -> None:
        body = {"table_name": table_name, "updates": [item.sent for item in items]}
        await self._call(UPDATE_ROWS, json=body)

    def _appender(
        self, job: Job, table_name: str, keys: Keys | None, flag: bool | None
    ) -> Work[dict[str, Any]]:
        """The work of one append chunk: exactly once with `keys`, at most once without."""

        async def append(items: list[Item[dict[str, Any]]]) -> None:
            if keys is None:
                job.wrote(
                    items, await self._append_rows(table_name, items, flag), created=len(items)
                )
                return
            landed: dict[int, str] = {}
            pending, error = await self._append_once(table_name, keys, items, flag, landed)
            done = [item for item in items if item.index in landed]
            job.wrote(done, [landed[item.index] for item in done], created=len(done))
            if error is not None:
                job.fail(pending, error, outcome_of(error), "append")

        return append

    async def _append_once(
        self,
        table_name: str,
        keys: Keys,
        items: list[Item[dict[str, Any]]],
        flag: bool | None,
        landed: dict[int, str],
    ) -> tuple[list[Item[dict[str, Any]]], SeaTableError | None]:
        """Appends `items`, filling `landed` (index → id); after an unknown outcome, looks up
        which keys landed and sends only the rest. Returns what is left and why."""
        pending, policy, round_ = items, self._options.retry, 0
        while True:
            round_ += 1
            try:
                ids = await self._append_rows(table_name, pending, flag)
            except SeaTableError as error:
                if outcome_of(error) == "failed" or round_ == RECONCILE_ROUNDS:
                    return pending, error
                await policy.sleep(policy.backoff(round_))
                try:
                    found = await self._find(table_name, keys, pending)
                except SeaTableError:
                    return pending, error
                landed.update((i.index, found[i.key][0]) for i in pending if i.key in found)
                pending = [item for item in pending if item.key not in found]
                if not pending:
                    return [], None
                continue
            landed.update(zip((item.index for item in pending), ids, strict=True))
            return [], None

    async def _find(
        self, table_name: str, keys: Keys, items: Sequence[Item[Any]]
    ) -> dict[Key, list[str]]:
        """The ids of the table's rows with the items' keys (one query, split while cut)."""
        sql, parameters = _lookup(table_name, keys, items)
        rows = await self._sql({"sql": sql, "convert_keys": True, "parameters": parameters})
        if len(rows) >= MAX_ROWS and len(items) > 1:
            half = len(items) // 2
            first = await self._find(table_name, keys, items[:half])
            return {**first, **await self._find(table_name, keys, items[half:])}
        wanted = {item.key for item in items}
        found: dict[Key, list[str]] = {}
        for row in rows:
            row_key = keys.of(row)
            if row_key in wanted and isinstance(row.get("_id"), str):
                found.setdefault(row_key, []).append(row["_id"])
        return found


def lookup_size(keys: Keys) -> int:
    """Keys one lookup asks for."""
    return min(LOOKUP_KEYS, LOOKUP_PARAMETERS // len(keys.columns))


def _lookup(table_name: str, keys: Keys, items: Sequence[Item[Any]]) -> tuple[str, list[Any]]:
    """`SELECT _id, key... WHERE key IN (?, ...) [AND ...]`: a superset of the rows with the
    items' keys when the key has several columns (each filtered by its own values)."""
    columns = [_identifier(column, "key column") for column in keys.columns]
    terms: list[str] = []
    parameters: list[Any] = []
    for name, column in zip(columns, keys.columns, strict=True):
        values = list(dict.fromkeys(item.sent[column] for item in items))
        terms.append(f"{name} IN ({_placeholders(len(values))})")
        parameters += values
    table = _identifier(table_name, "table name")
    where = " AND ".join(terms)
    return (
        f"SELECT _id, {', '.join(columns)} FROM {table} WHERE {where} LIMIT {MAX_ROWS}",
        parameters,
    )


async def _fan_out(job: Job, size: int, work: Work[Any], step: str) -> None:
    """Reads the input chunk by chunk, each sent in a task of its own as a slot frees up."""
    async with anyio.create_task_group() as group:
        while (items := await job.read(size)) is not None:
            job.start(group, work, items, step)


def _row_id(where: str, update: dict[str, Any]) -> Key:
    """What must be unique among a job's updates: chunks run concurrently, so two updates of
    one row would race."""
    return (update["row_id"],)


class _Upsert:
    """An upsert: lookups fanned out like chunks, their rows buffered into full append and
    update chunks (so the calls are as few as the counts allow), the remainders sent last."""

    def __init__(
        self, owner: BulkResource, job: Job, table_name: str, keys: Keys, flag: bool | None
    ) -> None:
        self._owner = owner
        self._job = job
        self._table_name = table_name
        self._keys = keys
        self._append = owner._appender(job, table_name, keys, flag)
        self._buffers: dict[str, list[Item[dict[str, Any]]]] = {"append": [], "update": []}
        self._sizes = {
            "append": owner._batch_limits.append_rows,
            "update": owner._batch_limits.update_rows,
        }

    async def run(self) -> None:
        job = self._job
        try:
            async with anyio.create_task_group() as self._writes:
                async with anyio.create_task_group() as lookups:
                    while (items := await job.read(lookup_size(self._keys))) is not None:
                        lookups.start_soon(job.lookup, self._lookup, items)
                self._flush(final=True)
        finally:
            for step, buffer in self._buffers.items():
                job.fail(buffer, SeaTableError("not sent: the job was cancelled"), "failed", step)
                buffer.clear()

    async def _lookup(self, items: list[Item[dict[str, Any]]]) -> None:
        found = await self._owner._find(self._table_name, self._keys, items)
        ambiguous = [item for item in items if len(found.get(item.key, ())) > 1]
        for item in items:
            ids = found.get(item.key, [])
            if not ids:
                self._buffers["append"].append(item)
            elif len(ids) == 1:
                update = {"row_id": ids[0], "row": item.sent}
                self._buffers["update"].append(Item(item.index, item.given, update, item.key))
        if ambiguous:
            error = SeaTableError(f"{len(ambiguous)} key(s) match several rows of the table")
            self._job.fail(ambiguous, error, "failed", "lookup")
        self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        """Queues every full chunk of the buffers (and, at the end, what is left)."""
        work = {"append": self._append, "update": self._update}
        for step, buffer in self._buffers.items():
            size = self._sizes[step]
            while len(buffer) >= size or (final and buffer):
                chunk, buffer[:] = buffer[:size], buffer[size:]
                self._job.queue(self._writes, work[step], chunk, step)

    async def _update(self, items: list[Item[dict[str, Any]]]) -> None:
        await self._owner._update_rows(self._table_name, items)
        self._job.wrote(items, [item.sent["row_id"] for item in items], updated=len(items))

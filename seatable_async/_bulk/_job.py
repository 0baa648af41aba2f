"""The engine of a bulk job: chunks fanned out over tasks, at most `concurrency` in flight,
every item ending either written or in a `ChunkFailure`.

A slot is taken before the next chunk is read, so no more than `concurrency` chunks of the
input are in memory however long it is. Each chunk is its own call (its own retries and
`max_elapsed`). Cancelling the job cancels the chunks in flight; they are reported with an
unknown outcome, chunks waiting for a slot as not sent.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from itertools import pairwise
from typing import Any, TypeVar

import anyio
from anyio.abc import TaskGroup

from .._exceptions import InvalidInputError, SeaTableError
from .._usage import UsageCounter, metered
from .._validation import require_int
from ._input import Item, Reader
from ._progress import Reporter
from ._result import BulkError, BulkResult, ChunkFailure, Outcome, outcome_of

__all__ = ["BulkJob", "Job", "Work"]

SentT = TypeVar("SentT")
Work = Callable[[list[Item[SentT]]], Awaitable[None]]
"""Sends one chunk and records what became of each of its items with `Job.wrote`/`Job.fail`."""


def not_sent(reason: str) -> SeaTableError:
    """The error of items the job took but never sent."""
    return SeaTableError(f"not sent: {reason}")


class Job:
    """The shared state of one running job: slots, counts, written ids and failures."""

    def __init__(
        self,
        name: str,
        *,
        concurrency: object,
        fail_fast: object,
        reporter: Reporter,
    ) -> None:
        if not isinstance(fail_fast, bool):
            raise InvalidInputError("fail_fast must be True or False")
        self.name = name
        self._slots = anyio.Semaphore(require_int("concurrency", concurrency, 1, 1000))
        self._fail_fast = fail_fast
        self._reporter = reporter
        self.stopping = False
        self.reader: Reader[Any] | None = None
        self._rows = self._created = self._updated = self._chunks = self._done = 0
        self._written: list[tuple[Sequence[int], Sequence[str]]] = []
        self._failures: list[ChunkFailure] = []
        self._usage: UsageCounter | None = None
        self._started: float | None = None
        self._ended: float | None = None

    # ------------------------------------------------------------------ recording

    def wrote(
        self,
        items: Sequence[Item[Any]],
        ids: Sequence[str] | None = None,
        *,
        created: int = 0,
        updated: int = 0,
    ) -> None:
        """`items` were applied (appended rows with the `ids` given, in their order)."""
        if ids is not None and items:
            self._written.append((_indices(items), ids))
        self._rows += len(items)
        self._created += created
        self._updated += updated
        self._finished(len(items))

    def fail(
        self,
        items: Sequence[Item[Any]],
        error: SeaTableError,
        outcome: Outcome,
        step: str,
    ) -> None:
        """`items` failed; with `fail_fast`, nothing more is sent."""
        if items:
            self.fail_given([i.given for i in items], _indices(items), error, outcome, step)

    def fail_given(
        self,
        given: Sequence[Any],
        indices: Sequence[int],
        error: SeaTableError,
        outcome: Outcome,
        step: str,
    ) -> None:
        self._failures.append(ChunkFailure(given, indices, error, outcome, step))
        if self._fail_fast:
            self.stopping = True
        self._finished(len(given))

    def _finished(self, items: int) -> None:
        self._done += items
        self._reporter.report(self._done, self.reader.total if self.reader else None)
        if self._reporter.error is not None:
            self.stopping = True

    # ------------------------------------------------------------------ fan-out

    async def read(self, size: int) -> list[Item[Any]] | None:
        """The next chunk, once a slot is free (the caller runs it in that slot with `start` or
        `lookup`); None when the input is done or the job stops. A refused chunk is recorded
        and skipped."""
        assert self.reader is not None
        while True:
            await self._slots.acquire()
            if self.stopping:
                self._slots.release()
                return None
            try:
                items, refused, error = await self.reader.chunk(size)
            except BaseException:
                self._slots.release()
                self._drop_reading()
                raise
            if error is None and items:
                return items
            self._slots.release()
            if error is None:
                return None
            start = self.reader.taken - len(refused)
            self._chunks += 1
            self.fail_given(refused, range(start, start + len(refused)), error, "failed", "read")

    def _drop_reading(self) -> None:
        """Reports the items a cut-short read had taken from the source, never sent."""
        assert self.reader is not None
        start, given = self.reader.abandon()
        if given:
            self._chunks += 1
            error = not_sent("the job ended while their chunk was being read")
            self.fail_given(given, range(start, start + len(given)), error, "failed", "read")

    def start(self, group: TaskGroup, work: Work[Any], items: list[Item[Any]], step: str) -> None:
        """Runs a chunk `read` returned, in the slot it took."""
        group.start_soon(self._run, work, items, step, True)

    def queue(self, group: TaskGroup, work: Work[Any], items: list[Item[Any]], step: str) -> None:
        """Runs a chunk once a slot is free (unless the job stops first)."""
        group.start_soon(self._queued, work, items, step)

    async def _queued(self, work: Work[Any], items: list[Item[Any]], step: str) -> None:
        try:
            await self._slots.acquire()
        except anyio.get_cancelled_exc_class():
            self._chunks += 1
            self.fail(items, not_sent("the job was cancelled"), "failed", step)
            raise
        if self.stopping:
            self._slots.release()
            self._chunks += 1
            self.fail(items, not_sent("the job stopped at an earlier failure"), "failed", step)
            return
        await self._run(work, items, step, True)

    async def lookup(self, work: Work[Any], items: list[Item[Any]]) -> None:
        """Runs a lookup chunk in the slot `read` took; a lookup never writes."""
        await self._run(work, items, "lookup", False)

    async def _run(self, work: Work[Any], items: list[Item[Any]], step: str, writes: bool) -> None:
        """One chunk in the slot it holds; a write that failed or was cut short may have landed."""
        try:
            await work(items)
        except SeaTableError as error:
            self.fail(items, error, outcome_of(error) if writes else "failed", step)
        except anyio.get_cancelled_exc_class():
            outcome: Outcome = "unknown" if writes else "failed"
            self.fail(items, SeaTableError("cancelled while in flight"), outcome, step)
            raise
        finally:
            self._chunks += 1
            self._slots.release()

    # ------------------------------------------------------------------ running

    async def run(self, reader: Reader[Any], body: Callable[[], Awaitable[None]]) -> BulkResult:
        """Runs `body` (which reads and starts the chunks), then raises BulkError if any failed;
        an error of the progress callback stops the job and is raised as it is."""
        self.reader = reader
        self._reporter.start(reader.total)
        self._started = time.perf_counter()
        try:
            with metered() as usage:
                self._usage = usage
                await body()
        finally:
            self._ended = time.perf_counter()
            self._reporter.close()
        if self._reporter.error is not None:
            raise self._reporter.error
        result = self.result()
        if result.failures:
            raise BulkError(self.name, result)
        return result

    def result(self) -> BulkResult:
        """What the job has done so far (all of it once it ended)."""
        usage = self._usage.snapshot() if self._usage is not None else None
        started = self._started if self._started is not None else time.perf_counter()
        ended = self._ended if self._ended is not None else time.perf_counter()
        return BulkResult(
            rows=self._rows,
            row_ids=_in_order(self._written),
            created=self._created,
            updated=self._updated,
            chunks=self._chunks,
            requests=usage.requests if usage else 0,
            retries=usage.retries if usage else 0,
            elapsed=ended - started,
            consumed=self.reader.taken if self.reader else 0,
            failures=tuple(sorted(self._failures, key=lambda f: f.indices[0])),
        )


def _indices(items: Sequence[Item[Any]]) -> Sequence[int]:
    """The items' input positions: a range when they follow one another, as most chunks do."""
    first, last = items[0].index, items[-1].index
    if last - first == len(items) - 1:
        return range(first, last + 1)
    return [item.index for item in items]


def _in_order(written: list[tuple[Sequence[int], Sequence[str]]]) -> list[str]:
    """The ids of every written chunk in input order: chunks end in any order, and an upsert's
    appends and updates interleave."""
    entries = sorted(written, key=lambda entry: entry[0][0])
    if all(a[-1] < b[0] for (a, _), (b, _) in pairwise(entries)):
        return [row_id for _, ids in entries for row_id in ids]
    pairs = sorted(
        (i, row_id) for indices, ids in entries for i, row_id in zip(indices, ids, strict=True)
    )
    return [row_id for _, row_id in pairs]


class BulkJob:
    """A bulk job, started by awaiting it: `result = await base.bulk_append(...)`.

    While it runs, or after it was cancelled, `result` says what it has done so far.
    """

    def __init__(self, job: Job, run: Callable[[], Coroutine[Any, Any, BulkResult]]) -> None:
        self._job = job
        self._run: Callable[[], Coroutine[Any, Any, BulkResult]] | None = run

    @property
    def result(self) -> BulkResult:
        """The job's result so far: rows written, failures, requests made."""
        return self._job.result()

    async def run(self) -> BulkResult:
        """Runs the job (what awaiting it does); `task_group.start_soon(job.run)` runs it in
        the background."""
        run, self._run = self._run, None
        if run is None:
            raise SeaTableError(f"{self._job.name} was already started: a bulk job runs once")
        return await run()

    def __await__(self) -> Generator[Any, None, BulkResult]:
        return self.run().__await__()

    def __repr__(self) -> str:
        result = self.result
        done = f"{result.rows} row(s) written, {len(result.failures)} failure(s)"
        return f"<BulkJob {self._job.name}: {done}>"

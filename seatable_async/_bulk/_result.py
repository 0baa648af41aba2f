"""What a bulk job reports: its result, the chunks that failed and whether they were applied."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    SeaTableError,
    UnexpectedResponseError,
)

__all__ = ["BulkError", "BulkResult", "ChunkFailure", "Outcome", "outcome_of"]

Outcome = Literal["failed", "unknown"]
"""`failed`: certainly not applied. `unknown`: the server may have applied it."""


@dataclasses.dataclass(frozen=True)
class ChunkFailure:
    """One chunk the job could not complete, with the exact input it carried.

    `outcome` is `"failed"` when the server certainly did not apply it (a 4xx answer, a request
    never sent, input refused) and `"unknown"` when it may have (a 5xx or an unreadable 2xx
    answer to a write, a timeout or a dropped connection after sending, a cancelled job). An
    unknown update or delete is safe to send again (applying it twice changes nothing); an
    unknown append is not: look for its rows first, or give the job a `key=` so it does.
    """

    rows: Sequence[Any]
    """The input items as given: rows (append, upsert), `{"row_id", "row"}` updates, or ids."""
    indices: Sequence[int]
    """Where each of `rows` stands in the job's input, counting from 0."""
    error: SeaTableError
    """Why it failed, as the typed error the call raised (or InvalidInputError for bad input)."""
    outcome: Outcome
    step: str
    """What the job was doing: `append`, `update`, `delete`, `lookup` or `read`."""


@dataclasses.dataclass(frozen=True)
class BulkResult:
    """What a bulk job did: complete when it returns, partial in `BulkError.result` (or a
    cancelled job's `BulkJob.result`)."""

    rows: int = 0
    """Rows written: appended, updated or deleted."""
    row_ids: list[str] = dataclasses.field(default_factory=list)
    """The `_id` of every row appended (or, by an upsert, appended or updated), in input order;
    rows of failed chunks have none (their `ChunkFailure.indices` say where they stood)."""
    created: int = 0
    """Rows appended."""
    updated: int = 0
    """Rows updated."""
    chunks: int = 0
    """Chunks sent or failed: write calls' chunks plus an upsert's lookups."""
    requests: int = 0
    """HTTP requests the job made, retries (and any token exchange) included."""
    retries: int = 0
    """Of `requests`, the attempts that repeated a failed one."""
    elapsed: float = 0.0
    """Seconds from start to end (or to now, while it runs)."""
    consumed: int = 0
    """Input items the job took; a job stopped early (fail_fast, cancelled) left the rest."""
    failures: tuple[ChunkFailure, ...] = ()
    """The chunks that failed, in input order; empty when everything was applied."""


class BulkError(SeaTableError):
    """Some chunks of a bulk job failed; the others were applied (see `result`)."""

    def __init__(self, name: str, result: BulkResult) -> None:
        unknown = sum(len(f.rows) for f in result.failures if f.outcome == "unknown")
        failed = sum(len(f.rows) for f in result.failures) - unknown
        super().__init__(
            f"{name}: {len(result.failures)} chunk(s) failed: {failed} item(s) not applied,"
            f" {unknown} item(s) with unknown outcome; {result.rows} row(s) written"
        )
        self.result = result

    @property
    def failures(self) -> tuple[ChunkFailure, ...]:
        """One per failed chunk, with its rows, its error and its outcome."""
        return self.result.failures


_OUTCOMES: tuple[tuple[type[SeaTableError], Outcome], ...] = (
    (UnexpectedResponseError, "unknown"),
    (APIConnectionError, "unknown"),
    (APIStatusError, "failed"),
    (SeaTableError, "failed"),
)
"""First match wins; a 5xx status and a connection error that never left are special cases."""


def outcome_of(error: SeaTableError) -> Outcome:
    """Whether a write that raised `error` may have been applied."""
    if isinstance(error, APIConnectionError) and not error.sent:
        return "failed"
    if isinstance(error, APIStatusError) and error.status_code >= 500:
        return "unknown"
    return next(outcome for kind, outcome in _OUTCOMES if isinstance(error, kind))

"""Bulk jobs: their engine, their input, their progress and what they report."""

from ._job import DEFAULT_CONCURRENCY, BulkJob
from ._result import BulkError, BulkResult, ChunkFailure, Outcome

__all__ = ["DEFAULT_CONCURRENCY", "BulkError", "BulkJob", "BulkResult", "ChunkFailure", "Outcome"]

"""Bulk jobs: their engine, their input, their progress and what they report."""

from ._job import BulkJob
from ._result import BulkError, BulkResult, ChunkFailure, Outcome

__all__ = ["BulkError", "BulkJob", "BulkResult", "ChunkFailure", "Outcome"]

"""Where the official SeaTable OpenAPI specs are read from: in place, never copied into the repo.

Shared by the acceptance conformance test and the emulator's spec-coverage test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SPEC_DIR_VARIABLE = "SEATABLE_OPENAPI_DIR"


BESIDE_REPOSITORY = Path("..", "shared", "reference", "openapi")
"""Where the specs are looked for without the variable, relative to the repository."""


def spec_dir() -> Path:
    """``$SEATABLE_OPENAPI_DIR``, else ``shared/reference/openapi`` beside the repository."""
    configured = os.environ.get(SPEC_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / BESIDE_REPOSITORY


def _where_looked() -> str:
    """The place `spec_dir` reads, named without any path outside the repository."""
    if os.environ.get(SPEC_DIR_VARIABLE):
        return f"${SPEC_DIR_VARIABLE}"
    return f"{BESIDE_REPOSITORY.as_posix()} (beside the repository)"


def require_specs(*names: str) -> Path:
    """The spec directory holding ``<name>.yaml`` for each name; skips the test when one is
    missing, naming the files and where they were looked for."""
    directory = spec_dir()
    missing = [name for name in names if not (directory / f"{name}.yaml").is_file()]
    if missing:
        pytest.skip(
            f"OpenAPI specs {missing} not found in {_where_looked()}; set {SPEC_DIR_VARIABLE} "
            "or place shared/reference/openapi beside the repository"
        )
    return directory

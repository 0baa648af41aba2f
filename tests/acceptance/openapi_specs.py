"""Where the official SeaTable OpenAPI specs are read from: in place, never copied into the repo.

Shared by the acceptance conformance test and the emulator's spec-coverage test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SPEC_DIR_VARIABLE = "SEATABLE_OPENAPI_DIR"


def spec_dir() -> Path:
    """``$SEATABLE_OPENAPI_DIR``, else ``shared/reference/openapi`` beside the repository."""
    configured = os.environ.get(SPEC_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "openapi"


def require_specs(*names: str) -> Path:
    """The spec directory holding ``<name>.yaml`` for each name; skips the test when one is
    missing, naming the files and where they were looked for."""
    directory = spec_dir()
    missing = [name for name in names if not (directory / f"{name}.yaml").is_file()]
    if missing:
        pytest.skip(
            f"OpenAPI specs {missing} not found in {directory}; set {SPEC_DIR_VARIABLE} "
            "or place shared/reference/openapi beside the repository"
        )
    return directory

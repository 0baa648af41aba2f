"""Skips explain themselves without naming a place on the machine that ran them (issue 6)."""

from __future__ import annotations

from .test_official_sdk import install_failure


def test_a_failed_sdk_install_hides_paths_and_index_addresses() -> None:
    stderr = (
        "Looking in indexes: https://index.example/simple\n"
        "WARNING: Location 'file:///opt/index/simple/pip/' is ignored\n"
        "ERROR: No matching distribution found for seatable-api==4.0.0\n"
        "error: cannot write /tmp/pytest-of-ci/venv/lib C:\\Users\\ci\\venv\n"
    )
    reason = install_failure(stderr)
    assert "No matching distribution" in reason
    for place in ("/opt", "/tmp", "index.example", "C:", "file:"):
        assert place not in reason

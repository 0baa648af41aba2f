"""The default test run stays offline: the peer tests are opt-in and sockets are guarded."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def test_the_default_run_leaves_out_the_peer_tests() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",  # half a second to import, and no part of the selection
            "tests/acceptance/test_official_sdk.py",
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "deselected" in completed.stdout, completed.stdout
    assert "test_official_sdk.py::" not in completed.stdout


def test_a_connection_beyond_loopback_fails_the_test() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="reach the network"):
        sock.connect(("192.0.2.1", 443))

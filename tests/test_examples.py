"""The quickstart runs as the README says: offline by default, against a server when told."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from seatable_async.testing import Emulator, serve_in_thread

QUICKSTART = Path(__file__).resolve().parent.parent / "examples" / "quickstart.py"


def _run(extra_env: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATABLE_")}
    completed = subprocess.run(
        [sys.executable, str(QUICKSTART)],
        env={**env, **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return completed.stdout


def test_quickstart_runs_offline_on_the_in_process_emulator() -> None:
    output = _run({})
    assert "in-process emulator" in output
    assert "Table1 has 1 row(s)" in output
    assert "'Hello from seatable-async'" in output


def test_quickstart_uses_the_server_named_by_the_environment() -> None:
    with Emulator(api_token="env-token") as emulator, serve_in_thread(emulator) as url:
        output = _run({"SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": "env-token"})
        names = [row["Name"] for row in emulator.rows("Table1")]
    assert f"using {url}" in output
    assert names == ["Hello from seatable-async"]

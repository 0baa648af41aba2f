"""The quickstart runs as the README says: offline by default, against a server when told."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from seatable_async.testing import Emulator, serve_in_thread

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUICKSTART = EXAMPLES / "quickstart.py"
BULK_IMPORT = EXAMPLES / "bulk_import_csv.py"


def _run(extra_env: dict[str, str], script: Path = QUICKSTART, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATABLE_")}
    completed = subprocess.run(
        [sys.executable, str(script), *args],
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


def test_bulk_import_runs_offline_with_a_progress_bar() -> None:
    output = _run({}, BULK_IMPORT, "--rows", "2500")
    assert "wrote a sample CSV of 2500 orders" in output
    assert "imported 2500 rows" in output
    assert "with 4 requests" in output  # three appends and the token exchange
    assert "the emulated table now holds 2500 rows" in output


def test_bulk_import_reads_a_given_csv_into_the_configured_server(tmp_path: Path) -> None:
    sample = tmp_path / "orders.csv"
    sample.write_text("Order,Customer,City,Amount\nA1,Ada,Oslo,1.5\nA2,Bo,Turin,2\n")
    with Emulator(api_token="env-token") as emulator, serve_in_thread(emulator) as url:
        emulator.add_table("Sales", [("Order", "text"), ("City", "text"), ("Amount", "number")])
        env = {"SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": "env-token"}
        output = _run({**env, "SEATABLE_TABLE": "Sales"}, BULK_IMPORT, str(sample))
        rows = [(row["Order"], row["City"], row["Amount"]) for row in emulator.rows("Sales")]
    assert f"using {url}" in output
    assert "imported 2 rows" in output
    assert rows == [("A1", "Oslo", 1.5), ("A2", "Turin", 2)]

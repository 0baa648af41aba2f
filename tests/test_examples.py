"""The examples run as the README says: offline by default, against a server when told."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

from seatable_async.testing import Emulator

from .helpers import SharedServer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUICKSTART = EXAMPLES / "quickstart.py"
BULK_IMPORT = EXAMPLES / "bulk_import_csv.py"


def _run(extra_env: dict[str, str], script: Path = QUICKSTART, *args: str) -> str:
    """The example as its own process, as the README runs it."""
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


def test_quickstart_uses_the_server_named_by_the_environment(shared_server: SharedServer) -> None:
    with Emulator(api_token="env-token") as emulator, shared_server.serving(emulator) as url:
        output = _run({"SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": "env-token"})
        names = [row["Name"] for row in emulator.rows("Table1")]
    assert f"using {url}" in output
    assert names == ["Hello from seatable-async"]


def _run_here(
    script: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str = ""
) -> str:
    """The example as `__main__` in this process (no interpreter start-up); its output."""
    for name in [k for k in os.environ if k.startswith("SEATABLE_")]:
        monkeypatch.delenv(name)
    if url:
        monkeypatch.setenv("SEATABLE_SERVER_URL", url)
        monkeypatch.setenv("SEATABLE_API_TOKEN", "env-token")
    monkeypatch.syspath_prepend(str(EXAMPLES))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    return capsys.readouterr().out


@pytest.mark.parametrize("script", ["concurrent_report.py", "schema_and_files.py"])
def test_example_runs_offline_without_warnings(
    script: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "in-process emulator" in _run_here(script, monkeypatch, capsys)


def test_concurrent_report_pages_past_the_cap_and_sums_what_the_server_holds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shared_server: SharedServer
) -> None:
    with Emulator(api_token="env-token") as emulator, shared_server.serving(emulator) as url:
        first = _run_here("concurrent_report.py", monkeypatch, capsys, url)
        again = _run_here("concurrent_report.py", monkeypatch, capsys, url)
        region_of = {c["Name"]: c["Region"] for c in emulator.rows("Report Customers")}
        orders = emulator.rows("Report Orders")
    paid = [order for order in orders if order["Status"] == "paid"]
    revenue: dict[str, float] = defaultdict(float)
    for order in paid:
        revenue[region_of[order["Customer"]]] += order["Amount"]
    assert len(paid) > 10_000
    assert f"added {len(orders):,} orders" in first
    assert "added" not in again  # the tables were there: nothing is appended twice
    assert len(orders) == 12_500
    for output in (first, again):
        assert f"read {len(paid):,} paid orders" in output
        printed = dict(re.findall(r"^(\w+) +([\d,]+)$", output, flags=re.MULTILINE))
        assert printed == {region: f"{total:,.0f}" for region, total in revenue.items()}


def test_schema_and_files_leaves_the_schema_links_and_file_on_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shared_server: SharedServer
) -> None:
    with Emulator(api_token="env-token") as emulator, shared_server.serving(emulator) as url:
        output = _run_here("schema_and_files.py", monkeypatch, capsys, url)
        tasks = {row["Name"]: row for row in emulator.rows("Example Tasks")}
        projects = {row["Title"] for row in emulator.rows("Example Projects")}
        with pytest.raises(SystemExit, match="exist already"):
            _run_here("schema_and_files.py", monkeypatch, capsys, url)
        tables_after = emulator.tables()
    assert "downloaded 41 bytes back: the same bytes" in output
    assert projects == {"Website", "Shop"}
    draft = tasks["Draft the texts"]
    assert [item["name"] for item in draft["Attachment"]] == ["kick-off.txt"]
    assert [link["display_value"] for link in draft["Project"]] == ["Website"]
    assert [link["display_value"] for link in tasks["List the products"]["Project"]] == ["Shop"]
    assert tables_after.count("Example Tasks") == 1


def test_bulk_import_runs_offline_with_a_progress_bar() -> None:
    output = _run({}, BULK_IMPORT, "--rows", "2500")
    assert "wrote a sample CSV of 2500 orders" in output
    assert "imported 2500 rows" in output
    assert "with 4 requests" in output  # three appends and the token exchange
    assert "the emulated table now holds 2500 rows" in output


def test_bulk_import_reads_a_given_csv_into_the_configured_server(
    tmp_path: Path, shared_server: SharedServer
) -> None:
    sample = tmp_path / "orders.csv"
    sample.write_text("Order,Customer,City,Amount\nA1,Ada,Oslo,1.5\nA2,Bo,Turin,2\n")
    with Emulator(api_token="env-token") as emulator, shared_server.serving(emulator) as url:
        emulator.add_table("Sales", [("Order", "text"), ("City", "text"), ("Amount", "number")])
        env = {"SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": "env-token"}
        output = _run({**env, "SEATABLE_TABLE": "Sales"}, BULK_IMPORT, str(sample))
        rows = [(row["Order"], row["City"], row["Amount"]) for row in emulator.rows("Sales")]
    assert f"using {url}" in output
    assert "imported 2 rows" in output
    assert rows == [("A1", "Oslo", 1.5), ("A2", "Turin", 2)]

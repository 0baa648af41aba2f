"""The examples run as the README says: offline by default, against a server when told."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from seatable_async.testing import Emulator, serve_in_thread

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(script: str, extra_env: dict[str, str], *, check: bool = True) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATABLE_")}
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env={**env, **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )
    return completed.stdout + completed.stderr


def test_quickstart_runs_offline_on_the_in_process_emulator() -> None:
    output = _run("quickstart.py", {})
    assert "in-process emulator" in output
    assert "Table1 has 1 row(s)" in output
    assert "'Hello from seatable-async'" in output


def test_quickstart_uses_the_server_named_by_the_environment() -> None:
    with Emulator(api_token="env-token") as emulator, serve_in_thread(emulator) as url:
        output = _run(
            "quickstart.py", {"SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": "env-token"}
        )
        names = [row["Name"] for row in emulator.rows("Table1")]
    assert f"using {url}" in output
    assert names == ["Hello from seatable-async"]


@pytest.mark.parametrize("script", ["concurrent_report.py", "schema_and_files.py"])
def test_example_runs_offline_without_warnings(script: str) -> None:
    output = _run(script, {})
    assert "in-process emulator" in output
    assert "Warning" not in output


def test_concurrent_report_pages_past_the_cap_and_sums_what_the_server_holds() -> None:
    with Emulator(api_token="env-token") as emulator, serve_in_thread(emulator) as url:
        env = {"SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": "env-token"}
        first = _run("concurrent_report.py", env)
        again = _run("concurrent_report.py", env)
        region_of = {c["Name"]: c["Region"] for c in emulator.rows("Report Customers")}
        orders = emulator.rows("Report Orders")
    paid = [order for order in orders if order["Status"] == "paid"]
    revenue: dict[str, float] = defaultdict(float)
    for order in paid:
        revenue[region_of[order["Customer"]]] += order["Amount"]
    assert len(paid) > 10_000
    assert "added 12,500 orders" in first
    assert "added" not in again  # the tables were there: nothing is appended twice
    assert len(orders) == 12_500
    for output in (first, again):
        assert f"read {len(paid):,} paid orders" in output
        printed = dict(re.findall(r"^(\w+) +([\d,]+)$", output, flags=re.MULTILINE))
        assert printed == {region: f"{total:,.0f}" for region, total in revenue.items()}


def test_schema_and_files_leaves_the_schema_links_and_file_on_the_server() -> None:
    with Emulator(api_token="env-token") as emulator, serve_in_thread(emulator) as url:
        env = {"SEATABLE_SERVER_URL": url, "SEATABLE_API_TOKEN": "env-token"}
        output = _run("schema_and_files.py", env)
        tasks = {row["Name"]: row for row in emulator.rows("Example Tasks")}
        projects = {row["Title"] for row in emulator.rows("Example Projects")}
        refused = _run("schema_and_files.py", env, check=False)
        tables_after = emulator.tables()
    assert "downloaded 41 bytes back: the same bytes" in output
    assert projects == {"Website", "Shop"}
    draft = tasks["Draft the texts"]
    assert [item["name"] for item in draft["Attachment"]] == ["kick-off.txt"]
    assert [link["display_value"] for link in draft["Project"]] == ["Website"]
    assert [link["display_value"] for link in tasks["List the products"]["Project"]] == ["Shop"]
    assert "exist already" in refused
    assert tables_after.count("Example Tasks") == 1

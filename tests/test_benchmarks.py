"""The bulk benchmarks' small modes, under `pytest -m benchmark` (CI runs them): the fault
benchmark's claims checked in-process, the others run as scripts as the README says. The fault
run waits in real time where its scripted 429s slow the limiter down, so it is left out of the
default run too."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.benchmark
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_bulk_faults_lose_and_duplicate_nothing(anyio_backend: str) -> None:
    """2,000 rows in chunks of 100 under 10 % faults, write-then-fail included."""
    faults = _load("bulk_faults")
    tallies = await faults.run(2000, 100, 0.1, 7, 0.3)
    assert sum(tallies["faults injected"].values()) >= 5
    assert any(kind.startswith("applied, then") for kind in tallies["faults injected"])
    with_key, without_key = tallies["With key"], tallies["Without key"]
    for tally in (with_key, without_key):
        assert (tally["lost"], tally["duplicated"], tally["failed but landed"]) == (0, 0, 0)
        assert tally["ids that match"] + tally["reported unknown"] >= tally["stored"]
    assert with_key["stored"] + with_key["reported unknown"] >= 2000
    assert without_key["stored"] <= 2000
    assert without_key["requests"] >= without_key["minimum"]


def _script(name: str, *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), *args],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return completed.stdout


@pytest.mark.benchmark
def test_bulk_jobs_make_the_minimum_of_requests() -> None:
    output = _script("bulk_jobs", "--rows", "3000", "--latency-ms", "0")
    lines = [line.split() for line in output.splitlines() if "seatable_async bulk_" in line]
    assert [(line[0], line[-3], line[-2]) for line in lines] == [
        ("append", "3", "3"),
        ("update", "3", "3"),
        ("delete", "1", "1"),
    ]
    assert "rows left in our table: 0" in output


@pytest.mark.benchmark
def test_bulk_memory_reports_each_measure() -> None:
    output = _script("bulk_memory", "--rows", "5000")
    figures = {line[:36].strip(): float(line[36:]) for line in output.splitlines()[2:]}
    assert set(figures) == {
        "iter_rows over the table",
        "the same rows read into a list",
        "bulk_append from a generator",
        "of which the result's row_ids",
        "the same rows built as a list",
        "bulk_append from that list",
    }


@pytest.mark.benchmark
def test_rate_limited_job_gets_no_429_with_the_limiter() -> None:
    output = _script(
        "rate_limited", "--rows", "20000", "--updates", "10", "--limit", "10", "--window", "2",
        "--latency-ms", "0", "--sdk-python", "/nonexistent",
    )  # fmt: skip
    rows = {line[:34].strip(): line[34:].split() for line in output.splitlines()}
    limited = rows["seatable_async, limiter on"]
    assert (limited[2], limited[3], limited[-4:]) == ("30", "0", ["30", "of", "30", "calls"])
    assert float(limited[0]) >= 4  # the ideal: the third window opens after two of 2 s

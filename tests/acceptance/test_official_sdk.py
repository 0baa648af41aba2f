"""The official sync SDK ``seatable-api`` 4.0.0, unmodified, runs its main flows against the
emulator on a loopback socket (issue 3). The SDK lives in a scratch venv, never in our deps.

The driver (``sdk_driver.py``) runs in a subprocess and prints one JSON line per flow; each flow
is a test of its own that checks the SDK's result and cross-checks the emulator's state.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from seatable_async.testing import Emulator, serve_in_thread

pytestmark = pytest.mark.peer

SDK_REQUIREMENT = "seatable-api==4.0.0"
INSTALL_TIMEOUT = 180.0
DRIVER_TIMEOUT = 120.0
DRIVER = Path(__file__).with_name("sdk_driver.py")
API_TOKEN = "5dk" * 13 + "0"
"""40 characters, like a real API token."""
TABLE = "SDK Table"
_MACHINE_PATH = re.compile(r"[^\s'\"]*[/\\][^\s'\"]*")
"""A path or address in pip's output, hidden so that a skip names no place on this machine."""
FLOWS = (
    "auth",
    "add_table",
    "get_metadata",
    "append_row",
    "batch_append_rows",
    "list_rows",
    "update_row",
    "delete_row",
    "query",
)


@dataclass
class SdkRun:
    """What the driver printed per flow, the emulator it ran against, and the run's duration."""

    flows: dict[str, dict[str, Any]]
    emulator: Emulator
    seconds: float
    stderr: str

    def result(self, flow: str) -> Any:
        """The flow's result; fails the test with the SDK's error if the flow raised."""
        outcome = self.flows.get(flow)
        assert outcome is not None, f"the driver reported nothing for {flow!r}:\n{self.stderr}"
        assert outcome["ok"], f"{flow} raised {outcome['error']}\n{outcome.get('traceback', '')}"
        return outcome["result"]

    def row(self, name: str) -> dict[str, Any] | None:
        """The emulator's current row named ``name`` in the SDK's table (None if absent)."""
        return next((r for r in self.emulator.rows(TABLE) if r.get("Name") == name), None)


def install_failure(pip_stderr: str) -> str:
    """The skip reason for a failed install: pip's last lines, with every path hidden."""
    tail = " | ".join(pip_stderr.strip().splitlines()[-3:])
    return (
        f"cannot install {SDK_REQUIREMENT} into a scratch venv: {_MACHINE_PATH.sub('<path>', tail)}"
    )


def _run(command: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="session")
def sdk_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python of a scratch venv with the SDK installed; skips when pip cannot install it."""
    venv = tmp_path_factory.mktemp("seatable-api-venv")
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    install = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    try:
        _run([sys.executable, "-m", "venv", str(venv)], INSTALL_TIMEOUT, check=True)
        _run([*install, SDK_REQUIREMENT], INSTALL_TIMEOUT, check=True)
    except subprocess.CalledProcessError as exc:
        pytest.skip(install_failure(exc.stderr or ""))
    except subprocess.TimeoutExpired:
        pytest.skip(f"installing {SDK_REQUIREMENT} took longer than {INSTALL_TIMEOUT:.0f} s")
    return python


@pytest.fixture(scope="module")
def sdk_run(sdk_python: Path) -> Iterator[SdkRun]:
    """Serve a fresh emulator on loopback and run the driver against it once for all flows."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with Emulator(api_token=API_TOKEN) as emulator, serve_in_thread(emulator) as url:
        started = time.perf_counter()
        command = [str(sdk_python), "-I", str(DRIVER), url, API_TOKEN, TABLE]
        try:
            completed = _run(command, DRIVER_TIMEOUT, env=env)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"the SDK driver hung for {DRIVER_TIMEOUT:.0f} s:\n{exc.stderr!r}")
        seconds = time.perf_counter() - started
        flows: dict[str, dict[str, Any]] = {}
        for line in completed.stdout.splitlines():
            if line.startswith("{"):
                outcome = json.loads(line)
                flows[outcome["flow"]] = outcome
        yield SdkRun(flows, emulator, seconds, completed.stderr)


@pytest.mark.parametrize("flow", FLOWS)
def test_flow(sdk_run: SdkRun, flow: str) -> None:
    """One SDK flow succeeded and the emulator holds what the SDK was told."""
    result = sdk_run.result(flow)
    emulator = sdk_run.emulator
    if flow == "auth":
        assert result["dtable_uuid"] == emulator.base_uuid
        assert result["use_api_gateway"] is True
        assert result["dtable_name"] == emulator.base.name
        assert result["workspace_id"] == emulator.workspace_id
    elif flow == "add_table":
        assert result == {"name": TABLE, "columns": ["Name", "Count"]}
        assert TABLE in emulator.tables()
    elif flow == "get_metadata":
        assert result[TABLE] == ["Name", "Count"]
        assert set(result) == set(emulator.tables())
    elif flow == "append_row":
        alpha = sdk_run.row("alpha")
        assert alpha is not None
        assert result["_id"] == alpha["_id"]
    elif flow == "batch_append_rows":
        assert result["inserted_row_count"] == 2
        beta = sdk_run.row("beta")
        assert beta is not None
        assert beta["Count"] == 2
        assert beta["_id"] in [r["_id"] for r in result["row_ids"]]
    elif flow == "list_rows":
        assert [(r["Name"], r["Count"]) for r in result] == [
            ("alpha", 1),
            ("beta", 2),
            ("gamma", None),
        ]
    elif flow == "update_row":
        assert result == {"success": True}
        alpha = sdk_run.row("alpha")
        assert alpha is not None
        assert alpha["Count"] == 10
    elif flow == "delete_row":
        assert result == {"success": True}
        assert sdk_run.row("gamma") is None
        assert [r["Name"] for r in emulator.rows(TABLE)] == ["alpha", "beta"]
    elif flow == "query":
        assert result == [{"Name": "alpha", "Count": 10}, {"Name": "beta", "Count": 2}]
    else:
        pytest.fail(f"no check for flow {flow!r}")


def test_sdk_only_used_served_routes(sdk_run: SdkRun, record_property: Any) -> None:
    """Every request the SDK sent was answered with a success (no unserved or legacy URL)."""
    record_property("sdk_driver_seconds", round(sdk_run.seconds, 2))
    assert sdk_run.emulator.request_log, "the SDK sent no request"
    failures = [
        f"{r.method} {r.path}?{r.query} -> {r.status}"
        for r in sdk_run.emulator.request_log
        if not 200 <= r.status < 300
    ]
    assert not failures, "\n".join(failures)


_PUBLIC_METHODS = """
import inspect, json
from seatable_api import Account, SeaTableAPI
print(json.dumps({
    name: [
        n for n, v in vars(cls).items()
        if not n.startswith("_") and (inspect.isfunction(v) or isinstance(v, property))
    ]
    for name, cls in (("Base", SeaTableAPI), ("Account", Account))
}))
"""


def test_the_parity_document_lists_every_official_method(sdk_python: Path) -> None:
    from ..test_parity import official_names

    completed = _run([str(sdk_python), "-I", "-c", _PUBLIC_METHODS], DRIVER_TIMEOUT, check=True)
    installed = json.loads(completed.stdout)
    listed = official_names()
    assert {key: sorted(names) for key, names in installed.items()} == {
        key: sorted(names) for key, names in listed.items()
    }

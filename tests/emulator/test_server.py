"""The loopback server (async and sync), persistence, the CLI and the pytest plugin."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from seatable_async.testing import Emulator, Fault, RequestRecord, serve, serve_in_thread
from seatable_async.testing.__main__ import build_parser, emulator_from_args, format_record
from seatable_async.testing.pytest_plugin import SeaTableTestBase

from .conftest import read_line


@pytest.mark.anyio
async def test_serve_on_a_real_socket(emulator: Emulator) -> None:
    before = set(threading.enumerate())  # the session's shared server may be running
    async with serve(emulator) as url:
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=url) as client:
            token = await client.get(
                "/api/v2.1/dtable/app-access-token/",
                headers={"Authorization": "Token test-api-token"},
            )
            rows = await client.get(
                f"/api-gateway/api/v2/dtables/{emulator.base_uuid}/rows/",
                params={"table_name": "Contacts"},
                headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            )
            emulator.faults.script("/rows/", kind="reset")
            with pytest.raises(httpx.TransportError):
                await client.get(
                    f"/api-gateway/api/v2/dtables/{emulator.base_uuid}/rows/",
                    params={"table_name": "Contacts"},
                )
    assert token.json()["dtable_server"] == f"{url}/api-gateway/"
    assert rows.status_code == 200
    assert rows.headers["x-ratelimit-limit"]
    assert not [t for t in set(threading.enumerate()) - before if t.name == "seatable-emulator"]


def test_serve_in_thread_for_sync_callers(emulator: Emulator) -> None:
    with serve_in_thread(emulator) as url, httpx.Client(base_url=url) as client:
        assert client.get("/api2/ping/").json() == "pong"
        assert client.get("/api-gateway/api/v2/ping").json() == {"ret": "pong"}
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=url) as client:
        client.get("/api2/ping/")


def test_state_persists_in_a_db_file(tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.sqlite")
    with Emulator(db_path=db) as first:
        first.add_table("Notes", [("Text", "text")])
        first.append_rows("Notes", [{"Text": "kept"}])
        base_uuid = first.base_uuid
    with Emulator(db_path=db) as second:
        assert second.base_uuid == base_uuid
        assert [r["Text"] for r in second.rows("Notes")] == ["kept"]


def test_cli_options_map_onto_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--port", "0", "--api-token", "T", "--rate-limit", "5", "--token-lifetime", "60"]
    args = build_parser().parse_args([*argv, "--slow-seconds", "50", "--rate-window", "10"])
    with emulator_from_args(args) as emu:
        assert emu.api_token == "T"
        assert Fault("delay", delay=50.0) in emu.faults.random_faults
        assert (emu.rate_limiter.limit, emu.rate_limiter.window) == (5, 10)
        assert emu.token_lifetime == 60
        with serve_in_thread(emu) as url, httpx.Client(base_url=url) as client:
            client.get("/server-info/", params={"x": "1"})
        assert emu.request_log == []  # the CLI prints records instead of keeping them
    assert capsys.readouterr().out.startswith("GET /server-info/?x=1 -> 200 ")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_cli_process_logs_each_request_and_stops_on_sigint() -> None:
    """The real CLI on a free loopback port: one line per request, no traceback for a dropped
    connection, pings spared by random faults, exit 0 on Ctrl-C."""
    command = [sys.executable, "-m", "seatable_async.testing", "--port", "0"]
    command += ["--fault-rate", "1", "--seed", "5"]  # seed 5 draws a reset first
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    try:
        banner = read_line(process, timeout=30)
        assert banner.startswith("SeaTable emulator on http://127.0.0.1:"), banner
        url = banner.split()[3]
        with httpx.Client(base_url=url, timeout=10) as client:
            ping = client.get("/api2/ping/")
            with pytest.raises(httpx.TransportError):
                client.get("/api/v2.1/dtable/app-access-token/")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert ping.json() == "pong"
    assert process.returncode == 0, err
    requests = [line for line in out.splitlines() if " -> " in line]
    assert len(requests) == 2, out
    assert requests[0].startswith("GET /api2/ping/ -> 200 ")
    assert requests[1].startswith("GET /api/v2.1/dtable/app-access-token/ -> 0 ")
    assert requests[1].endswith("[fault reset]")
    assert out.splitlines()[-1] == "SeaTable emulator stopped"
    assert "Traceback" not in err, err


def test_cli_quiet_logs_nothing() -> None:
    with emulator_from_args(build_parser().parse_args(["--quiet"])) as emu:
        assert emu.on_request is None


def test_format_record_names_the_fault() -> None:
    record = RequestRecord("POST", "/rows/", "", 0, 0.0123, "reset")
    assert format_record(record) == "POST /rows/ -> 0 12.3ms [fault reset]"


def test_plugin_fixtures(seatable_base: SeaTableTestBase) -> None:
    with httpx.Client(base_url=seatable_base.server_url) as client:
        login = client.post(
            "/api2/auth-token/",
            data={"username": seatable_base.username, "password": seatable_base.password},
        )
        token = client.get(
            "/api/v2.1/dtable/app-access-token/",
            headers={"Authorization": f"Token {seatable_base.api_token}"},
        )
    assert login.status_code == 200
    assert token.json()["dtable_uuid"] == seatable_base.base_uuid
    assert seatable_base.emulator.base_uuid == seatable_base.base_uuid


def test_plugin_imports_without_the_testing_extra() -> None:
    """The pytest11 entry point loads for every install, so it must not need starlette & co."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'starlette', 'uvicorn', 'sqlglot'}:\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import seatable_async.testing.pytest_plugin as plugin\n"
        "print(plugin.seatable_emulator.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "seatable_emulator"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_cli_binds_loopback_addresses(host: str) -> None:
    assert build_parser().parse_args(["--host", host]).host == host


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.test", "::"])
def test_cli_refuses_to_listen_beyond_loopback(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--host", host])
    assert "not a loopback address" in capsys.readouterr().err

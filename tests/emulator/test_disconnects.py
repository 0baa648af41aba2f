"""Over a real loopback socket: a client that gives up is one disconnect record, and stopping
the server ends in-flight slow answers at once (thread server, ``serve`` and the CLI)."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import threading
import time

import anyio
import anyio.to_thread
import httpx
import pytest

from seatable_async.testing import Emulator, RequestRecord, serve, serve_in_thread

from ..helpers import SharedServer
from .conftest import read_line

GIVE_UP = 0.2
"""The impatient client's timeout, in real seconds."""
REACH = 0.5
"""Real seconds a request in another thread surely takes to reach the CLI's slow answer."""
BOUND = 5.0
"""Real seconds a blocked answer lasts at most, so a regression fails instead of hanging."""


class Gate:
    """An injectable emulator sleep that blocks (up to :data:`BOUND`) until cancelled; ``entered``
    tells the test, from the server's thread, that an answer is being delayed."""

    def __init__(self) -> None:
        self.entered = threading.Event()

    async def sleep(self, seconds: float) -> None:
        self.entered.set()
        await anyio.sleep(BOUND)


class Records:
    """The emulator's ``on_request`` callback, waitable from the test."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []
        self.logged = threading.Event()

    def __call__(self, record: RequestRecord) -> None:
        self.records.append(record)
        self.logged.set()

    async def first(self) -> RequestRecord:
        assert await anyio.to_thread.run_sync(self.logged.wait, BOUND)
        return self.records[0]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records that carry an exception or say the app failed."""
    return [r.getMessage() for r in caplog.records if r.exc_info or "Exception" in r.getMessage()]


@pytest.mark.anyio
@pytest.mark.parametrize("slow", ["latency", "delay fault"])
async def test_a_client_that_gives_up_is_one_disconnect_record(
    slow: str, caplog: pytest.LogCaptureFixture, shared_server: SharedServer
) -> None:
    """The client gives up (its call is cancelled) once the answer is being delayed."""
    gate, records = Gate(), Records()
    emu = Emulator(latency_ms=35_000 if slow == "latency" else 0, sleep=gate.sleep)
    emu.on_request = records
    emu.faults.script("/server-info/", kind="delay", delay=35.0, count=int(slow != "latency"))
    caplog.set_level(logging.DEBUG)
    try:
        with shared_server.serving(emu) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                started = time.monotonic()
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(client.get, "/server-info/")
                    assert await anyio.to_thread.run_sync(gate.entered.wait, BOUND)
                    tasks.cancel_scope.cancel()
                record = await records.first()
                waited = time.monotonic() - started
    finally:
        emu.close()
    assert (record.status, record.disconnected) == (0, True)
    assert emu.request_log == [record]
    assert waited < BOUND / 2  # the emulator noticed the client leave, not the sleep end
    assert tracebacks(caplog) == []


def test_a_client_that_leaves_while_sending_its_body_is_a_disconnect(
    caplog: pytest.LogCaptureFixture,
) -> None:
    records = Records()
    emu = Emulator(on_request=records)
    caplog.set_level(logging.DEBUG)
    path = f"/api-gateway/api/v2/dtables/{emu.base_uuid}/rows/"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        f"{emu.issue_base_token(emu.base)}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{"
    )
    try:
        with serve_in_thread(emu) as url:
            host, port = url.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(head.encode())
            assert records.logged.wait(BOUND)
    finally:
        emu.close()
    (record,) = records.records
    assert (record.status, record.disconnected) == (0, True)
    assert tracebacks(caplog) == []


@pytest.mark.anyio
async def test_leaving_serve_ends_an_in_flight_slow_answer_within_a_second() -> None:
    gate = Gate()
    emu = Emulator(sleep=gate.sleep)
    emu.faults.script("/server-info/", kind="delay", delay=35.0)
    errors: list[Exception] = []

    async def ask(client: httpx.AsyncClient) -> None:
        try:
            await client.get("/server-info/")
        except httpx.TransportError as exc:
            errors.append(exc)

    try:
        async with httpx.AsyncClient(timeout=BOUND * 2) as client, anyio.create_task_group() as tg:
            async with serve(emu) as url:
                client.base_url = httpx.URL(url)
                tg.start_soon(ask, client)
                assert await anyio.to_thread.run_sync(gate.entered.wait, BOUND)
                stopping = time.monotonic()
            stopped = time.monotonic() - stopping
    finally:
        emu.close()
    assert stopped < 1.0
    assert len(errors) == 1
    (record,) = emu.request_log
    assert (record.status, record.fault, record.disconnected) == (0, "delay", False)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_cli_logs_a_disconnect_in_one_line_and_sigint_ends_a_slow_answer() -> None:
    """Seed 6 draws two slow answers: the first client gives up (one line, no traceback), the
    second is still waiting when Ctrl-C comes and gets a broken connection within a second."""
    command = [sys.executable, "-m", "seatable_async.testing", "--port", "0"]
    command += ["--fault-rate", "1", "--seed", "6", "--slow-seconds", "35"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    errors: list[Exception] = []
    try:
        banner = read_line(process, timeout=30)
        url = banner.split()[3]
        with (
            httpx.Client(base_url=url, timeout=GIVE_UP) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            client.get("/api/v2.1/dtable/app-access-token/")
        disconnect = read_line(process, timeout=BOUND)

        def ask() -> None:
            try:
                httpx.get(f"{url}/api/v2.1/dtable/app-access-token/", timeout=BOUND * 2)
            except httpx.TransportError as exc:
                errors.append(exc)

        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(REACH)
        process.send_signal(signal.SIGINT)
        stopping = time.monotonic()
        asking.join(BOUND)
        answered = time.monotonic() - stopping
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert disconnect.startswith("GET /api/v2.1/dtable/app-access-token/ -> client disconnected ")
    assert disconnect.rstrip().endswith("[fault delay]")
    assert answered < 1.0
    assert len(errors) == 1
    assert process.returncode == 0, err
    requests = [line for line in out.splitlines() if " -> " in line]
    assert len(requests) == 1, out  # the disconnect line was read before
    assert requests[0].startswith("GET /api/v2.1/dtable/app-access-token/ -> 0 ")
    assert "Traceback" not in err, err
    assert err == "", err

"""Shared fixtures: both async backends, a fake clock, a mocked SeaTable server, and a guard
that fails any test of the default run which opens a connection beyond loopback."""

from __future__ import annotations

import gc
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from .helpers import GATEWAY, METADATA, SERVER, TOKEN_PATH, FakeTime, SharedServer, grant


def _is_local(address: Any) -> bool:
    """Loopback IPs and Unix sockets; a host name here means something tried to resolve."""
    if not isinstance(address, tuple):
        return True
    try:
        return ipaddress.ip_address(address[0]).is_loopback
    except ValueError:
        return False


def pytest_collection_finish(session: pytest.Session) -> None:
    """Moves what collection built (modules, test items, parameters) out of the collector's
    sight: it lives for the whole run, so full collections need not scan it each time.

    Hypothesis is imported first (the full run's modules import it anyway): on import it looks
    for the objects that hold trio's random generator, which it could not see once frozen.
    """
    import hypothesis  # noqa: F401

    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default run reaches no network: a connection beyond loopback fails the test."""
    if request.node.get_closest_marker("peer") is not None:
        return
    connect = socket.socket.connect

    def loopback_only(sock: socket.socket, address: Any) -> None:
        if not _is_local(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every async test runs under asyncio and under trio."""
    return str(request.param)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def server() -> Iterator[respx.MockRouter]:
    """A mocked server that hands out base tokens and metadata; tests add the other routes."""
    with respx.mock(base_url=SERVER, assert_all_called=False) as router:
        router.get(TOKEN_PATH, name="token").mock(return_value=httpx.Response(200, json=grant()))
        router.get(f"{GATEWAY}/metadata/", name="metadata").mock(
            return_value=httpx.Response(200, json=METADATA)
        )
        yield router


@pytest.fixture(scope="session")
def shared_server() -> Iterator[SharedServer]:
    """One loopback server for the session's tests, each serving a fresh emulator of its own
    through it (`with shared_server.serving(emulator) as url:`)."""
    from seatable_async.testing import serve_in_thread

    server = SharedServer()
    try:
        with serve_in_thread(server) as url:  # type: ignore[arg-type]  # duck-types Emulator
            server.url = url
            yield server
    finally:
        server.close()

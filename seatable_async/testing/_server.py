"""Serving an emulator on a real loopback socket.

uvicorn runs in a background thread with its own event loop, so the server works the same
under asyncio, trio or plain synchronous code. The listening socket is bound before the
thread starts, which makes ``port=0`` (pick a free port) race-free.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio.to_thread
import uvicorn

from ._app import ConnectionDropped
from ._emulator import Emulator

__all__ = ["ServerThread", "bind_socket", "emulator_server", "serve", "serve_in_thread"]

STARTUP_TIMEOUT = 10.0
"""Seconds to wait for uvicorn to accept connections."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; ``TCP_NODELAY`` (inherited by accepted connections) avoids the
    40 ms Nagle/delayed-ACK stall between a response's head and body."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class _HideDroppedConnections(logging.Filter):
    """uvicorn logs every app exception; scripted connection drops are not errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


_HIDE_DROPPED_CONNECTIONS = _HideDroppedConnections()


class _EmulatorServer(uvicorn.Server):
    """uvicorn that ends the emulator's slow answers as it shuts down (their connections are
    dropped), so stopping takes well under a second instead of sitting out a slow fault."""

    def __init__(self, config: uvicorn.Config, emulator: Emulator) -> None:
        super().__init__(config)
        self.emulator = emulator

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's graceful shutdown, with every wait of this server ended first."""
        with self.emulator.waits.stopping():
            await super().shutdown(sockets)


def emulator_server(emulator: Emulator, **options: Any) -> uvicorn.Server:
    """The uvicorn server of the thread server and the CLI: no access log, no lifespan, no
    ``Server: uvicorn`` header, no ``Date`` header (the app sends one from the emulator's clock),
    no ``X-Forwarded-*`` rewriting (loopback only: no proxy stands in front, and the middleware
    was a layer every request went through), no traceback for a scripted connection drop (the
    filter stays for the process), and slow answers ended on shutdown."""
    config = uvicorn.Config(
        emulator.app,
        access_log=False,
        lifespan="off",
        loop="asyncio",
        date_header=False,
        server_header=False,
        proxy_headers=False,
        **options,
    )
    logging.getLogger("uvicorn.error").addFilter(_HIDE_DROPPED_CONNECTIONS)
    return _EmulatorServer(config, emulator)


class ServerThread:
    """uvicorn serving ``emulator`` from a background thread; use as a context manager."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> str:
        """Bind, start uvicorn and wait until it accepts connections; returns :attr:`url`."""
        sock = bind_socket(self.host, self.port)
        self._socket = sock
        self.port = sock.getsockname()[1]
        server = emulator_server(self.emulator, log_config=None)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="seatable-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.005)
        return self.url

    def stop(self) -> None:
        """Ask uvicorn to exit, join its thread and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def serve_in_thread(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Synchronous context manager: serve ``emulator`` and yield its base URL."""
    with ServerThread(emulator, host, port) as url:
        yield url


@asynccontextmanager
async def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Async context manager (asyncio or trio): serve ``emulator`` and yield its base URL."""
    server = ServerThread(emulator, host, port)
    url = await anyio.to_thread.run_sync(server.start)
    try:
        yield url
    finally:
        await anyio.to_thread.run_sync(server.stop)

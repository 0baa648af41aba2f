"""Constants and builders shared by the tests: a fake server's identity, tokens, a fake clock."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import respx

from seatable_async import RetryPolicy

if TYPE_CHECKING:
    from seatable_async.testing import Emulator

SERVER = "https://seatable.test"
API_TOKEN = "a" * 40
BASE_UUID = "650d8a0d-7e27-46a8-8b18-6cc6f3db2057"
GATEWAY = f"/api-gateway/api/v2/dtables/{BASE_UUID}"
TOKEN_PATH = "/api/v2.1/dtable/app-access-token/"


METADATA = {
    "metadata": {
        "tables": [
            {
                "_id": "0000",
                "name": "Table1",
                "columns": [
                    {"key": "0000", "name": "Name", "type": "text"},
                    {"key": "a1B2", "name": "Age", "type": "number"},
                ],
                "views": [],
            }
        ]
    }
}
"""The metadata of a base with one table, as `GET metadata/` answers it."""


def answer_validly(router: respx.MockRouter) -> None:
    """Valid answers for every call the clients make, in routes a test may change by name."""
    router.get(TOKEN_PATH, name="token").respond(200, json=grant())
    router.get(f"{GATEWAY}/metadata/", name="metadata").respond(200, json=METADATA)
    router.get(f"{GATEWAY}/rows/", name="list").respond(200, json={"rows": []})
    router.post(f"{GATEWAY}/rows/", name="append").respond(
        200, json={"first_row": {"_id": "r", "0000": "Max"}}
    )
    router.post(f"{GATEWAY}/sql/", name="sql").respond(200, json={"success": True, "results": []})
    router.get(path__startswith="/api/v2.1/workspace/", name="grant").respond(200, json=grant())
    router.post("/api2/auth-token/", name="login").respond(200, json={"token": "a" * 40})


def mock_client(router: respx.MockRouter) -> httpx.AsyncClient:
    """A client answered by the router: cheaper to make than a pool, so fit for many examples."""
    return httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))


def make_jwt(exp: float | None = None, **claims: Any) -> str:
    """An unsigned-looking JWT with the claims SeaTable puts in a base token."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload: dict[str, Any] = {"dtable_uuid": BASE_UUID, "permission": "rw", **claims}
    if exp is not None:
        payload["exp"] = exp
    return f"{part({'typ': 'JWT', 'alg': 'HS256'})}.{part(payload)}.c2lnbmF0dXJl"


def grant(token: str | None = None) -> dict[str, Any]:
    """The app-access-token answer of a 6.x server."""
    return {
        "app_name": "tests",
        "access_token": token or make_jwt(time.time() + 3 * 24 * 3600, n=0),
        "dtable_uuid": BASE_UUID,
        "dtable_server": f"{SERVER}/api-gateway/",
        "workspace_id": 7,
        "use_api_gateway": True,
        "dtable_name": "Test base",
    }


class FakeTime:
    """A clock and a sleep that advance together without waiting.

    Callable, so it can also be an emulator's clock (unix seconds) when `start` is a real date.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def policy(self, **overrides: Any) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, clock=self.clock, **overrides)


class SharedServer:
    """One loopback server (uvicorn in a thread) for many emulators in turn: each request goes
    to the emulator that `serving()` names, so a test still gets a fresh emulator of its own.

    Stopping a uvicorn server takes ~0.15 s (its 0.1 s tick, then a 0.1 s grace sleep), which a
    module of short tests would otherwise pay once per test. Requests between tests reach an
    empty emulator. A connection (a socket.io one too) stays with the emulator it reached.
    """

    def __init__(self) -> None:
        from seatable_async.testing import Emulator

        self._idle = Emulator()
        self._current = self._idle
        self.url = ""

        async def app(scope: Any, receive: Any, send: Any) -> None:
            """The ASGI app the server runs: the current emulator's (a plain coroutine function,
            which uvicorn recognizes as ASGI 3)."""
            await self._current.app(scope, receive, send)

        self.app = app

    @property
    def waits(self) -> Any:
        """What the server ends as it stops: the slow answers of the emulator being served."""
        return self._current.waits

    @contextlib.contextmanager
    def serving(self, emulator: Emulator) -> Iterator[str]:
        """Serves `emulator` (and nothing else) until the block ends; yields the base URL."""
        self._current = emulator
        try:
            yield self.url
        finally:
            self._current = self._idle

    def close(self) -> None:
        self._idle.close()

"""Shared fixtures: both async backends, a fake clock, and a mocked SeaTable server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from .helpers import GATEWAY, METADATA, SERVER, TOKEN_PATH, FakeTime, grant


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

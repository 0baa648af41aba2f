"""pytest fixtures for testing code against a local SeaTable emulator.

Registered through the ``pytest11`` entry point. The emulator itself is imported only when a
fixture is used, so this module loads even without the ``testing`` extra installed.
The fixtures are synchronous (the server runs in a thread), so they work with any async
backend and in plain synchronous tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from . import Emulator

__all__ = ["SeaTableTestBase", "seatable_base", "seatable_emulator", "seatable_server"]

TEST_USERNAME = "test@example.com"
TEST_PASSWORD = "test-password"


@dataclass(frozen=True)
class SeaTableTestBase:
    """Everything a client needs to reach the emulated base."""

    server_url: str
    api_token: str
    base_uuid: str
    base_name: str
    workspace_id: int
    username: str
    password: str
    emulator: Emulator


@pytest.fixture
def seatable_emulator() -> Iterator[Emulator]:
    """A fresh in-memory emulator with a default base, an API token and a user account."""
    from . import Emulator

    emulator = Emulator(username=TEST_USERNAME, password=TEST_PASSWORD)
    try:
        yield emulator
    finally:
        emulator.close()


@pytest.fixture
def seatable_server(seatable_emulator: Emulator) -> Iterator[str]:
    """Base URL of ``seatable_emulator`` served on a loopback port."""
    from . import serve_in_thread

    with serve_in_thread(seatable_emulator) as url:
        yield url


@pytest.fixture
def seatable_base(seatable_emulator: Emulator, seatable_server: str) -> SeaTableTestBase:
    """Connection details of the emulated base, served on loopback."""
    base = seatable_emulator.base
    return SeaTableTestBase(
        server_url=seatable_server,
        api_token=seatable_emulator.api_token,
        base_uuid=base.uuid,
        base_name=base.name,
        workspace_id=base.workspace_id,
        username=TEST_USERNAME,
        password=TEST_PASSWORD,
        emulator=seatable_emulator,
    )

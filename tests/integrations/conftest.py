"""An emulator with a user account, an httpx client into it, and a way to serve a FastAPI app
with its lifespan run (asgi-lifespan), as a user's own tests of their app would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from seatable_async import Account, Base, RetryPolicy
from seatable_async.testing import Emulator

SERVER = "http://emulator.localhost"
USERNAME = "me@example.com"
PASSWORD = "my-password"
NO_RETRY = RetryPolicy(max_attempts=1)
"""Errors reach the app at once; with no limiter either, a scripted 429 slows no later call."""


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(username=USERNAME, password=PASSWORD) as emu:
        yield emu


@pytest.fixture
async def http(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=emulator.transport()) as client:
        yield client


class Clients:
    """Makes clients of the emulator, counting how many it made."""

    def __init__(self, emulator: Emulator, http: httpx.AsyncClient) -> None:
        self.emulator = emulator
        self.http = http
        self.made: list[Base | Account] = []

    def base(self, token: str | None = None) -> Base:
        base = Base(
            token or self.emulator.api_token, SERVER, http_client=self.http, retry=NO_RETRY,
            rate_limit=None,
        )  # fmt: skip
        self.made.append(base)
        return base

    def account(self, password: str = PASSWORD) -> Account:
        account = Account(USERNAME, password, SERVER, http_client=self.http, retry=NO_RETRY)
        self.made.append(account)
        return account


@pytest.fixture
def clients(emulator: Emulator, http: httpx.AsyncClient) -> Clients:
    return Clients(emulator, http)


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client into `app`, with the app's lifespan run around it."""
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(manager.app), base_url="http://app") as c,
    ):
        yield c


async def startup_failure(app: FastAPI) -> BaseException:
    """What failed the app's startup (unwrapped from the group trio's nursery puts it in)."""
    try:
        async with served(app):
            pass
    except Exception as exc:
        error: BaseException = exc
        while len(group := getattr(error, "exceptions", ())) == 1:
            error = group[0]
        return error
    pytest.fail("the app started")

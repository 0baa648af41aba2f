"""The pytest fixtures and the emulator work in a user's own suite, written as a user writes it:
on pytest-asyncio in auto and in strict mode, and on anyio's plugin (asyncio and trio), with
every warning an error. They run in an inner pytest in a subprocess (pytester): one in-process
would drop the modules it imported when it ends, which unsettles the tests that follow."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFIG = """
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

IMPORTS = """import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from seatable_async import Base
from seatable_async.integrations.fastapi import BaseDep, get_base, seatable_lifespan
"""

HELPERS = '''

def names_app(lifespan=None):
    """The user's app under test: one handler reading the shared base."""
    app = FastAPI(lifespan=lifespan)

    @app.get("/names")
    async def names(base: BaseDep):
        return [row["Name"] for row in await base.list_rows("Table1")]

    return app


async def get_names(app):
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            return (await http.get("/names")).json()
'''

TESTS = """
async def test_a_base_on_the_served_emulator(base, seatable_emulator):
    await base.append_row("Table1", {"Name": "Ada"})
    assert [row["Name"] for row in seatable_emulator.rows("Table1")] == ["Ada"]


async def test_an_app_on_the_in_process_emulator(seatable_emulator):
    seatable_emulator.append_rows("Table1", [{"Name": "Grace"}])
    token = seatable_emulator.api_token
    async with httpx.AsyncClient(transport=seatable_emulator.transport()) as http:
        lifespan = seatable_lifespan(
            base=lambda: Base(token, "http://emulator.localhost", http_client=http)
        )
        assert await get_names(names_app(lifespan)) == ["Grace"]
        async with Base(token, "http://emulator.localhost", http_client=http) as base:
            app = names_app()
            app.dependency_overrides[get_base] = lambda: base
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
                assert (await client.get("/names")).json() == ["Grace"]
"""

BASE_FIXTURE = """
async def base(seatable_base):
    async with Base(seatable_base.api_token, seatable_base.server_url) as base:
        yield base
"""
"""A user's async fixture: a `Base` on the served emulator, under the decorator a suite uses."""

SUITES = {
    "asyncio_auto": ("auto", "", "@pytest.fixture"),
    "asyncio_strict": (
        "strict",
        "import pytest_asyncio\n\npytestmark = pytest.mark.asyncio\n",
        "@pytest_asyncio.fixture",
    ),
    "anyio": (
        "strict",
        """
pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
""",
        "@pytest.fixture",
    ),
}
"""Per suite: the pytest-asyncio mode it runs in, how its module starts (imports, marks) and
how it declares an async fixture. Suites of one mode share a run (strict mode leaves anyio's
tests to anyio)."""
RUNS = {"asyncio_auto": 1, "asyncio_strict": 1, "anyio": 2}
"""How many times each suite's tests run: anyio's once per backend."""


def module(header: str, fixture_decorator: str) -> str:
    """One user's test module."""
    return f"{IMPORTS}{header}{HELPERS}\n\n{fixture_decorator}{BASE_FIXTURE}\n{TESTS}"


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_users_suites_pass(pytester: pytest.Pytester, mode: str) -> None:
    suites = [name for name, (suite_mode, *_) in SUITES.items() if suite_mode == mode]
    pytester.makeini(f"{CONFIG}asyncio_mode = {mode}\n")
    pytester.makepyfile(**{f"test_{name}": module(*SUITES[name][1:]) for name in suites})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    per_run = TESTS.count("\nasync def test_")
    result.assert_outcomes(passed=sum(RUNS[name] * per_run for name in suites))

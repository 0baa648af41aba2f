"""The pytest fixtures and the emulator work in a user's own suite, written as a user writes it:
on pytest-asyncio in auto and in strict mode, and on anyio's plugin (asyncio and trio), with
every warning an error. Each suite runs in an inner pytest (pytester, in-process)."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

CONFIG = """
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

SHARED = '''
import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from seatable_async import Base
from seatable_async.integrations.fastapi import BaseDep, get_base, seatable_lifespan


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

SUITES = {
    "asyncio-auto": (
        "asyncio_mode = auto",
        """
        import pytest

        @pytest.fixture
        async def base(seatable_base):
            async with Base(seatable_base.api_token, seatable_base.server_url) as base:
                yield base
        """,
    ),
    "asyncio-strict": (
        "asyncio_mode = strict",
        """
        import pytest
        import pytest_asyncio

        pytestmark = pytest.mark.asyncio

        @pytest_asyncio.fixture
        async def base(seatable_base):
            async with Base(seatable_base.api_token, seatable_base.server_url) as base:
                yield base
        """,
    ),
    "anyio": (
        "asyncio_mode = strict",
        """
        import pytest

        pytestmark = pytest.mark.anyio

        @pytest.fixture(params=["asyncio", "trio"])
        def anyio_backend(request):
            return request.param

        @pytest.fixture
        async def base(seatable_base):
            async with Base(seatable_base.api_token, seatable_base.server_url) as base:
                yield base
        """,
    ),
}
"""Per suite: its pytest-asyncio mode, and how its module marks tests and declares a fixture."""


@pytest.mark.parametrize("suite", list(SUITES))
def test_a_users_suite_passes(pytester: pytest.Pytester, suite: str) -> None:
    mode, preamble = SUITES[suite]
    pytester.makeini(CONFIG + mode + "\n")
    pytester.makepyfile(
        test_users_code=SHARED + textwrap.dedent(preamble) + TESTS,
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    tests = TESTS.count("\nasync def test_") * (2 if suite == "anyio" else 1)
    result.assert_outcomes(passed=tests)

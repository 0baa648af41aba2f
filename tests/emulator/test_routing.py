"""The indexed router serves every path with the route Starlette's full scan would pick."""

from __future__ import annotations

import re

import pytest
from starlette.routing import BaseRoute, Match, Route

from seatable_async.testing import Emulator
from seatable_async.testing._routing import IndexedRouter

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def concrete(path: str) -> str:
    """A request path for a route path: ``a/b`` for a ``{x:path}``, ``p1`` for a ``{x}``."""
    return re.sub(r"\{\w+\}", "p1", re.sub(r"\{\w+:path\}", "a/b", path))


def first_full(routes: list[BaseRoute], method: str, path: str) -> BaseRoute | None:
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    return next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)


@pytest.fixture
def router() -> IndexedRouter:
    with Emulator() as emulator:
        router = emulator.app.router
    assert isinstance(router, IndexedRouter)
    return router


def test_every_route_is_found_as_by_a_full_scan(router: IndexedRouter) -> None:
    paths = {concrete(r.path) for r in router.routes if isinstance(r, Route)}
    paths |= {"/", "/nope/", "/api2/ping", "/api-gateway/api/v2/dtables/p1/nope/"}
    for path in sorted(paths):
        for method in METHODS:
            expected = first_full(router.routes, method, path)
            assert first_full(router._candidates(path), method, path) is expected, (method, path)


def test_a_path_is_matched_against_a_few_routes_only(router: IndexedRouter) -> None:
    gateway_rows = "/api-gateway/api/v2/dtables/p1/rows/"
    assert len(router._candidates("/api2/ping/")) < 10 < len(router.routes)
    assert len(router._candidates(gateway_rows)) <= 12

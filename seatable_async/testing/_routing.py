"""A Starlette router that tries only the routes a path can match.

Starlette's router tries every route in order, so a request for one of the last of the
emulator's ~250 routes ran ~250 regular expressions. :class:`IndexedRouter` first picks the
candidates by one literal path segment of each route, then matches them in the original order;
anything but a full match (405, 404, slash redirects) goes through Starlette's own scan, so
every answer is the one the plain router gives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

__all__ = ["EndpointRoute", "IndexedRouter"]


def _key_segment(path: str) -> tuple[int, str] | None:
    """(position, text) of the last non-empty literal segment of a route path that comes before
    any ``{name:path}`` placeholder (which may span segments); None when there is none."""
    key: tuple[int, str] | None = None
    for position, segment in enumerate(path.split("/")):
        if ":path}" in segment:
            break
        if segment and "{" not in segment:
            key = (position, segment)
    return key


class IndexedRouter(Router):
    """:class:`~starlette.routing.Router` with an index from literal path segments to routes."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__(list(routes))
        self._by_segment: dict[tuple[int, str], list[int]] = {}
        self._unindexed: list[int] = []
        for order, route in enumerate(self.routes):
            key = _key_segment(route.path) if isinstance(route, Route) else None
            if key is None:
                self._unindexed.append(order)
            else:
                self._by_segment.setdefault(key, []).append(order)
        self._positions = sorted({position for position, _ in self._by_segment})

    def _candidates(self, path: str) -> list[BaseRoute]:
        """The routes that can match ``path``, in their original order."""
        segments = path.split("/")
        orders = list(self._unindexed)
        for position in self._positions:
            if position < len(segments):
                orders += self._by_segment.get((position, segments[position]), ())
        return [self.routes[order] for order in sorted(orders)]

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the first candidate that fully matches; otherwise Starlette's full scan (also
        under a ``root_path``, where the path routes match is not ``scope["path"]``)."""
        if scope["type"] == "http" and not scope.get("root_path"):
            for route in self._candidates(scope["path"]):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


class EndpointRoute(Route):
    """A :class:`~starlette.routing.Route` of one method to an async endpoint, served without
    the per-route exception wrapper Starlette adds: the app's ``ExceptionMiddleware`` catches the
    same exceptions with the same handlers, so the answers are the same with a ``Request`` and a
    ``send`` layer fewer per request."""

    def __init__(
        self, path: str, endpoint: Callable[[Request], Awaitable[Response]], method: str
    ) -> None:
        super().__init__(path, endpoint, methods=[method])

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await endpoint(Request(scope, receive, send))
            await response(scope, receive, send)

        self.app = app

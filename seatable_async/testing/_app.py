"""The Starlette application: route tables, authentication and the fault/limit middleware.

Request flow (outermost first): request log → latency → scripted/random fault → rate limit →
route (authentication, then handler). Errors raised as :class:`APIError` become SeaTable's
JSON bodies; dropped connections raise :class:`ConnectionDropped` after the response started.
A client that leaves during a wait (latency, delay fault) or while its body is read is logged
as a disconnect, not served; a stopping server drops the connections it is still delaying.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING, NoReturn

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _custom_assets, _gateway, _web, _web_account, _webhooks
from ._auth import bearer_token
from ._errors import APIError, gateway_error
from ._faults import Fault
from ._ratelimit import RateLimiter, RateState
from ._routing import EndpointRoute, IndexedRouter
from ._waits import BufferedReceive, WaitEnd

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = [
    "GATEWAY_PREFIX",
    "ConnectionDropped",
    "EmulatorTransport",
    "RequestRecord",
    "build_app",
]

GATEWAY_PREFIX = "/api-gateway/api/v2/dtables/{base_uuid}"
_GATEWAY_PATH = re.compile(r"^/api-gateway/api/v2/dtables/([^/]+)")
_RATE_LIMITED_PREFIXES = ("/api-gateway/api/v2/dtables/", "/api/v2.1/", "/api2/")
_EXEMPT_PATHS = frozenset(
    {"/api2/ping", "/api2/auth/ping", "/api-gateway/api/v2/ping", "/server-info"}
)
"""Health checks (without trailing slash): never rate limited ("all endpoints except /ping and
/server-info", reference section 14) and never hit by random faults."""

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class RequestRecord:
    """One answered request. ``status`` is 0 when no answer was sent: the connection was
    dropped on purpose, or ``disconnected`` (the client left first); ``fault`` names the
    injected fault (``"503"``, ``"reset"``, ``"delay"``), if any."""

    method: str
    path: str
    query: str
    status: int
    duration: float
    fault: str | None = None
    disconnected: bool = False


class ConnectionDropped(ConnectionResetError):
    """Raised by the app to make the server abort the connection (the ``reset`` fault)."""


def _gateway_endpoint(
    emulator: Emulator, method: str, suffix: str, handler: _gateway.Endpoint
) -> Endpoint:
    read_only_ok = method == "GET" or (method, suffix) in _gateway.READ_ONLY_ALLOWED

    async def endpoint(request: Request) -> Response:
        try:
            base_uuid = request.path_params["base_uuid"]
            token = bearer_token(request.headers.get("authorization"))
            payload = emulator.verify_base_token(token, base_uuid) if token else None
            base = emulator.store.base(base_uuid)
            if payload is None or base is None:
                raise gateway_error(403, "invalid token")
            permission = str(payload.get("permission", "rw"))
            if permission != "rw" and not read_only_ok:
                raise _gateway.read_only_error()
            user = str(payload.get("username") or emulator.user_id)
            body = await request.body()
            response = handler(_gateway.Call(emulator, request, base, user, permission, body))
        except APIError as exc:
            return JSONResponse(exc.body, exc.status)
        if emulator.realtime is not None:
            await emulator.realtime.flush(base.uuid)
        return response

    return endpoint


def _web_endpoint(emulator: Emulator, handler: _web.Handler, auth: _web.Auth) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        call = await _web.read_call(emulator, request)
        try:
            _web.authenticate(call, auth)
            return _web.run(call, handler)
        except APIError as exc:
            return JSONResponse(exc.body, exc.status)

    return endpoint


def _paths(path: str) -> list[str]:
    """A path with and without its trailing slash (SeaTable accepts both). A placeholder in the
    last segment also takes an escaped ``/`` (``%2F``): a view named ``A/B`` is one segment."""
    path = _LAST_PLACEHOLDER.sub(r"{\1:path}/", path)
    return [path, path.rstrip("/")] if path.endswith("/") else [path]


_LAST_PLACEHOLDER = re.compile(r"\{(\w+)\}/$")


def build_app(emulator: Emulator) -> Starlette:
    """The ASGI app serving ``emulator``."""
    routes: list[BaseRoute] = []
    for method, suffix, handler in _gateway.ROUTES:
        endpoint = _gateway_endpoint(emulator, method, suffix, handler)
        path = suffix if suffix.startswith("/api/") else GATEWAY_PREFIX + suffix
        routes += [EndpointRoute(p, endpoint, method) for p in _paths(path)]
    web_routes = (*_custom_assets.ROUTES, *_web.ROUTES, *_web_account.ROUTES, *_webhooks.ROUTES)
    for method, path, web_handler, auth in web_routes:
        endpoint = _web_endpoint(emulator, web_handler, auth)
        routes += [EndpointRoute(p, endpoint, method) for p in _paths(path)]
    if emulator.realtime is not None:
        routes.append(emulator.realtime.route())
    app = Starlette(middleware=[Middleware(EmulatorMiddleware, emulator=emulator)])
    app.router = IndexedRouter(routes)
    return app


def _exempt(path: str) -> bool:
    """Whether ``path`` is a health check, with or without its trailing slash."""
    return path.rstrip("/") in _EXEMPT_PATHS


@dataclass(frozen=True)
class _Target:
    """What the middleware needs to know about a request's path, worked out once."""

    base_uuid: str | None
    """The base of a gateway path (``/api-gateway/api/v2/dtables/{uuid}/...``), else None."""
    exempt: bool
    """A health check: never rate limited, never hit by random faults."""

    @classmethod
    def of(cls, path: str) -> _Target:
        match = _GATEWAY_PATH.match(path)
        return cls(match.group(1) if match else None, _exempt(path))

    def rate_key(self, scope: Scope) -> str | None:
        """The rate-limit bucket: per base on the gateway, per client IP elsewhere, or none."""
        if self.base_uuid is not None:
            return f"base:{self.base_uuid}"
        if scope["path"].startswith(_RATE_LIMITED_PREFIXES) and not self.exempt:
            client = scope.get("client") or ("unknown", 0)
            return f"ip:{client[0]}"
        return None


class EmulatorMiddleware:
    """Latency, faults, rate limiting, the Date and rate headers, and the request log.

    Every response head leaves through one ``send`` that adds ``Date`` and, on base operations,
    the ``x-ratelimit-*`` headers: normal answers, faults, 429s and unhandled 500s alike.
    """

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        emulator = self.emulator
        path: str = scope["path"]
        target = _Target.of(path)
        started = time.perf_counter()
        status = 0
        fault: Fault | None = None
        rate_headers: list[tuple[bytes, bytes]] = []
        logged = False
        buffered = BufferedReceive(receive)

        def log() -> None:
            nonlocal logged
            if logged:
                return
            logged = True
            if not emulator.keep_request_log and emulator.on_request is None:
                return  # nobody reads the record (the CLI with --quiet): not built
            duration = time.perf_counter() - started
            record = _record(scope, status, duration, fault, buffered.disconnected)
            if emulator.keep_request_log:
                emulator.request_log.append(record)
            if emulator.on_request is not None:
                emulator.on_request(record)

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                date = _http_date(int(emulator.clock()))
                headers = [*message.get("headers", []), (b"date", date), *rate_headers]
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                log()  # before the last byte leaves, so a client never sees an unlogged answer
            await send(message)

        try:
            end = await self._wait(emulator.latency_ms / 1000, buffered)
            if end is WaitEnd.SLEPT:
                fault = emulator.faults.next_fault(scope["method"], path, draw=not target.exempt)
                if fault is not None and fault.kind == "delay":
                    end = await self._wait(fault.delay, buffered)
            if end is WaitEnd.DISCONNECTED:
                return
            if end is WaitEnd.STOPPED:
                await _drop_connection(tracking_send, [], "the emulator is stopping")
            replacement = fault if fault is not None and fault.kind != "delay" else None
            counted = replacement is None or replacement.apply_write
            rate = _limit(emulator.rate_limiter, target.rate_key(scope), counted=counted)
            if rate is not None and target.base_uuid is not None:
                rate_headers += [(k.encode(), v.encode()) for k, v in rate.headers().items()]
            if replacement is not None and not replacement.apply_write:
                await _answer_fault(replacement, target, tracking_send)
            elif rate is not None and not rate.allowed:
                await _send(tracking_send, 429, b"", [])
            elif replacement is not None:
                await self.app(scope, buffered, _discard)
                await _answer_fault(replacement, target, tracking_send)
            else:
                await self.app(scope, buffered, tracking_send)
        except ConnectionDropped:
            status = 0  # the client never receives the head that was started
            raise
        except ClientDisconnect:  # the client left while the handler read its body
            buffered.disconnected = True
        except Exception:
            if status == 0:  # nothing sent yet: answer the crash ourselves, with the headers
                await _answer_status(500, target, tracking_send, [])
            raise
        finally:
            log()

    async def _wait(self, seconds: float, receive: BufferedReceive) -> WaitEnd:
        """Wait ``seconds`` (none: at once) unless the client leaves or the server stops."""
        if seconds <= 0:
            return WaitEnd.SLEPT
        emulator = self.emulator
        return await emulator.waits.wait(emulator.sleep, seconds, receive)


@functools.lru_cache(maxsize=4)
def _http_date(second: int) -> bytes:
    """The ``Date`` header of a unix second (formatted once per second, not per answer)."""
    return formatdate(second, usegmt=True).encode()


def _limit(limiter: RateLimiter, key: str | None, *, counted: bool) -> RateState | None:
    """The request's rate state; a request answered before the limit (a fault) is not counted."""
    if key is None:
        return None
    return limiter.hit(key) if counted else limiter.peek(key)


def _record(
    scope: Scope, status: int, duration: float, fault: Fault | None, disconnected: bool
) -> RequestRecord:
    query = scope.get("query_string", b"").decode("latin-1")
    label = fault.label if fault is not None else None
    return RequestRecord(
        scope["method"], scope["path"], query, status, duration, label, disconnected
    )


async def _discard(message: Message) -> None:
    """Swallow the real response of a write whose answer a fault replaces."""


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _answer_fault(fault: Fault, target: _Target, send: Send) -> None:
    """Answer with the fault: an error status, or an aborted response."""
    headers = [(k.encode(), v.encode()) for k, v in fault.headers]
    if fault.kind == "reset":
        await _drop_connection(send, headers, "connection dropped by a scripted fault")
    await _answer_status(fault.status, target, send, headers)


async def _drop_connection(send: Send, headers: list[tuple[bytes, bytes]], why: str) -> NoReturn:
    """Start a response promising a body, then make the server abort the connection."""
    headers = [*headers, (b"content-length", b"1024")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    raise ConnectionDropped(why)


async def _answer_status(
    status: int, target: _Target, send: Send, headers: list[tuple[bytes, bytes]]
) -> None:
    """An error answer shaped like SeaTable's: no body for 429, else the component's JSON key."""
    body = b""
    if status != 429:
        key = "error_message" if target.base_uuid is not None else "error_msg"
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        body = json.dumps({key: phrase}).encode()
        headers = [*headers, (b"content-type", b"application/json")]
    await _send(send, status, body, headers)


class EmulatorTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` that turns a dropped connection into ``httpx.RemoteProtocolError``,
    as a real socket would."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward to the app in-process."""
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            ) from exc

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()

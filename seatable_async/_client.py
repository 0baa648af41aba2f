"""What `Base` and `Account` share: options, lifecycle, and the one way every call is sent.

A client is a session (pool, transport stack, tokens: `_session.py`) plus options; a
`with_options` view shares the session and every other piece of state, and differs only in
its options.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

import httpx
from typing_extensions import Self

from ._call import ClientOptions, LogicalCall, logical_call
from ._encoding import json_value
from ._exceptions import ClientClosedError, InvalidInputError
from ._operations import AnswerT, Operation, decoded, json_answer
from ._ratelimit import RateLimit
from ._retry import RetryPolicy
from ._secrets import Secrets
from ._session import Session, pool_for
from ._transport import EXTENSION_KEY, IDEMPOTENT_METHODS, CallOptions, TokenKind, TokenSource
from ._types import NOT_GIVEN, NotGiven
from ._usage import Usage
from ._validation import (
    HTTP_METHODS,
    AnswerCheck,
    check_encodable,
    check_params,
    check_url_length,
    request_path,
    require_text,
    server_root,
)

__all__ = ["DEFAULT_RATE_LIMIT", "DEFAULT_RETRY", "_Client", "checked_options"]


DEFAULT_RETRY = RetryPolicy()
"""Five attempts, 0.5 s to 8 s full-jitter backoff, 60 s budget; writes not retried on 5xx."""
DEFAULT_RATE_LIMIT = RateLimit()
"""Eight calls in flight per base, paced to SeaTable's documented and announced limits."""


def _is_seconds(value: object) -> bool:
    """A positive, finite number, which `float` turns into the same number."""
    try:
        return isinstance(value, (int, float)) and 0 < float(value) < math.inf
    except OverflowError:
        return False


def checked_options(
    base: ClientOptions | None,
    timeout: float | NotGiven,
    connect_timeout: float | NotGiven,
    retry: RetryPolicy | NotGiven,
) -> ClientOptions:
    """Checked options: `base` with whichever settings were given replaced."""
    given: dict[str, Any] = {}
    for name, value in (("timeout", timeout), ("connect_timeout", connect_timeout)):
        if value is NOT_GIVEN:
            continue
        if not _is_seconds(value):
            raise InvalidInputError(f"{name} must be a positive, finite number of seconds")
        given[name] = float(value)
    if retry is not NOT_GIVEN:
        if not isinstance(retry, RetryPolicy):
            raise InvalidInputError("retry must be a RetryPolicy")
        given["retry"] = retry
    if base is None:
        return ClientOptions(**given)
    return ClientOptions(**{**base.__dict__, **given})


class _Client(abc.ABC):
    """Options, lifecycle and the one way every call is sent, shared by `Base` and `Account`."""

    _session: Session
    _options: ClientOptions
    _owns_session: bool

    def _open(
        self,
        server_url: str,
        tokens: Mapping[TokenKind, TokenSource],
        options: ClientOptions,
        *,
        rate_limit: RateLimit | None,
        http_client: httpx.AsyncClient | None = None,
        shared: Session | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidInputError("http_client must be an httpx.AsyncClient")
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise InvalidInputError("rate_limit must be a RateLimit or None")
        pool = pool_for(http_client, shared.pool if shared is not None else None)
        secrets = shared.secrets if shared is not None else secrets or Secrets()
        self._session = Session(server_root(server_url), pool, tokens, secrets, rate_limit)
        if shared is not None:
            shared.feeds.adopt(self._session.feeds)
        self._options = options
        self._owns_session = True

    @property
    def server_url(self) -> str:
        """The server's root URL, as given (without a trailing slash)."""
        return self._session.server_url

    @property
    def closed(self) -> bool:
        """Whether the pool this client uses was closed; a closed client cannot be reopened."""
        return self._session.closed

    def _request_slots(self) -> int:
        """The limiter's cap on requests in flight (its default when the limiter is off)."""
        limit = self._session.rate_limit
        return DEFAULT_RATE_LIMIT.max_concurrency if limit is None else limit.max_concurrency

    @property
    def usage(self) -> Usage:
        """API calls this client (and its `with_options` views) has sent so far, retries and
        token exchanges included: what SeaTable Cloud counts against the monthly quota.

        A `Base` counts the calls for its one base; an `Account` counts its own calls, the
        grants of `get_base` included, but not those of the bases it opened (each counts its
        own). Two clients of one base count separately.
        """
        return self._session.usage.snapshot()

    def with_options(
        self,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        connect_timeout: float | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A view of this client with other defaults, sharing its pool, tokens and caches.

        Closing a view does nothing; close the client it came from.
        """
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        view._options = checked_options(self._options, timeout, connect_timeout, retry)
        view._owns_session = False
        return view

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: TokenKind | None,
        idempotent: bool | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """One request through the stack, within the logical call in progress or a new one.

        A token exchange the request triggers joins its call, so it obeys that call's options
        and deadline.
        """
        if self._session.closed:
            raise ClientClosedError(f"{type(self).__name__} is closed")
        check_url_length(self._session.server_url + path, params)
        async with self._call_scope() as call:
            options = call.options
            transport_options = CallOptions(
                retry=options.retry,
                timeout=options.timeout,
                idempotent=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
                token=token,
                deadline=call.expires,
            )
            request = self._session.http.build_request(
                method,
                path,
                params=params,
                json=json,
                data=data,
                files=files,
                timeout=options.timeouts(),
                extensions={EXTENSION_KEY: transport_options},
            )
            call.request = request
            return await self._session.http.send(request)

    async def _call(
        self,
        operation: Operation[AnswerT],
        *,
        segments: Mapping[str, object] | None = None,
        idempotent: bool | None = None,
        expect: Mapping[str, AnswerCheck] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> AnswerT:
        """Sends one declared operation and returns its checked answer."""
        async with self._call_scope():
            path = await self._resolve(operation, segments or {}, params)
            try:
                response = await self._send(
                    operation.method,
                    path,
                    token=operation.token,
                    idempotent=operation.safe_to_repeat if idempotent is None else idempotent,
                    params=params,
                    json=json,
                    data=data,
                )
            finally:
                self._after(operation.method, path)
        return decoded(operation, response, expect)

    @abc.abstractmethod
    def _after(self, method: str, path: str) -> None:
        """Runs once a request has ended, whatever its outcome (a base drops stale caches)."""

    async def _resolve(
        self, operation: Operation[Any], segments: Mapping[str, object], params: Any
    ) -> str:
        """The operation's path with its placeholders filled."""
        return operation.url(segments)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
    ) -> Any:
        """Any endpoint this client does not wrap, through the same stack (token, retries by
        idempotency, typed errors, masking); returns the decoded JSON, or the text.

        Everything is checked before any request (the token exchange included).
        """
        method = require_text("method", method).upper()
        if method not in HTTP_METHODS:
            raise InvalidInputError(f"method must be one of {', '.join(sorted(HTTP_METHODS))}")
        path = request_path(path)
        if json is not None:
            json = json_value("json", json)
        check_params(params)
        check_encodable(params=params, data=data, files=files)
        async with self._call_scope():
            token, full_path = await self._route(path, params)
            try:
                response = await self._send(
                    method, full_path, token=token, params=params, json=json, data=data,
                    files=files,
                )  # fmt: skip
            finally:
                self._after(method, full_path)
        return json_answer(response)

    @abc.abstractmethod
    async def _route(self, path: str, params: Any) -> tuple[TokenKind | None, str]:
        """Which token a path of the escape hatch needs, and the path to send; a path that
        cannot be sent is refused before any token is fetched."""

    def _call_scope(self, name: str = "call") -> AbstractAsyncContextManager[LogicalCall]:
        """The logical call in progress, or a new one under this view's options and budget."""
        return logical_call(self._options, f"{type(self).__name__}.{name}")

    async def aclose(self) -> None:
        """Closes the pool this client created; safe to call more than once."""
        if self._owns_session:
            await self._session.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

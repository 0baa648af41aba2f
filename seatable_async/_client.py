"""The clients users hold: `Base` (one base, base token) and `Account` (account token).

A client is a session (pool, transport stack, tokens: `_session.py`) plus options; a
`with_options` view shares the session and every other piece of state, and differs only in
its options.
"""

from __future__ import annotations

import abc
import math
import re
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

import httpx
from typing_extensions import Self

from ._call import ClientOptions, LogicalCall, logical_call
from ._constants import (
    BASE_TOKEN_LIFETIME,
    DEFAULT_BATCH_LIMITS,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    BatchLimits,
)
from ._encoding import json_value
from ._exceptions import InvalidInputError, SeaTableError
from ._operations import AnswerT, Operation, decoded, json_answer
from ._ratelimit import RateLimit
from ._retry import RetryPolicy
from ._secrets import Secrets
from ._session import BaseState, Session, pool_for
from ._transport import (
    EXTENSION_KEY,
    IDEMPOTENT_METHODS,
    CallOptions,
    RenewingToken,
    StaticToken,
    TokenKind,
    TokenSource,
)
from ._types import NOT_GIVEN, NotGiven
from ._usage import Usage
from ._validation import (
    HTTP_METHODS,
    AnswerCheck,
    check_encodable,
    check_params,
    check_url_length,
    is_text,
    request_path,
    require_int,
    require_text,
    require_token,
    server_root,
    warn_if_plain_http,
)
from .resources.account import AccountResource
from .resources.base_info import SchemaCache, changes_schema
from .resources.big_data import BigDataResource
from .resources.bulk import BulkResource
from .resources.changes import ChangesResource
from .resources.columns import ColumnsResource
from .resources.comments import CommentsResource
from .resources.files import FilesResource
from .resources.filters import FiltersResource
from .resources.links import LinksResource
from .resources.notifications import NotificationsResource
from .resources.people import PeopleResource
from .resources.rows import RowsResource
from .resources.sql import SQLResource
from .resources.tables import TablesResource
from .resources.views import ViewsResource
from .resources.webhooks import WebhooksResource
from .types import AccountToken, BaseGrant

__all__ = ["Account", "Base"]

TEMP_API_TOKEN_LIFETIME = 3600.0
"""Seconds a temporary API token lives (`createTempApiToken`): a Base an Account opened uses
one, fetched on first need and renewed before it runs out, for the calls that take an API token."""
GATEWAY_ROOT = "/api-gateway/api/v2/dtables/{base_uuid}/"
_GATEWAY_PREFIX = re.compile(r"^/api-gateway/api/v2/dtables/[^/]+/")
UUID_PLACEHOLDER = "0" * 36
"""As long as a base UUID: a gateway URL is checked with it before the base token names the base."""

BASE_TOKEN_WITH_API_TOKEN: Operation[BaseGrant] = Operation(
    "auth", "getBaseTokenWithApiToken", "GET", "/api/v2.1/dtable/app-access-token/", "api",
    BaseGrant,
)  # fmt: skip
BASE_TOKEN_WITH_ACCOUNT_TOKEN: Operation[BaseGrant] = Operation(
    "Account.get_base", "getBaseTokenWithAccountToken", "GET",
    "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/access-token/", "account", BaseGrant,
)  # fmt: skip
ACCOUNT_LOGIN: Operation[AccountToken] = Operation(
    "Account.auth", "getAccountTokenfromUsername", "POST", "/api2/auth-token/", None, AccountToken,
    idempotent=True,
)  # fmt: skip
GRANT_EXTRAS: dict[str, AnswerCheck] = {
    "workspace_id": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "dtable_name": is_text,
}
"""What a grant may also tell about the base; a value of another type is ignored."""

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


def _options(
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
        view._options = _options(self._options, timeout, connect_timeout, retry)
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
            raise SeaTableError(f"{type(self).__name__} is closed")
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
            token, full_path = await self._route(path)
            try:
                response = await self._send(
                    method, full_path, token=token, params=params, json=json, data=data,
                    files=files,
                )  # fmt: skip
            finally:
                self._after(method, full_path)
        return json_answer(response)

    @abc.abstractmethod
    async def _route(self, path: str) -> tuple[TokenKind | None, str]:
        """Which token a path of the escape hatch needs, and the path to send."""

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


class Base(
    _Client,
    BulkResource,
    NotificationsResource,
    ChangesResource,
    FiltersResource,
    LinksResource,
    CommentsResource,
    BigDataResource,
    TablesResource,
    ColumnsResource,
    ViewsResource,
    RowsResource,
    SQLResource,
    FilesResource,
    PeopleResource,
):
    """One SeaTable base, reached with its API token (or through `Account.get_base`).

    The API token is exchanged for a base token on first use; the base token is renewed
    before it expires and once more whenever the server rejects it.
    """

    _base: BaseState

    def __init__(
        self,
        api_token: str,
        server_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        http_client: httpx.AsyncClient | None = None,
        batch_limits: BatchLimits = DEFAULT_BATCH_LIMITS,
    ) -> None:
        api = StaticToken(require_token("api_token", api_token))
        if not isinstance(batch_limits, BatchLimits):
            raise InvalidInputError("batch_limits must be a BatchLimits")
        self._batch_limits = batch_limits
        options = _options(None, timeout, connect_timeout, retry)
        self._base = BaseState(
            RenewingToken(self._fetch_base_token, default_lifetime=BASE_TOKEN_LIFETIME)
        )
        self._grant_source: tuple[Account, int, str] | None = None
        self._open(
            server_url, {"api": api, "base": self._base.base_token}, options,
            rate_limit=rate_limit, http_client=http_client,
        )  # fmt: skip
        warn_if_plain_http(self.server_url, stacklevel=2)

    @classmethod
    def _from_account(cls, account: Account, workspace_id: int, base_name: str) -> Base:
        base = cls.__new__(cls)
        base._base = BaseState(
            RenewingToken(base._fetch_base_token, default_lifetime=BASE_TOKEN_LIFETIME)
        )
        base._base.identity.workspace_id = workspace_id
        base._base.identity.dtable_name = base_name
        base._grant_source = (account, workspace_id, base_name)

        async def temporary_api_token() -> str:
            return await account.create_temp_api_token(workspace_id, base_name)

        api = RenewingToken(temporary_api_token, default_lifetime=TEMP_API_TOKEN_LIFETIME)
        base._open(
            account.server_url, {"base": base._base.base_token, "api": api}, account._options,
            rate_limit=account._session.rate_limit, shared=account._session,
        )  # fmt: skip
        return base

    @property
    def _schema(self) -> SchemaCache:
        return self._base.schema

    async def _fetch_base_token(self) -> str:
        identity = self._base.identity
        if self._grant_source is None:
            grant = await self._call(BASE_TOKEN_WITH_API_TOKEN)
        else:
            account, workspace_id, base_name = self._grant_source
            segments = {"workspace_id": workspace_id, "base_name": base_name}
            grant = await account._call(BASE_TOKEN_WITH_ACCOUNT_TOKEN, segments=segments)
        identity.base_uuid = grant["dtable_uuid"]
        for field, check in GRANT_EXTRAS.items():
            if check(grant.get(field)):
                setattr(identity, field, grant[field])  # type: ignore[literal-required]
        return grant["access_token"]

    @property
    def base_uuid(self) -> str | None:
        """The base's UUID, known once a base token has been fetched."""
        return self._base.identity.base_uuid

    @property
    def workspace_id(self) -> int | None:
        """The id of the base's workspace, known once a base token has been fetched."""
        return self._base.identity.workspace_id

    @property
    def dtable_name(self) -> str | None:
        """The base's name."""
        return self._base.identity.dtable_name

    async def auth(self) -> None:
        """Gets a base token now rather than on the first call (the official SDK's `auth()`)."""
        async with self._call_scope("auth()"):
            await self._base.base_token.token()

    async def _resolve(
        self, operation: Operation[Any], segments: Mapping[str, object], params: Any
    ) -> str:
        """Gateway paths name the base, known once its token has been fetched.

        The URL's length is checked with a stand-in UUID first, so an over-long argument is
        refused before even the token exchange is sent.
        """
        if "base_uuid" not in operation.placeholders:
            return operation.url(segments)
        stand_in = operation.url({**segments, "base_uuid": UUID_PLACEHOLDER})
        check_url_length(self.server_url + stand_in, params)
        await self._base.base_token.token()
        return operation.url({**segments, "base_uuid": self.base_uuid})

    def _after(self, method: str, path: str) -> None:
        """A call that may have changed the schema drops the cached metadata."""
        suffix = _GATEWAY_PREFIX.sub("", path, count=1)
        if suffix != path and changes_schema(method, suffix):
            self._base.schema.invalidate()

    async def _route(self, path: str) -> tuple[TokenKind | None, str]:
        """A path without a leading slash is relative to this base's gateway root and takes the
        base token, as `/api-gateway/...` does; other absolute paths take the API token."""
        if path.startswith("/") and not _GATEWAY_PREFIX.match(path):
            return "api", path
        await self._base.base_token.token()
        if path.startswith("/"):
            return "base", path
        return "base", GATEWAY_ROOT.format(base_uuid=self.base_uuid) + path

    def __repr__(self) -> str:
        return f"Base(server_url={self.server_url!r}, base_uuid={self.base_uuid!r})"


class Account(_Client, AccountResource, WebhooksResource):
    """A SeaTable account: login name and password (as the official SDK), or an account token."""

    def __init__(
        self,
        login_name: str | None = None,
        password: str | None = None,
        server_url: str | None = None,
        *,
        username: str | None = None,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if login_name is not None and username is not None:
            raise InvalidInputError("give login_name or username, not both")
        login = login_name if login_name is not None else username
        if (token is None) == (login is None and password is None):
            raise InvalidInputError("give either a login name and password, or token")
        options = _options(None, timeout, connect_timeout, retry)
        self.username = login
        self._credentials: dict[str, str] = {}
        source: TokenSource
        secrets = Secrets()
        if token is not None:
            source = StaticToken(require_token("token", token))
        else:
            self._credentials = {
                "username": require_text("login_name", login),
                "password": require_text("password", password),
            }
            secrets.add(self._credentials["password"])
            source = RenewingToken(self._login, default_lifetime=None)
        self._account_token = source
        self._open(
            require_text("server_url", server_url), {"account": source}, options,
            rate_limit=rate_limit, http_client=http_client, secrets=secrets,
        )  # fmt: skip
        warn_if_plain_http(self.server_url, stacklevel=2)

    async def _login(self) -> str:
        answer = await self._call(ACCOUNT_LOGIN, data=self._credentials)
        return answer["token"]

    async def auth(self) -> None:
        """Logs in now rather than on the first call."""
        async with self._call_scope("auth()"):
            await self._account_token.token()

    async def get_base(self, workspace_id: int, base_name: str) -> Base:
        """A ready `Base` for a base of this account, sharing this account's connection pool."""
        require_int("workspace_id", workspace_id, 1)
        BASE_TOKEN_WITH_ACCOUNT_TOKEN.url({"workspace_id": workspace_id, "base_name": base_name})
        base = Base._from_account(self, workspace_id, base_name)
        await base.auth()
        return base

    def _after(self, method: str, path: str) -> None:
        """An account caches nothing a request could make stale."""

    async def _route(self, path: str) -> tuple[TokenKind | None, str]:
        """Every escape-hatch path of an account takes the account token."""
        if not path.startswith("/"):
            raise InvalidInputError(
                "an Account's request path must be absolute, like /api/v2.1/..."
            )
        return "account", path

    def __repr__(self) -> str:
        return f"Account(server_url={self.server_url!r}, username={self.username!r})"

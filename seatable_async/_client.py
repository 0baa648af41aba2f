"""The clients users hold: `Base` (one base, base token) and `Account` (account token)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

import anyio
import httpx

from ._call import ClientOptions, LogicalCall, logical_call
from ._constants import (
    BASE_TOKEN_LIFETIME,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    MAX_REQUEST_TARGET,
    USER_AGENT,
)
from ._exceptions import InvalidInputError, SeaTableError, UnexpectedResponseError
from ._json import parse_json
from ._retry import RetryPolicy
from ._secrets import Secrets
from ._transport import (
    EXTENSION_KEY,
    IDEMPOTENT_METHODS,
    BorrowedTransport,
    CallOptions,
    CancelSafePool,
    RenewingToken,
    StaticToken,
    TokenKind,
    TokenSource,
    build_transport,
    describe,
)
from ._validation import (
    AnswerCheck,
    is_segment,
    is_text,
    is_token,
    path_segment,
    require_int,
    require_text,
    require_token,
    server_root,
    warn_if_plain_http,
)
from .resources.base_info import SchemaCache, changes_schema
from .resources.rows import RowsResource
from .resources.sql import SQLResource

__all__ = ["Account", "Base"]

Grant = Callable[[], Awaitable[dict[str, Any]]]
_UNSET: Any = object()

BASE_GRANT = {"access_token": is_token, "dtable_uuid": is_segment}
"""What a base-token grant must hold, whichever flow issued it."""
GRANT_EXTRAS: dict[str, AnswerCheck] = {
    "workspace_id": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "dtable_name": is_text,
}
"""What a grant may also tell about the base; a value of another type is ignored."""

GATEWAY_PATH = "/api-gateway/api/v2/dtables/{uuid}/{suffix}"
UUID_PLACEHOLDER = "0" * 36
"""As long as a base UUID: a gateway URL is checked with it before the base token names the base."""

DEFAULT_RETRY = RetryPolicy()
"""Five attempts, 0.5 s to 8 s full-jitter backoff, 60 s budget; writes not retried on 5xx."""


def _merged(
    options: ClientOptions, timeout: float, connect_timeout: float, retry: RetryPolicy
) -> ClientOptions:
    """The options with whichever settings were given replaced."""
    return ClientOptions(
        timeout=options.timeout if timeout is _UNSET else float(timeout),
        connect_timeout=(
            options.connect_timeout if connect_timeout is _UNSET else float(connect_timeout)
        ),
        retry=options.retry if retry is _UNSET else retry,
    )


class _Connection:
    """The pool and the transport stack, shared by a client and all its `with_options` views."""

    def __init__(
        self,
        server_url: str,
        pool: httpx.AsyncBaseTransport,
        tokens: Mapping[TokenKind, TokenSource],
        secrets: Secrets,
    ) -> None:
        self.pool = pool
        self.secrets = secrets
        self.http = httpx.AsyncClient(
            base_url=server_url,
            transport=build_transport(pool, tokens, secrets),
            headers={"User-Agent": USER_AGENT},
        )
        self.closed = False

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            with anyio.CancelScope(shield=True):
                await self.http.aclose()


def _pool_for(
    http_client: httpx.AsyncClient | None, shared_pool: httpx.AsyncBaseTransport | None
) -> httpx.AsyncBaseTransport:
    if http_client is not None:
        return CancelSafePool.for_client(http_client)
    if shared_pool is not None:
        return BorrowedTransport(shared_pool)
    return CancelSafePool(httpx.AsyncHTTPTransport(limits=DEFAULT_LIMITS))


def _is_seconds(value: object) -> bool:
    """A positive, finite number, which `float` turns into the same number."""
    try:
        return isinstance(value, (int, float)) and 0 < float(value) < math.inf
    except OverflowError:
        return False


def _check_options(timeout: float, connect_timeout: float, retry: RetryPolicy) -> None:
    for name, value in (("timeout", timeout), ("connect_timeout", connect_timeout)):
        if value is not _UNSET and not _is_seconds(value):
            raise InvalidInputError(f"{name} must be a positive, finite number of seconds")
    if retry is not _UNSET and not isinstance(retry, RetryPolicy):
        raise InvalidInputError("retry must be a RetryPolicy")


def _json_object(response: httpx.Response, expect: Mapping[str, AnswerCheck]) -> dict[str, Any]:
    """The answer's JSON object, once it is known to hold every expected field."""
    body = parse_json(response.content)
    if not isinstance(body, dict):
        raise UnexpectedResponseError(
            f"{describe(response.request)} answered with a body that is not a JSON object",
            response=response,
        )
    wrong = [key for key, check in expect.items() if not check(body.get(key))]
    if wrong:
        raise UnexpectedResponseError(
            f"{describe(response.request)} answered without a valid {', '.join(wrong)}",
            response=response,
        )
    return body


@dataclasses.dataclass
class _BaseIdentity:
    """Which base a token grant named; shared by a `Base` and its `with_options` views."""

    base_uuid: str | None = None
    workspace_id: int | None = None
    dtable_name: str | None = None


class _APIClient:
    """Request plumbing shared by `Base` and `Account`: options, lifecycle, JSON calls."""

    _server_url: str
    _options: ClientOptions
    _connection: _Connection
    _owner: bool

    def _setup(
        self,
        server_url: str,
        tokens: Mapping[TokenKind, TokenSource],
        *,
        timeout: float,
        connect_timeout: float,
        retry: RetryPolicy,
        http_client: httpx.AsyncClient | None,
        shared_pool: httpx.AsyncBaseTransport | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        _check_options(timeout, connect_timeout, retry)
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidInputError("http_client must be an httpx.AsyncClient")
        self._server_url = server_root(server_url)
        self._options = ClientOptions(float(timeout), float(connect_timeout), retry)
        pool = _pool_for(http_client, shared_pool)
        self._connection = _Connection(self._server_url, pool, tokens, secrets or Secrets())
        self._owner = True

    @property
    def server_url(self) -> str:
        return self._server_url

    def with_options(
        self,
        *,
        timeout: float = _UNSET,
        connect_timeout: float = _UNSET,
        retry: RetryPolicy = _UNSET,
    ) -> Any:
        """A view of this client with other defaults, sharing its pool and tokens.

        Closing a view does nothing; close the client it came from.
        """
        _check_options(timeout, connect_timeout, retry)
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        view._options = _merged(self._options, timeout, connect_timeout, retry)
        view._owner = False
        return view

    async def _request(
        self,
        method: str,
        url: str,
        *,
        token: TokenKind | None,
        expect: Mapping[str, AnswerCheck] | None = None,
        idempotent: bool | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One request through the stack; returns the JSON object it answered.

        It joins the logical call in progress (so a token exchange obeys the options and the
        deadline of the call that needed it) or starts one. `expect` names the fields the
        caller reads and what each must be, checked before it does.
        """
        if self._connection.closed:
            raise SeaTableError(f"{type(self).__name__} is closed")
        self._check_url(url, params)
        async with self._call_scope() as call:
            options = call.options
            transport_options = CallOptions(
                retry=options.retry,
                timeout=options.timeout,
                idempotent=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
                token=token,
                deadline=call.expires,
            )
            request = self._connection.http.build_request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                timeout=options.timeouts(),
                extensions={EXTENSION_KEY: transport_options},
            )
            call.request = call.request or request
            response = await self._connection.http.send(request)
        return _json_object(response, expect or {})

    def _call_scope(self, name: str = "call") -> AbstractAsyncContextManager[LogicalCall]:
        """The logical call in progress, or a new one under this view's options and budget."""
        return logical_call(self._options, f"{type(self).__name__}.{name}")

    def _check_url(self, url: str, params: Mapping[str, Any] | None) -> None:
        """Refuses, before anything is sent, a URL longer than SeaTable's proxy accepts."""
        try:
            length = len(httpx.URL(self._server_url + url, params=params).raw_path)
        except httpx.InvalidURL:  # longer than httpx itself builds
            length = MAX_REQUEST_TARGET + 1
        if length > MAX_REQUEST_TARGET:
            raise InvalidInputError(
                f"the request would need a URL longer than the {MAX_REQUEST_TARGET} bytes "
                "SeaTable's proxy accepts; use shorter names"
            )

    async def aclose(self) -> None:
        """Closes the pool this client created; safe to call more than once."""
        if self._owner:
            await self._connection.aclose()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class Base(_APIClient, RowsResource, SQLResource):
    """One SeaTable base, reached with its API token (or through `Account.get_base`).

    The API token is exchanged for a base token on first use; the base token is renewed
    before it expires and once more whenever the server rejects it.
    """

    def __init__(
        self,
        api_token: str,
        server_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        api = StaticToken(require_token("api_token", api_token))
        self._init_base(
            server_url,
            self._grant_from_api_token,
            {"api": api},
            timeout=timeout,
            connect_timeout=connect_timeout,
            retry=retry,
            http_client=http_client,
        )
        warn_if_plain_http(self._server_url, stacklevel=2)

    def _init_base(
        self,
        server_url: str,
        grant: Grant,
        tokens: Mapping[TokenKind, TokenSource],
        **options: Any,
    ) -> None:
        self._identity = _BaseIdentity()
        self._grant = grant
        self._base_token = RenewingToken(
            self._fetch_base_token, default_lifetime=BASE_TOKEN_LIFETIME
        )
        self._schema = SchemaCache()
        self._setup(server_url, {**tokens, "base": self._base_token}, **options)

    @classmethod
    def _from_account(cls, account: Account, workspace_id: int, base_name: str) -> Base:
        base = cls.__new__(cls)

        async def grant() -> dict[str, Any]:
            return await account._base_grant(workspace_id, base_name)

        base._init_base(
            account.server_url,
            grant,
            {},
            timeout=account._options.timeout,
            connect_timeout=account._options.connect_timeout,
            retry=account._options.retry,
            http_client=None,
            shared_pool=account._connection.pool,
            secrets=account._connection.secrets,
        )
        base._identity.workspace_id = workspace_id
        base._identity.dtable_name = base_name
        return base

    async def _grant_from_api_token(self) -> dict[str, Any]:
        return await self._request(
            "GET", "/api/v2.1/dtable/app-access-token/", token="api", expect=BASE_GRANT
        )

    async def _fetch_base_token(self) -> str:
        grant = await self._grant()
        identity = self._identity
        identity.base_uuid = grant["dtable_uuid"]
        for field, check in GRANT_EXTRAS.items():
            if check(grant.get(field)):
                setattr(identity, field, grant[field])
        token: str = grant["access_token"]
        return token

    @property
    def base_uuid(self) -> str | None:
        """The base's UUID, known once a base token has been fetched."""
        return self._identity.base_uuid

    @property
    def workspace_id(self) -> int | None:
        return self._identity.workspace_id

    @property
    def dtable_name(self) -> str | None:
        """The base's name."""
        return self._identity.dtable_name

    async def auth(self) -> None:
        """Gets a base token now rather than on the first call (the official SDK's `auth()`)."""
        async with self._call_scope("auth()"):
            await self._base_token.token()

    async def _gateway(self, method: str, suffix: str, **request: Any) -> dict[str, Any]:
        self._check_url(
            GATEWAY_PATH.format(uuid=UUID_PLACEHOLDER, suffix=suffix), request.get("params")
        )
        async with self._call_scope():
            await self._base_token.token()
            uuid = path_segment("dtable_uuid", self.base_uuid)
            path = GATEWAY_PATH.format(uuid=uuid, suffix=suffix)
            try:
                return await self._request(method, path, token="base", **request)
            finally:
                if changes_schema(method, suffix):
                    self._schema.invalidate()

    def __repr__(self) -> str:
        return f"Base(server_url={self._server_url!r}, base_uuid={self.base_uuid!r})"


class Account(_APIClient):
    """A SeaTable account: username and password, or an account token."""

    def __init__(
        self,
        *,
        server_url: str,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if (token is None) == (username is None and password is None):
            raise InvalidInputError("give either username and password, or token")
        self.username = username
        source: TokenSource
        if token is not None:
            source = StaticToken(require_token("token", token))
        else:
            self._credentials = {
                "username": require_text("username", username),
                "password": require_text("password", password),
            }
            source = RenewingToken(self._login, default_lifetime=None)
        self._account_token = source
        secrets = Secrets()
        if password is not None:
            secrets.add(password)
        self._setup(
            server_url,
            {"account": source},
            timeout=timeout,
            connect_timeout=connect_timeout,
            retry=retry,
            http_client=http_client,
            secrets=secrets,
        )
        warn_if_plain_http(self._server_url, stacklevel=2)

    async def _login(self) -> str:
        answer = await self._request(
            "POST",
            "/api2/auth-token/",
            token=None,
            expect={"token": is_token},
            idempotent=True,
            data=self._credentials,
        )
        token: str = answer["token"]
        return token

    async def auth(self) -> None:
        """Logs in now rather than on the first call."""
        async with self._call_scope("auth()"):
            await self._account_token.token()

    async def _base_grant(self, workspace_id: int, base_name: str) -> dict[str, Any]:
        name = path_segment("base_name", base_name)
        path = f"/api/v2.1/workspace/{workspace_id}/dtable/{name}/access-token/"
        return await self._request("GET", path, token="account", expect=BASE_GRANT)

    async def get_base(self, workspace_id: int, base_name: str) -> Base:
        """A ready `Base` for a base of this account, sharing this account's connection pool."""
        require_int("workspace_id", workspace_id, 1)
        path_segment("base_name", base_name)
        base = Base._from_account(self, workspace_id, base_name)
        await base.auth()
        return base

    def __repr__(self) -> str:
        return f"Account(server_url={self._server_url!r}, username={self.username!r})"

"""`Account`: a SeaTable account, by login name and password or by account token."""

from __future__ import annotations

from typing import Any

import httpx

from ._base import BASE_TOKEN_WITH_ACCOUNT_TOKEN, Base
from ._client import DEFAULT_RATE_LIMIT, DEFAULT_RETRY, _Client, checked_options
from ._constants import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT
from ._exceptions import InvalidInputError
from ._operations import Operation
from ._ratelimit import RateLimit
from ._retry import RetryPolicy
from ._secrets import Secrets
from ._transport import RenewingToken, StaticToken, TokenKind, TokenSource
from ._validation import require_int, require_text, require_token, warn_if_plain_http
from .resources.account import AccountResource
from .resources.webhooks import WebhooksResource
from .types import AccountToken

__all__ = ["Account"]

ACCOUNT_LOGIN: Operation[AccountToken] = Operation(
    "Account.auth", "getAccountTokenfromUsername", "POST", "/api2/auth-token/", None, AccountToken,
    idempotent=True,
)  # fmt: skip


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
        options = checked_options(None, timeout, connect_timeout, retry)
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

    async def _route(self, path: str, params: Any) -> tuple[TokenKind | None, str]:
        """Every escape-hatch path of an account takes the account token."""
        if not path.startswith("/"):
            raise InvalidInputError(
                "an Account's request path must be absolute, like /api/v2.1/..."
            )
        return "account", path

    def __repr__(self) -> str:
        return f"Account(server_url={self.server_url!r}, username={self.username!r})"

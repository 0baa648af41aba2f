"""`Base`: one SeaTable base, reached with its API token or through an `Account`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._client import DEFAULT_RATE_LIMIT, DEFAULT_RETRY, _Client, checked_options
from ._constants import (
    BASE_TOKEN_LIFETIME,
    DEFAULT_BATCH_LIMITS,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    BatchLimits,
)
from ._exceptions import InvalidInputError
from ._operations import Operation
from ._ratelimit import RateLimit
from ._retry import RetryPolicy
from ._session import BaseState
from ._transport import RenewingToken, StaticToken, TokenKind
from ._validation import AnswerCheck, check_url_length, is_text, require_token, warn_if_plain_http
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
from .types import BaseGrant

if TYPE_CHECKING:
    from ._account import Account

__all__ = ["Base"]

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
GRANT_EXTRAS: dict[str, AnswerCheck] = {
    "workspace_id": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "dtable_name": is_text,
}
"""What a grant may also tell about the base; a value of another type is ignored."""


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
        options = checked_options(None, timeout, connect_timeout, retry)
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

    async def _route(self, path: str, params: Any) -> tuple[TokenKind | None, str]:
        """A path without a leading slash is relative to this base's gateway root and takes the
        base token, as `/api-gateway/...` does; other absolute paths take the API token.

        The URL's length is checked with a stand-in UUID before the base token is fetched.
        """
        if path.startswith("/") and not _GATEWAY_PREFIX.match(path):
            return "api", path

        def routed(base_uuid: str | None) -> str:
            return path if path.startswith("/") else GATEWAY_ROOT.format(base_uuid=base_uuid) + path

        check_url_length(self.server_url + routed(UUID_PLACEHOLDER), params)
        await self._base.base_token.token()
        return "base", routed(self.base_uuid)

    def __repr__(self) -> str:
        return f"Base(server_url={self.server_url!r}, base_uuid={self.base_uuid!r})"

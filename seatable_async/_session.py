"""What a client and all its `with_options` views share: the pool, the transport stack, the
tokens and the secrets (`Session`), and for a base also its identity and schema (`BaseState`)."""

from __future__ import annotations

import dataclasses
import functools
import os
import ssl
from collections.abc import Mapping

import anyio
import httpx

from ._constants import DEFAULT_LIMITS, USER_AGENT
from ._feeds import OpenFeeds
from ._ratelimit import RateLimit
from ._secrets import Secrets
from ._transport import (
    BorrowedTransport,
    CancelSafePool,
    RenewingToken,
    RetryBudget,
    TokenKind,
    TokenSource,
    build_transport,
)
from ._usage import UsageCounter
from .resources.base_info import SchemaCache

__all__ = ["BaseIdentity", "BaseState", "Session", "pool_for"]


class Session:
    """One pool and transport stack; closed once, by the client that created it."""

    def __init__(
        self,
        server_url: str,
        pool: httpx.AsyncBaseTransport,
        tokens: Mapping[TokenKind, TokenSource],
        secrets: Secrets,
        rate_limit: RateLimit | None,
    ) -> None:
        self.server_url = server_url
        self.pool = pool
        self.tokens = tokens
        self.secrets = secrets
        self.rate_limit = rate_limit
        self.usage = UsageCounter()
        self.retry_budget = RetryBudget()
        transport = build_transport(
            pool, tokens, secrets, self.usage, rate_limit=rate_limit, retry_budget=self.retry_budget
        )
        self.http = httpx.AsyncClient(
            base_url=server_url,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )
        self.feeds = OpenFeeds()
        """The change feeds opened on this session, ended when it closes."""
        self.closed = False

    async def aclose(self) -> None:
        """Ends the open change feeds, then closes the pool (even in a cancelled task)."""
        if not self.closed:
            self.closed = True
            with anyio.CancelScope(shield=True):
                await self.feeds.aclose()
                await self.http.aclose()


@dataclasses.dataclass
class BaseIdentity:
    """Which base a token grant named."""

    base_uuid: str | None = None
    workspace_id: int | None = None
    dtable_name: str | None = None


@dataclasses.dataclass
class BaseState:
    """What a `Base` and its views share besides the session."""

    base_token: RenewingToken
    identity: BaseIdentity = dataclasses.field(default_factory=BaseIdentity)
    schema: SchemaCache = dataclasses.field(default_factory=SchemaCache)


def pool_for(
    http_client: httpx.AsyncClient | None, shared_pool: httpx.AsyncBaseTransport | None
) -> httpx.AsyncBaseTransport:
    """The innermost layer: the user's client, a pool shared with an account, or our own."""
    if http_client is not None:
        return CancelSafePool.for_client(http_client)
    if shared_pool is not None:
        return BorrowedTransport(shared_pool)
    tls = _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    return CancelSafePool(httpx.AsyncHTTPTransport(verify=tls, limits=DEFAULT_LIMITS))


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default TLS settings (certifi's CAs, or the `SSL_CERT_FILE`/`SSL_CERT_DIR` they
    name), built once per process: loading the CA bundle costs each new pool ~30 ms of CPU.
    Pools share the context as httpx allows (a context is safe to share across connections)."""
    return httpx.create_ssl_context()

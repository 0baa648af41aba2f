"""The :class:`Emulator`: configuration, state and token authority behind the ASGI app."""

from __future__ import annotations

import functools
import hashlib
import hmac
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ._app import EmulatorTransport, RequestRecord, build_app
from ._auth import BaseTokenClaims, JWTError, VerifiedTokens, encode_jwt
from ._faults import DEFAULT_SLOW_SECONDS, FaultPlan
from ._ratelimit import RateLimiter
from ._store import Base, Json, Store
from ._waits import Waits
from ._webhooks import WebhookDispatcher

if TYPE_CHECKING:
    from ._realtime import RealtimeHub

__all__ = ["Emulator", "RequestRecord"]

TEMP_API_TOKEN_LIFETIME = 3600.0
"""Temporary API tokens expire after one hour."""


class Emulator:
    """A local SeaTable server: one workspace, one user, a default base and its API token.

    ``.app`` is the ASGI application; serve it in-process with ``httpx.ASGITransport`` (or
    :meth:`transport`) or on a loopback socket with :func:`seatable_async.testing.serve`.
    ``clock`` (unix seconds) drives token expiry, rate-limit windows and row timestamps, and
    ``sleep`` serves latency and delay faults, so tests can move time without waiting.
    ``rate_limit`` calls per base are allowed in any ``rate_window`` seconds (SeaTable: a
    minute). ``slow_seconds`` is how long a random slow answer takes.
    ``keep_request_log=False`` stops ``request_log`` from growing in long runs (``on_request``
    still sees every request).
    """

    def __init__(
        self,
        *,
        api_token: str = "test-api-token",
        username: str | None = None,
        password: str | None = None,
        rate_limit: int | None = None,
        rate_window: float = 60.0,
        latency_ms: float = 0,
        fault_rate: float = 0.0,
        seed: int | None = None,
        slow_seconds: float = DEFAULT_SLOW_SECONDS,
        db_path: str | None = None,
        token_lifetime: float = 3 * 24 * 3600,
        base_name: str = "Test Base",
        workspace_id: int = 1,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        on_request: Callable[[RequestRecord], None] | None = None,
        keep_request_log: bool = True,
    ) -> None:
        self.api_token = api_token
        self.username = username
        self.password = password
        self.latency_ms = latency_ms
        self.token_lifetime = token_lifetime
        self.workspace_id = workspace_id
        self.clock = clock
        self.sleep = sleep
        self.on_request = on_request
        self.keep_request_log = keep_request_log
        self.rng: random.Random = random.Random(seed) if seed is not None else random.SystemRandom()
        self.faults = FaultPlan(fault_rate=fault_rate, seed=seed, slow_seconds=slow_seconds)
        self.rate_limiter = RateLimiter(rate_limit, window=rate_window, clock=clock)
        self.waits = Waits()
        """Slow answers in flight, which a stopping server ends at once."""
        self.request_log: list[RequestRecord] = []
        self.store = Store(db_path, rng=self.rng, clock=self._now)
        self.webhooks = WebhookDispatcher(self.store)
        """Posts every committed row change to its base's webhooks; `flush()` waits for them."""
        self.secret = bytes.fromhex(
            self.store.setting("jwt_secret", lambda: self.rng.randbytes(32).hex())
        )
        self._verified = VerifiedTokens(self.secret)
        self.upload_tokens: dict[str, tuple[str, float]] = {}
        self.toasts: list[Json] = []
        """Every toast notification sent (`sendToastNotification`), oldest first."""
        self.download_tokens: dict[str, tuple[str, str]] = {}
        self.tasks: dict[str, str] = {}
        """Background-task statuses by task id (auto-links finish at once)."""
        base = self.store.base_by_name(workspace_id, base_name)
        if base is None:
            base = self.store.create_base(base_name, workspace_id)
        if self.store.api_token(api_token) is None:
            self.store.add_api_token(base, api_token, "emulator", "rw", self.user_id)
        self.base_uuid = base.uuid
        self.realtime: RealtimeHub | None = _realtime_hub(self)
        """The socket.io channel (``/api-gateway/socket.io``); None without the ``realtime``
        extra. Served over a real socket only (``serve``)."""
        self.app = build_app(self)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Stop webhook deliveries and release the SQLite connection."""
        self.webhooks.close()
        self.store.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into the app in-process; dropped connections raise httpx errors."""
        return EmulatorTransport(self.app)

    # ------------------------------------------------------------------ identity

    @property
    def user_id(self) -> str:
        """SeaTable user id (``<hex>@auth.local``) of the emulator's only user."""
        return _user_id(self.username or "emulator")

    @property
    def display_name(self) -> str:
        """The user's display name: the local part of ``username``."""
        return (self.username or "emulator").split("@")[0]

    @property
    def base(self) -> Base:
        """The default base."""
        base = self.store.base(self.base_uuid)
        if base is None:
            raise LookupError("the default base was deleted")
        return base

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), timezone.utc)

    # ------------------------------------------------------------------ tokens

    def issue_base_token(
        self,
        base: Base,
        *,
        lifetime: float | None = None,
        app_name: str = "",
        permission: str = "rw",
        username: str | None = None,
    ) -> str:
        """Sign a base token for ``base`` valid for ``lifetime`` seconds.

        ``username`` defaults to the emulator's user id (the account-token flow)."""
        claims = BaseTokenClaims(
            exp=int(self.clock() + (self.token_lifetime if lifetime is None else lifetime)),
            dtable_uuid=base.uuid,
            username=self.user_id if username is None else username,
            permission=permission,
            app_name=app_name,
        )
        return encode_jwt(claims.as_payload(), self.secret)

    def verify_base_token(self, token: str, base_uuid: str) -> dict[str, Any] | None:
        """Payload of a valid, unexpired base token for ``base_uuid``; None otherwise."""
        try:
            payload = self._verified.decode(token, now=self.clock())
        except JWTError:
            return None
        if payload.get("dtable_uuid") != base_uuid or "permission" not in payload:
            return None
        return payload

    def issue_temp_api_token(self, base: Base) -> str:
        """A one-hour JWT API token (``temp-api-token``)."""
        payload = {
            "username": self.user_id,
            "dtable_uuid": base.uuid,
            "exp": self.clock() + TEMP_API_TOKEN_LIFETIME,
        }
        return encode_jwt(payload, self.secret)

    def resolve_api_token(self, token: str) -> tuple[Base, str, str] | None:
        """(base, app_name, permission) for a stored or temporary API token."""
        stored = self.store.api_token(token)
        if stored is not None:
            return stored
        try:
            payload = self._verified.decode(token, now=self.clock())
        except JWTError:
            return None
        base = self.store.base(str(payload.get("dtable_uuid")))
        if base is None or "permission" in payload:
            return None
        return base, "temp-api-token", "rw"

    @property
    def account_token(self) -> str | None:
        """The 40-hex account token of the configured user (None without credentials)."""
        if self.username is None or self.password is None:
            return None
        mac = hmac.new(self.secret, f"account:{self.username}".encode(), hashlib.sha1)
        return mac.hexdigest()

    # ------------------------------------------------------------------ direct state access

    def _table(self, table_name: str, base_uuid: str | None) -> tuple[Base, Json]:
        base = self.store.base(base_uuid or self.base_uuid)
        if base is None:
            raise LookupError(f"no base {base_uuid}")
        return base, self.store.table(base, table_name)

    def tables(self, *, base_uuid: str | None = None) -> list[str]:
        """Names of the tables of a base (default base unless ``base_uuid``)."""
        base = self.store.base(base_uuid or self.base_uuid)
        return [t["name"] for t in base.tables] if base is not None else []

    def rows(
        self, table_name: str, *, base_uuid: str | None = None, convert_keys: bool = True
    ) -> list[Json]:
        """Every row of a table as the gateway renders it (names by default), no HTTP."""
        base, table = self._table(table_name, base_uuid)
        records = self.store.select(base, table)
        return self.store.render_many(base, table, records, keys=not convert_keys)

    def add_table(
        self,
        name: str,
        columns: Sequence[tuple[str, str] | Mapping[str, Any]] = (),
        *,
        base_uuid: str | None = None,
    ) -> Json:
        """Create a table; columns as ``(name, type)`` pairs or ``insertColumn`` bodies.

        All or nothing: a bad column spec leaves no table behind."""
        base = self.store.base(base_uuid or self.base_uuid)
        if base is None:
            raise LookupError(f"no base {base_uuid}")
        specs: list[dict[str, Any]] = [
            {"column_name": c[0], "column_type": c[1]} if isinstance(c, tuple) else dict(c)
            for c in columns
        ]
        plain = [s for s in specs if s.get("column_type") != "link"]
        with self.store.transaction():
            table = self.store.create_table(base, name, plain or None)
            for spec in specs:
                if spec.get("column_type") == "link":
                    self.store.insert_column(
                        base, table, spec["column_name"], "link", spec.get("column_data")
                    )
        return table

    def append_rows(
        self, table_name: str, rows: Sequence[Mapping[str, Any]], *, base_uuid: str | None = None
    ) -> list[str]:
        """Insert rows (keyed by column names) without HTTP; returns the new row ids."""
        base, table = self._table(table_name, base_uuid)
        return self.store.append_rows(base, table, rows, user=self.user_id)

    def add_notification(
        self,
        detail: Mapping[str, Any],
        *,
        msg_type: str = "row_comment",
        base_uuid: str | None = None,
    ) -> int:
        """Seed an unseen notification for the emulator's user (``listBaseNotifications``
        shows it); ``detail`` as SeaTable's, e.g. ``author``, ``table_id``, ``row_id``,
        ``comment``. Returns its id."""
        base = self.store.base(base_uuid or self.base_uuid)
        if base is None:
            raise LookupError(f"no base {base_uuid}")
        return self.store.add_notification(base, self.user_id, msg_type, dict(detail))


@functools.lru_cache(maxsize=16)
def _user_id(username: str) -> str:
    """The user id of ``username``, worked out once (every request's state reads it)."""
    digest = hashlib.sha1(username.encode()).hexdigest()
    return f"{digest[:32]}@auth.local"


def _realtime_hub(emulator: Emulator) -> RealtimeHub | None:
    """A socket.io hub for ``emulator``, or None when python-socketio is not installed."""
    try:
        from ._realtime import RealtimeHub
    except ImportError:
        return None
    return RealtimeHub(emulator)

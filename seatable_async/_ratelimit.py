"""The client-side rate limit users configure, and SeaTable's documented limits it starts from.

SeaTable counts calls per base on the API gateway, and per account (or IP) on dtable-web
(reference section 14.1). The limiter keeps one state per such scope, which every client of
the process that reaches it shares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._exceptions import InvalidInputError

__all__ = ["CLOUD_HOSTS", "HEALTH_CHECKS", "SCOPES", "RateLimit", "Scope", "scope_of"]

CLOUD_HOSTS = frozenset({"cloud.seatable.io"})
"""Hosts that run SeaTable Cloud, whose limits are lower than a self-hosted server's defaults."""


@dataclass(frozen=True)
class Scope:
    """A group of endpoints that SeaTable counts together, with its documented limits."""

    name: str
    path: re.Pattern[str]
    """Matches the paths of the scope; a group in it names the base the calls count against."""
    cloud_per_minute: int | None
    """The limit on SeaTable Cloud; None: not limited there."""
    server_per_minute: int | None
    """The default limit of SeaTable Server and Dedicated; None: not limited there."""

    def default_per_minute(self, host: str) -> int | None:
        return self.cloud_per_minute if host in CLOUD_HOSTS else self.server_per_minute


SCOPES = (
    Scope("base", re.compile(r"^/api-gateway/api/v2/dtables/([^/]+)/"), 200, 500),
    Scope("login", re.compile(r"^/api2/auth-token/"), 60, None),
    Scope("account", re.compile(r"^/(?:api/v2\.1|api2)/"), 1000, 3000),
)
"""First match wins. The account scope holds every dtable-web call, API-token ones included
(the token exchange, file links): SeaTable counts them per account or per IP, not per base.
Paths in none (the file server) and health checks are neither paced nor capped."""


HEALTH_CHECKS = re.compile(r"^/(?:api2/ping|api2/auth/ping|api-gateway/api/v2/ping|server-info)/?$")
"""The only endpoints SeaTable never limits ("except /ping and /server-info")."""


def scope_of(path: str) -> tuple[Scope, str] | None:
    """The scope a path counts against, and the base it names ("" for host-wide scopes)."""
    if HEALTH_CHECKS.match(path):
        return None
    for scope in SCOPES:
        if match := scope.path.match(path):
            return scope, match.group(1) if match.groups() else ""
    return None


@dataclass(frozen=True)
class RateLimit:
    """How a client paces its calls so that SeaTable seldom has to answer 429.

    Per base (and per server for account calls) at most `max_concurrency` calls are in flight,
    and no call goes out beyond the budget the server announced (`x-ratelimit-remaining`).
    SeaTable's window slides: each call leaves it a fixed time after it was counted, the
    oldest at `x-ratelimit-reset` (whole seconds, rounded up). The limiter learns that time
    from the answers and frees a slot as each of its own calls ages out, instead of waiting
    for the reset; if the answers show calls that are not its own (another program using the
    base) or a 429 comes, it keeps to the announced resets. Before the server has announced
    anything, calls are paced to SeaTable's documented limits: 200 per minute per base on
    SeaTable Cloud, 500 on a self-hosted server; 1000 and 3000 for account calls. Waits use
    the sleep and clock of the call's `RetryPolicy` and count against its `max_elapsed`.

    All clients of one base in a process share one limiter, with the tightest settings of
    those still open. Pass `rate_limit=None` to a client to switch it off.
    """

    max_concurrency: int = 8
    """Calls in flight at once per base (and per server for account calls)."""
    requests_per_minute: int | None = None
    """Your own limit per base (and per server for account calls), instead of the documented
    one: a ceiling that holds even when the server announces more (to leave room for other
    programs), or a higher figure for a server configured beyond the defaults that sends no
    rate headers. None: SeaTable's documented limits until the server announces its own."""
    adaptive: bool = True
    """After a 429 the server did not explain with a spent window, slow down to 70 % of the
    measured rate (early in a job, the rate so far) and recover along a cubic curve
    (botocore's adaptive retry mode)."""

    def __post_init__(self) -> None:
        for name in ("max_concurrency", "requests_per_minute"):
            value = getattr(self, name)
            if value is None and name == "requests_per_minute":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInputError(f"RateLimit.{name} must be a positive int, got {value!r}")
        if not isinstance(self.adaptive, bool):
            raise InvalidInputError("RateLimit.adaptive must be a bool")

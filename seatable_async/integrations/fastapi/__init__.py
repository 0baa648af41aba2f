"""FastAPI integration: a lifespan opens the clients an app shares, dependencies hand them to
handlers, exception handlers turn this library's typed errors into HTTP answers, and a router
receives SeaTable's webhooks.

Needs FastAPI (`pip install "seatable-async[fastapi]"`); the rest of the library never imports it.
"""

from __future__ import annotations

try:
    import fastapi as _fastapi
except ImportError as exc:
    raise ImportError(
        'seatable_async.integrations.fastapi needs FastAPI: pip install "seatable-async[fastapi]"'
    ) from exc

from ._dependencies import (
    AccountDep,
    BaseDep,
    ClientsDep,
    NamedBase,
    get_account,
    get_base,
    get_clients,
)
from ._errors import DEFAULT_RETRY_AFTER, ERROR_STATUSES, add_exception_handlers, status_for
from ._lifespan import (
    STATE_KEY,
    AccountSource,
    BaseSource,
    Lifespan,
    SeaTableClients,
    combine_lifespans,
    seatable_lifespan,
)
from ._webhooks import WebhookCallback, webhook_router

del _fastapi

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "ERROR_STATUSES",
    "STATE_KEY",
    "AccountDep",
    "AccountSource",
    "BaseDep",
    "BaseSource",
    "ClientsDep",
    "Lifespan",
    "NamedBase",
    "SeaTableClients",
    "WebhookCallback",
    "add_exception_handlers",
    "combine_lifespans",
    "get_account",
    "get_base",
    "get_clients",
    "seatable_lifespan",
    "status_for",
    "webhook_router",
]

"""Dependencies that hand handlers the clients `seatable_lifespan` opened; each can be swapped
with `app.dependency_overrides` (override `get_clients` to swap them all at once).

No `from __future__ import annotations` here: FastAPI reads these signatures at run time.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from ..._account import Account
from ..._base import Base
from ._lifespan import STATE_KEY, SeaTableClients, require_name

__all__ = [
    "AccountDep",
    "BaseDep",
    "ClientsDep",
    "NamedBase",
    "get_account",
    "get_base",
    "get_clients",
]


async def get_clients(connection: HTTPConnection) -> SeaTableClients:
    """Every client the app's `seatable_lifespan` opened (for HTTP and WebSocket handlers)."""
    clients = getattr(connection.state, STATE_KEY, None)
    if not isinstance(clients, SeaTableClients):
        raise RuntimeError(
            "no SeaTable clients in the lifespan state: create the app with"
            " FastAPI(lifespan=seatable_lifespan(...)) and run its lifespan (in tests:"
            " asgi-lifespan's LifespanManager, or `with TestClient(app)`)"
        )
    return clients


ClientsDep = Annotated[SeaTableClients, Depends(get_clients)]
"""A handler parameter annotated with it gets every client the lifespan opened."""


async def get_base(clients: ClientsDep) -> Base:
    """The app's default base, `seatable_lifespan(base=...)`."""
    return clients.require_base()


async def get_account(clients: ClientsDep) -> Account:
    """The app's account, `seatable_lifespan(account=...)`."""
    return clients.require_account()


BaseDep = Annotated[Base, Depends(get_base)]
"""A handler parameter annotated with it gets the app's default base."""
AccountDep = Annotated[Account, Depends(get_account)]
"""A handler parameter annotated with it gets the app's account."""


@dataclass(frozen=True)
class NamedBase:
    """The dependency for one of `seatable_lifespan(bases=...)`, by name:
    `Annotated[Base, Depends(NamedBase("crm"))]`.

    Equal names make equal dependencies, so `app.dependency_overrides[NamedBase("crm")]`
    swaps that base wherever it is used.
    """

    name: str

    def __post_init__(self) -> None:
        require_name(self.name)

    async def __call__(self, clients: ClientsDep) -> Base:
        return clients.require_base(self.name)

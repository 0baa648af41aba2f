"""`seatable_lifespan`: the clients an app shares, opened and authenticated at startup, closed at
shutdown and kept in the lifespan state; `combine_lifespans` runs several lifespans as one."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias, TypeVar

from starlette.applications import Starlette

from ..._account import Account
from ..._base import Base
from ..._exceptions import InvalidInputError, SeaTableError

__all__ = [
    "STATE_KEY",
    "AccountSource",
    "BaseSource",
    "Lifespan",
    "SeaTableClients",
    "combine_lifespans",
    "seatable_lifespan",
]

STATE_KEY = "seatable"
"""The lifespan-state key (and so the `request.state` attribute) that holds the clients."""

AppT = TypeVar("AppT", bound=Starlette)
BaseSource: TypeAlias = Base | Callable[[], Base | Awaitable[Base]]
"""A ready `Base`, or a function (plain or async) that makes one at startup."""
AccountSource: TypeAlias = Account | Callable[[], Account | Awaitable[Account]]
"""A ready `Account`, or a function (plain or async) that makes one at startup."""
Lifespan = Callable[[AppT], AbstractAsyncContextManager[Mapping[str, Any]]]
"""What `FastAPI(lifespan=...)` takes: a context around the app's life that yields its state."""
AnyLifespan = Callable[[AppT], AbstractAsyncContextManager[Mapping[str, Any] | None]]
"""A lifespan with state or without (one that yields None)."""


@dataclass(frozen=True)
class SeaTableClients:
    """The clients one app shares, as its `seatable_lifespan` opened them."""

    base: Base | None = None
    account: Account | None = None
    bases: Mapping[str, Base] = field(default_factory=lambda: MappingProxyType({}))

    def require_base(self, name: str | None = None) -> Base:
        """The default base, or the one `bases` names; a clear error when there is none."""
        if name is None:
            if self.base is None:
                raise RuntimeError("no default base: give seatable_lifespan(base=...)")
            return self.base
        if name not in self.bases:
            known = ", ".join(map(repr, self.bases)) or "none"
            raise RuntimeError(f"no base named {name!r} in seatable_lifespan(bases=...): {known}")
        return self.bases[name]

    def require_account(self) -> Account:
        """The account; a clear error when the lifespan was given none."""
        if self.account is None:
            raise RuntimeError("no account: give seatable_lifespan(account=...)")
        return self.account


_AUTHENTICATE: dict[type[Base | Account], Callable[[Any], Awaitable[object]]] = {
    Base: Base.auth,
    Account: Account.load_account_info,
}
"""The first call each client makes at startup, so that a wrong token or password fails the
startup rather than the first request (an account token is only checked by a call using it)."""


def require_name(name: object) -> str:
    """A base's name in `bases` (and `NamedBase`): a non-empty string."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"a base's name must be a non-empty string, got {name!r}")
    return name


def _check_source(label: str, source: object, kind: type[Base | Account]) -> None:
    if not (isinstance(source, kind) or callable(source)):
        raise InvalidInputError(
            f"{label} must be {kind.__name__} or a function returning one,"
            f" got {type(source).__name__}"
        )


async def _open(label: str, source: Any, kind: type[Any], stack: AsyncExitStack) -> Any:
    """The client a source gives, closed when `stack` unwinds and authenticated now."""
    client = source if isinstance(source, kind) else source()
    if inspect.isawaitable(client):
        client = await client
    if not isinstance(client, kind):
        raise InvalidInputError(
            f"the {label} factory returned {type(client).__name__}, not {kind.__name__}"
        )
    if client.closed:
        raise SeaTableError(
            f"the {label} is closed: give a factory, so that each run of the lifespan opens one"
        )
    stack.push_async_callback(client.aclose)
    await _AUTHENTICATE[kind](client)
    return client


def seatable_lifespan(
    *,
    base: BaseSource | None = None,
    account: AccountSource | None = None,
    bases: Mapping[str, BaseSource] | None = None,
) -> Lifespan[Starlette]:
    """A lifespan for `FastAPI(lifespan=...)` that opens the clients the app shares.

    At startup each client is made (a factory is called, and awaited if async) and
    authenticated, so a wrong token fails the startup; at shutdown all are closed, a ready
    client too. Give factories when the lifespan may run more than once (as in tests): a
    closed client cannot be opened again. Handlers get the clients with `BaseDep`,
    `AccountDep` or `NamedBase(name)`; `combine_lifespans` adds the app's own lifespan.
    """
    if bases is not None and not isinstance(bases, Mapping):
        raise InvalidInputError(f"bases must map names to bases, got {type(bases).__name__}")
    named = {require_name(name): source for name, source in (bases or {}).items()}
    if base is None and account is None and not named:
        raise InvalidInputError("give seatable_lifespan a base, an account or bases")
    if base is not None:
        _check_source("base", base, Base)
    if account is not None:
        _check_source("account", account, Account)
    for name, source in named.items():
        _check_source(f"bases[{name!r}]", source, Base)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            opened = SeaTableClients(
                base=None if base is None else await _open("base", base, Base, stack),
                account=(
                    None if account is None else await _open("account", account, Account, stack)
                ),
                bases=MappingProxyType(
                    {
                        name: await _open(f"bases[{name!r}]", source, Base, stack)
                        for name, source in named.items()
                    }
                ),
            )
            yield {STATE_KEY: opened}

    return lifespan


def combine_lifespans(*lifespans: AnyLifespan[AppT]) -> Lifespan[AppT]:
    """One lifespan that enters the given ones in order (and leaves them in reverse), with the
    union of their states; two that set the same key are an error."""
    if not lifespans:
        raise InvalidInputError("give combine_lifespans at least one lifespan")

    @asynccontextmanager
    async def combined(app: AppT) -> AsyncIterator[dict[str, Any]]:
        state: dict[str, Any] = {}
        async with AsyncExitStack() as stack:
            for lifespan in lifespans:
                entered = await stack.enter_async_context(lifespan(app)) or {}
                if clash := sorted(state.keys() & entered.keys()):
                    raise RuntimeError(f"two lifespans set the same state key: {clash}")
                state.update(entered)
            yield state

    return combined

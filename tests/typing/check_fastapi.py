"""Checked by mypy in CI, never run: the FastAPI integration's lifespans fit `FastAPI(lifespan=)`
(alone or combined with the app's own), and its dependencies hand out typed clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from typing_extensions import assert_type

from seatable_async import Account, Base
from seatable_async.integrations.fastapi import (
    AccountDep,
    BaseDep,
    NamedBase,
    SeaTableClients,
    add_exception_handlers,
    combine_lifespans,
    get_base,
    get_clients,
    seatable_lifespan,
)


async def open_base() -> Base:
    return Base("api-token", "https://cloud.seatable.io")


@asynccontextmanager
async def own_lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


def lifespans_fit_fastapi() -> None:
    FastAPI(lifespan=seatable_lifespan(base=lambda: Base("api-token", "https://cloud.seatable.io")))
    FastAPI(lifespan=seatable_lifespan(bases={"crm": open_base}))
    FastAPI(lifespan=combine_lifespans(seatable_lifespan(base=open_base), own_lifespan))
    seatable_lifespan(base="api-token")  # type: ignore[arg-type]
    seatable_lifespan(account=open_base)  # type: ignore[arg-type]
    add_exception_handlers(FastAPI())


app = FastAPI()


@app.get("/")
async def handler(
    base: BaseDep,
    account: AccountDep,
    crm: Annotated[Base, Depends(NamedBase("crm"))],
    clients: Annotated[SeaTableClients, Depends(get_clients)],
) -> None:
    assert_type(base, Base)
    assert_type(account, Account)
    assert_type(clients.bases["crm"], Base)
    await base.list_rowz("Table1")  # type: ignore[attr-defined]


async def dependencies_are_typed(clients: SeaTableClients) -> None:
    assert_type(await get_base(clients), Base)
    app.dependency_overrides[NamedBase("crm")] = lambda: clients.require_base("crm")

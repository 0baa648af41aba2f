"""A contacts API on a SeaTable table: create, list, read, update and delete, with typed models.

One shared `Base` is opened (and authenticated) when the app starts and closed when it stops;
handlers get it through `BaseDep`, and SeaTable's errors become HTTP answers (an unknown id is
a 404, a rate limit a 503 with Retry-After).

Offline by default: with neither SEATABLE_SERVER_URL nor SEATABLE_API_TOKEN set, the app serves
an in-process emulator (`pip install "seatable-async[fastapi,testing]"`). Set both to use a
real server, with a table "Contacts" (or SEATABLE_TABLE) that has the text columns "Name" and
"Email". Run it with `python examples/fastapi_app.py` and open http://127.0.0.1:8000/docs.

No `from __future__ import annotations`: FastAPI reads the handlers' annotations at run time.
"""

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Response, status
from pydantic import BaseModel, Field

from seatable_async import Base
from seatable_async.integrations.fastapi import (
    BaseDep,
    Lifespan,
    add_exception_handlers,
    seatable_lifespan,
)
from seatable_async.types import Row

TABLE = os.environ.get("SEATABLE_TABLE", "Contacts")
OFFLINE_TOKEN = "fastapi-example-token"


class ContactIn(BaseModel):
    """What a client sends to create a contact."""

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=200)


class ContactChanges(BaseModel):
    """The fields a client changes; the others keep their values."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=200)


class Contact(ContactIn):
    """A stored contact: its fields and the row's id."""

    id: str

    @classmethod
    def from_row(cls, row: Row) -> "Contact":
        return cls(id=row["_id"], name=row.get("Name") or "", email=row.get("Email") or None)


def cells(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The model's fields as the table's cells."""
    columns = {"name": "Name", "email": "Email"}
    return {columns[field]: value for field, value in fields.items()}


router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.get("")
async def list_contacts(base: BaseDep, start: int = 0, limit: int = 100) -> list[Contact]:
    rows = await base.list_rows(TABLE, start=start, limit=limit)
    return [Contact.from_row(row) for row in rows]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_contact(contact: ContactIn, base: BaseDep) -> Contact:
    row = await base.append_row(TABLE, cells(contact.model_dump()))
    return Contact.from_row(row)


@router.get("/{contact_id}")
async def read_contact(contact_id: str, base: BaseDep) -> Contact:
    return Contact.from_row(await base.get_row(TABLE, contact_id))


@router.patch("/{contact_id}")
async def update_contact(contact_id: str, changes: ContactChanges, base: BaseDep) -> Contact:
    row = await base.get_row(TABLE, contact_id)  # an unknown id is a 404 before any write
    changed = cells(changes.model_dump(exclude_unset=True))
    if changed:
        await base.update_row(TABLE, contact_id, changed)
    return Contact.from_row({**row, **changed})


@router.delete("/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_contact(contact_id: str, base: BaseDep) -> Response:
    await base.delete_row(TABLE, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@asynccontextmanager
async def offline(app: FastAPI) -> AsyncIterator[Mapping[str, Any]]:
    """The integration's lifespan over an in-process emulator that lives as long as the app."""
    from seatable_async.testing import Emulator

    print("SEATABLE_SERVER_URL and SEATABLE_API_TOKEN not set: using the in-process emulator")
    with Emulator(api_token=OFFLINE_TOKEN) as emulator:
        emulator.add_table(TABLE, [("Name", "text"), ("Email", "text")])
        async with httpx.AsyncClient(transport=emulator.transport()) as http:
            lifespan = seatable_lifespan(
                base=lambda: Base(OFFLINE_TOKEN, "http://emulator.localhost", http_client=http)
            )
            async with lifespan(app) as state:
                yield state


def lifespan_from_environment() -> Lifespan[FastAPI]:
    """A `Base` on the configured server, or the offline emulator when none is set."""
    server_url = os.environ.get("SEATABLE_SERVER_URL")
    api_token = os.environ.get("SEATABLE_API_TOKEN")
    if server_url and api_token:
        print(f"using {server_url}")
        return seatable_lifespan(base=lambda: Base(api_token, server_url))
    return offline


def create_app() -> FastAPI:
    app = FastAPI(title="Contacts on SeaTable", lifespan=lifespan_from_environment())
    add_exception_handlers(app)
    app.include_router(router)
    return app


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(create_app(), host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))

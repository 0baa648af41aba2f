"""The lifespan opens the shared clients once, authenticates them before the app serves, closes
them at shutdown; the dependencies hand them out and `dependency_overrides` swaps them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from seatable_async import (
    Account,
    AuthenticationError,
    Base,
    InvalidInputError,
    PermissionDeniedError,
    SeaTableError,
)
from seatable_async.integrations.fastapi import (
    STATE_KEY,
    AccountDep,
    BaseDep,
    ClientsDep,
    NamedBase,
    SeaTableClients,
    combine_lifespans,
    get_base,
    get_clients,
    seatable_lifespan,
)
from seatable_async.testing import Emulator

from .conftest import Clients, served, startup_failure

pytestmark = pytest.mark.anyio

CrmDep = Annotated[Base, Depends(NamedBase("crm"))]


def rows_app(lifespan: Any = None) -> FastAPI:
    """An app whose handlers read the default base, and tell which client served them."""
    app = FastAPI(lifespan=lifespan)

    @app.get("/rows")
    async def rows(base: BaseDep) -> dict[str, Any]:
        listed = await base.list_rows("Table1")
        return {"client": id(base), "names": [row.get("Name") for row in listed]}

    return app


def paths(emulator: Emulator) -> list[str]:
    return [record.path for record in emulator.request_log]


async def test_one_base_is_opened_authenticated_shared_and_closed(clients: Clients) -> None:
    app = rows_app(seatable_lifespan(base=clients.base))
    clients.emulator.append_rows("Table1", [{"Name": "Ada"}])
    async with served(app) as http:
        assert paths(clients.emulator) == ["/api/v2.1/dtable/app-access-token/"]
        answers = [(await http.get("/rows")).json() for _ in range(3)]
    assert [answer["names"] for answer in answers] == [["Ada"]] * 3
    (base,) = clients.made
    assert {answer["client"] for answer in answers} == {id(base)}
    with pytest.raises(SeaTableError, match="closed"):
        await base.list_rows("Table1")


async def test_a_wrong_token_fails_the_startup_and_closes_the_client(clients: Clients) -> None:
    app = rows_app(seatable_lifespan(base=lambda: clients.base("not-the-token")))
    assert isinstance(await startup_failure(app), PermissionDeniedError)
    with pytest.raises(SeaTableError, match="closed"):
        await clients.made[0].auth()


@pytest.mark.parametrize("kind", ["ready", "factory", "async factory"])
async def test_a_base_may_be_given_ready_or_made_at_startup(clients: Clients, kind: str) -> None:
    async def make() -> Base:
        return clients.base()

    sources: dict[str, Any] = {
        "ready": clients.base,
        "factory": clients.base,
        "async factory": make,
    }
    source = sources[kind]() if kind == "ready" else sources[kind]
    async with served(rows_app(seatable_lifespan(base=source))) as http:
        assert (await http.get("/rows")).status_code == 200
    assert len(clients.made) == 1


async def test_a_factory_runs_again_for_each_lifespan_but_a_closed_client_does_not_reopen(
    clients: Clients,
) -> None:
    made = rows_app(seatable_lifespan(base=clients.base))
    ready = rows_app(seatable_lifespan(base=clients.base()))
    for _ in range(2):
        async with served(made) as http:
            assert (await http.get("/rows")).status_code == 200
    async with served(ready):
        pass
    failure = await startup_failure(ready)
    assert isinstance(failure, SeaTableError)
    assert "closed" in str(failure)
    assert len(clients.made) == 3


async def test_named_bases_and_an_account_are_opened_together(clients: Clients) -> None:
    lifespan = seatable_lifespan(
        account=clients.account, bases={"crm": clients.base, "hr": clients.base}
    )
    app = FastAPI(lifespan=lifespan)

    @app.get("/who")
    async def who(account: AccountDep, crm: CrmDep, all_clients: ClientsDep) -> dict[str, Any]:
        info = await account.load_account_info()
        await crm.list_rows("Table1")
        return {
            "email": info["contact_email"],
            "crm": crm is all_clients.bases["crm"],
            "hr": crm is all_clients.bases["hr"],
        }

    async with served(app) as http:
        startup = paths(clients.emulator)
        answer = (await http.get("/who")).json()
    assert startup == [
        "/api2/auth-token/",
        "/api2/account/info/",
        "/api/v2.1/dtable/app-access-token/",
        "/api/v2.1/dtable/app-access-token/",
    ]
    assert answer == {"email": "me@example.com", "crm": True, "hr": False}
    for client in clients.made:
        with pytest.raises(SeaTableError, match="closed"):
            await client.request("GET", "/api2/account/info/")


async def test_a_wrong_password_fails_the_startup_and_closes_what_was_opened(
    clients: Clients,
) -> None:
    lifespan = seatable_lifespan(base=clients.base, account=lambda: clients.account("wrong"))
    failure = await startup_failure(FastAPI(lifespan=lifespan))
    assert isinstance(failure, SeaTableError)
    assert "Unable to login" in str(failure)
    for client in clients.made:
        with pytest.raises(SeaTableError, match="closed"):
            await client.request("GET", "/api2/account/info/")


async def test_a_wrong_account_token_fails_the_startup(clients: Clients) -> None:
    def account() -> Account:
        return Account(
            token="not-an-account-token", server_url="http://emulator.localhost",
            http_client=clients.http,
        )  # fmt: skip

    failure = await startup_failure(FastAPI(lifespan=seatable_lifespan(account=account)))
    assert isinstance(failure, AuthenticationError)


async def test_a_factory_of_something_else_fails_the_startup(clients: Clients) -> None:
    lifespan = seatable_lifespan(bases={"crm": lambda: clients.account()})  # type: ignore[dict-item]
    failure = await startup_failure(FastAPI(lifespan=lifespan))
    assert isinstance(failure, InvalidInputError)
    assert "bases['crm'] factory returned Account" in str(failure)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "give seatable_lifespan a base"),
        ({"base": "api-token"}, "base must be Base or a function returning one, got str"),
        ({"account": 3}, "account must be Account or a function"),
        ({"bases": [("crm", lambda: None)]}, "bases must map names to bases, got list"),
        ({"bases": {"": lambda: None}}, "a base's name must be a non-empty string"),
        ({"bases": {"crm": None}}, r"bases\['crm'\] must be Base"),
    ],
)
def test_bad_arguments_are_refused_when_the_app_is_built(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        seatable_lifespan(**arguments)


def test_a_named_base_needs_a_name() -> None:
    with pytest.raises(InvalidInputError, match="non-empty string"):
        NamedBase("")
    assert NamedBase("crm") == NamedBase("crm")
    assert hash(NamedBase("crm")) == hash(NamedBase("crm"))


async def test_a_client_the_lifespan_was_not_given_is_a_clear_error(clients: Clients) -> None:
    app = rows_app(seatable_lifespan(bases={"hr": clients.base}))

    @app.get("/crm")
    async def crm(base: CrmDep) -> None:
        raise AssertionError("never reached")

    @app.get("/account")
    async def account(account: AccountDep) -> None:
        raise AssertionError("never reached")

    async with served(app) as http:
        with pytest.raises(RuntimeError, match=r"no default base: give seatable_lifespan\(base="):
            await http.get("/rows")
        with pytest.raises(RuntimeError, match=r"no base named 'crm'.*'hr'"):
            await http.get("/crm")
        with pytest.raises(RuntimeError, match="no account"):
            await http.get("/account")


async def test_an_app_whose_lifespan_did_not_run_says_so() -> None:
    transport = httpx.ASGITransport(rows_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        with pytest.raises(RuntimeError, match="no SeaTable clients in the lifespan state"):
            await http.get("/rows")


async def test_dependency_overrides_swap_the_base_without_the_lifespan(clients: Clients) -> None:
    app = rows_app(seatable_lifespan(base=lambda: pytest.fail("the lifespan ran")))
    with Emulator(api_token="other-token") as other:
        other.append_rows("Table1", [{"Name": "from the override"}])
        async with (
            httpx.AsyncClient(transport=other.transport()) as into_other,
            Base("other-token", "http://other.localhost", http_client=into_other) as stand_in,
        ):
            app.dependency_overrides[get_base] = lambda: stand_in
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                answer = (await http.get("/rows")).json()
    assert answer["names"] == ["from the override"]
    assert clients.emulator.request_log == []


async def test_overriding_the_clients_or_one_base_swaps_them(clients: Clients) -> None:
    app = FastAPI(lifespan=seatable_lifespan(base=clients.base, bases={"crm": clients.base}))

    @app.get("/same")
    async def same(crm: CrmDep, default: BaseDep) -> bool:
        return crm is default

    async with served(app) as http, clients.base() as stand_in:
        answers = [(await http.get("/same")).json()]
        app.dependency_overrides[get_clients] = lambda: SeaTableClients(
            base=stand_in, bases={"crm": stand_in}
        )
        answers.append((await http.get("/same")).json())
        app.dependency_overrides = {NamedBase("crm"): get_base}
        answers.append((await http.get("/same")).json())
    assert answers == [False, True, True]


async def test_combined_lifespans_run_in_order_and_share_their_state(clients: Clients) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def own(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        events.append(f"own starts, {len(clients.made)} client(s) open")
        yield {"greeting": "hello"}
        events.append("own stops")

    @asynccontextmanager
    async def stateless(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = rows_app(combine_lifespans(seatable_lifespan(base=clients.base), own, stateless))

    @app.get("/state")
    async def state(request: Request) -> list[str]:
        return sorted(vars(request.state)["_state"])

    async with served(app) as http:
        assert (await http.get("/state")).json() == ["greeting", STATE_KEY]
        assert (await http.get("/rows")).status_code == 200
    assert events == ["own starts, 1 client(s) open", "own stops"]


async def test_two_lifespans_setting_the_same_key_are_an_error(clients: Clients) -> None:
    twice = combine_lifespans(
        seatable_lifespan(base=clients.base), seatable_lifespan(base=clients.base)
    )
    failure = await startup_failure(rows_app(twice))
    assert isinstance(failure, RuntimeError)
    assert "same state key: ['seatable']" in str(failure)
    with pytest.raises(InvalidInputError):
        combine_lifespans()

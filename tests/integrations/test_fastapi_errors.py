"""Typed errors become HTTP answers: the table's status (most specific class first), a JSON body
with the message and the error's class, `Retry-After` on 503, and never a token."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from seatable_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    Base,
    GatewayTimeoutError,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    RateLimitError,
    RequestFailedError,
    SeaTableError,
    ServerError,
    ServiceUnavailableError,
    TLSVerificationError,
    UnexpectedResponseError,
)
from seatable_async.integrations.fastapi import (
    DEFAULT_RETRY_AFTER,
    BaseDep,
    add_exception_handlers,
    get_base,
    seatable_lifespan,
    status_for,
)

from .conftest import Clients, served

REQUEST = httpx.Request("GET", "https://cloud.seatable.io/api-gateway/api/v2/dtables/x/rows/")


def upstream(cls: type[Any], status: int, **extra: Any) -> Any:
    """An error of the upstream's answer `status`, as the client raises it."""
    return cls("upstream said no", response=httpx.Response(status, request=REQUEST), **extra)


class TableMissingError(NotFoundError):
    """A user's own refinement: answered as its nearest listed ancestor."""


CASES: list[tuple[SeaTableError, int]] = [
    (InvalidInputError("table_name must be a non-empty string"), 422),
    (upstream(NotFoundError, 404), 404),
    (upstream(TableMissingError, 404), 404),
    (upstream(RateLimitError, 429, retry_after=2.2), 503),
    (upstream(AuthenticationError, 401), 502),
    (upstream(PermissionDeniedError, 403), 502),
    (upstream(BadRequestError, 400), 502),
    (upstream(RequestFailedError, 402), 502),
    (upstream(QueryError, 200), 502),
    (upstream(UnexpectedResponseError, 200), 502),
    (upstream(InternalServerError, 500), 502),
    (upstream(BadGatewayError, 502), 502),
    (upstream(ServiceUnavailableError, 503), 502),
    (upstream(ServerError, 501), 502),
    (upstream(GatewayTimeoutError, 504), 504),
    (APITimeoutError("read timed out", request=REQUEST, sent=True), 504),
    (APIConnectionError("connection reset", request=REQUEST, sent=True), 502),
    (TLSVerificationError("certificate has expired", request=REQUEST), 502),
    (SeaTableError("Base is closed"), 500),
]


def raising_app(error: BaseException, **statuses: Any) -> FastAPI:
    app = FastAPI()
    add_exception_handlers(app, **statuses)

    @app.get("/fail")
    async def fail() -> None:
        raise error

    return app


async def answer(app: FastAPI, path: str = "/fail") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as c:
        return await c.get(path)


@pytest.mark.anyio
@pytest.mark.parametrize(("error", "status"), CASES, ids=lambda case: type(case).__name__)
async def test_each_error_answers_with_its_status_and_a_json_body(
    error: SeaTableError, status: int
) -> None:
    response = await answer(raising_app(error))
    assert response.status_code == status
    body = response.json()
    assert body.pop("detail") == error.message
    assert body.pop("error") == type(error).__name__
    assert body == ({"upstream_status": error.status_code} if hasattr(error, "status_code") else {})
    retry_after = response.headers.get("retry-after")
    assert retry_after == ("3" if status == 503 else None)


@pytest.mark.anyio
async def test_a_rate_limit_without_a_hint_asks_for_the_default_wait() -> None:
    response = await answer(raising_app(upstream(RateLimitError, 429)))
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(DEFAULT_RETRY_AFTER)


@pytest.mark.anyio
async def test_the_table_can_be_extended_and_overridden() -> None:
    statuses = {BadRequestError: 400, ServiceUnavailableError: 503}
    answered = [
        await answer(raising_app(error, statuses=statuses))
        for error in (upstream(BadRequestError, 400), upstream(ServiceUnavailableError, 503))
    ]
    assert [response.status_code for response in answered] == [400, 503]
    assert answered[1].headers["retry-after"] == str(DEFAULT_RETRY_AFTER)
    assert status_for(upstream(BadRequestError, 400)) == 502


@pytest.mark.parametrize(
    ("statuses", "message"),
    [
        ({ValueError: 400}, "keys must be SeaTableError classes"),
        ({NotFoundError: 200}, "the status for NotFoundError must be 400-599"),
        ({NotFoundError: "404"}, "the status for NotFoundError must be 400-599"),
    ],
)
def test_a_bad_table_is_refused(statuses: dict[Any, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        add_exception_handlers(FastAPI(), statuses=statuses)


@pytest.mark.anyio
async def test_other_exceptions_are_left_to_fastapi() -> None:
    with pytest.raises(KeyError):
        await answer(raising_app(KeyError("not ours")))


@pytest.mark.anyio
async def test_answers_from_the_emulator(clients: Clients) -> None:
    app = FastAPI(lifespan=seatable_lifespan(base=clients.base))
    add_exception_handlers(app)

    @app.get("/rows/{row_id}")
    async def row(row_id: str, base: BaseDep) -> dict[str, Any]:
        return dict(await base.get_row("Table1", row_id))

    @app.get("/rows")
    async def rows(base: BaseDep, table: str = "Table1") -> int:
        return len(await base.list_rows(table))

    faults = clients.emulator.faults
    async with served(app) as http:
        missing = await http.get("/rows/no-such-row")
        refused = await http.get("/rows", params={"table": ""})
        faults.script("/rows/", 429, headers={"Retry-After": "7"})
        limited = await http.get("/rows")
        faults.script("/rows/", 500)
        broken = await http.get("/rows")
        faults.script("/rows/", kind="reset")
        reset = await http.get("/rows")
        fine = await http.get("/rows")
    assert [r.status_code for r in (missing, refused, limited, broken, reset, fine)] == [
        404, 422, 503, 502, 502, 200,
    ]  # fmt: skip
    assert limited.headers["retry-after"] == "7"
    assert [r.json()["error"] for r in (missing, refused, limited, broken, reset)] == [
        "NotFoundError", "InvalidInputError", "RateLimitError", "InternalServerError",
        "APIConnectionError",
    ]  # fmt: skip


@pytest.mark.anyio
async def test_no_token_reaches_the_answer_or_the_log(caplog: pytest.LogCaptureFixture) -> None:
    token = "secret-api-token-0123456789"

    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers.get("authorization", "")
        return httpx.Response(401, json={"detail": f"Invalid token {sent} ({token})"})

    app = FastAPI()
    add_exception_handlers(app)

    @app.get("/rows")
    async def rows(base: BaseDep) -> int:
        return len(await base.list_rows("Table1"))

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(echo)) as into_mock,
        Base(token, "https://cloud.seatable.io", http_client=into_mock) as base,
    ):
        app.dependency_overrides[get_base] = lambda: base
        with caplog.at_level(logging.WARNING, logger="seatable_async"):
            response = await answer(app, "/rows")
    assert response.status_code == 502
    assert response.json()["detail"] == "Invalid token Bearer *** (***)"
    assert token not in response.text
    assert caplog.messages
    assert all(token not in message for message in caplog.messages)


@pytest.mark.anyio
async def test_only_answers_of_the_server_side_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="seatable_async.integrations.fastapi"):
        await answer(raising_app(upstream(NotFoundError, 404)))
        await answer(raising_app(InvalidInputError("bad")))
        assert caplog.messages == []
        await answer(raising_app(upstream(InternalServerError, 500)))
    assert caplog.messages == ["GET /fail answered 502: InternalServerError: upstream said no"]

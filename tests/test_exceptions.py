"""The status → class table and every SeaTable error body shape."""

from __future__ import annotations

import httpx
import pytest

import seatable_async
from seatable_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    GatewayTimeoutError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    RateLimitError,
    RequestFailedError,
    SeaTableError,
    ServerError,
    ServiceUnavailableError,
)
from seatable_async._exceptions import error_for_response

STATUS_TABLE = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (402, RequestFailedError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (429, RateLimitError),
    (500, InternalServerError),
    (502, BadGatewayError),
    (503, ServiceUnavailableError),
    (504, GatewayTimeoutError),
    (501, ServerError),
    (507, ServerError),
    (405, APIStatusError),
    (409, APIStatusError),
]


def _response(status: int, **kwargs: object) -> httpx.Response:
    request = httpx.Request("GET", "https://seatable.test/x/")
    return httpx.Response(status, request=request, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "error_class"), STATUS_TABLE)
def test_status_maps_to_exact_class(status: int, error_class: type[APIStatusError]) -> None:
    error = error_for_response(_response(status, json={"error_msg": "boom"}))
    assert type(error) is error_class
    assert error.status_code == status
    assert error.message == "boom"
    assert isinstance(error, SeaTableError)


def test_server_errors_share_a_base() -> None:
    for error_class in (InternalServerError, BadGatewayError, ServiceUnavailableError):
        assert issubclass(error_class, ServerError)
    assert issubclass(APITimeoutError, APIConnectionError)


BODY_SHAPES = [
    ({"json": {"detail": "Invalid token"}}, "Invalid token", None),
    (
        {"json": {"non_field_errors": ["Unable to login with provided credentials."]}},
        "Unable to login with provided credentials.",
        None,
    ),
    ({"json": {"error_msg": "Permission denied."}}, "Permission denied.", None),
    ({"json": {"error_message": "invalid token"}}, "invalid token", None),
    (
        {
            "json": {
                "error_type": "column_already_exists",
                "error_message": "column name already exists",
            }
        },
        "column name already exists",
        "column_already_exists",
    ),
    ({"json": {"error_type": "column_data_error"}}, "column_data_error", "column_data_error"),
    ({"json": "Column ColA exists."}, "Column ColA exists.", None),
    ({"text": "too many requests"}, "too many requests", None),
]


@pytest.mark.parametrize(("body", "message", "error_type"), BODY_SHAPES)
def test_message_from_every_body_shape(
    body: dict[str, object], message: str, error_type: str | None
) -> None:
    error = error_for_response(_response(400, **body))
    assert error.message == message
    assert error.error_type == error_type
    assert message in str(error)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"content": b""},
        {"text": "<html><body><h1>502 Bad Gateway</h1></body></html>"},
        {"json": {}},
        {"json": {"error_msg": ""}},
        {"json": None},
    ],
)
def test_message_is_never_empty(body: dict[str, object]) -> None:
    error = error_for_response(_response(502, **body))
    assert error.message
    assert "Bad Gateway" in str(error)
    assert "<html>" not in error.message


def test_success_false_in_a_200_is_a_query_error() -> None:
    body = {"success": False, "error_message": "no such column: Nme", "results": []}
    error = error_for_response(_response(200, json=body))
    assert type(error) is QueryError
    assert error.message == "no such column: Nme"


def test_every_exception_is_exported() -> None:
    exported = {
        name
        for name in seatable_async.__all__
        if isinstance(getattr(seatable_async, name), type)
        and issubclass(getattr(seatable_async, name), Exception)
    }
    assert exported >= {cls.__name__ for _, cls in STATUS_TABLE} | {
        "SeaTableError",
        "APIConnectionError",
        "APITimeoutError",
        "QueryError",
        "InvalidInputError",
        "UnexpectedResponseError",
    }

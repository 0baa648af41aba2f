"""Tokens and passwords never leak, even when a server echoes them (issue 6, requirement 5)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import respx

from seatable_async import (
    Account,
    APIConnectionError,
    APIStatusError,
    Base,
    NotFoundError,
    QueryError,
    RateLimitError,
    RetryEvent,
    SeaTableError,
)
from seatable_async._secrets import Secrets

from .helpers import API_TOKEN, BASE_UUID, GATEWAY, SERVER, FakeTime, make_jwt

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"
SQL = f"{GATEWAY}/sql/"
PASSWORD = "correct-horse-battery"
ACCOUNT_TOKEN = "c" * 40


def _escaped(secret: str) -> str:
    """The secret inside a JSON string with its first letter written as a \\u escape."""
    return f"\\u{ord(secret[0]):04x}{secret[1:]}"


def _echoes(*secrets: str) -> list[httpx.Response]:
    """Error answers in every body shape that carry the secrets back."""
    joined = " ".join(secrets)
    long_text = ("x" * 290 + " ".join(secrets) + "y" * 400).encode()
    escaped = ", ".join(f'"{_escaped(secret)}"' for secret in secrets)
    return [
        httpx.Response(404, json={"error_message": f"bad {joined}", "error_type": joined}),
        httpx.Response(404, json={"detail": joined}),
        httpx.Response(404, json={"non_field_errors": [joined]}),
        httpx.Response(404, json=joined),
        httpx.Response(404, content=long_text, headers={"content-type": "text/plain"}),
        httpx.Response(
            404,
            content=f'{{"error_msg": [{escaped}]}}'.encode(),
            headers={"content-type": "application/json"},
        ),
    ]


def _texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), error.args[0]]
    if isinstance(error, SeaTableError):
        texts.append(error.message)
    if isinstance(error, APIStatusError):
        texts.append(str(error.error_type))
    return texts


def _assert_hidden(texts: list[str], *secrets: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret[:6]}… leaked into {text[:80]!r}"


@pytest.mark.parametrize("shape", range(len(_echoes("s"))))
async def test_a_base_error_echoing_its_tokens_shows_neither(
    server: respx.MockRouter, shape: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    base_token = make_jwt(n=shape)
    server["token"].mock(
        return_value=httpx.Response(
            200, json={"access_token": base_token, "dtable_uuid": BASE_UUID}
        )
    )
    server.get(ROWS).mock(return_value=_echoes(base_token, API_TOKEN)[shape])
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(NotFoundError) as caught:
            await base.list_rows("Table1")
    assert "***" in caught.value.message
    _assert_hidden([*_texts(caught.value), caplog.text], base_token, API_TOKEN)


async def test_retry_events_and_logs_of_an_echoing_429_show_no_token(
    server: respx.MockRouter, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = httpx.Response(429, json={"detail": f"slow down, {API_TOKEN}"})
    server.get(ROWS).mock(return_value=echo)
    events: list[RetryEvent] = []
    policy = fake_time.policy(max_attempts=3, on_retry=events.append)
    async with Base(API_TOKEN, SERVER, retry=policy) as base:
        with pytest.raises(RateLimitError) as caught:
            await base.list_rows("Table1")
        base_token = server["token"].calls[0].response.json()["access_token"]
    assert len(events) == 2
    texts = [repr(events), *(text for event in events for text in _texts(event.error))]
    _assert_hidden([*texts, *_texts(caught.value), caplog.text], API_TOKEN, base_token)


async def test_a_failed_sql_answer_echoing_the_token_is_masked(
    server: respx.MockRouter,
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        await base.auth()
        base_token = server["token"].calls[0].response.json()["access_token"]
        server.post(SQL).mock(
            return_value=httpx.Response(
                200, json={"success": False, "error_message": f"token {base_token} bad"}
            )
        )
        with pytest.raises(QueryError) as caught:
            await base.query("SELECT * FROM Table1")
    _assert_hidden(_texts(caught.value), base_token)


async def test_a_transport_error_naming_the_token_is_masked(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_attempts=2)) as base:
        await base.auth()
        base_token = server["token"].calls[0].response.json()["access_token"]
        server.get(ROWS).mock(side_effect=httpx.ReadError(f"reset while sending {base_token}"))
        with pytest.raises(APIConnectionError) as caught:
            await base.list_rows("Table1")
    _assert_hidden(_texts(caught.value), base_token)


async def test_a_login_error_echoing_the_password_is_masked(server: respx.MockRouter) -> None:
    server.post("/api2/auth-token/").mock(
        return_value=httpx.Response(
            400, json={"non_field_errors": [f"no user me with password {PASSWORD}"]}
        )
    )
    async with Account(server_url=SERVER, username="me", password=PASSWORD) as account:
        with pytest.raises(APIStatusError) as caught:
            await account.auth()
    _assert_hidden([*_texts(caught.value), repr(account)], PASSWORD)


async def test_a_base_of_an_account_masks_the_account_token_too(
    server: respx.MockRouter,
) -> None:
    base_token = make_jwt(n="account")
    server.get("/api/v2.1/workspace/1/dtable/B/access-token/").mock(
        return_value=httpx.Response(
            200, json={"access_token": base_token, "dtable_uuid": BASE_UUID}
        )
    )
    server.get(ROWS).mock(return_value=_echoes(ACCOUNT_TOKEN, base_token)[0])
    async with Account(server_url=SERVER, token=ACCOUNT_TOKEN) as account:
        base = await account.get_base(1, "B")
        with pytest.raises(NotFoundError) as caught:
            await base.list_rows("Table1")
    _assert_hidden(_texts(caught.value), ACCOUNT_TOKEN, base_token)


def test_secrets_mask_longest_first_and_leave_short_values_alone() -> None:
    secrets = Secrets()
    for value in ("abcd", "abcdefgh", "ab"):
        secrets.add(value)
    assert secrets.scrub("xabcdefghx abcd ab") == "x***x *** ab"
    assert secrets.scrub_bytes(b"abcdefgh") == b"***"
    assert "abcd" not in repr(secrets)
    assert json.loads(json.dumps(secrets.scrub("abcd"))) == "***"

"""A bounded fuzz of the dtable-web and file-server routes: junk paths, queries and bodies answer
below 500 (any other exception in a handler is an emulator bug, so it must stay a visible 500)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from seatable_async.testing import Emulator
from seatable_async.testing._web import ROUTES

from .conftest import client_for

pytestmark = pytest.mark.anyio

JUNK_TEXT = ("", "x", "0", "-1", "1e400", "99999999999999999999999", "../..", "é", "5h", "r")
"""Values each path parameter, query parameter and form field is replaced by."""
FIELDS = ("name", "workspace_id", "app_name", "permission", "path", "exp", "username", "password")
BODIES: tuple[dict[str, Any], ...] = (
    {"data": {}},
    {"json": ["not", "an", "object"]},
    {"content": b"{not json", "headers": {"content-type": "application/json"}},
    {"content": b"--x\r\n\r\n", "headers": {"content-type": "multipart/form-data; boundary=x"}},
)


def _headers(emulator: Emulator, account_token: str, auth: str) -> dict[str, str]:
    token = {"api": emulator.api_token, "account": account_token}.get(auth)
    return {} if token is None else {"Authorization": f"Token {token}"}


async def test_junk_never_answers_5xx(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        login = {"username": "me@example.com", "password": "secret"}
        account_token = (await client.post("/api2/auth-token/", data=login)).json()["token"]
        answers: list[tuple[str, str, int]] = []
        for (method, path, _handler, auth), junk in itertools.product(ROUTES, JUNK_TEXT):
            url = re.sub(r"\{\w+\}", junk or "_", path)
            query = dict.fromkeys(FIELDS, junk)
            for body in ({"data": query}, *BODIES):
                headers = {**_headers(emulator, account_token, auth), **body.get("headers", {})}
                payload = {key: value for key, value in body.items() if key != "headers"}
                response = await client.request(
                    method, url, params=query, headers=headers, **payload
                )
                answers.append((method, url, response.status_code))
    server_errors = [answer for answer in answers if answer[2] >= 500]
    assert not server_errors, server_errors[:10]
    assert len(answers) == len(ROUTES) * len(JUNK_TEXT) * (1 + len(BODIES))

"""Token flows: API token → base token, account login, expiry and error shapes."""

from __future__ import annotations

import base64
import json

import pytest

from seatable_async.testing import Emulator

from .conftest import SERVER, FakeClock, client_for, gateway_for

pytestmark = pytest.mark.anyio

APP_ACCESS = "/api/v2.1/dtable/app-access-token/"


def jwt_payload(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


async def test_app_access_token_has_the_6_0_10_key_set(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        response = await client.get(APP_ACCESS, headers={"Authorization": "Token test-api-token"})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {
        "access_token",
        "app_name",
        "dtable_name",
        "dtable_server",
        "dtable_uuid",
        "use_api_gateway",
        "workspace_id",
    }
    assert body["dtable_server"] == f"{SERVER}/api-gateway/"
    assert body["dtable_uuid"] == emulator.base_uuid
    assert body["use_api_gateway"] is True
    assert body["workspace_id"] == 1


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
async def test_both_authorization_schemes_are_accepted(emulator: Emulator, scheme: str) -> None:
    async with client_for(emulator) as client:
        response = await client.get(
            APP_ACCESS, headers={"Authorization": f"{scheme} test-api-token"}
        )
    assert response.status_code == 200


async def test_base_token_is_a_jwt_with_exp(emulator: Emulator, clock: FakeClock) -> None:
    async with client_for(emulator) as client:
        default = await client.get(APP_ACCESS, headers={"Authorization": "Token test-api-token"})
        short = await client.get(
            APP_ACCESS, params={"exp": "5h"}, headers={"Authorization": "Token test-api-token"}
        )
    header = json.loads(
        base64.urlsafe_b64decode(default.json()["access_token"].split(".")[0] + "==")
    )
    assert header == {"typ": "JWT", "alg": "HS256"}
    payload = jwt_payload(default.json()["access_token"])
    assert payload["exp"] == int(clock.now + 3 * 86400)
    assert payload["dtable_uuid"] == emulator.base_uuid
    assert payload["permission"] == "rw"
    assert payload["username"] == ""  # API-token flow: no user in the token
    assert payload["app_name"] == "emulator"
    assert jwt_payload(short.json()["access_token"])["exp"] == int(clock.now + 5 * 3600)


async def test_invalid_api_token_is_permission_denied(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        wrong = await client.get(APP_ACCESS, headers={"Authorization": "Token nope"})
        missing = await client.get(APP_ACCESS)
    assert (wrong.status_code, wrong.json()) == (403, {"error_msg": "Permission denied."})
    assert missing.status_code == 403


async def test_bad_exp_is_rejected(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        response = await client.get(
            APP_ACCESS, params={"exp": "soon"}, headers={"Authorization": "Token test-api-token"}
        )
    assert response.status_code == 400


async def test_expired_base_token_answers_403_invalid_token(
    emulator: Emulator, clock: FakeClock
) -> None:
    async with gateway_for(emulator) as gw:
        assert (await gw.request("GET", "/metadata/")).status_code == 200
        clock.advance(3 * 86400 + 1)
        response = await gw.request("GET", "/metadata/")
    assert response.status_code == 403
    assert response.json() == {"error_message": "invalid token"}


async def test_token_lifetime_setting_is_honoured(clock: FakeClock) -> None:
    emu = Emulator(token_lifetime=60, clock=clock)
    try:
        async with gateway_for(emu) as gw:
            clock.advance(59)
            assert (await gw.request("GET", "/metadata/")).status_code == 200
            clock.advance(2)
            assert (await gw.request("GET", "/metadata/")).status_code == 403
    finally:
        emu.close()


async def test_gateway_rejects_missing_forged_and_foreign_tokens(emulator: Emulator) -> None:
    async with gateway_for(emulator) as gw:
        token = gw.headers["Authorization"].split()[1]
        head, body, _ = token.split(".")
        forged = f"{head}.{body}.{base64.urlsafe_b64encode(b'x' * 32).decode().rstrip('=')}"
        other = emulator.store.create_base("Other", 1)
        cases = {
            "none": await gw.client.get(f"{gw.prefix}/metadata/"),
            "forged": await gw.client.get(
                f"{gw.prefix}/metadata/", headers={"Authorization": f"Bearer {forged}"}
            ),
            "foreign": await gw.client.get(
                f"/api-gateway/api/v2/dtables/{other.uuid}/metadata/", headers=gw.headers
            ),
        }
    for response in cases.values():
        assert response.status_code == 403
        assert response.json() == {"error_message": "invalid token"}


async def test_account_flow_login_workspaces_and_base_token(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        login = await client.post(
            "/api2/auth-token/", data={"username": "me@example.com", "password": "secret"}
        )
        token = login.json()["token"]
        auth = {"Authorization": f"Token {token}"}
        info = await client.get("/api2/account/info/", headers=auth)
        spaces = await client.get("/api/v2.1/workspaces/", headers=auth)
        access = await client.get(
            "/api/v2.1/workspace/1/dtable/Test Base/access-token/", headers=auth
        )
        rows = await client.get(
            f"/api-gateway/api/v2/dtables/{emulator.base_uuid}/rows/",
            params={"table_name": "Contacts"},
            headers={"Authorization": f"Bearer {access.json()['access_token']}"},
        )
    assert login.status_code == 200
    assert len(token) == 40
    assert info.json()["email"] == emulator.user_id
    personal = next(w for w in spaces.json()["workspace_list"] if w["type"] == "personal")
    assert [b["name"] for b in personal["table_list"]] == ["Test Base"]
    assert set(access.json()) == {"access_token", "dtable_uuid"}
    assert rows.status_code == 200


async def test_account_errors_use_drf_shapes(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        wrong = await client.post(
            "/api2/auth-token/", data={"username": "me@example.com", "password": "bad"}
        )
        anonymous = await client.get("/api2/account/info/")
        garbage = await client.get("/api2/account/info/", headers={"Authorization": "Token zz"})
    assert wrong.status_code == 400
    assert wrong.json() == {"non_field_errors": ["Unable to login with provided credentials."]}
    assert anonymous.status_code == 403
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
    assert (garbage.status_code, garbage.json()) == (401, {"detail": "Invalid token"})


async def test_login_is_disabled_without_credentials() -> None:
    emu = Emulator()
    try:
        async with client_for(emu) as client:
            response = await client.post("/api2/auth-token/", data={"username": "", "password": ""})
        assert response.status_code == 400
    finally:
        emu.close()


async def test_temp_api_token_and_base_lifecycle(emulator: Emulator, clock: FakeClock) -> None:
    async with client_for(emulator) as client:
        token = (
            await client.post(
                "/api2/auth-token/", data={"username": "me@example.com", "password": "secret"}
            )
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        created = await client.post(
            "/api/v2.1/dtables/",
            files={"name": (None, "Projects"), "workspace_id": (None, "1")},
            headers=auth,
        )
        temp = await client.get(
            "/api/v2.1/workspace/1/dtable/Projects/temp-api-token/", headers=auth
        )
        via_temp = await client.get(
            APP_ACCESS, headers={"Authorization": f"Token {temp.json()['api_token']}"}
        )
        clock.advance(3601)
        expired = await client.get(
            APP_ACCESS, headers={"Authorization": f"Token {temp.json()['api_token']}"}
        )
        deleted = await client.request(
            "DELETE", "/api/v2.1/workspace/1/dtable/", data={"name": "Projects"}, headers=auth
        )
        missing = await client.get(
            "/api/v2.1/workspace/1/dtable/Projects/access-token/", headers=auth
        )
    assert created.status_code == 201
    new_uuid = created.json()["table"]["uuid"]
    assert via_temp.json()["dtable_uuid"] == new_uuid
    assert via_temp.json()["dtable_name"] == "Projects"
    assert expired.status_code == 403
    assert deleted.json() == {"success": True}
    assert (missing.status_code, missing.json()) == (
        404,
        {"error_msg": "dtable Projects not found."},
    )


async def test_new_base_has_table1_with_three_empty_rows(emulator: Emulator) -> None:
    base = emulator.store.create_base("Fresh", 1, empty_rows=3)
    rows = emulator.rows("Table1", base_uuid=base.uuid)
    assert len(rows) == 3
    assert all(row["Name"] is None for row in rows)


async def test_api_token_management_and_read_only_tokens(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        login = await client.post(
            "/api2/auth-token/", data={"username": "me@example.com", "password": "secret"}
        )
        auth = {"Authorization": f"Token {login.json()['token']}"}
        path = "/api/v2.1/workspace/1/dtable/Test Base/api-tokens/"
        created = await client.post(
            path, data={"app_name": "reader", "permission": "r"}, headers=auth
        )
        listed = await client.get(path, headers=auth)
        reader = created.json()["api_token"]
        access = await client.get(APP_ACCESS, headers={"Authorization": f"Token {reader}"})
        headers = {"Authorization": f"Bearer {access.json()['access_token']}"}
        prefix = f"/api-gateway/api/v2/dtables/{emulator.base_uuid}"
        read = await client.get(
            f"{prefix}/rows/", params={"table_name": "Contacts"}, headers=headers
        )
        write = await client.post(
            f"{prefix}/rows/",
            json={"table_name": "Contacts", "rows": [{"Name": "x"}]},
            headers=headers,
        )
        sql_write = await client.post(
            f"{prefix}/sql/", json={"sql": "DELETE FROM Contacts"}, headers=headers
        )
        removed = await client.delete(f"{path}reader/", headers=auth)
        after = await client.get(APP_ACCESS, headers={"Authorization": f"Token {reader}"})
    assert created.status_code == 201
    assert len(reader) == 40
    assert "reader" in [t["app_name"] for t in listed.json()["api_tokens"]]
    assert read.status_code == 200
    assert write.status_code == 403
    assert sql_write.status_code == 403
    assert removed.json() == {"success": True}
    assert after.status_code == 403

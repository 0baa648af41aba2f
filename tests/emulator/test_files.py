"""File operations: upload link, multipart upload, download link, delete."""

from __future__ import annotations

import pytest

from seatable_async.testing import Emulator

from .conftest import client_for

pytestmark = pytest.mark.anyio

API = {"Authorization": "Token test-api-token"}


async def test_upload_download_and_delete(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        link = (await client.get("/api/v2.1/dtable/app-upload-link/", headers=API)).json()
        form = {"parent_dir": link["parent_path"], "relative_path": link["file_relative_path"]}
        uploaded = await client.post(
            link["upload_link"] + "?ret-json=1",
            data=form,
            files={"file": ("hello.txt", b"hello world", "text/plain")},
        )
        again = await client.post(
            link["upload_link"] + "?ret-json=1",
            data=form,
            files={"file": ("hello.txt", b"second", "text/plain")},
        )
        path = f"/{link['file_relative_path']}/hello.txt"
        download = await client.get(
            "/api/v2.1/dtable/app-download-link/", params={"path": path}, headers=API
        )
        content = await client.get(download.json()["download_link"])
        deleted = await client.delete(
            "/api/v2.1/dtable/app-asset/", params={"path": path}, headers=API
        )
        gone = await client.get(
            "/api/v2.1/dtable/app-download-link/", params={"path": path}, headers=API
        )
    assert link["parent_path"] == f"/asset/{emulator.base_uuid}"
    assert link["upload_link"].startswith("http://seatable.test/seafhttp/upload-api/")
    assert uploaded.json()[0]["name"] == "hello.txt"
    assert uploaded.json()[0]["size"] == 11
    assert again.json()[0]["name"] == "hello(1).txt"
    assert content.content == b"hello world"
    assert deleted.json() == {"success": True}
    assert (gone.status_code, gone.json()) == (404, {"error_msg": f"path {path} not found."})


async def test_upload_rejects_bad_relative_path_and_unknown_link(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        link = (await client.get("/api/v2.1/dtable/app-upload-link/", headers=API)).json()
        bad = await client.post(
            link["upload_link"],
            data={"parent_dir": link["parent_path"], "relative_path": "elsewhere"},
            files={"file": ("a.txt", b"a")},
        )
        unknown = await client.post(
            "/seafhttp/upload-api/nope", data={}, files={"file": ("a.txt", b"a")}
        )
        no_token = await client.get("/api/v2.1/dtable/app-upload-link/")
    assert bad.status_code == 400
    assert unknown.status_code == 403
    assert no_token.status_code == 403


async def test_asset_paths_are_found_without_their_leading_slash(emulator: Emulator) -> None:
    async with client_for(emulator) as client:
        link = (await client.get("/api/v2.1/dtable/app-upload-link/", headers=API)).json()
        await client.post(
            link["upload_link"] + "?ret-json=1",
            data={"parent_dir": link["parent_path"], "relative_path": link["file_relative_path"]},
            files={"file": ("a.txt", b"a")},
        )
        path = f"{link['file_relative_path']}/a.txt"
        found = await client.get(
            "/api/v2.1/dtable/app-download-link/", params={"path": path}, headers=API
        )
        deleted = await client.delete(
            "/api/v2.1/dtable/app-asset/", params={"path": path}, headers=API
        )
    assert found.status_code == 200
    assert deleted.json() == {"success": True}

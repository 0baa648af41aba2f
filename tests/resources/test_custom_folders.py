"""Custom-folder files: the exact requests (respx), both answer shapes of the link calls, no token
sent to the file server, and a round trip through the emulator."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from seatable_async import (
    Base,
    InvalidInputError,
    NotFoundError,
    UnexpectedResponseError,
)
from seatable_async.resources.files import (
    GET_CUSTOM_DOWNLOAD_LINK,
    GET_CUSTOM_FILE_INFO,
    GET_CUSTOM_UPLOAD_LINK,
    LIST_CUSTOM_ASSETS,
)
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, BASE_UUID, SERVER
from ._emulated import TOKEN, emulated_base

pytestmark = pytest.mark.anyio

FILES = "https://files.elsewhere.test"
UPLOAD = f"{FILES}/seafhttp/upload-api/up-secret"
DOWNLOAD = f"{FILES}/seafhttp/files/down-secret/b347.pdf"
LINK = {
    "upload_link": UPLOAD,
    "workspace_id": 7,
    "parent_path": f"/asset/{BASE_UUID}/custom",
    "relative_path": "/Invoices",
}
DIRENT = {
    "is_file": True,
    "obj_name": "b347.pdf",
    "file_size": 11583,
    "last_update": "2023-04-11T14:59:53+08:00",
    "uuid": "2bbe9499-e1df-4086-bdd3-d130d6c91bd3",
}


@pytest.mark.parametrize("wrapped", [False, True], ids=["top-level", "dirent"])
async def test_link_calls_send_their_path_and_take_either_answer_shape(
    server: respx.MockRouter, wrapped: bool
) -> None:
    def shape(answer: dict[str, Any]) -> dict[str, Any]:
        return {"dirent": answer} if wrapped else answer

    upload = server.get(GET_CUSTOM_UPLOAD_LINK.path).respond(200, json=shape(LINK))
    download = server.get(GET_CUSTOM_DOWNLOAD_LINK.path).respond(
        200, json=shape({"download_link": DOWNLOAD})
    )
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.get_custom_file_upload_link("Invoices/") == LINK
        assert await base.get_custom_file_download_link("/Invoices/b%20347.pdf") == DOWNLOAD
    sent = upload.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {API_TOKEN}"
    assert dict(sent.url.params) == {"path": "/Invoices"}
    assert dict(download.calls.last.request.url.params) == {"path": "/Invoices/b 347.pdf"}


async def test_info_and_listing_send_exact_queries(server: respx.MockRouter) -> None:
    info = server.get(GET_CUSTOM_FILE_INFO.path).respond(200, json={"dirent": DIRENT})
    listing = {"dir": [{"name": "2024"}], "file": [{"name": "b347.pdf"}]}
    assets = server.get(LIST_CUSTOM_ASSETS.path).respond(200, json=listing)
    async with Base(API_TOKEN, SERVER) as base:
        cell = await base.get_custom_file_info("/Invoices", "b347.pdf")
        assert await base.list_custom_assets("/") == listing
    assert dict(info.calls.last.request.url.params) == {"path": "/Invoices", "name": "b347.pdf"}
    assert dict(assets.calls.last.request.url.params) == {"path": "/"}
    assert cell == {
        "type": "file",
        "size": 11583,
        "name": "b347.pdf",
        "url": "custom-asset://2bbe9499-e1df-4086-bdd3-d130d6c91bd3.pdf",
    }


async def test_upload_sends_no_token_to_the_file_server_and_answers_the_file_info(
    server: respx.MockRouter, tmp_path: Path
) -> None:
    link = server.get(GET_CUSTOM_UPLOAD_LINK.path).respond(200, json={"dirent": LINK})
    upload = server.post(UPLOAD).respond(200, json=[{"name": "b347.pdf", "id": "x", "size": 5}])
    info = server.get(GET_CUSTOM_FILE_INFO.path).respond(200, json={"dirent": DIRENT})
    local = tmp_path / "local.pdf"
    local.write_bytes(b"%PDF-")
    async with Base(API_TOKEN, SERVER) as base:
        cell = await base.upload_local_file_to_custom_folder(local, "/Invoices", "b347.pdf")
        await base.upload_local_file_to_custom_folder(str(local))
    sent = upload.calls[0].request
    assert "authorization" not in sent.headers
    assert sent.url.params["ret-json"] == "1"
    body = sent.content
    assert b'name="parent_dir"\r\n\r\n/asset/' + BASE_UUID.encode() + b"/custom\r\n" in body
    assert b'name="relative_path"\r\n\r\n/Invoices\r\n' in body
    assert b'name="replace"\r\n\r\n0' in body
    assert b'filename="b347.pdf"' in body
    assert b'filename="local.pdf"' in upload.calls[1].request.content
    assert [dict(call.request.url.params) for call in link.calls] == [
        {"path": "/Invoices"},
        {"path": "/"},
    ]
    assert dict(info.calls[0].request.url.params) == {"path": "/Invoices", "name": "b347.pdf"}
    assert cell["url"] == "custom-asset://2bbe9499-e1df-4086-bdd3-d130d6c91bd3.pdf"


async def test_download_streams_without_token(server: respx.MockRouter, tmp_path: Path) -> None:
    server.get(GET_CUSTOM_DOWNLOAD_LINK.path).respond(200, json={"download_link": DOWNLOAD})
    file = server.get(DOWNLOAD).respond(200, content=b"y" * 100_000)
    async with Base(API_TOKEN, SERVER) as base:
        await base.download_custom_file("/Invoices/b347.pdf", tmp_path / "b.pdf")
    assert "authorization" not in file.calls.last.request.headers
    assert (tmp_path / "b.pdf").read_bytes() == b"y" * 100_000


async def test_a_link_answer_without_its_link_is_unexpected(server: respx.MockRouter) -> None:
    server.get(GET_CUSTOM_DOWNLOAD_LINK.path).respond(200, json={"dirent": {"link": "x"}})
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(UnexpectedResponseError, match="download_link"):
            await base.get_custom_file_download_link("/a.pdf")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda base: base.get_custom_file_upload_link(""), "path"),
        (lambda base: base.get_custom_file_upload_link("/a/../b"), "path"),
        (lambda base: base.get_custom_file_download_link(3), "path"),
        (lambda base: base.get_custom_file_info("/", "a/b"), "name"),
        (lambda base: base.list_custom_assets(None), "path"),
        (lambda base: base.upload_local_file_to_custom_folder(3), "local_path"),
        (lambda base: base.upload_local_file_to_custom_folder("/no/such"), "local_path"),
        (lambda base: base.upload_local_file_to_custom_folder("/x", "/.."), "custom_folder_path"),
        (lambda base: base.download_custom_file("/a.pdf", 3), "save_path"),
    ],
)
async def test_arguments_are_checked_before_anything_is_sent(
    server: respx.MockRouter, call: Any, message: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=message):
            await call(base)
    assert all(route.call_count == 0 for route in server.routes if route.name != "token")


async def test_round_trip_through_the_emulator(tmp_path: Path) -> None:
    emulator = Emulator(api_token=TOKEN)
    emulator.add_table("Docs", [("Name", "text"), ("File", "file")])
    local = tmp_path / "b347.pdf"
    local.write_bytes(b"%PDF-1.7 body")
    async with emulated_base(emulator) as base:
        cell = await base.upload_local_file_to_custom_folder(local, "/Invoices/2024")
        again = await base.upload_local_file_to_custom_folder(local, "/Invoices/2024")
        top = await base.upload_local_file_to_custom_folder(local, name="top.pdf")
        root = await base.list_custom_assets("/")
        folder = await base.list_custom_assets("/Invoices/2024")
        info = await base.get_custom_file_info("/Invoices/2024", "b347.pdf")
        sink = io.BytesIO()
        await base.download_custom_file("/Invoices/2024/b347.pdf", sink)
        row = await base.append_row("Docs", {"Name": "r", "File": [cell]})
        with pytest.raises(NotFoundError):
            await base.get_custom_file_download_link("/Invoices/none.pdf")
        with pytest.raises(NotFoundError):
            await base.get_custom_file_info("/Invoices", "b347.pdf")
        # an ordinary upload still reaches the file server's own handler
        plain = await base.upload_bytes_file("plain.txt", b"plain")
    assert cell == info
    assert cell["name"] == "b347.pdf"
    assert cell["size"] == 13
    assert cell["url"].startswith("custom-asset://")
    assert cell["url"].endswith(".pdf")
    assert again["name"] == "b347(1).pdf"
    assert again["url"] != cell["url"]
    assert top["name"] == "top.pdf"
    assert root == {"dir": [{"name": "Invoices"}], "file": [{"name": "top.pdf"}]}
    assert folder == {"dir": [], "file": [{"name": "b347(1).pdf"}, {"name": "b347.pdf"}]}
    assert sink.getvalue() == b"%PDF-1.7 body"
    assert row["_id"]
    assert plain["name"] == "plain.txt"


async def test_the_emulator_refuses_a_custom_upload_without_a_file() -> None:
    emulator = Emulator(api_token=TOKEN)
    async with emulated_base(emulator) as base:
        link = await base.get_custom_file_upload_link("/")
        async with httpx.AsyncClient(transport=emulator.transport()) as client:
            form = {"parent_dir": link["parent_path"], "relative_path": "/"}
            response = await client.post(link["upload_link"], data=form)
    assert response.status_code == 400

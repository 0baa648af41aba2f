"""Files: the exact requests (respx), no token ever sent to the file server or across a redirect,
streamed downloads, and round trips through the emulator's file server."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from seatable_async import (
    Account,
    APIConnectionError,
    APIStatusError,
    Base,
    InvalidInputError,
    NotFoundError,
    RetryPolicy,
)
from seatable_async.resources.files import GET_DOWNLOAD_LINK, GET_UPLOAD_LINK
from seatable_async.testing import Emulator

from ..helpers import API_TOKEN, BASE_UUID, SERVER
from ._emulated import TOKEN, emulated_base

pytestmark = pytest.mark.anyio

FILES = "https://files.elsewhere.test"
UPLOAD = f"{FILES}/seafhttp/upload-api/up-secret"
LINK = {
    "upload_link": UPLOAD,
    "workspace_id": 7,
    "parent_path": f"/asset/{BASE_UUID}",
    "img_relative_path": "images/2024-05",
    "file_relative_path": "files/2024-05",
}
OTHER = "00000000-0000-0000-0000-000000000001"
DOWNLOAD = f"{FILES}/seafhttp/files/down-secret/a%20b.pdf"


def form_of(request: httpx.Request) -> bytes:
    return request.content


async def test_upload_bytes_sends_no_token_to_the_file_server(server: respx.MockRouter) -> None:
    link = server.get(GET_UPLOAD_LINK.path).respond(200, json=LINK)
    upload = server.post(UPLOAD).respond(200, json=[{"name": "a b(1).pdf", "id": "x", "size": 3}])
    async with Base(API_TOKEN, SERVER) as base:
        cell = await base.upload_bytes_file("a b.pdf", b"abc")
        image = await base.upload_bytes_file("p.png", b"png", file_type="image", replace=True)
    assert link.calls.last.request.headers["Authorization"] == f"Bearer {API_TOKEN}"
    sent = upload.calls[0].request
    assert "authorization" not in sent.headers
    assert sent.url.params["ret-json"] == "1"
    body = form_of(sent)
    assert b'name="parent_dir"\r\n\r\n/asset/' + BASE_UUID.encode() in body
    assert b'name="relative_path"\r\n\r\nfiles/2024-05' in body
    assert b'name="replace"\r\n\r\n0' in body
    assert b'filename="a b.pdf"' in body
    assert b"\r\n\r\nabc\r\n" in body
    assert b'name="relative_path"\r\n\r\nimages/2024-05' in form_of(upload.calls[1].request)
    assert b'name="replace"\r\n\r\n1' in form_of(upload.calls[1].request)
    assert cell == {
        "name": "a b(1).pdf",
        "size": 3,
        "type": "file",
        "url": f"{SERVER}/workspace/7/asset/{BASE_UUID}/files/2024-05/a%20b%281%29.pdf",
    }
    assert image["type"] == "image"


async def test_download_streams_without_token_and_paths_get_their_slash(
    server: respx.MockRouter, tmp_path: Path
) -> None:
    link = server.get(GET_DOWNLOAD_LINK.path).respond(200, json={"download_link": DOWNLOAD})
    body = b"x" * (300 * 1024)
    file = server.get(DOWNLOAD).respond(200, content=body)
    async with Base(API_TOKEN, SERVER) as base:
        assert await base.get_file_download_link("files/2024-05/a b.pdf") == DOWNLOAD
        cell_url = f"{SERVER}/workspace/7/asset/{BASE_UUID}/files/2024-05/a%20b.pdf"
        await base.download_file(cell_url, tmp_path / "a.pdf")
        sink = io.BytesIO()
        await base.download_file("/files/2024-05/a b.pdf", sink)
    assert [call.request.url.params["path"] for call in link.calls] == [
        "/files/2024-05/a b.pdf"
    ] * 3
    assert all("authorization" not in call.request.headers for call in file.calls)
    assert (tmp_path / "a.pdf").read_bytes() == body
    assert sink.getvalue() == body


async def test_a_redirect_is_not_followed_and_carries_no_token(server: respx.MockRouter) -> None:
    """A link call answered by a redirect to another host is an error; nothing goes there."""
    server.get(GET_DOWNLOAD_LINK.path).respond(302, headers={"Location": f"{FILES}/steal"}, json={})
    foreign = server.get(f"{FILES}/steal").respond(200, json={"download_link": DOWNLOAD})
    async with Base(API_TOKEN, SERVER, retry=RetryPolicy(max_attempts=1)) as base:
        with pytest.raises(APIStatusError):
            await base.get_file_download_link("/files/2024-05/a.pdf")
    assert not foreign.called


async def test_a_user_client_that_follows_redirects_drops_the_token(
    server: respx.MockRouter,
) -> None:
    """httpx strips Authorization on a redirect to another origin; the file server gets none."""
    server.get(GET_UPLOAD_LINK.path).respond(302, headers={"Location": f"{FILES}/link"})
    foreign = server.get(f"{FILES}/link").respond(200, json=LINK)
    upload = server.post(UPLOAD).respond(200, json=[{"name": "a", "id": "x", "size": 1}])
    async with (
        httpx.AsyncClient(follow_redirects=True) as client,
        Base(API_TOKEN, SERVER, http_client=client) as base,
    ):
        await base.upload_bytes_file("a", b"a")
    assert "authorization" not in foreign.calls.last.request.headers
    assert "authorization" not in upload.calls.last.request.headers


async def test_error_bodies_of_the_file_server_are_read_and_typed(
    server: respx.MockRouter, tmp_path: Path
) -> None:
    server.get(GET_DOWNLOAD_LINK.path).respond(200, json={"download_link": DOWNLOAD})
    server.get(DOWNLOAD).respond(404, text="File not found")
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(NotFoundError):
            await base.download_file("files/2024-05/a.pdf", tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()


class _Breaking(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"first"
        raise httpx.ReadError("connection reset")


async def test_a_body_breaking_off_is_a_connection_error_and_leaves_no_file(
    server: respx.MockRouter, tmp_path: Path
) -> None:
    server.get(GET_DOWNLOAD_LINK.path).respond(200, json={"download_link": DOWNLOAD})
    file = server.get(DOWNLOAD).mock(return_value=httpx.Response(200, stream=_Breaking()))
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(APIConnectionError) as caught:
            await base.download_file("files/2024-05/a.pdf", tmp_path / "a.pdf")
    assert file.call_count == 1
    assert "down-secret" not in str(caught.value)
    assert not (tmp_path / "a.pdf").exists()


async def test_a_download_is_retried_before_its_body_starts(
    server: respx.MockRouter, tmp_path: Path
) -> None:
    server.get(GET_DOWNLOAD_LINK.path).respond(200, json={"download_link": DOWNLOAD})
    file = server.get(DOWNLOAD).mock(
        side_effect=[httpx.Response(503, text="busy"), httpx.Response(200, content=b"ok")]
    )
    policy = RetryPolicy(max_attempts=2, sleep=_no_sleep)
    async with Base(API_TOKEN, SERVER, retry=policy) as base:
        await base.download_file("files/2024-05/a.pdf", tmp_path / "a.pdf")
    assert file.call_count == 2
    assert (tmp_path / "a.pdf").read_bytes() == b"ok"


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda base: base.upload_bytes_file("", b"a"), "name"),
        (lambda base: base.upload_bytes_file("a/b", b"a"), "name"),
        (lambda base: base.upload_bytes_file("a", "text"), "content"),
        (lambda base: base.upload_bytes_file("a", b"a", file_type="doc"), "file_type"),
        (lambda base: base.upload_bytes_file("a", b"a", "files/now"), "relative_path"),
        (lambda base: base.upload_bytes_file("a", b"a", replace="yes"), "replace"),
        (lambda base: base.upload_local_file(3), "file_path"),
        (lambda base: base.upload_local_file("/no/such/file"), "file_path"),
        (lambda base: base.get_file_download_link("elsewhere/a.pdf"), "path"),
        (lambda base: base.download_file("files/2024-01/a", 3), "save_path"),
        (
            lambda base: base.download_file(
                "/workspace/1/asset/00000000-0000-0000-0000-000000000001/files/2024-01/a",
                io.BytesIO(),
            ),
            "another base",
        ),
    ],
)
async def test_arguments_are_checked_before_anything_is_sent(
    server: respx.MockRouter, call: Any, message: str
) -> None:
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=message):
            await call(base)
    assert all(route.call_count == 0 for route in server.routes if route.name != "token")


async def test_a_base_from_an_account_uses_a_temporary_api_token() -> None:
    """File calls take an API token; a Base an Account opened fetches a temporary one, once."""
    emulator = Emulator(api_token=TOKEN, username="u@example.com", password="pw")
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as client,
        Account("u@example.com", "pw", "https://emulator.test", http_client=client) as account,
    ):
        base = await account.get_base(emulator.workspace_id, "Test Base")
        cell = await base.upload_bytes_file("note.txt", b"hello")
        again = await base.upload_bytes_file("other.txt", b"again")
        copy = io.BytesIO()
        await base.download_file(cell["url"], copy)
    assert copy.getvalue() == b"hello"
    assert again["name"] == "other.txt"
    temporary = [r for r in emulator.request_log if r.path.endswith("/temp-api-token/")]
    assert len(temporary) == 1


async def test_round_trip_through_the_emulator(tmp_path: Path) -> None:
    emulator = Emulator(api_token=TOKEN)
    emulator.add_table("Docs", [("Name", "text"), ("File", "file"), ("Image", "image")])
    local = tmp_path / "report.txt"
    local.write_bytes(b"report body")
    async with emulated_base(emulator) as base:
        cell = await base.upload_local_file(local)
        again = await base.upload_local_file(local)
        image = await base.upload_bytes_file("p.png", b"\x89PNG", file_type="image")
        row = await base.append_row("Docs", {"Name": "r", "File": [cell], "Image": [image["url"]]})
        stored = (await base.get_row("Docs", row["_id"]))["File"][0]
        sink = io.BytesIO()
        await base.download_file(stored["url"], sink)
        await base.download_file(image["url"], tmp_path / "p.png")
        with pytest.raises(NotFoundError):
            await base.get_file_download_link("files/2000-01/none.txt")
    assert cell["name"] == "report.txt"
    assert cell["size"] == 11
    assert again["name"] == "report(1).txt"
    assert sink.getvalue() == b"report body"
    assert (tmp_path / "p.png").read_bytes() == b"\x89PNG"
    assert json.dumps(stored)

"""Files and images of a base: upload and download links, uploads, and streamed downloads.

The link calls take the base's API token; the file server's URLs they hand out carry their own
token in the path, so no request to the file server (which may be another host) carries an
Authorization header, and no redirect is followed.
"""

from __future__ import annotations

import abc
import os
import re
import uuid
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import IO, TYPE_CHECKING, Any, Literal, TypedDict, Union
from urllib.parse import quote, unquote

import anyio
import anyio.to_thread
import httpx

from .._exceptions import (
    APIConnectionError,
    APITimeoutError,
    InvalidInputError,
    UnexpectedResponseError,
)
from .._operations import Decoding, Operation, answer_checks, decoded
from .._transport import EXTENSION_KEY, CallOptions, describe
from .._validation import require_flag, require_text
from ..types import (
    CustomAssets,
    CustomFileInfo,
    CustomUploadLink,
    DownloadLink,
    UploadedFile,
    UploadLink,
)
from ._resource import GatewayResource

if TYPE_CHECKING:
    from .._session import Session

__all__ = ["FileType", "FilesResource", "SavePath"]

GET_UPLOAD_LINK: Operation[UploadLink] = Operation(
    "get_file_upload_link", "getUploadLink", "GET", "/api/v2.1/dtable/app-upload-link/", "api",
    UploadLink,
)  # fmt: skip
GET_DOWNLOAD_LINK: Operation[DownloadLink] = Operation(
    "get_file_download_link", "getFileDownloadLink", "GET",
    "/api/v2.1/dtable/app-download-link/", "api", DownloadLink,
)  # fmt: skip
UPLOAD_FILE: Operation[list[Any]] = Operation(
    "upload_bytes_file", "uploadFile", "POST", "/seafhttp/upload-api/{upload_link}?ret-json=1",
    None, list, decode=Decoding.JSON_ARRAY,
)  # fmt: skip
"""Sent to the `upload_link` a link call handed out (with `?ret-json=1`), without a token."""
_CUSTOM = "/api/v2.1/dtable/custom"
GET_CUSTOM_UPLOAD_LINK: Operation[dict[str, Any]] = Operation(
    "get_custom_file_upload_link", "getCustomUploadLink", "GET", f"{_CUSTOM}/app-upload-link/",
    "api", dict,
)  # fmt: skip
GET_CUSTOM_DOWNLOAD_LINK: Operation[dict[str, Any]] = Operation(
    "get_custom_file_download_link", "getCustomDownloadLink", "GET",
    f"{_CUSTOM}/app-download-link/", "api", dict,
)  # fmt: skip
GET_CUSTOM_FILE_INFO: Operation[dict[str, Any]] = Operation(
    "get_custom_file_info", "getCustomFileMetadata", "GET", f"{_CUSTOM}/app-asset-file/", "api",
    dict,
)  # fmt: skip
LIST_CUSTOM_ASSETS: Operation[CustomAssets] = Operation(
    "list_custom_assets", "getCustomFiles", "GET", f"{_CUSTOM}/app-asset-dir/", "api",
    CustomAssets,
)  # fmt: skip

FileType = Literal["file", "image"]
SavePath = Union[str, "os.PathLike[str]", IO[bytes]]
"""Where a download goes: a file path, or a binary file object open for writing."""
_RELATIVE_KEY: dict[str, str] = {"file": "file_relative_path", "image": "img_relative_path"}
_RELATIVE_PATH = re.compile(r"^(images|files)/[0-9]{4}-[0-9]{2}$")
_ASSET_URL = re.compile(r"/asset/([0-9a-fA-F-]{32,36})/(.+)$")
_ASSET_PATH = re.compile(r"^/?(files|images|custom)/.")
CHUNK_SIZE = 64 * 1024


def _file_type(value: object) -> FileType:
    if value not in _RELATIVE_KEY:
        raise InvalidInputError("file_type must be 'file' or 'image'")
    return value  # type: ignore[return-value]


def _file_name(name: str, value: object) -> str:
    text = require_text(name, value)
    if "/" in text or "\\" in text or text in (".", ".."):
        raise InvalidInputError(f"{name} must be a file name, without a folder")
    return text


def _relative_path(value: object) -> str | None:
    if value is None:
        return None
    text = require_text("relative_path", value).strip("/")
    if not _RELATIVE_PATH.match(text):
        raise InvalidInputError("relative_path must look like files/2024-01 or images/2024-01")
    return text


def asset_path(name: str, value: object) -> str:
    """An asset path as the spec writes it, with its leading slash (`/files/2024-01/a.pdf`)."""
    text = require_text(name, value)
    if not _ASSET_PATH.match(text):
        raise InvalidInputError(f"{name} must start with files/, images/ or custom/")
    return "/" + text.lstrip("/")


def _custom_path(name: str, value: object, *, default: str | None = None) -> str:
    """A custom-folder path with its leading slash (`/Invoices/2024`), without `..` segments."""
    text = require_text(name, default if value is None and default is not None else value)
    parts = [part for part in text.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise InvalidInputError(f"{name} must not hold . or .. segments")
    return "/" + "/".join(parts)


def _custom_asset_url(uuid_text: str, name: str) -> str:
    """The cell URL of a custom-folder file: `custom-asset://<uuid>.<extension>`."""
    return f"custom-asset://{uuid_text}.{name.rsplit('.', 1)[-1]}"


def _is_file_object(value: object) -> bool:
    return hasattr(value, "write") and not isinstance(value, (str, os.PathLike))


def _uploaded(response: httpx.Response, entries: list[Any]) -> tuple[str, int]:
    """The stored name and size the file server answered (it renames a taken name)."""
    first = entries[0] if entries else None
    name = first.get("name") if isinstance(first, dict) else None
    size = first.get("size") if isinstance(first, dict) else None
    if not isinstance(name, str) or not isinstance(size, int) or isinstance(size, bool):
        raise UnexpectedResponseError(
            f"{describe(response.request)} answered without the uploaded file's name and size",
            response=response,
        )
    return name, size


class _CustomDirent(TypedDict):
    """`getCustomFileMetadata`'s `dirent`: what a file cell's item is made of."""

    obj_name: str
    file_size: int
    uuid: str


class FilesResource(GatewayResource):
    """`Base` methods for a base's files and images (API token, and the file server)."""

    _session: Session

    @property
    @abc.abstractmethod
    def base_uuid(self) -> str | None:
        """The base's UUID, known once a base token has been fetched."""

    @abc.abstractmethod
    async def auth(self) -> None:
        """Gets a base token now."""

    async def get_file_upload_link(self) -> UploadLink:
        """A short-lived upload link with the folders files and images go to (`getUploadLink`)."""
        return await self._call(GET_UPLOAD_LINK)

    async def get_file_download_link(self, path: str) -> str:
        """A download link for an asset, e.g. `/files/2024-01/a.pdf` (`getFileDownloadLink`)."""
        params = {"path": asset_path("path", path)}
        answer = await self._call(GET_DOWNLOAD_LINK, params=params)
        return answer["download_link"]

    async def _dirent(
        self, operation: Operation[dict[str, Any]], answer: type[Any], params: dict[str, str]
    ) -> Any:
        """An answer that the spec wraps in `dirent` and the official SDK reads at top level."""
        async with self._call_scope():
            response = await self._send(
                operation.method, operation.path, token=operation.token, idempotent=True,
                params=params,
            )  # fmt: skip
        body = decoded(operation, response)
        inner = body.get("dirent")
        found = inner if isinstance(inner, dict) else body
        wrong = [key for key, check in answer_checks(answer).items() if not check(found.get(key))]
        if wrong:
            raise UnexpectedResponseError(
                f"{describe(response.request)} answered without a valid {', '.join(wrong)}",
                response=response,
            )
        return found

    async def get_custom_file_upload_link(self, path: str) -> CustomUploadLink:
        """An upload link into a custom folder, e.g. `/Invoices` (`getCustomUploadLink`)."""
        params = {"path": _custom_path("path", path)}
        link: CustomUploadLink = await self._dirent(
            GET_CUSTOM_UPLOAD_LINK, CustomUploadLink, params
        )
        return link

    async def get_custom_file_download_link(self, path: str) -> str:
        """A download link for a custom-folder file, e.g. `/Invoices/a.pdf`
        (`getCustomDownloadLink`)."""
        params = {"path": _custom_path("path", unquote(require_text("path", path)))}
        answer: DownloadLink = await self._dirent(GET_CUSTOM_DOWNLOAD_LINK, DownloadLink, params)
        return answer["download_link"]

    async def get_custom_file_info(self, path: str, name: str) -> CustomFileInfo:
        """A custom-folder file as a file cell's item, `url` `custom-asset://...`
        (`getCustomFileMetadata`)."""
        params = {"path": _custom_path("path", path), "name": _file_name("name", name)}
        found = await self._dirent(GET_CUSTOM_FILE_INFO, _CustomDirent, params)
        return {
            "type": "file", "size": found["file_size"], "name": found["obj_name"],
            "url": _custom_asset_url(found["uuid"], found["obj_name"]),
        }  # fmt: skip

    async def list_custom_assets(self, path: str) -> CustomAssets:
        """The folders and files directly in a custom folder (`getCustomFiles`)."""
        params = {"path": _custom_path("path", path)}
        return await self._call(LIST_CUSTOM_ASSETS, params=params)

    async def upload_local_file_to_custom_folder(
        self,
        local_path: str | os.PathLike[str],
        custom_folder_path: str | None = None,
        name: str | None = None,
    ) -> CustomFileInfo:
        """Uploads a local file, read in chunks, into a custom folder (`/` by default)
        (`getCustomUploadLink`, `uploadFile`, `getCustomFileMetadata`)."""
        if not isinstance(local_path, (str, os.PathLike)) or not os.fspath(local_path):
            raise InvalidInputError("local_path must be a path")
        own_name = os.path.basename(os.fspath(local_path))
        name = _file_name("name", own_name if name is None else name)
        folder = _custom_path("custom_folder_path", custom_folder_path, default="/")
        try:
            handle = await anyio.to_thread.run_sync(open, os.fspath(local_path), "rb")
        except OSError as error:
            raise InvalidInputError(f"local_path cannot be read: {error.strerror}") from error
        try:
            async with self._call_scope("upload_local_file_to_custom_folder"):
                link = await self.get_custom_file_upload_link(folder)
                form = {"parent_dir": link["parent_path"], "relative_path": link["relative_path"]}
                async with self._file_server(
                    UPLOAD_FILE.method, link["upload_link"],
                    idempotent=UPLOAD_FILE.safe_to_repeat, params={"ret-json": "1"},
                    data={**form, "replace": "0"}, files={"file": (name, handle)},
                ) as response:  # fmt: skip
                    await response.aread()
                stored, _size = _uploaded(response, decoded(UPLOAD_FILE, response))
                return await self.get_custom_file_info(folder, stored)
        finally:
            await anyio.to_thread.run_sync(handle.close)

    async def download_custom_file(self, path: str, save_path: SavePath) -> None:
        """Streams a custom-folder file to a path or a binary file object
        (`getCustomDownloadLink`)."""
        text = _custom_path("path", unquote(require_text("path", path)))
        if not (_is_file_object(save_path) or isinstance(save_path, (str, os.PathLike))):
            raise InvalidInputError("save_path must be a path or a binary file object")
        async with self._call_scope("download_custom_file"):
            link = await self.get_custom_file_download_link(text)
            await self._save(link, save_path)

    async def upload_bytes_file(
        self,
        name: str,
        content: bytes,
        relative_path: str | None = None,
        file_type: FileType = "file",
        replace: bool = False,
    ) -> UploadedFile:
        """Uploads bytes as a file or image of this base (`getUploadLink`, `uploadFile`).

        Returns `{name, size, type, url}`: a file column's cell item; an image column takes `url`.
        """
        name = _file_name("name", name)
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise InvalidInputError("content must be bytes")
        return await self._upload(
            name, bytes(content), _relative_path(relative_path), _file_type(file_type),
            require_flag("replace", replace),
        )  # fmt: skip

    async def upload_local_file(
        self,
        file_path: str | os.PathLike[str],
        name: str | None = None,
        relative_path: str | None = None,
        file_type: FileType = "file",
        replace: bool = False,
    ) -> UploadedFile:
        """Uploads a local file, read in chunks, as a file or image (`getUploadLink`, `uploadFile`).

        `name` defaults to the file's own name; returns what `upload_bytes_file` returns.
        """
        if not isinstance(file_path, (str, os.PathLike)) or not os.fspath(file_path):
            raise InvalidInputError("file_path must be a path")
        name = _file_name("name", os.path.basename(os.fspath(file_path)) if name is None else name)
        relative = _relative_path(relative_path)
        kind = _file_type(file_type)
        flag = require_flag("replace", replace)
        try:
            handle = await anyio.to_thread.run_sync(open, os.fspath(file_path), "rb")
        except OSError as error:
            raise InvalidInputError(f"file_path cannot be read: {error.strerror}") from error
        try:
            return await self._upload(name, handle, relative, kind, flag)
        finally:
            await anyio.to_thread.run_sync(handle.close)

    async def _upload(
        self,
        name: str,
        content: bytes | IO[bytes],
        relative_path: str | None,
        file_type: FileType,
        replace: bool,
    ) -> UploadedFile:
        async with self._call_scope(UPLOAD_FILE.sdk_name):
            link = await self.get_file_upload_link()
            relative = relative_path or link[_RELATIVE_KEY[file_type]].strip("/")  # type: ignore[literal-required]
            form = {"parent_dir": link["parent_path"], "relative_path": relative}
            form["replace"] = "1" if replace else "0"
            async with self._file_server(
                UPLOAD_FILE.method, link["upload_link"], idempotent=UPLOAD_FILE.safe_to_repeat,
                params={"ret-json": "1"}, data=form, files={"file": (name, content)},
            ) as response:  # fmt: skip
                await response.aread()
            stored, size = _uploaded(response, decoded(UPLOAD_FILE, response))
        parent = link["parent_path"].strip("/")
        url = f"{self._session.server_url}/workspace/{link['workspace_id']}/{parent}/{relative}/"
        return {"name": stored, "size": size, "type": file_type, "url": url + quote(stored)}

    async def download_file(self, url: str, save_path: SavePath) -> None:
        """Streams an asset to a path or a binary file object (`getFileDownloadLink`).

        `url` is the asset's URL as a cell holds it, or its path (`files/2024-01/a.pdf`).
        """
        text = require_text("url", url)
        if not (_is_file_object(save_path) or isinstance(save_path, (str, os.PathLike))):
            raise InvalidInputError("save_path must be a path or a binary file object")
        async with self._call_scope("download_file"):
            path = await self._asset_of(text)
            link = await self.get_file_download_link(path)
            await self._save(link, save_path)

    async def _asset_of(self, url: str) -> str:
        """The asset path of a cell's URL, which must name this base."""
        match = _ASSET_URL.search(httpx.URL(url).path if "://" in url else url)
        if match is None:
            return asset_path("url", unquote(url))
        if self.base_uuid is None:
            await self.auth()
        try:
            same = uuid.UUID(match[1]) == uuid.UUID(str(self.base_uuid))
        except ValueError:
            same = False
        if not same:
            raise InvalidInputError("url names an asset of another base")
        return asset_path("url", unquote(match[2]))

    async def _save(self, link: str, save_path: SavePath) -> None:
        """GETs a file-server link and writes its body chunk by chunk; a path is removed if the
        body breaks off."""
        async with self._file_server("GET", link, idempotent=True, stream=True) as response:
            if _is_file_object(save_path):
                await self._copy(response, save_path.write)  # type: ignore[union-attr]
                return
            target = os.fspath(save_path)  # type: ignore[arg-type]
            try:
                async with await anyio.open_file(target, "wb") as file:
                    await self._copy(response, file.write)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await anyio.Path(target).unlink(missing_ok=True)
                raise

    @staticmethod
    async def _copy(response: httpx.Response, write: Any) -> None:
        """Every chunk of the body to `write` (sync or async), failures below HTTP typed."""
        try:
            async for chunk in response.aiter_bytes(CHUNK_SIZE):
                result = write(chunk)
                if hasattr(result, "__await__"):
                    await result
        except httpx.TransportError as error:
            error_class = (
                APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
            )
            raise error_class(
                f"{describe(response.request)} broke off while reading the body: "
                f"{type(error).__name__}",
                request=response.request,
                sent=True,
            ) from error

    def _file_server(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        stream: bool = False,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """One request to a file-server URL, without any token; the response is closed on exit."""
        return _file_server_request(
            self, method, url, idempotent=idempotent, stream=stream, params=params, data=data,
            files=files,
        )  # fmt: skip


@asynccontextmanager
async def _file_server_request(
    client: FilesResource,
    method: str,
    url: str,
    *,
    idempotent: bool,
    stream: bool,
    params: Mapping[str, str] | None,
    data: Mapping[str, str] | None,
    files: Any,
) -> Any:
    target = httpx.URL(url)
    http = client._session.http
    async with client._call_scope() as call:
        options = call.options
        request = http.build_request(
            method, target, params=params, data=data, files=files, timeout=options.timeouts(),
            extensions={EXTENSION_KEY: CallOptions(
                retry=options.retry, timeout=options.timeout, idempotent=idempotent, token=None,
                deadline=call.expires, stream=stream,
            )},
        )  # fmt: skip
        request.headers.pop("Authorization", None)
        call.request = call.request or request
        response = await http.send(request, stream=True)
        try:
            yield response
        finally:
            with anyio.CancelScope(shield=True):
                await response.aclose()

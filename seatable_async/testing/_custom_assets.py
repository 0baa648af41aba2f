"""dtable-web's custom-folder file operations (API token), kept in the file server's storage.

A custom folder's file lives among the base's assets under ``/custom/<folder>/<name>``; folders
exist while they hold a file. Uploads go to the same ``/seafhttp/upload-api/<token>`` URL as
other uploads: this module's upload route comes first and hands every upload whose
``parent_dir`` is not the custom folder on to the file server's own handler.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.responses import JSONResponse, Response

from . import _web
from ._errors import web_error
from ._http import query_bool
from ._store import Base, Json

if TYPE_CHECKING:
    from ._web import Auth, Handler, WebCall

__all__ = ["ROUTES"]

_ROOT = "/custom"


def _folder(raw: str) -> str:
    """A custom folder path as ``/a/b`` (the root as ``""``); 400 for ``..`` segments."""
    parts = [part for part in raw.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise web_error(400, "path invalid.")
    return "".join(f"/{part}" for part in parts)


def _query(call: WebCall, name: str) -> str:
    value = call.request.query_params.get(name)
    if value is None or value == "":
        raise web_error(400, f"{name} invalid.")
    return value


def _paths(call: WebCall, base: Base, prefix: str) -> list[str]:
    """The asset paths below ``prefix`` (``/custom/a/``), relative to it."""
    with call.state.store.transaction() as db:
        found = db.execute(
            "SELECT path FROM emu_assets WHERE base_uuid = ? AND substr(path, 1, ?) = ?",
            (base.uuid, len(prefix), prefix),
        ).fetchall()
    return sorted(str(row["path"])[len(prefix) :] for row in found)


def upload_link(call: WebCall) -> Json:
    """``getCustomUploadLink``: the answer at top level, as the official SDK reads it."""
    base = call.api_base
    folder = _folder(_query(call, "path"))
    answer = _web.upload_link(call)
    return {
        "upload_link": answer["upload_link"],
        "workspace_id": base.workspace_id,
        "parent_path": f"/asset/{base.uuid}{_ROOT}",
        "relative_path": folder or "/",
    }


def upload_file(call: WebCall) -> Response:
    """``uploadFile`` into a custom folder; other uploads go to the file server's handler."""
    state = call.state
    grant = state.upload_tokens.get(call.request.path_params["token"])
    base = state.store.base(grant[0]) if grant else None
    form = call.form
    parent = form.fields.get("parent_dir", "").rstrip("/")
    if grant is None or base is None or parent != f"/asset/{base.uuid}{_ROOT}":
        return _web.upload_file(call)
    if grant[1] < state.clock():
        raise web_error(403, "Access denied.")
    upload = form.files.get("file")
    if upload is None:
        raise web_error(400, "file invalid.")
    folder = f"{_ROOT}{_folder(form.fields.get('relative_path', '/'))}"
    name = upload.filename.rsplit("/", 1)[-1]
    if form.fields.get("replace") != "1":
        name = _web._free_name(state.store, base, folder.lstrip("/"), name)
    state.store.put_asset(base, f"{folder}/{name}", upload.content)
    entry = {"name": name, "id": state.rng.randbytes(20).hex(), "size": len(upload.content)}
    if query_bool(call.request, "ret-json", False):
        return JSONResponse([entry])
    return Response(entry["id"], media_type="text/plain")


def list_dir(call: WebCall) -> Json:
    """``getCustomFiles``: the folders and files directly in a folder; 404 if it holds none."""
    base = call.api_base
    folder = _folder(_query(call, "path"))
    below = _paths(call, base, f"{_ROOT}{folder}/")
    if not below and folder:
        raise web_error(404, "Folder not found.")
    dirs = sorted({path.split("/", 1)[0] for path in below if "/" in path})
    files = [path for path in below if "/" not in path]
    return {"dir": [{"name": name} for name in dirs], "file": [{"name": name} for name in files]}


def _file_path(call: WebCall, folder: str, name: str) -> str:
    if not name or "/" in name:
        raise web_error(400, "name invalid.")
    return f"{_ROOT}{_folder(folder)}/{name}"


def file_info(call: WebCall) -> Json:
    """``getCustomFileMetadata``: ``{"dirent": {...}}``; 404 ``File not found.``"""
    base = call.api_base
    name = _query(call, "name")
    path = _file_path(call, _query(call, "path"), name)
    content = call.state.store.asset(base, path)
    if content is None:
        raise web_error(404, "File not found.")
    updated = datetime.fromtimestamp(call.state.clock(), timezone.utc)
    return {"dirent": {
        "is_file": True, "obj_name": name, "file_size": len(content),
        "last_update": updated.isoformat(timespec="seconds"),
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base.uuid}{path}")),
    }}  # fmt: skip


def _named_file(call: WebCall) -> str:
    """The ``path`` parameter naming a file (``/folder/name``) as its asset path."""
    folder, _, name = _query(call, "path").rpartition("/")
    return _file_path(call, folder, name)


def download_link(call: WebCall) -> Json:
    """``getCustomDownloadLink``: a ``/seafhttp/files/...`` link the file server answers."""
    base = call.api_base
    path = _named_file(call)
    if call.state.store.asset(base, path) is None:
        raise web_error(404, "File not found.")
    token = call.state.rng.randbytes(16).hex()
    call.state.download_tokens[token] = (base.uuid, path)
    name = path.rsplit("/", 1)[-1]
    return {"download_link": f"{call.server_url}/seafhttp/files/{token}/{quote(name)}"}


def delete_file(call: WebCall) -> Json:
    """``deleteBaseCustomFolderAsset``."""
    if not call.state.store.delete_asset(call.api_base, _named_file(call)):
        raise web_error(404, "File not found.")
    return {"success": True}


_PREFIX = "/api/v2.1/dtable/custom"

ROUTES: tuple[tuple[str, str, Handler, Auth], ...] = (
    ("GET", f"{_PREFIX}/app-upload-link/", upload_link, "api"),
    ("GET", f"{_PREFIX}/app-download-link/", download_link, "api"),
    ("GET", f"{_PREFIX}/app-asset-dir/", list_dir, "api"),
    ("GET", f"{_PREFIX}/app-asset-file/", file_info, "api"),
    ("DELETE", f"{_PREFIX}/app-asset-file/", delete_file, "api"),
    ("POST", "/seafhttp/upload-api/{token}", upload_file, "none"),
)
"""Served before the file server's routes, so that its upload route sees custom uploads first."""

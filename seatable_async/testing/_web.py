"""dtable-web handlers: authentication, account basics, and file operations.

``ROUTES`` lists (method, path, handler, auth) where auth is ``none``, ``api`` (API token) or
``account`` (account token); the app checks the credential before calling the handler.
"""

from __future__ import annotations

import functools
import mimetypes
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ._auth import bearer_token, parse_lifetime
from ._errors import APIError, account_auth_error, web_error
from ._http import FormData, form_body, in_transaction, query_bool
from ._stars import starred as starred_uuids
from ._store import Base, Json, Store

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["ROUTES", "Handler", "WebCall", "WebState", "authenticate", "read_call", "run"]

Auth = Literal["none", "api", "account"]
UPLOAD_LINK_LIFETIME = 600.0
"""Upload links are "only valid for some minutes"."""
_RELATIVE_PATH = re.compile(r"^(images|files)/[0-9]{4}-[0-9]{2}$")
SERVER_VERSION = "6.0.10"
"""The SeaTable version whose observed responses the emulator reproduces."""


class IssueBaseToken(Protocol):
    """:meth:`Emulator.issue_base_token`."""

    def __call__(
        self,
        base: Base,
        *,
        lifetime: float | None = None,
        app_name: str = "",
        permission: str = "rw",
        username: str | None = None,
    ) -> str: ...


@dataclass(frozen=True)
class WebState:
    """What dtable-web handlers reach besides the request: the store, ids, time, the account
    and the token issuers; the link-token dicts are plain and not rolled back."""

    store: Store
    rng: random.Random
    clock: Callable[[], float]
    user_id: str
    display_name: str
    username: str | None
    password: str | None
    account_token: str | None
    workspace_id: int
    upload_tokens: dict[str, tuple[str, float]]
    download_tokens: dict[str, tuple[str, str]]
    issue_base_token: IssueBaseToken
    issue_temp_api_token: Callable[[Base], str]
    resolve_api_token: Callable[[str], tuple[Base, str, str] | None]


@dataclass
class WebCall:
    """One dtable-web request; ``base`` is set for API-token calls."""

    emulator: Emulator
    request: Request
    form: FormData
    """The body, read before the handler runs so handlers never suspend inside their unit."""
    base: Base | None = None
    app_name: str = ""
    permission: str = "rw"

    @functools.cached_property
    def state(self) -> WebState:
        """The narrow state handlers use; only this reads :attr:`emulator`."""
        emulator = self.emulator
        return WebState(
            store=emulator.store,
            rng=emulator.rng,
            clock=emulator.clock,
            user_id=emulator.user_id,
            display_name=emulator.display_name,
            username=emulator.username,
            password=emulator.password,
            account_token=emulator.account_token,
            workspace_id=emulator.workspace_id,
            upload_tokens=emulator.upload_tokens,
            download_tokens=emulator.download_tokens,
            issue_base_token=emulator.issue_base_token,
            issue_temp_api_token=emulator.issue_temp_api_token,
            resolve_api_token=emulator.resolve_api_token,
        )

    @property
    def server_url(self) -> str:
        """Scheme and host the client used, e.g. ``http://127.0.0.1:8000``."""
        return str(self.request.base_url).rstrip("/")

    @property
    def api_base(self) -> Base:
        """The base the API token belongs to."""
        if self.base is None:
            raise web_error(403, "Permission denied.")
        return self.base


Handler = Callable[[WebCall], Any]
"""A dtable-web operation: the call → its JSON answer or a :class:`Response`."""


async def read_call(emulator: Emulator, request: Request) -> WebCall:
    """The call with its body read and parsed: the only suspension a dtable-web request has."""
    return WebCall(emulator, request, await form_body(request))


def run(call: WebCall, handler: Handler) -> Response:
    """The handler under the one contract every route keeps (`in_transaction`)."""
    return in_transaction(call.state.store, lambda: handler(call))


def authenticate(call: WebCall, auth: Auth) -> None:
    """Check the credential a route needs; raise SeaTable's error otherwise."""
    if auth == "none":
        return
    token = bearer_token(call.request.headers.get("authorization"))
    if auth == "api":
        resolved = call.state.resolve_api_token(token) if token else None
        if resolved is None:
            raise web_error(403, "Permission denied.")
        call.base, call.app_name, call.permission = resolved
        return
    expected = call.state.account_token
    if token is None or expected is None or token != expected:
        raise account_auth_error(credentials_given=token is not None)


def _base_json(call: WebCall, base: Base) -> Json:
    state = call.state
    return {
        "id": base.num,
        "workspace_id": base.workspace_id,
        "uuid": base.uuid,
        "name": base.name,
        "creator": state.username or state.user_id,
        "modifier": state.username or state.user_id,
        "created_at": base.created_at,
        "updated_at": base.created_at,
        "color": "",
        "text_color": "",
        "icon": "",
        "starred": base.uuid in starred_uuids(state.store),
        "is_encrypted": False,
        "in_storage": True,
    }


def _account_base(call: WebCall) -> Base:
    """The base named in ``/workspace/{workspace_id}/dtable/{base_name}/`` paths."""
    params = call.request.path_params
    workspace_id = _workspace(call, params["workspace_id"])
    base = call.state.store.base_by_name(workspace_id, params["base_name"])
    if base is None:
        raise web_error(404, f"dtable {params['base_name']} not found.")
    return base


def _workspace(call: WebCall, raw: object) -> int:
    try:
        workspace_id = int(str(raw))
    except ValueError:
        workspace_id = -1
    if workspace_id != call.state.workspace_id:
        raise web_error(404, f"Workspace {raw} not found.")
    return workspace_id


def _lifetime(call: WebCall) -> float | None:
    exp = call.request.query_params.get("exp")
    if exp is None:
        return None
    try:
        return parse_lifetime(exp)
    except ValueError as exc:
        raise web_error(400, "exp invalid.") from exc


# ---------------------------------------------------------------------- ping and auth


def server_info(call: WebCall) -> Json:
    """``GET /server-info/``."""
    return {"version": SERVER_VERSION, "edition": "enterprise edition"}


def ping(call: WebCall) -> str:
    """``GET /api2/ping/`` and ``/api2/auth/ping/``."""
    return "pong"


def gateway_ping(call: WebCall) -> Json:
    """``GET /api-gateway/api/v2/ping``."""
    return {"ret": "pong"}


def auth_token(call: WebCall) -> Json:
    """``getAccountTokenfromUsername``: form ``username`` + ``password``."""
    form = call.form
    state = call.state
    given = (form.fields.get("username"), form.fields.get("password"))
    if state.account_token is None or given != (state.username, state.password):
        raise APIError(400, {"non_field_errors": ["Unable to login with provided credentials."]})
    return {"token": state.account_token}


def app_access_token(call: WebCall) -> Json:
    """``getBaseTokenWithApiToken``: exactly the 6.0.10 key set."""
    base = call.api_base
    token = call.state.issue_base_token(
        base,
        lifetime=_lifetime(call),
        app_name=call.app_name,
        permission=call.permission,
        username="",  # tokens minted from an API token carry no user, as on SeaTable
    )
    return {
        "app_name": call.app_name,
        "access_token": token,
        "dtable_uuid": base.uuid,
        "dtable_server": f"{call.server_url}/api-gateway/",
        "workspace_id": base.workspace_id,
        "use_api_gateway": True,
        "dtable_name": base.name,
    }


# ---------------------------------------------------------------------- account


def account_info(call: WebCall) -> Json:
    """``GET /api2/account/info/``."""
    state = call.state
    return {
        "org_id": -1,
        "is_org_staff": 0,
        "space_usage": "0.00%",
        "total": 0,
        "usage": 0,
        "row_usage_rate": "0%",
        "row_total": 0,
        "row_usage": 0,
        "avatar_url": "",
        "email": state.user_id,
        "name": state.display_name,
        "login_id": "",
        "contact_email": state.username or "",
        "institution": "",
        "is_staff": False,
        "enable_chargebee": False,
        "enable_subscription": False,
        "dtable_updates_email_interval": 0,
        "dtable_collaborate_email_interval": 0,
    }


def list_workspaces(call: WebCall) -> Json:
    """``GET /api/v2.1/workspaces/``: starred, shared and the personal workspace."""
    state = call.state
    detail = query_bool(call.request, "detail", True)
    personal: Json = {"id": state.workspace_id, "name": "personal", "type": "personal"}
    starred: Json = {"id": "", "name": "starred", "type": "starred"}
    shared: Json = {"id": "", "name": "shared", "type": "shared"}
    if detail:
        personal["table_list"] = [_base_json(call, b) for b in state.store.bases]
        personal["folders"] = []
        stars = [state.store.base(uuid) for uuid in starred_uuids(state.store)]
        starred["table_list"] = [_base_json(call, b) for b in stars if b is not None]
        shared.update(shared_table_list=[], shared_view_list=[])
    return {"workspace_list": [starred, shared, personal]}


def create_base(call: WebCall) -> Response:
    """``POST /api/v2.1/dtables/``: 201; new bases hold Table1 with three empty rows."""
    form = call.form
    name = form.fields.get("name", "").strip()
    if not name:
        raise web_error(400, "name invalid.")
    workspace_id = _workspace(call, form.fields.get("workspace_id", call.state.workspace_id))
    store = call.state.store
    if store.base_by_name(workspace_id, name) is not None:
        raise web_error(400, f"dtable {name} already exists.")
    base = store.create_base(name, workspace_id, empty_rows=3)
    return JSONResponse({"table": _base_json(call, base)}, status_code=201)


def delete_base(call: WebCall) -> Json:
    """``DELETE /api/v2.1/workspace/{workspace_id}/dtable/`` with form ``name``."""
    form = call.form
    workspace_id = _workspace(call, call.request.path_params["workspace_id"])
    name = form.fields.get("name") or call.request.query_params.get("name", "")
    base = call.state.store.base_by_name(workspace_id, name)
    if base is None:
        raise web_error(404, f"dtable {name} not found.")
    call.state.store.delete_base(base)
    return {"success": True}


def account_access_token(call: WebCall) -> Json:
    """``getBaseTokenWithAccountToken``: only ``access_token`` and ``dtable_uuid``."""
    base = _account_base(call)
    token = call.state.issue_base_token(base, lifetime=_lifetime(call))
    return {"access_token": token, "dtable_uuid": base.uuid}


def temp_api_token(call: WebCall) -> Json:
    """``createTempApiToken``: a JWT API token valid for one hour."""
    return {"api_token": call.state.issue_temp_api_token(_account_base(call))}


def list_api_tokens(call: WebCall) -> Json:
    """``listApiTokens``."""
    return {"api_tokens": call.state.store.api_tokens(_account_base(call))}


def create_api_token(call: WebCall) -> Response:
    """``createApiToken``: 201; ``app_name`` unique per base, permission ``rw`` or ``r``."""
    base = _account_base(call)
    form = call.form
    app_name = form.fields.get("app_name", "").strip()
    permission = form.fields.get("permission", "rw") or "rw"
    store = call.state.store
    if not app_name or any(t["app_name"] == app_name for t in store.api_tokens(base)):
        raise web_error(400, "app_name invalid.")
    if permission not in ("rw", "r"):
        raise web_error(400, "permission invalid.")
    token = call.state.rng.randbytes(20).hex()
    record = store.add_api_token(base, token, app_name, permission, call.state.user_id)
    return JSONResponse(record, status_code=201)


def delete_api_token(call: WebCall) -> Json:
    """``deleteApiToken``."""
    base = _account_base(call)
    app_name = call.request.path_params["app_name"]
    if not call.state.store.delete_api_token(base, app_name):
        raise web_error(404, f"api token {app_name} not found.")
    return {"success": True}


# ---------------------------------------------------------------------- files


def _month(call: WebCall) -> str:
    """``YYYY-MM`` of the emulator's clock: the folder uploads of this month go to."""
    return datetime.fromtimestamp(call.state.clock(), timezone.utc).strftime("%Y-%m")


def upload_link(call: WebCall) -> Json:
    """``getUploadLink``: a short-lived ``/seafhttp/upload-api/<token>`` URL."""
    base = call.api_base
    state = call.state
    token = str(uuid.UUID(bytes=state.rng.randbytes(16), version=4))
    state.upload_tokens[token] = (base.uuid, state.clock() + UPLOAD_LINK_LIFETIME)
    return {
        "upload_link": f"{call.server_url}/seafhttp/upload-api/{token}",
        "workspace_id": base.workspace_id,
        "parent_path": f"/asset/{base.uuid}",
        "img_relative_path": f"images/{_month(call)}",
        "file_relative_path": f"files/{_month(call)}",
    }


def upload_file(call: WebCall) -> Response:
    """``uploadFile``: multipart ``file``, ``parent_dir``, ``relative_path``, ``replace``."""
    state = call.state
    grant = state.upload_tokens.get(call.request.path_params["token"])
    if grant is None or grant[1] < state.clock():
        raise web_error(403, "Access denied.")
    base = state.store.base(grant[0])
    form = call.form
    upload = form.files.get("file")
    relative = form.fields.get("relative_path", "").strip("/")
    if base is None or upload is None or not _RELATIVE_PATH.match(relative):
        raise web_error(400, "file, parent_dir or relative_path invalid.")
    if form.fields.get("parent_dir", "").rstrip("/") != f"/asset/{base.uuid}":
        raise web_error(400, "parent_dir invalid.")
    name = upload.filename.rsplit("/", 1)[-1]
    if form.fields.get("replace") != "1":
        name = _free_name(state.store, base, relative, name)
    state.store.put_asset(base, f"/{relative}/{name}", upload.content)
    entry = {"name": name, "id": state.rng.randbytes(20).hex(), "size": len(upload.content)}
    if query_bool(call.request, "ret-json", False):
        return JSONResponse([entry])
    return Response(entry["id"], media_type="text/plain")


def _free_name(store: Store, base: Base, relative: str, name: str) -> str:
    """``a.txt`` → ``a(1).txt`` → ``a(2).txt`` ... while the name is taken."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, counter = name, 0
    while store.asset(base, f"/{relative}/{candidate}") is not None:
        counter += 1
        candidate = f"{stem}({counter}){dot}{ext}"
    return candidate


def _asset_path(call: WebCall) -> str:
    """The ``path`` query parameter with its leading slash, which SeaTable lets callers omit."""
    return "/" + call.request.query_params.get("path", "").lstrip("/")


def download_link(call: WebCall) -> Json:
    """``getFileDownloadLink``: 404 ``path ... not found.`` for missing files (6.2 spec)."""
    base = call.api_base
    path = _asset_path(call)
    if call.state.store.asset(base, path) is None:
        raise web_error(404, f"path {path} not found.")
    token = call.state.rng.randbytes(16).hex()
    call.state.download_tokens[token] = (base.uuid, path)
    name = path.rsplit("/", 1)[-1]
    return {"download_link": f"{call.server_url}/seafhttp/files/{token}/{quote(name)}"}


def download_file(call: WebCall) -> Response:
    """``GET /seafhttp/files/<token>/<name>``: the file bytes."""
    state = call.state
    grant = state.download_tokens.get(call.request.path_params["token"])
    base = state.store.base(grant[0]) if grant else None
    content = state.store.asset(base, grant[1]) if base and grant else None
    if content is None or grant is None:
        return Response("File not found", status_code=404, media_type="text/plain")
    media_type = mimetypes.guess_type(grant[1])[0] or "application/octet-stream"
    return Response(content, media_type=media_type)


def delete_asset(call: WebCall) -> Json:
    """``deleteBaseAsset``."""
    path = _asset_path(call)
    if not call.state.store.delete_asset(call.api_base, path):
        raise web_error(404, "File not found.")
    return {"success": True}


_BASE_PATH = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}"

ROUTES: tuple[tuple[str, str, Handler, Auth], ...] = (
    ("GET", "/server-info/", server_info, "none"),
    ("GET", "/api2/ping/", ping, "none"),
    ("GET", "/api-gateway/api/v2/ping/", gateway_ping, "none"),
    ("POST", "/api2/auth-token/", auth_token, "none"),
    ("GET", "/api2/auth/ping/", ping, "account"),
    ("GET", "/api2/account/info/", account_info, "account"),
    ("GET", "/api/v2.1/workspaces/", list_workspaces, "account"),
    ("POST", "/api/v2.1/dtables/", create_base, "account"),
    ("DELETE", "/api/v2.1/workspace/{workspace_id}/dtable/", delete_base, "account"),
    ("GET", f"{_BASE_PATH}/access-token/", account_access_token, "account"),
    ("GET", f"{_BASE_PATH}/temp-api-token/", temp_api_token, "account"),
    ("GET", f"{_BASE_PATH}/api-tokens/", list_api_tokens, "account"),
    ("POST", f"{_BASE_PATH}/api-tokens/", create_api_token, "account"),
    ("DELETE", f"{_BASE_PATH}/api-tokens/{{app_name}}/", delete_api_token, "account"),
    ("GET", "/api/v2.1/dtable/app-access-token/", app_access_token, "api"),
    ("GET", "/api/v2.1/dtable/app-upload-link/", upload_link, "api"),
    ("GET", "/api/v2.1/dtable/app-download-link/", download_link, "api"),
    ("DELETE", "/api/v2.1/dtable/app-asset/", delete_asset, "api"),
    ("POST", "/seafhttp/upload-api/{token}", upload_file, "none"),
    ("GET", "/seafhttp/files/{token}/{name}", download_file, "none"),
)
"""Every served dtable-web / file-server operation."""

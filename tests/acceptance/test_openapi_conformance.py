"""Every body the emulator answers on a route of the official OpenAPI specs validates against
that route's response schema (issue 3). In-process; skips when the specs are not found (see
``openapi_specs``).

The scenario drives each served spec operation with inputs that themselves validate against the
spec, plus the cheap documented error answers. Soft checks collect every finding, so one run
lists all deviations; the test then fails on any finding or on a served operation never checked.

Spec quirks handled here: the server is ``https://{server}`` with no path prefix (requests go to
``https://emulator.test``); file_operations.yaml writes ``?ret-json=1`` into the uploadFile path
key (matched on the path part, the query must be sent); spec paths end in ``/`` while the
emulator also serves them without (matched slash-insensitively, requested as the spec spells
them); answers declared without a schema are counted, not validated, and only compared with the
documented example's shape; ``SPEC_FIXES`` patches defects of the files themselves.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_spec_validator.readers import read_from_filename
from starlette.routing import Route
from werkzeug.datastructures import Headers, ImmutableMultiDict

from seatable_async.testing import Emulator

from .openapi_specs import require_specs

pytestmark = pytest.mark.anyio

SPEC_FILES = ("authentication", "base_operations", "file_operations", "user_account_operations")
SERVER = "https://emulator.test"
"""In-process base URL; https so that requests fit the specs' ``https://{server}`` server."""
API_TOKEN = "c0ffee" * 6 + "0000"
"""API tokens are 40 characters (``ApiToken`` schema)."""
USERNAME = "alice@example.com"
PASSWORD = "correct horse battery staple"
WORKSPACE_ID = 1
BASE_NAME = "Test Base"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch"})

SPEC_FIXES: dict[tuple[str, tuple[str, ...]], tuple[Any, str]] = {
    ("user_account_operations", ("components", "parameters", "tz", "schema", "pattern")): (
        r"^\+[0-9]{2}:[0-9]{2}$",
        "'^+[0-9]{2}:[0-9]{2}$' is not a valid regex, so openapi-core rejects the whole file; "
        "the '+' of a '+02:00' offset was meant literally",
    ),
    **{
        ("user_account_operations", ("components", "schemas", field, "type")): (
            "string",
            "a multipart field travels as text and openapi-core does not cast it, so an integer "
            "field of a multipart body never validates (createBase's workspace_id is a string)",
        )
        for field in ("src_workspace_id", "dst_workspace_id")
    },
}
"""Defects of the spec files themselves (not of the described behaviour), patched on load."""

EXCEPTIONS: dict[tuple[str, int], str] = {}
"""(operationId, status) whose spec schema contradicts documented real-server behaviour
(reference section 15); those answers follow the real server and are not schema-validated."""


# ---------------------------------------------------------------------- the specs


def _shape(path: str) -> str:
    """A path template with anonymous parameters and no trailing slash, for route matching."""
    return re.sub(r"\{[^/}]+\}", "{}", path).rstrip("/") or "/"


@dataclass(frozen=True)
class Operation:
    """One operation of a spec file: ``key`` is the path exactly as the spec spells it."""

    spec: str
    key: str
    method: str
    operation_id: str

    @property
    def template(self) -> str:
        """The path part of ``key`` (file_operations.yaml bakes ``?ret-json=1`` into one)."""
        return self.key.partition("?")[0]

    @property
    def baked_query(self) -> list[tuple[str, str]]:
        """Query items written into the spec's path key; requests must carry them."""
        return parse_qsl(self.key.partition("?")[2])

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Regex matching concrete request paths; one group per path parameter."""
        pieces = re.split(r"\{[^/}]+\}", self.template)
        return re.compile("^" + "([^/]+)".join(re.escape(p) for p in pieces) + "$")

    @property
    def parameter_names(self) -> list[str]:
        """Names of the path parameters, in order."""
        return re.findall(r"\{([^/}]+)\}", self.template)

    def __str__(self) -> str:
        return f"{self.operation_id} ({self.method} {self.key})"


class Specs:
    """The four spec files, loaded once, with openapi-core validators and an operation index."""

    def __init__(self, directory: Path) -> None:
        self.raw: dict[str, dict[str, Any]] = {}
        self.apis: dict[str, OpenAPI] = {}
        self.operations: list[Operation] = []
        for name in SPEC_FILES:
            loaded, _uri = read_from_filename(str(directory / f"{name}.yaml"))
            document: dict[str, Any] = copy.deepcopy(dict(loaded))
            for (spec, pointer), (value, _reason) in SPEC_FIXES.items():
                if spec == name:
                    _put(document, pointer, value)
            self.raw[name] = document
            self.apis[name] = OpenAPI.from_dict(copy.deepcopy(document))
            for key, item in document["paths"].items():
                for method, operation in item.items():
                    if method in HTTP_METHODS:
                        op_id = str(operation.get("operationId", f"{method} {key}"))
                        self.operations.append(Operation(name, key, method.upper(), op_id))

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a concrete request path belongs to (fewest parameters wins)."""
        found = []
        for op in self.operations:
            match = op.pattern.match(path) if op.method == method else None
            if match:
                found.append(
                    (
                        len(op.parameter_names),
                        op,
                        dict(zip(op.parameter_names, match.groups(), strict=True)),
                    )
                )
        if not found:
            return None
        found.sort(key=lambda item: item[0])
        return found[0][1], found[0][2]

    def responses(self, op: Operation) -> Mapping[str, Any]:
        """The ``responses`` object of an operation."""
        result: Mapping[str, Any] = self.raw[op.spec]["paths"][op.key][op.method.lower()][
            "responses"
        ]
        return result

    def shadowed_by(self, op: Operation) -> Operation | None:
        """Another operation openapi-core would pick for ``op.key`` (it suffix-matches keys)."""
        for other in self.operations:
            if other.spec != op.spec or other.method != op.method:
                continue
            if other.key == op.key:
                return None
            if op.key.endswith(other.key):
                return other
        return None


def _put(document: dict[str, Any], pointer: tuple[str, ...], value: Any) -> None:
    node = document
    for part in pointer[:-1]:
        node = node[part]
    if pointer[-1] not in node:
        raise KeyError(f"spec fix {'/'.join(pointer)} no longer applies")
    node[pointer[-1]] = value


# ---------------------------------------------------------------------- openapi-core adapters


class SpecRequest:
    """openapi-core's ``Request`` protocol over an ``httpx.Request``.

    ``path_pattern`` is the operation's spec key, so openapi-core needs no path matching of its
    own (which could not match the ``?ret-json=1`` key)."""

    def __init__(self, request: httpx.Request, op: Operation, path_params: dict[str, str]) -> None:
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        self.path = request.url.path
        self.path_pattern = op.key
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "").lower()
        self.parameters = RequestParameters(
            path=path_params,
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class SpecResponse:
    """openapi-core's ``Response`` protocol over an ``httpx.Response``."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "").lower()
        self.data: bytes | None = response.content


def _describe(error: BaseException) -> str:
    """An openapi-core error with the schema errors that caused it, one per line."""
    lines = [f"{type(error).__name__}: {_short(str(error))}"]
    cause: BaseException | None = error
    while cause is not None:
        for schema_error in getattr(cause, "schema_errors", None) or ():
            where = "/".join(str(p) for p in getattr(schema_error, "absolute_path", ())) or "<body>"
            lines.append(
                f"    at {where}: {_short(str(getattr(schema_error, 'message', schema_error)))}"
            )
        cause = cause.__cause__
    return "\n".join(lines)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------- the checker


@dataclass
class Conformance:
    """Sends requests, checks each answer against the spec and collects findings."""

    specs: Specs
    client: httpx.AsyncClient
    findings: list[str] = field(default_factory=list)
    validated: set[tuple[Operation, int]] = field(default_factory=set)
    without_schema: set[tuple[Operation, int]] = field(default_factory=set)
    excepted: set[tuple[Operation, int]] = field(default_factory=set)
    succeeded: set[Operation] = field(default_factory=set)

    async def call(
        self,
        method: str,
        path: str,
        expect: int,
        *,
        token: str | None = None,
        scheme: str = "Bearer",
        **kwargs: Any,
    ) -> Any:
        """Send one request, check the answer, return its JSON body (None if not JSON)."""
        headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
        request = self.client.build_request(method, path, headers=headers, **kwargs)
        await request.aread()
        response = await self.client.send(request)
        return self.check(response, expect)

    def check(self, response: httpx.Response, expect: int) -> Any:
        """Validate one answer (and, for expected successes, its request) against the spec."""
        request = response.request
        body = _json_or_none(response)
        found = self.specs.find(request.method, request.url.path)
        if found is None:
            self.findings.append(f"{request.method} {request.url.path}: no spec operation")
            return body
        op, path_params = found
        status = response.status_code
        label = f"{op} -> HTTP {status}"
        if status != expect:
            self.findings.append(f"{label}: expected HTTP {expect}; body {_short(response.text)}")
            return body
        if 200 <= status < 300:
            self.succeeded.add(op)
            self._check_request(request, op, path_params)
        declared = self.specs.responses(op).get(str(status)) or self.specs.responses(op).get(
            "default"
        )
        if declared is None:
            self.findings.append(f"{label}: status not declared by the spec")
            return body
        if (op.operation_id, status) in EXCEPTIONS:
            self.excepted.add((op, status))
            return body
        media_type = response.headers.get("content-type", "").partition(";")[0].strip()
        content = declared.get("content") or {}
        if not content:
            self.without_schema.add((op, status))
            return body
        if media_type not in content:
            self.findings.append(f"{label}: content type {media_type!r} not in {list(content)}")
            return body
        if "schema" not in (content[media_type] or {}):
            self.without_schema.add((op, status))
            self._check_example(label, content[media_type] or {}, body)
            return body
        shadow = self.specs.shadowed_by(op)
        if shadow is not None:
            self.findings.append(f"{label}: openapi-core would validate against {shadow}")
            return body
        api = self.specs.apis[op.spec]
        spec_request = SpecRequest(request, op, path_params)
        errors = list(api.iter_response_errors(spec_request, SpecResponse(response)))
        self.validated.add((op, status))
        for error in errors:
            self.findings.append(f"{label}: {_describe(error)}\n    body: {_short(response.text)}")
        return body

    def _check_request(self, request: httpx.Request, op: Operation, params: dict[str, str]) -> None:
        """A success must answer a spec-valid request, or the scenario is not realistic."""
        query = set(request.url.params.multi_items())
        missing = [item for item in op.baked_query if item not in query]
        if missing:
            self.findings.append(f"{op}: request lacks the spec's baked-in query {missing}")
        spec_request = SpecRequest(request, op, params)
        for error in self.specs.apis[op.spec].iter_request_errors(spec_request):
            self.findings.append(
                f"{op}: request not spec-valid (scenario input or an emulator-issued value): "
                f"{_describe(error)}"
            )

    def _check_example(self, label: str, media: Mapping[str, Any], body: Any) -> None:
        """Without a schema, at least match the documented example's shape (type and keys)."""
        example = media.get("example")
        if example is None:
            return
        if isinstance(example, dict) and isinstance(body, dict):
            if set(example) != set(body):
                self.findings.append(
                    f"{label}: keys {sorted(body)} differ from the example's {sorted(example)}"
                )
        elif type(example) is not type(body):
            self.findings.append(
                f"{label}: body {_short(json.dumps(body))} is not shaped like the example "
                f"{_short(json.dumps(example))}"
            )

    @asynccontextmanager
    async def section(self, name: str) -> AsyncIterator[None]:
        """A scenario step; a crash (e.g. after a wrong answer) is recorded and the next runs."""
        try:
            yield
        except Exception as exc:
            self.findings.append(f"[{name}] scenario step crashed: {type(exc).__name__}: {exc}")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def served_operations(emulator: Emulator, specs: Specs) -> tuple[set[Operation], list[str]]:
    """Spec operations the emulator's Starlette route table serves, and routes outside the specs."""
    served: set[Operation] = set()
    outside: list[str] = []
    by_shape: dict[tuple[str, str], list[Operation]] = {}
    for op in specs.operations:
        by_shape.setdefault((op.method, _shape(op.template)), []).append(op)
    for route in emulator.app.routes:
        if not isinstance(route, Route):
            continue
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            matches = by_shape.get((method, _shape(route.path)), [])
            served.update(matches)
            if not matches:
                outside.append(f"{method} {route.path}")
    return served, sorted(set(outside))


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
def anyio_backend() -> str:
    """Conformance is about bodies, not event loops: one backend suffices."""
    return "asyncio"


@pytest.fixture(scope="module")
def specs() -> Specs:
    return Specs(require_specs(*SPEC_FILES))


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_token=API_TOKEN, username=USERNAME, password=PASSWORD, seed=3) as emulator:
        yield emulator


@pytest.fixture
async def conformance(specs: Specs, emulator: Emulator) -> AsyncIterator[Conformance]:
    async with httpx.AsyncClient(transport=emulator.transport(), base_url=SERVER) as client:
        yield Conformance(specs, client)


# ---------------------------------------------------------------------- the scenario


async def _authentication(c: Conformance, emulator: Emulator) -> tuple[str, str]:
    """Account token and base token through every documented flow; their error answers too."""
    form = {"username": USERNAME, "password": PASSWORD}
    account = (await c.call("POST", "/api2/auth-token/", 200, data=form))["token"]
    bad_form = {"username": USERNAME, "password": "wrong"}
    await c.call("POST", "/api2/auth-token/", 400, data=bad_form)
    grant = await c.call("GET", "/api/v2.1/dtable/app-access-token/", 200, token=API_TOKEN)
    await c.call("GET", "/api/v2.1/dtable/app-access-token/", 403, token="not-a-token")

    base_path = f"/api/v2.1/workspace/{WORKSPACE_ID}/dtable/{quote(BASE_NAME)}"
    await c.call("GET", f"{base_path}/access-token/", 200, token=account)
    await c.call("GET", f"{base_path}/access-token/", 401, token="0" * 40)
    await c.call("GET", f"{base_path}/access-token/", 403)
    missing_base = f"/api/v2.1/workspace/{WORKSPACE_ID}/dtable/No%20Such%20Base"
    await c.call("GET", f"{missing_base}/access-token/", 404, token=account)
    await c.call("GET", f"{base_path}/temp-api-token/", 200, token=account)
    await c.call("GET", "/api/v2.1/workspace/99999/dtable/X/temp-api-token/", 404, token=account)
    await c.call("GET", f"{base_path}/temp-api-token/", 401, token="0" * 40)
    await c.call("GET", f"{base_path}/api-tokens/", 200, token=account)
    await c.call("GET", f"{base_path}/api-tokens/", 403)
    await c.call("GET", "/api/v2.1/workspace/99999/dtable/X/api-tokens/", 404, token=account)
    new_token = {"app_name": "conformance", "permission": "rw"}
    await c.call("POST", f"{base_path}/api-tokens/", 201, token=account, data=new_token)
    await c.call("POST", f"{base_path}/api-tokens/", 400, token=account, data=new_token)
    read_only = {"permission": (None, "r")}
    await c.call("PUT", f"{base_path}/api-tokens/conformance/", 200, token=account, files=read_only)
    await c.call("PUT", f"{base_path}/api-tokens/nobody/", 404, token=account, files=read_only)
    await c.call("DELETE", f"{base_path}/api-tokens/conformance/", 200, token=account)
    await c.call("DELETE", f"{base_path}/api-tokens/conformance/", 404, token=account)
    assert grant["dtable_uuid"] == emulator.base_uuid
    return account, str(grant["access_token"])


async def _account(c: Conformance, account: str) -> None:
    """Account info, workspaces, and a base created and deleted again."""
    await c.call("GET", "/api2/account/info/", 200, token=account)
    await c.call("GET", "/api2/account/info/", 401, token="0" * 40)
    await c.call("GET", "/api2/account/info/", 403)
    await c.call("GET", "/api/v2.1/workspaces/", 200, token=account)
    files = {"name": (None, "Scratch"), "workspace_id": (None, str(WORKSPACE_ID))}
    made = await c.call("POST", "/api/v2.1/dtables/", 201, token=account, files=files)
    rename = {"name": (None, "Scratch"), "new_name": (None, "Scratch 2")}
    one_base = f"/api/v2.1/workspace/{WORKSPACE_ID}/dtable/"
    await c.call("PUT", one_base, 200, token=account, files=rename)
    await c.call(
        "PUT",
        one_base,
        200,
        token=account,
        files={**rename, "name": (None, "Scratch 2"), "new_name": (None, "Scratch")},
    )
    copy = {
        "src_workspace_id": (None, str(WORKSPACE_ID)),
        "name": (None, "Scratch"),
        "dst_workspace_id": (None, str(WORKSPACE_ID)),
    }
    copied = await c.call("POST", "/api/v2.1/dtable-copy/", 200, token=account, files=copy)
    stars = "/api/v2.1/starred-dtables/"
    star = {"dtable_uuid": (None, made["table"]["uuid"])}
    await c.call("POST", stars, 200, token=account, files=star)
    await c.call("GET", stars, 200, token=account)
    await c.call("DELETE", stars, 200, token=account, params={"dtable_uuid": made["table"]["uuid"]})
    await c.call(
        "DELETE", one_base, 200, token=account, files={"name": (None, copied["dtable"]["name"])}
    )
    await c.call(
        "DELETE",
        f"/api/v2.1/workspace/{WORKSPACE_ID}/dtable/",
        200,
        token=account,
        files={"name": (None, "Scratch")},
    )


async def _webhooks(c: Conformance, account: str) -> None:
    """A base's webhooks: created (multipart, answering 200), listed, updated, deleted. The
    spec types `secret` as an integer, which no multipart field is: secrets are tested in
    tests/emulator/test_webhooks.py."""
    hooks = f"/api/v2.1/workspace/{WORKSPACE_ID}/dtable/{quote(BASE_NAME)}/webhooks/"
    made = {"url": (None, "http://127.0.0.1:9/hook")}
    created = await c.call("POST", hooks, 200, token=account, files=made)
    one = f"{hooks}{created['webhook']['id']}/"
    await c.call("GET", hooks, 200, token=account)
    await c.call("PUT", one, 200, token=account, files={"url": (None, "http://127.0.0.1:9/other")})
    await c.call("DELETE", one, 200, token=account)


def _gateway(emulator: Emulator) -> Callable[[str], str]:
    """Paths below the default base's gateway prefix."""
    prefix = f"/api-gateway/api/v2/dtables/{emulator.base_uuid}"
    return lambda suffix: prefix + suffix


async def _schema(c: Conformance, emulator: Emulator, token: str) -> None:
    """Base info, tables, columns and select options."""
    gw = _gateway(emulator)
    await c.call("GET", gw("/metadata/"), 200, token=token)
    await c.call("GET", gw("/metadata/"), 403, token="invalid")
    await c.call("GET", gw("/related-users/"), 200, token=token)
    toast = {"to_user": emulator.user_id, "toast_type": "warning", "detail": {"msg": "hello"}}
    await c.call("POST", gw("/ui-toasts/"), 200, token=token, json=toast)
    projects = {
        "table_name": "Projects",
        "columns": [
            {"column_name": "Name", "column_type": "text"},
            {"column_name": "Budget", "column_type": "number"},
        ],
    }
    await c.call("POST", gw("/tables/"), 200, token=token, json=projects)
    tasks = {"table_name": "Tasks", "columns": [{"column_name": "Title", "column_type": "text"}]}
    await c.call("POST", gw("/tables/"), 200, token=token, json=tasks)
    status = {"table_name": "Projects", "column_name": "Status", "column_type": "single-select"}
    await c.call("POST", gw("/columns/"), 200, token=token, json=status)
    await c.call("POST", gw("/columns/"), 400, token=token, json=status)
    link = {
        "table_name": "Projects",
        "column_name": "Tasks",
        "column_type": "link",
        "column_data": {"table": "Projects", "other_table": "Tasks"},
    }
    await c.call("POST", gw("/columns/"), 200, token=token, json=link)
    more = {
        "table_name": "Projects",
        "columns": [
            {"column_name": "Tags", "column_type": "multiple-select"},
            {"column_name": "Due", "column_type": "date"},
            {"column_name": "Done", "column_type": "checkbox"},
            {"column_name": "Continent", "column_type": "single-select"},
            {"column_name": "Country", "column_type": "single-select"},
        ],
    }
    await c.call("POST", gw("/batch-append-columns/"), 200, token=token, json=more)
    for column, names in {
        "Status": ["Open", "Closed"],
        "Tags": ["red", "blue"],
        "Continent": ["Europe", "Asia"],
        "Country": ["Germany", "Japan"],
    }.items():
        options = [{"name": n, "color": "#FF8000", "textColor": "#FFFFFF"} for n in names]
        body = {"table_name": "Projects", "column": column, "options": options}
        await c.call("POST", gw("/column-options/"), 200, token=token, json=body)
    cascade = {
        "table_name": "Projects",
        "parent_column": "Continent",
        "child_column": "Country",
        "cascade_settings": {"Europe": ["Germany"], "Asia": ["Japan"]},
    }
    await c.call("POST", gw("/column-cascade-settings/"), 200, token=token, json=cascade)
    columns = await c.call(
        "GET", gw("/columns/"), 200, token=token, params={"table_name": "Projects"}
    )
    status_column = next(col for col in columns["columns"] if col["name"] == "Status")
    open_id = next(o["id"] for o in status_column["data"]["options"] if o["name"] == "Open")
    rename_option = {
        "table_name": "Projects",
        "column": "Status",
        "options": [{"id": open_id, "name": "Opened"}],
        "return_options": True,
    }
    await c.call("PUT", gw("/column-options/"), 200, token=token, json=rename_option)
    for update in (
        {"op_type": "rename_column", "column": "Budget", "new_column_name": "Cost"},
        {"op_type": "resize_column", "column": "Cost", "new_column_width": 250},
        {"op_type": "freeze_column", "column": "Name", "frozen": True},
        {"op_type": "move_column", "column": "Cost", "target_column": "Status"},
        {"op_type": "modify_column_type", "column": "Done", "new_column_type": "text"},
    ):
        await c.call(
            "PUT", gw("/columns/"), 200, token=token, json={"table_name": "Projects", **update}
        )
    clash = {
        "table_name": "Projects",
        "op_type": "rename_column",
        "column": "Cost",
        "new_column_name": "Name",
    }
    await c.call("PUT", gw("/columns/"), 400, token=token, json=clash)


async def _rows(c: Conformance, emulator: Emulator, token: str) -> list[str]:
    """Rows: append, list, get, update, SQL, lock; big-data append."""
    gw = _gateway(emulator)
    rows = [
        {"Name": "Apollo", "Cost": 10, "Status": "Opened", "Tags": ["red"], "Due": "2030-06-20"},
        {"Name": "Gemini", "Cost": 7, "Status": "Closed", "Tags": ["red", "blue"]},
        {"Name": "Mercury", "Cost": 3},
    ]
    appended = await c.call(
        "POST", gw("/rows/"), 200, token=token, json={"table_name": "Projects", "rows": rows}
    )
    row_ids = [item["_id"] for item in appended["row_ids"]]
    listing = {"table_name": "Projects", "start": 0, "limit": 100}
    await c.call("GET", gw("/rows/"), 200, token=token, params=listing)
    await c.call("GET", gw("/rows/"), 200, token=token, params={**listing, "convert_keys": "true"})
    one = {"table_name": "Projects"}
    await c.call("GET", gw(f"/rows/{row_ids[0]}/"), 200, token=token, params=one)
    await c.call("GET", gw(f"/rows/{row_ids[0]}/"), 403, token="invalid", params=one)
    await c.call("GET", gw("/rows/AAAAAAAAAAAAAAAAAAAAAA/"), 404, token=token, params=one)
    updates = [{"row_id": row_ids[1], "row": {"Cost": 8, "Done": "yes"}}]
    body = {"table_name": "Projects", "updates": updates}
    await c.call("PUT", gw("/rows/"), 200, token=token, json=body)
    sql = {
        "sql": "SELECT Name, Cost FROM Projects WHERE Cost > ? ORDER BY Cost",
        "parameters": [5],
        "convert_keys": True,
    }
    await c.call("POST", gw("/sql/"), 200, token=token, json=sql)
    await c.call("POST", gw("/sql/"), 200, token=token, json={"sql": "SELECT * FROM Projects"})
    await c.call("POST", gw("/sql/"), 400, token=token, json={"sql": "SELEKT nothing"})
    locked = {"table_name": "Projects", "row_ids": row_ids[:2]}
    await c.call("PUT", gw("/lock-rows/"), 200, token=token, json=locked)
    await c.call("PUT", gw("/unlock-rows/"), 200, token=token, json=locked)
    big_data = {"table_name": "Projects", "rows": [{"Name": "Archived", "Cost": 1}]}
    await c.call("POST", gw("/add-archived-rows/"), 200, token=token, json=big_data)
    return row_ids


async def _links(c: Conformance, emulator: Emulator, token: str, row_ids: list[str]) -> None:
    """Links between Projects and Tasks: create, list, replace, delete, auto-link."""
    gw = _gateway(emulator)
    tasks = {"table_name": "Tasks", "rows": [{"Title": "Design"}, {"Title": "Build"}]}
    appended = await c.call("POST", gw("/rows/"), 200, token=token, json=tasks)
    task_ids = [item["_id"] for item in appended["row_ids"]]
    metadata = (await c.call("GET", gw("/metadata/"), 200, token=token))["metadata"]
    tables = {t["name"]: t for t in metadata["tables"]}
    column = next(col for col in tables["Projects"]["columns"] if col["name"] == "Tasks")
    ids = {
        "table_id": tables["Projects"]["_id"],
        "other_table_id": tables["Tasks"]["_id"],
        "link_id": column["data"]["link_id"],
    }
    create = {**ids, "other_rows_ids_map": {row_ids[0]: task_ids}}
    await c.call("POST", gw("/links/"), 200, token=token, json=create)
    query = {
        "table_name": "Projects",
        "link_column_name": "Tasks",
        "rows": [{"row_id": row_ids[0], "offset": 0, "limit": 10}],
    }
    await c.call("POST", gw("/query-links/"), 200, token=token, json=query)
    replace = {**ids, "other_rows_ids_map": {row_ids[0]: task_ids[:1]}}
    await c.call("PUT", gw("/links/"), 200, token=token, json=replace)
    await c.call("DELETE", gw("/links/"), 200, token=token, json=replace)
    await _auto_links(c, gw, token, ids["link_id"])


async def _auto_links(c: Conformance, gw: Callable[[str], str], token: str, link_id: str) -> None:
    """Auto-link Projects to Tasks by name, then poll the task (its body is optional; the id
    goes in the query, as reference section 4.3 advises)."""
    names = {"table_name": "Tasks", "rows": [{"Title": "Apollo"}]}
    await c.call("POST", gw("/rows/"), 200, token=token, json=names)
    by_name = {"link_id": link_id, "matching_keys": [{"table1_key": "0000", "table2_key": "0000"}]}
    started = await c.call("POST", gw("/auto-links/"), 200, token=token, json=by_name)
    task = {"task_id": started["task_id"]}
    await c.call("GET", gw("/auto-link-task/"), 200, token=token, params=task)


async def _views(c: Conformance, emulator: Emulator, token: str) -> None:
    """Views: create (and a duplicate), list, get, update (and a clash), delete."""
    gw = _gateway(emulator)
    table = {"table_name": "Projects"}
    view = {"name": "Open items", "type": "table", "is_locked": False}
    await c.call("POST", gw("/views/"), 200, token=token, params=table, json=view)
    await c.call("POST", gw("/views/"), 400, token=token, params=table, json=view)
    await c.call("GET", gw("/views/"), 200, token=token, params=table)
    path = gw(f"/views/{quote('Open items')}/")
    await c.call("GET", path, 200, token=token, params=table)
    change = {"hidden_columns": [], "is_locked": True}
    await c.call("PUT", path, 200, token=token, params=table, json=change)
    views = await c.call("GET", gw("/views/"), 200, token=token, params=table)
    default_name = views["views"][0]["name"]
    await c.call("PUT", path, 400, token=token, params=table, json={"name": default_name})
    await c.call("DELETE", path, 200, token=token, params=table)


async def _notifications_and_snapshots(
    c: Conformance, emulator: Emulator, token: str, row_ids: list[str]
) -> None:
    """Base notifications: list, mark one and all seen (form-encoded), delete them all; a
    snapshot; a row's activities; the base's operation log."""
    gw = _gateway(emulator)
    detail = {"author": emulator.user_id, "table_id": "0000", "row_id": "r1", "comment": "Hi"}
    notification_id = emulator.add_notification(detail)
    await c.call("GET", gw("/notifications/"), 200, token=token)
    one = gw(f"/notifications/{notification_id}/")
    await c.call("PUT", one, 200, token=token, data={"seen": "true"})
    await c.call("PUT", gw("/notifications/"), 200, token=token, data={"seen": "false"})
    await c.call("DELETE", gw("/notifications/"), 200, token=token)
    await c.call("POST", gw("/snapshot/"), 200, token=token, json={"dtable_name": "Example"})
    row = {"row_id": row_ids[0], "page": 1, "per_page": 10}
    await c.call("GET", gw("/activities/"), 200, token=token, params=row)
    await c.call("GET", gw("/operations/"), 200, token=token, params={"page": 1})


async def _comments_and_big_data(
    c: Conformance, emulator: Emulator, token: str, row_ids: list[str]
) -> None:
    """Row comments end to end; a view's rows moved to the big-data backend and back."""
    gw = _gateway(emulator)
    metadata = (await c.call("GET", gw("/metadata/"), 200, token=token))["metadata"]
    tables = {t["name"]: t for t in metadata["tables"]}
    row = {"row_id": row_ids[0]}
    target = {"table_id": tables["Projects"]["_id"], **row}
    comment = {"comment": "Looks good"}
    await c.call("POST", gw("/comments/"), 200, token=token, params=target, json=comment)
    comments = await c.call("GET", gw("/comments/"), 200, token=token, params=row)
    comment_id = comments[0]["id"]
    await c.call("GET", gw(f"/comments/{comment_id}/"), 200, token=token)
    await c.call("GET", gw("/comments-count/"), 200, token=token, params=row)
    await c.call("GET", gw("/comments-within-days/"), 200, token=token, params={"days": 7})
    counts = f"/api/v2.1/dtables/{emulator.base_uuid}/rows-comments-num/"
    await c.call("GET", counts, 200, token=token)
    await c.call("DELETE", gw(f"/comments/{comment_id}/"), 200, token=token)

    tasks = tables["Tasks"]
    listing = await c.call("GET", gw("/rows/"), 200, token=token, params={"table_name": "Tasks"})
    archive = {"table_name": "Tasks", "view_name": tasks["views"][0]["name"]}
    await c.call("POST", gw("/archive-view/"), 200, token=token, json=archive)
    back = {"table_id": tasks["_id"], "row_ids": [r["_id"] for r in listing["rows"]]}
    await c.call("POST", gw("/unarchive/"), 200, token=token, json=back)


async def _cleanup(c: Conformance, emulator: Emulator, token: str, row_ids: list[str]) -> None:
    """Duplicate, rename and delete a table; delete options, a column and rows."""
    gw = _gateway(emulator)
    duplicate = {"table_name": "Projects", "is_duplicate_records": True}
    copied = await c.call("POST", gw("/tables/duplicate-table/"), 200, token=token, json=duplicate)
    rename = {"table_name": copied["name"], "new_table_name": "Projects archive"}
    await c.call("PUT", gw("/tables/"), 200, token=token, json=rename)
    options = {"table_name": "Projects", "column": "Tags", "option_names": ["blue"]}
    await c.call("DELETE", gw("/column-options/"), 200, token=token, json=options)
    column = {"table_name": "Projects", "column": "Done"}
    await c.call("DELETE", gw("/columns/"), 200, token=token, json=column)
    rows = {"table_name": "Projects", "row_ids": row_ids[2:]}
    await c.call("DELETE", gw("/rows/"), 200, token=token, json=rows)
    await c.call(
        "DELETE", gw("/tables/"), 200, token=token, json={"table_name": "Projects archive"}
    )


async def _files(c: Conformance) -> None:
    """Upload link, upload, download link, delete; the 404 answers for a missing file."""
    link = await c.call("GET", "/api/v2.1/dtable/app-upload-link/", 200, token=API_TOKEN)
    form = {"parent_dir": link["parent_path"], "relative_path": link["file_relative_path"]}
    files = {"file": ("notes.txt", b"hello", "text/plain")}
    uploaded = await c.call(
        "POST",
        f"{link['upload_link']}?ret-json=1",
        200,
        token=API_TOKEN,
        data={**form, "replace": "0"},
        files=files,
    )
    path = f"/{link['file_relative_path']}/{uploaded[0]['name']}"
    download = "/api/v2.1/dtable/app-download-link/"
    await c.call("GET", download, 200, token=API_TOKEN, params={"path": path})
    missing = {"path": f"/{link['file_relative_path']}/missing.txt"}
    await c.call("GET", download, 404, token=API_TOKEN, params=missing)
    asset = "/api/v2.1/dtable/app-asset/"
    await c.call("DELETE", asset, 200, token=API_TOKEN, params={"path": path})
    await c.call("DELETE", asset, 404, token=API_TOKEN, params={"path": path})


async def _custom_folder(c: Conformance) -> None:
    """Custom-folder upload link, listing, metadata, download link and delete.

    The upload itself goes unchecked: the spec's uploadFile only knows `files/`/`images/` folders.
    """
    custom = "/api/v2.1/dtable/custom"
    folder = {"path": "/Invoices"}
    link = await c.call("GET", f"{custom}/app-upload-link/", 200, token=API_TOKEN, params=folder)
    form = {"parent_dir": link["parent_path"], "relative_path": link["relative_path"]}
    uploaded = await c.client.post(
        f"{link['upload_link']}?ret-json=1",
        data={**form, "replace": "0"},
        files={"file": ("b347.pdf", b"%PDF-", "application/pdf")},
    )
    assert uploaded.status_code == 200
    await c.call("GET", f"{custom}/app-asset-dir/", 200, token=API_TOKEN, params={"path": "/"})
    info = {**folder, "name": "b347.pdf"}
    await c.call("GET", f"{custom}/app-asset-file/", 200, token=API_TOKEN, params=info)
    named = {"path": "/Invoices/b347.pdf"}
    download = f"{custom}/app-download-link/"
    await c.call("GET", download, 200, token=API_TOKEN, params=named)
    await c.call("DELETE", f"{custom}/app-asset-file/", 200, token=API_TOKEN, params=named)


def _report(c: Conformance, served: set[Operation], outside: Iterable[str]) -> str:
    checked = {op for op, _ in c.validated | c.without_schema | c.excepted}
    return (
        f"{len(served)} served spec operations; {len(checked)} checked, "
        f"{len({op for op, _ in c.validated})} schema-checked "
        f"({len(c.validated)} operation/status pairs), "
        f"{len(c.without_schema)} pairs declared without schema, "
        f"{len(c.excepted)} pairs excepted; served outside the specs: {', '.join(outside)}"
    )


async def test_every_served_operation_conforms(
    conformance: Conformance,
    emulator: Emulator,
    specs: Specs,
    record_property: Any,
) -> None:
    """Drive each served spec operation; every answer validates and none is left unchecked."""
    c = conformance
    account = token = ""
    row_ids: list[str] = []
    async with c.section("authentication"):
        account, token = await _authentication(c, emulator)
    async with c.section("account"):
        await _account(c, account)
    async with c.section("webhooks"):
        await _webhooks(c, account)
    async with c.section("tables and columns"):
        await _schema(c, emulator, token)
    async with c.section("rows"):
        row_ids = await _rows(c, emulator, token)
    async with c.section("links"):
        await _links(c, emulator, token, row_ids)
    async with c.section("views"):
        await _views(c, emulator, token)
    async with c.section("comments and big data"):
        await _comments_and_big_data(c, emulator, token, row_ids)
    async with c.section("notifications, snapshots, activities"):
        await _notifications_and_snapshots(c, emulator, token, row_ids)
    async with c.section("cleanup"):
        await _cleanup(c, emulator, token, row_ids)
    async with c.section("files"):
        await _files(c)
    async with c.section("custom folder"):
        await _custom_folder(c)

    served, outside = served_operations(emulator, specs)
    report = _report(c, served, outside)
    record_property("conformance", report)
    print(report)
    unchecked = sorted(str(op) for op in served - c.succeeded)
    problems = list(c.findings)
    if unchecked:
        problems.append(
            "served but never answered successfully under check: " + ", ".join(unchecked)
        )
    assert not problems, f"{report}\n{len(problems)} finding(s):\n" + "\n".join(problems)


def test_served_routes_map_onto_the_specs(specs: Specs, emulator: Emulator) -> None:
    """The route-to-spec matching used for coverage finds the core operations (guards the glue)."""
    served, _outside = served_operations(emulator, specs)
    ids = {op.operation_id for op in served}
    assert {"getMetadata", "listRows", "querySQL", "getBaseTokenWithApiToken", "uploadFile"} <= ids


async def test_the_checker_catches_wrong_answers(specs: Specs) -> None:
    """A body off its schema, an undeclared status and a wrong status each become findings."""
    answers = iter(
        [
            httpx.Response(200, json={"access_token": 5, "dtable_uuid": []}),
            httpx.Response(418, json={}),
            httpx.Response(500, json={}),
        ]
    )
    transport = httpx.MockTransport(lambda request: next(answers))
    async with httpx.AsyncClient(transport=transport, base_url=SERVER) as client:
        c = Conformance(specs, client)
        path = "/api/v2.1/dtable/app-access-token/"
        await c.call("GET", path, 200, token=API_TOKEN)
        await c.call("GET", path, 418, token=API_TOKEN)
        await c.call("GET", path, 200, token=API_TOKEN)
    assert len(c.findings) == 3, c.findings
    assert "access_token: 5 is not of type 'string'" in c.findings[0]
    assert "status not declared" in c.findings[1]
    assert "expected HTTP 200" in c.findings[2]

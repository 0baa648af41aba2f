"""Walk every operation of the official base_operations.yaml against the emulator.

An operation is *served* when the emulator's own handler answers it (always JSON), as opposed
to the router's plain-text 404/405. The unserved ones must be listed in the emulator README;
run with ``SEATABLE_EMULATOR_UPDATE_README=1`` to rewrite that list. The spec is read where the
acceptance tests read it (``tests/acceptance/openapi_specs.py``); without it these tests skip.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from seatable_async.testing import Emulator

from ..acceptance import openapi_specs
from ..acceptance.openapi_specs import SPEC_DIR_VARIABLE, require_specs
from .conftest import gateway_for

REPOSITORY = Path(__file__).resolve().parents[2]
README = REPOSITORY / "seatable_async" / "testing" / "README.md"
START, END = "<!-- unserved-operations:start -->", "<!-- unserved-operations:end -->"
_PATH = re.compile(r"^  (/\S+):\s*$")
_METHOD = re.compile(r"^    (get|post|put|delete|patch):\s*$")
_OPERATION = re.compile(r"^      operationId:\s*(\w+)")
_OPENAPI_DOCUMENT = re.compile(r"^openapi:", re.MULTILINE)
SERVED = 52
"""Spec operations served today. The unserved list may only shrink: raise this with it."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str


@pytest.fixture(scope="module")
def operations() -> list[Operation]:
    """The operations of base_operations.yaml; skips when the spec is not found."""
    return spec_operations(require_specs("base_operations") / "base_operations.yaml")


def spec_operations(spec: Path) -> list[Operation]:
    """(operationId, method, path) for each operation, read line by line from the YAML."""
    operations: list[Operation] = []
    in_paths, path, method = False, "", ""
    for line in spec.read_text(encoding="utf-8").splitlines():
        if line.startswith("paths:"):
            in_paths = True
            continue
        if not in_paths:
            continue
        if line and not line.startswith(" ") and not line.startswith("#"):
            break
        if match := _PATH.match(line):
            path = match.group(1)
        elif match := _METHOD.match(line):
            method = match.group(1).upper()
        elif (match := _OPERATION.match(line)) and path and method:
            operations.append(Operation(match.group(1), method, path))
    return operations


def render_table(unserved: list[Operation]) -> str:
    lines = ["| operationId | Method | Path |", "|---|---|---|"]
    lines += [f"| `{o.operation_id}` | {o.method} | `{o.path}` |" for o in unserved]
    return "\n".join(lines)


def test_the_spec_walk_finds_every_operation(operations: list[Operation]) -> None:
    assert len(operations) == 54
    assert Operation("listRows", "GET", "/api-gateway/api/v2/dtables/{base_uuid}/rows/") in (
        operations
    )


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_unserved_operations_are_documented(
    emulator: Emulator, operations: list[Operation], anyio_backend: str
) -> None:
    (row_id,) = emulator.append_rows("Contacts", [{"Name": "probe"}])
    values = {"base_uuid": emulator.base_uuid, "row_id": row_id, "view_name": "Default View"}
    unserved: list[Operation] = []
    async with gateway_for(emulator) as gw:
        for operation in operations:
            url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), operation.path)
            body: dict[str, object] | None = None if operation.method == "GET" else {}
            response = await gw.client.request(
                operation.method,
                url,
                params={"table_name": "Contacts"},
                json=body,
                headers=gw.headers,
            )
            if not response.headers.get("content-type", "").startswith("application/json"):
                unserved.append(operation)
    table = render_table(unserved)
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    expected = f"{head}{START}\n{table}\n{END}{tail}"
    if os.environ.get("SEATABLE_EMULATOR_UPDATE_README") == "1":
        README.write_text(expected, encoding="utf-8")
    assert text == expected, "README's unserved-operations list is stale"
    served = len(operations) - len(unserved)
    assert served >= SERVED, (
        f"{served} operations served, {SERVED} before: the list may only shrink"
    )
    assert served == SERVED, f"{served} operations served: raise SERVED to {served}"


def test_a_missing_spec_skips_naming_where_it_looked_without_a_machine_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SPEC_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(pytest.skip.Exception, match="base_operations") as skipped:
        require_specs("base_operations")
    assert f"${SPEC_DIR_VARIABLE}" in str(skipped.value)
    assert str(tmp_path) not in str(skipped.value)
    monkeypatch.delenv(SPEC_DIR_VARIABLE)
    monkeypatch.setattr(openapi_specs, "spec_dir", lambda: tmp_path)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_specs("base_operations")
    assert "../shared/reference/openapi" in str(skipped.value)
    assert str(REPOSITORY.parent) not in str(skipped.value)


def test_the_repository_carries_no_copy_of_the_specs() -> None:
    """The official specs are outside documents: read in place, never vendored."""
    documents = [
        path.relative_to(REPOSITORY)
        for path in REPOSITORY.rglob("*.y*ml")
        if not any(part.startswith(".") for part in path.relative_to(REPOSITORY).parts)
        and _OPENAPI_DOCUMENT.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert documents == []

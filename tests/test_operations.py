"""The operation table: every declared endpoint exists in SeaTable's 6.2 specs with the same
method and path, the emulator serves it, and no two declarations share one by accident."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

import seatable_async
import seatable_async.resources
from seatable_async._operations import Operation, answer_checks

from .acceptance.openapi_specs import require_specs

SPECS = ("authentication", "base_operations", "file_operations", "user_account_operations")
README = Path(seatable_async.__file__).parent / "testing" / "README.md"
_PATH = re.compile(r"^  (/\S+):\s*$")
_METHOD = re.compile(r"^    (get|post|put|delete|patch):\s*$")
_OPERATION_ID = re.compile(r"^      operationId:\s*(\w+)")

DELIBERATE_SHARES: dict[str, set[str]] = {
    "updateColumn": {
        "rename_column", "resize_column", "freeze_column", "move_column", "modify_column_type",
    },
    "updateView": {"rename_view", "update_view"},
}  # fmt: skip
"""operationIds that more than one declaration uses on purpose, with the SDK names using them."""


def _modules() -> list[Any]:
    names = ["seatable_async._client"]
    names += [
        f"seatable_async.resources.{info.name}"
        for info in pkgutil.iter_modules(seatable_async.resources.__path__)
    ]
    return [importlib.import_module(name) for name in names]


def declared() -> list[Operation[Any]]:
    """Every `Operation` constant of the client and its resource modules, once each."""
    found: dict[int, Operation[Any]] = {}
    for module in _modules():
        for value in vars(module).values():
            if isinstance(value, Operation):
                found[id(value)] = value
    return sorted(found.values(), key=lambda operation: operation.sdk_name)


def _spec_operations() -> dict[str, tuple[str, str]]:
    """operationId → (method, path) across the specs the client uses."""
    directory = require_specs(*SPECS)
    operations: dict[str, tuple[str, str]] = {}
    for name in SPECS:
        path = method = ""
        for line in (directory / f"{name}.yaml").read_text(encoding="utf-8").splitlines():
            if match := _PATH.match(line):
                path = match[1]
            elif match := _METHOD.match(line):
                method = match[1].upper()
            elif (match := _OPERATION_ID.match(line)) and path and method:
                operations[match[1]] = (method, path)
    return operations


def _shape(path: str) -> str:
    """A path template with its placeholder names dropped: `{base_uuid}` and `{uuid}` agree."""
    return re.sub(r"\{\w+\}", "{}", path)


def test_the_table_is_found_and_its_answers_are_checked() -> None:
    operations = declared()
    names = {operation.sdk_name for operation in operations}
    assert {"list_rows", "batch_append_rows", "query", "get_metadata"} <= names
    list_rows = next(op for op in operations if op.sdk_name == "list_rows")
    assert set(answer_checks(list_rows.answer)) == {"rows"}


@pytest.mark.parametrize("operation", declared(), ids=lambda operation: operation.sdk_name)
def test_each_operation_is_in_the_spec_with_its_method_and_path(
    operation: Operation[Any],
) -> None:
    spec = _spec_operations()
    assert operation.operation_id in spec, f"{operation.operation_id} is not in the 6.2 specs"
    method, path = spec[operation.operation_id]
    assert operation.method == method
    assert _shape(operation.path) == _shape(path)


def test_the_emulator_serves_every_declared_operation() -> None:
    """The emulator README lists the spec operations it does not serve; none of ours is there."""
    unserved = set(re.findall(r"^\| `(\w+)` \|", README.read_text(encoding="utf-8"), re.M))
    assert unserved, "the unserved-operations list was not found"
    assert {operation.operation_id for operation in declared()} & unserved == set()


def test_no_two_declarations_share_an_operation_by_accident() -> None:
    operations = declared()
    sdk_names = [operation.sdk_name for operation in operations]
    assert len(sdk_names) == len(set(sdk_names)), "two declarations carry one SDK name"
    by_id: dict[str, set[str]] = {}
    for operation in operations:
        by_id.setdefault(operation.operation_id, set()).add(operation.sdk_name)
    shared = {key: names for key, names in by_id.items() if len(names) > 1}
    assert shared == DELIBERATE_SHARES

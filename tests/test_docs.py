"""Every public name is documented: it has a docstring (its public methods and properties too)
and a `::: module.Name` entry on a page of `docs/reference/`, which mkdocstrings renders.

Public names are the `__all__` of `seatable_async`, `seatable_async.testing`, its pytest
plugin and each module of `seatable_async.integrations`. `mkdocs build --strict` (in
`.ci/run`) checks that the entries resolve; this test checks that none is missing.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
_ENTRY = re.compile(r"^::: ([\w.]+)\s*$", re.MULTILINE)


def public_modules() -> list[str]:
    """The modules whose `__all__` is public API, integrations included once they exist."""
    names = [
        "seatable_async",
        "seatable_async.webhooks",
        "seatable_async.testing",
        "seatable_async.testing.pytest_plugin",
    ]
    if importlib.util.find_spec("seatable_async.integrations") is not None:
        package = importlib.import_module("seatable_async.integrations")
        names += [
            f"{package.__name__}.{info.name}"
            for info in pkgutil.iter_modules(package.__path__)
            if not info.name.startswith("_")
        ]
    return names


def public_names() -> list[str]:
    """Each public name once: one that `seatable_async` itself exports is documented there."""
    top = importlib.import_module("seatable_async")
    names = []
    for module in public_modules():
        found = importlib.import_module(module)
        for name in found.__all__:
            again = module != top.__name__ and name in top.__all__
            if not (again and getattr(top, name) is getattr(found, name)):
                names.append(f"{module}.{name}")
    return names


def reference_entries() -> set[str]:
    return {
        entry
        for page in REFERENCE.glob("*.md")
        for entry in _ENTRY.findall(page.read_text(encoding="utf-8"))
    }


def _split(qualified: str) -> tuple[ModuleType, str]:
    module, _, name = qualified.rpartition(".")
    return importlib.import_module(module), name


def attribute_docstring(module: ModuleType, name: str) -> str | None:
    """The string literal under a module-level assignment of `name`, following imports."""
    tree = ast.parse(inspect.getsource(module))
    for node, after in zip(tree.body, [*tree.body[1:], None], strict=True):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                return str(after.value.value)
            return None
        if isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names):
            home = importlib.import_module("." * node.level + (node.module or ""), module.__name__)
            return attribute_docstring(home, name)
    return None


def own_docstring(obj: object) -> str | None:
    """The object's own docstring: not inherited, and not the signature dataclasses make up."""
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__")
        return None if doc is None or doc.startswith(f"{obj.__name__}(") else doc
    return getattr(obj, "__doc__", None)


def undocumented_members(cls: type) -> list[str]:
    """Public methods and properties of `cls` (and of its bases in this library) without one."""
    missing = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("seatable_async"):
            continue
        for attr, value in vars(klass).items():
            member = value.fget if isinstance(value, property) else value
            member = getattr(member, "__func__", member)  # classmethod, staticmethod
            if attr.startswith("_") or not (
                inspect.isfunction(member) or isinstance(value, property)
            ):
                continue
            if not (member.__doc__ or "").strip():
                missing.append(f"{klass.__name__}.{attr}")
    return missing


@pytest.mark.parametrize("qualified", public_names())
def test_every_public_name_has_a_docstring(qualified: str) -> None:
    module, name = _split(qualified)
    obj = getattr(module, name)
    if inspect.isclass(obj) or inspect.isroutine(obj):
        doc = own_docstring(obj)
    else:
        doc = attribute_docstring(module, name)
    assert (doc or "").strip(), f"{qualified} has no docstring"
    if inspect.isclass(obj):
        assert undocumented_members(obj) == [], f"{qualified}: members without a docstring"


def test_every_public_name_is_on_a_reference_page() -> None:
    missing = sorted(set(public_names()) - reference_entries())
    assert missing == [], "add to a page of docs/reference/: " + ", ".join(
        f"::: {name}" for name in missing
    )


def test_every_reference_entry_names_public_api() -> None:
    """An entry for a name that left `__all__` (or was mistyped) is caught here too."""
    assert reference_entries() - set(public_names()) == set()


def test_the_readme_links_to_files_that_exist() -> None:
    """mkdocs checks the links of `docs/`; the README's relative links are checked here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\((?!https?://|#)([^)#\s]+)", readme)
    assert "docs/parity.md" in targets
    assert [target for target in targets if not (ROOT / target).exists()] == []


def test_the_checks_see_what_they_should() -> None:
    assert "seatable_async.Base" in public_names()
    assert "seatable_async.testing.Emulator" in public_names()
    assert "seatable_async.webhooks.parse_webhook" in public_names()
    assert "seatable_async.webhooks.WebhookError" not in public_names()  # seatable_async's
    assert attribute_docstring(importlib.import_module("seatable_async"), "DEFAULT_BATCH_LIMITS")
    assert attribute_docstring(importlib.import_module("seatable_async"), "nothing") is None

    class Bare:
        def method(self) -> None: ...

    Bare.__module__ = "seatable_async.fake"
    assert undocumented_members(Bare) == ["Bare.method"]

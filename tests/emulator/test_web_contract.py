"""The dtable-web handler contract: plain functions over the narrow state, one unit each."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

from seatable_async.testing import _custom_assets, _web, _web_account

MODULES = (_web, _web_account, _custom_assets)
ROUTES = [route for module in MODULES for route in module.ROUTES]


@pytest.mark.parametrize(("method", "path", "handler", "auth"), ROUTES)
def test_handlers_are_plain_functions(method: str, path: str, handler: object, auth: str) -> None:
    """A handler never suspends, so it cannot interleave with another inside its transaction."""
    assert inspect.isfunction(handler)
    assert not inspect.iscoroutinefunction(handler)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_handlers_reach_the_state_not_the_emulator(module: ModuleType) -> None:
    assert "call.emulator" not in inspect.getsource(module)

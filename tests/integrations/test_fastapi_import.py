"""FastAPI is needed only by the integration: the core never imports it, and importing the
integration without it says which extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_the_core_and_the_testing_plugin_never_import_fastapi() -> None:
    script = (
        "import sys, seatable_async, seatable_async.testing.pytest_plugin;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette'}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.strip() == "[]"


def test_without_fastapi_the_import_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m.startswith("seatable_async.integrations.fastapi")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fastapi", None)
    with pytest.raises(ImportError, match=r'pip install "seatable-async\[fastapi\]"'):
        import seatable_async.integrations.fastapi  # noqa: F401

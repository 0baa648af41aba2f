"""examples/fastapi_app.py serves its CRUD endpoints offline by default, and on the server the
environment names when told, driven through ASGITransport with its lifespan run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from seatable_async.testing import Emulator, serve_in_thread

from .conftest import served

pytestmark = pytest.mark.anyio

NOT_FOUND = "row _id not exits"  # SeaTable's own wording, which the emulator keeps
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi_app.py"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The example, imported as a module, with no SEATABLE_* settings in the environment."""
    for name in ("SEATABLE_SERVER_URL", "SEATABLE_API_TOKEN", "SEATABLE_TABLE"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("fastapi_app_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


async def crud(http: httpx.AsyncClient) -> dict[str, Any]:
    """Every endpoint once, and what each answered."""
    ada = (await http.post("/contacts", json={"name": "Ada", "email": "ada@example.com"})).json()
    grace = await http.post("/contacts", json={"name": "Grace"})
    answers: dict[str, Any] = {
        "created": grace.status_code,
        "unnamed": (await http.post("/contacts", json={"email": "x@example.com"})).status_code,
        "read": (await http.get(f"/contacts/{ada['id']}")).json(),
        "patched": (await http.patch(f"/contacts/{ada['id']}", json={"name": "Ada L."})).json(),
        "unknown": (await http.get("/contacts/no-such-id")).json(),
        "deleted": (await http.delete(f"/contacts/{grace.json()['id']}")).status_code,
    }
    answers["listed"] = [contact["name"] for contact in (await http.get("/contacts")).json()]
    return answers


async def test_the_example_runs_offline(
    example: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    async with served(example.create_app()) as http:
        answers = await crud(http)
    assert "in-process emulator" in capsys.readouterr().out
    ada_id = answers["read"]["id"]
    assert answers == {
        "created": 201,
        "unnamed": 422,
        "read": {"id": ada_id, "name": "Ada", "email": "ada@example.com"},
        "patched": {"id": ada_id, "name": "Ada L.", "email": "ada@example.com"},
        "unknown": {"detail": NOT_FOUND, "error": "NotFoundError", "upstream_status": 404},
        "deleted": 204,
        "listed": ["Ada L."],
    }


async def test_the_example_uses_the_server_named_by_the_environment(
    example: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(api_token="env-token") as emulator, serve_in_thread(emulator) as url:
        emulator.add_table("Contacts", [("Name", "text"), ("Email", "text")])
        monkeypatch.setenv("SEATABLE_SERVER_URL", url)
        monkeypatch.setenv("SEATABLE_API_TOKEN", "env-token")
        async with served(example.create_app()) as http:
            answers = await crud(http)
        stored = [(row["Name"], row.get("Email")) for row in emulator.rows("Contacts")]
    assert answers["listed"] == ["Ada L."]
    assert stored == [("Ada L.", "ada@example.com")]

"""A local SeaTable server for tests: the REST API on an in-memory (or file) SQLite store.

``Emulator`` holds the state and the ASGI app, ``serve`` runs it on a loopback socket for
async tests, ``serve_in_thread`` does the same for synchronous code, and ``FaultPlan``
scripts errors, dropped connections and delays. See ``README.md`` next to this file.

Names are imported lazily so that the pytest plugin (registered for every install of
``seatable-async``) loads even when the ``testing`` extra is not installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import ConnectionDropped, RequestRecord
    from ._emulator import Emulator
    from ._faults import Fault, FaultPlan, ScriptedFault
    from ._server import ServerThread, serve, serve_in_thread

__all__ = [
    "ConnectionDropped",
    "Emulator",
    "Fault",
    "FaultPlan",
    "RequestRecord",
    "ScriptedFault",
    "ServerThread",
    "serve",
    "serve_in_thread",
]

_HOMES = {
    "ConnectionDropped": "._app",
    "RequestRecord": "._app",
    "Emulator": "._emulator",
    "Fault": "._faults",
    "FaultPlan": "._faults",
    "ScriptedFault": "._faults",
    "ServerThread": "._server",
    "serve": "._server",
    "serve_in_thread": "._server",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home, __name__), name)

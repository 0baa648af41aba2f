"""A local SeaTable server for tests: the REST API on an in-memory (or file) SQLite store.

``Emulator`` holds the state and the ASGI app, ``serve`` runs it on a loopback socket for
async tests, ``serve_in_thread`` does the same for synchronous code, and ``FaultPlan``
scripts errors, dropped connections and delays. See ``README.md`` next to this file.
"""

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

"""The snapshot handler: a new snapshot needs ten minutes and one change since the last."""

from __future__ import annotations

from .._errors import gateway_error
from .._store import SNAPSHOT_INTERVAL, Json
from ._call import Call

__all__ = ["create_snapshot"]


def create_snapshot(call: Call) -> Json:
    """``createSnapshot``: ``{"status": "created", "snapshot": ...}``; too soon after the last
    one, or nothing changed since: ``{"status": "not_created"}`` (the spec names no other)."""
    name = call.body().get("dtable_name")
    if name is not None and not isinstance(name, str):
        raise gateway_error(400, "dtable_name invalid")
    now = call.state.clock()
    fingerprint = call.store.fingerprint(call.base)
    last = call.store.last_snapshot(call.base)
    if last is not None and (
        now * 1000 - last["ctime"] < SNAPSHOT_INTERVAL * 1000 or last["fingerprint"] == fingerprint
    ):
        return {"status": "not_created"}
    commit_id = call.state.rng.randbytes(20).hex()
    snapshot = call.store.add_snapshot(call.base, commit_id, int(now * 1000), fingerprint)
    return {"status": "created", "snapshot": snapshot}

"""The user's starred bases, kept with the emulator's settings so they outlive a restart."""

from __future__ import annotations

import json

from ._store import Store

__all__ = ["set_star", "starred"]

_KEY = "starred_bases"


def starred(store: Store) -> list[str]:
    """The uuids of the starred bases that still exist, in the order they were starred."""
    uuids = json.loads(store.setting(_KEY, lambda: "[]"))
    return [uuid for uuid in uuids if isinstance(uuid, str) and store.base(uuid) is not None]


def set_star(store: Store, base_uuid: str, star: bool) -> None:
    """Stars or unstars a base; doing either twice changes nothing."""
    with store.transaction() as db:
        uuids = [uuid for uuid in starred(store) if uuid != base_uuid]
        if star:
            uuids.append(base_uuid)
        db.execute(
            "INSERT OR REPLACE INTO emu_settings (key, value) VALUES (?, ?)",
            (_KEY, json.dumps(uuids)),
        )

"""Base-info handlers: metadata and collaborators."""

from __future__ import annotations

from .._store import Json
from ._call import Call

__all__ = ["get_metadata", "list_collaborators"]


def get_metadata(call: Call) -> Json:
    """``getMetadata``: tables, columns, views and settings."""
    return {"metadata": call.base.metadata}


def list_collaborators(call: Call) -> Json:
    """``listCollaborators``: the emulator's single user."""
    emulator = call.emulator
    return {
        "user_list": [
            {
                "email": emulator.user_id,
                "name": emulator.display_name,
                "contact_email": emulator.username or "",
                "avatar_url": "",
                "id_in_org": "",
            }
        ]
    }

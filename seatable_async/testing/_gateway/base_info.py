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
    state = call.state
    return {
        "user_list": [
            {
                "email": state.user_id,
                "name": state.display_name,
                "contact_email": state.contact_email,
                "avatar_url": "",
                "id_in_org": "",
            }
        ]
    }

"""Base-info handlers: metadata, collaborators and toast notifications to them."""

from __future__ import annotations

from .._errors import gateway_error
from .._store import Json
from ._call import OK, Call

__all__ = ["get_metadata", "list_collaborators", "send_toast"]

_TOAST_TYPES = frozenset({"success", "warning", "error"})


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


def send_toast(call: Call) -> Json:
    """``sendToastNotification``: checked and recorded in ``Emulator.toasts``."""
    body = call.body()
    to_user, toast_type, detail = body.get("to_user"), body.get("toast_type"), body.get("detail")
    if not isinstance(to_user, str) or not to_user:
        raise gateway_error(400, "to_user invalid")
    if toast_type not in _TOAST_TYPES:
        raise gateway_error(400, "toast_type invalid")
    if not isinstance(detail, dict) or not isinstance(detail.get("msg"), str):
        raise gateway_error(400, "detail invalid")
    call.state.toasts.append({"to_user": to_user, "toast_type": toast_type, "detail": detail})
    return OK

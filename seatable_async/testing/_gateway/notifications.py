"""Base-notification handlers (the seen flag travels form-encoded)."""

from __future__ import annotations

from urllib.parse import parse_qs

from .._errors import gateway_error
from .._store import Json
from ._call import NATURAL, OK, Call

__all__ = ["delete_notifications", "list_notifications", "mark_notification", "mark_notifications"]

_SEEN = {"true": True, "false": False}


def _seen(call: Call) -> bool:
    """The form field ``seen``: ``true`` or ``false``; 400 otherwise."""
    try:
        values = parse_qs(call.raw_body.decode(), keep_blank_values=True).get("seen", [])
    except UnicodeDecodeError:
        values = []
    if len(values) != 1 or values[0] not in _SEEN:
        raise gateway_error(400, "seen invalid")
    return _SEEN[values[0]]


def list_notifications(call: Call) -> Json:
    """``listBaseNotifications``: newest first."""
    return {"notification_list": call.store.notifications(call.base)}


def mark_notifications(call: Call) -> Json:
    """``markBaseNotificationsAsSeen``: every notification of the base."""
    call.store.mark_notifications(call.base, _seen(call))
    return OK


def mark_notification(call: Call) -> Json:
    """``markBaseNotificationAsSeen``."""
    text = call.request.path_params["notification_id"]
    if not (text.isascii() and text.isdigit() and len(text) < 20 and int(text) in NATURAL):
        raise gateway_error(404, "notification not found")
    if not call.store.mark_notifications(call.base, _seen(call), int(text)):
        raise gateway_error(404, "notification not found")
    return OK


def delete_notifications(call: Call) -> Json:
    """``deleteBaseNotifications``: irrevocably."""
    call.store.delete_notifications(call.base)
    return OK

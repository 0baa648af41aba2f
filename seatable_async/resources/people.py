"""The people of a base: its collaborators, and toast notifications sent to one of them."""

from __future__ import annotations

from typing import Literal

from .._exceptions import InvalidInputError
from .._operations import Operation
from .._validation import require_text
from ..types import Collaborator, Collaborators, Success
from ._resource import GatewayResource

LIST_COLLABORATORS: Operation[Collaborators] = Operation(
    "get_related_users", "listCollaborators", "GET",
    "/api-gateway/api/v2/dtables/{base_uuid}/related-users/", "base", Collaborators,
)  # fmt: skip
SEND_TOAST: Operation[Success] = Operation(
    "send_toast_notification", "sendToastNotification", "POST",
    "/api-gateway/api/v2/dtables/{base_uuid}/ui-toasts/", "base", Success,
)  # fmt: skip
"""A toast shown twice is harmless but visible: never repeated once sent (it is a POST)."""

ToastType = Literal["success", "warning", "error"]
_TOAST_TYPES: frozenset[str] = frozenset({"success", "warning", "error"})


class PeopleResource(GatewayResource):
    """Collaborators and toasts with the official SDK's names and argument order."""

    async def get_related_users(self) -> list[Collaborator]:
        """The base's collaborators with name, email and avatar (`listCollaborators`)."""
        return (await self._call(LIST_COLLABORATORS))["user_list"]

    async def send_toast_notification(
        self, username: str, msg: object, toast_type: ToastType = "success"
    ) -> Success:
        """Shows `msg` (as text) to the user `username` while they view the base
        (`sendToastNotification`)."""
        body = {
            "to_user": require_text("username", username),
            "toast_type": _toast_type(toast_type),
            "detail": {"msg": str(msg)},
        }
        return await self._call(SEND_TOAST, json=body)


def _toast_type(value: object) -> str:
    if not isinstance(value, str) or value not in _TOAST_TYPES:
        raise InvalidInputError(f"toast_type must be one of {sorted(_TOAST_TYPES)}, got {value!r}")
    return value

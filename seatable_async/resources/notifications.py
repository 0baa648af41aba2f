"""Base notifications (list, mark seen, delete), snapshots, row activities and the base's
operation log (ours only: the official SDK has none)."""

from __future__ import annotations

from .._operations import Operation
from .._validation import require_flag, require_int, require_text
from ..types import (
    BaseNotification,
    BaseNotifications,
    BaseOperation,
    BaseOperations,
    RowActivities,
    SnapshotCreated,
    Success,
)
from ._resource import GatewayResource

_NOTIFICATIONS = "/api-gateway/api/v2/dtables/{base_uuid}/notifications/"
LIST_NOTIFICATIONS: Operation[BaseNotifications] = Operation(
    "list_notifications", "listBaseNotifications", "GET", _NOTIFICATIONS, "base",
    BaseNotifications,
)  # fmt: skip
MARK_NOTIFICATIONS_SEEN: Operation[Success] = Operation(
    "mark_notifications_seen", "markBaseNotificationsAsSeen", "PUT", _NOTIFICATIONS, "base",
    Success,
)  # fmt: skip
MARK_NOTIFICATION_SEEN: Operation[Success] = Operation(
    "mark_notification_seen", "markBaseNotificationAsSeen", "PUT",
    _NOTIFICATIONS + "{notification_id}/", "base", Success,
)  # fmt: skip
DELETE_NOTIFICATIONS: Operation[Success] = Operation(
    "delete_notifications", "deleteBaseNotifications", "DELETE", _NOTIFICATIONS, "base", Success
)
CREATE_SNAPSHOT: Operation[SnapshotCreated] = Operation(
    "create_snapshot", "createSnapshot", "POST",
    "/api-gateway/api/v2/dtables/{base_uuid}/snapshot/", "base", SnapshotCreated,
)  # fmt: skip
"""Creates: never repeated (a repeat within ten minutes would only be refused anyway)."""
LIST_ROW_ACTIVITIES: Operation[RowActivities] = Operation(
    "list_row_activities", "listRowActivities", "GET",
    "/api-gateway/api/v2/dtables/{base_uuid}/activities/", "base", RowActivities,
)  # fmt: skip

GET_BASE_ACTIVITY_LOG: Operation[BaseOperations] = Operation(
    "get_base_activity_log", "getBaseActivityLog", "GET",
    "/api-gateway/api/v2/dtables/{base_uuid}/operations/", "base", BaseOperations,
)  # fmt: skip


class NotificationsResource(GatewayResource):
    """The base's notifications for the token's user (the spec pages none), snapshots and
    row activities."""

    async def list_notifications(self) -> list[BaseNotification]:
        """Every notification of the base, seen or not (`listBaseNotifications`)."""
        return (await self._call(LIST_NOTIFICATIONS))["notification_list"]

    async def mark_notifications_seen(self, seen: bool = True) -> Success:
        """Marks every notification seen, or unseen with `seen=False`
        (`markBaseNotificationsAsSeen`)."""
        return await self._call(MARK_NOTIFICATIONS_SEEN, data=_seen(seen))

    async def mark_notification_seen(self, notification_id: int, seen: bool = True) -> Success:
        """Marks one notification seen, or unseen with `seen=False`
        (`markBaseNotificationAsSeen`)."""
        segments = {"notification_id": require_int("notification_id", notification_id, 1)}
        return await self._call(MARK_NOTIFICATION_SEEN, segments=segments, data=_seen(seen))

    async def delete_notifications(self) -> Success:
        """Deletes every notification of the base, irrevocably (`deleteBaseNotifications`)."""
        return await self._call(DELETE_NOTIFICATIONS)

    async def create_snapshot(self) -> SnapshotCreated:
        """Snapshots the base if ten minutes passed and it changed since the last snapshot;
        `status` says whether it did (`createSnapshot`)."""
        return await self._call(CREATE_SNAPSHOT, json={})

    async def list_row_activities(
        self, row_id: str, page: int = 1, per_page: int = 25
    ) -> RowActivities:
        """One page of the row's changes, newest first, and `total_count` (`listRowActivities`)."""
        params = {
            "row_id": require_text("row_id", row_id),
            "page": require_int("page", page, 1),
            "per_page": require_int("per_page", per_page, 1),
        }
        return await self._call(LIST_ROW_ACTIVITIES, params=params)

    async def get_base_activity_log(self, page: int = 1) -> list[BaseOperation]:
        """One page of the base's operation log, newest first: each write with its author,
        time and operation (`getBaseActivityLog`)."""
        params = {"page": require_int("page", page, 1)}
        return (await self._call(GET_BASE_ACTIVITY_LOG, params=params))["operations"]


def _seen(seen: object) -> dict[str, str]:
    return {"seen": "true" if require_flag("seen", seen) else "false"}

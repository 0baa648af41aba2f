"""API-gateway handlers: base operations under ``/api-gateway/api/v2/dtables/{base_uuid}/``.

``ROUTES`` is the whole surface: (method, path suffix, handler), one handler module per API group
(as ``seatable_async.resources``). Handlers receive a :class:`Call` whose base token (and its
read/write permission) the app already checked.
"""

from __future__ import annotations

from . import (
    activities,
    base_info,
    big_data,
    columns,
    comments,
    links,
    notifications,
    rows,
    snapshots,
    sql,
    tables,
    views,
)
from ._call import LIMITS, Call, Endpoint, Handler, atomic, read_only_error

__all__ = ["LIMITS", "READ_ONLY_ALLOWED", "ROUTES", "Call", "Endpoint", "read_only_error"]

_OPERATIONS: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/metadata/", base_info.get_metadata),
    ("GET", "/related-users/", base_info.list_collaborators),
    ("POST", "/ui-toasts/", base_info.send_toast),
    ("POST", "/sql/", sql.query_sql),
    ("GET", "/rows/", rows.list_rows),
    ("POST", "/rows/", rows.append_rows),
    ("PUT", "/rows/", rows.update_rows),
    ("DELETE", "/rows/", rows.delete_rows),
    ("GET", "/rows/{row_id}/", rows.get_row),
    ("PUT", "/lock-rows/", rows.lock_rows),
    ("PUT", "/unlock-rows/", rows.unlock_rows),
    ("POST", "/query-links/", links.query_links),
    ("POST", "/links/", links.create_links),
    ("PUT", "/links/", links.update_links),
    ("DELETE", "/links/", links.delete_links),
    ("POST", "/auto-links/", links.auto_links),
    ("GET", "/auto-link-task/", links.auto_link_task),
    ("POST", "/tables/", tables.create_table),
    ("PUT", "/tables/", tables.rename_table),
    ("DELETE", "/tables/", tables.delete_table),
    ("POST", "/tables/duplicate-table/", tables.duplicate_table),
    ("GET", "/views/", views.list_views),
    ("POST", "/views/", views.create_view),
    ("GET", "/views/{view_name}/", views.get_view),
    ("PUT", "/views/{view_name}/", views.update_view),
    ("DELETE", "/views/{view_name}/", views.delete_view),
    ("GET", "/columns/", columns.list_columns),
    ("POST", "/columns/", columns.insert_column),
    ("PUT", "/columns/", columns.update_column),
    ("DELETE", "/columns/", columns.delete_column),
    ("POST", "/batch-append-columns/", columns.append_columns),
    ("POST", "/column-options/", columns.add_select_options),
    ("PUT", "/column-options/", columns.update_select_options),
    ("DELETE", "/column-options/", columns.delete_select_options),
    ("POST", "/column-cascade-settings/", columns.update_column_cascade),
    ("POST", "/add-archived-rows/", big_data.add_archived_rows),
    ("POST", "/archive-view/", big_data.archive_view),
    ("POST", "/unarchive/", big_data.unarchive),
    ("GET", "/comments/", comments.list_comments),
    ("POST", "/comments/", comments.create_comment),
    ("GET", "/comments/{comment_id}/", comments.get_comment),
    ("DELETE", "/comments/{comment_id}/", comments.delete_comment),
    ("GET", "/comments-count/", comments.count_comments),
    ("GET", "/comments-within-days/", comments.comments_within_days),
    ("GET", "/api/v2.1/dtables/{base_uuid}/rows-comments-num/", comments.rows_comments_num),
    ("GET", "/notifications/", notifications.list_notifications),
    ("PUT", "/notifications/", notifications.mark_notifications),
    ("DELETE", "/notifications/", notifications.delete_notifications),
    ("PUT", "/notifications/{notification_id}/", notifications.mark_notification),
    ("POST", "/snapshot/", snapshots.create_snapshot),
    ("GET", "/activities/", activities.list_row_activities),
    ("GET", "/operations/", activities.list_base_operations),
)
"""Every served base operation: method, path below ``/api-gateway/api/v2/dtables/{base_uuid}``
(or, when it starts with ``/api/``, a full dtable-web path that takes a base token), handler."""


LOGGED_OPERATIONS: dict[Handler, str] = {
    tables.create_table: "insert_table",
    tables.rename_table: "rename_table",
    tables.delete_table: "delete_table",
    tables.duplicate_table: "duplicate_table",
    views.create_view: "insert_view",
    views.update_view: "modify_view",
    views.delete_view: "delete_view",
    columns.insert_column: "insert_column",
    columns.update_column: "modify_column",
    columns.delete_column: "delete_column",
    columns.append_columns: "insert_columns",
    columns.add_select_options: "add_column_options",
    columns.update_select_options: "modify_column_options",
    columns.delete_select_options: "delete_column_options",
    columns.update_column_cascade: "modify_column_cascade",
    links.create_links: "add_links",
    links.update_links: "update_links",
    links.delete_links: "remove_links",
    rows.lock_rows: "lock_rows",
    rows.unlock_rows: "unlock_rows",
}
"""Writes the operation log records by the request (their ``op_type``); row writes log the
rows they change instead."""

ROUTES: tuple[tuple[str, str, Endpoint], ...] = tuple(
    (method, path, atomic(handler, LOGGED_OPERATIONS.get(handler)))
    for method, path, handler in _OPERATIONS
)
"""The operations as served: each request runs in one store transaction (see :func:`atomic`)."""


READ_ONLY_ALLOWED = {("POST", "/sql/"), ("POST", "/query-links/")}
"""Non-GET routes a read-only (``r``) base token may call; SQL checks the statement itself."""

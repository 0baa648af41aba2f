"""The shapes of SeaTable's answers, as TypedDicts: the keys they require are what the client
checks before it reads them; anything else the server sends is kept.

No `from __future__ import annotations` here: TypedDict must see `NotRequired` unevaluated-free.
"""

import enum
from typing import Annotated, Any

from typing_extensions import NotRequired, TypedDict

from ._validation import is_row_ids, is_rows, is_segment, is_token

__all__ = [
    "AccountInfo",
    "AccountToken",
    "ApiToken",
    "ApiTokens",
    "AppendedRows",
    "BaseCopied",
    "BaseCreated",
    "BaseGrant",
    "BaseNotification",
    "BaseNotifications",
    "BaseOperation",
    "BaseOperations",
    "BaseRecord",
    "BaseRenamed",
    "BigDataRowsAdded",
    "Collaborator",
    "Collaborators",
    "ColumnAnswer",
    "ColumnType",
    "ColumnsAnswer",
    "CustomAssetEntry",
    "CustomAssets",
    "CustomFileInfo",
    "CustomUploadLink",
    "DownloadLink",
    "LinkedRecord",
    "LinkedRecords",
    "LinksDeleted",
    "LinksWritten",
    "MetadataAnswer",
    "Row",
    "RowActivities",
    "RowActivity",
    "RowComment",
    "RowsPage",
    "RowsUnarchived",
    "SQLResult",
    "SelectOptionsAnswer",
    "Snapshot",
    "SnapshotCreated",
    "StarredBases",
    "Success",
    "TableAnswer",
    "TempApiToken",
    "UploadLink",
    "UploadedFile",
    "ViewAnswer",
    "ViewArchived",
    "ViewsAnswer",
    "Webhook",
    "WebhookAnswer",
    "Webhooks",
    "Workspaces",
]

Row = dict[str, Any]
"""A row as SeaTable returns it: column names (or keys) and `_id`, `_ctime`, ... to values."""


class BaseGrant(TypedDict):
    """A base token and the base it opens (`getBaseTokenWithApiToken` / `...AccountToken`)."""

    access_token: Annotated[str, is_token]
    dtable_uuid: Annotated[str, is_segment]
    workspace_id: NotRequired[int]
    dtable_name: NotRequired[str]
    dtable_server: NotRequired[str]
    app_name: NotRequired[str]
    use_api_gateway: NotRequired[bool]


class AccountToken(TypedDict):
    """The account token a login answers (`getAccountTokenfromUsername`)."""

    token: Annotated[str, is_token]


class MetadataAnswer(TypedDict):
    """`getMetadata`: the tables of the base with their columns and views."""

    metadata: dict[str, Any]


class RowsPage(TypedDict):
    """`listRows`: one page of rows."""

    rows: Annotated[list[Row], is_rows]


class AppendedRows(TypedDict):
    """`appendRows`: how many rows were stored, their ids in order, and the first one keyed by
    column key (what `batch_append_rows` reads of each call and returns in total)."""

    first_row: NotRequired[Row]
    inserted_row_count: int
    row_ids: Annotated[list[dict[str, str]], is_row_ids]


class SQLResult(TypedDict):
    """`querySQL`: result rows and the columns they hold (a write's answer may lack both)."""

    results: NotRequired[Annotated[list[Row], is_rows]]
    metadata: NotRequired[list[dict[str, Any]]]
    success: NotRequired[bool]
    error_message: NotRequired[str]


class Success(TypedDict):
    """`updateRow`, `deleteRow`, `lockRows`, `unlockRows`: `{"success": true}`; nothing is read."""

    success: NotRequired[bool]


class LinksWritten(TypedDict):
    """`createRowLink` / `updateRowLink`: links created, or replaced row by row."""

    success: NotRequired[bool]


class LinksDeleted(TypedDict):
    """`deleteRowLink`: SeaTable counts every pair asked for, linked or not (API_ISSUES #9)."""

    deleted_links_count: int
    success: NotRequired[bool]


class LinkedRecord(TypedDict):
    """One record a row links to, shown by the other table's first column (`listRowLinks`)."""

    row_id: str
    display_value: Any


LinkedRecords = dict[str, list[LinkedRecord]]
"""`listRowLinks`: for each row asked about, the records it links to, oldest first."""


class BigDataRowsAdded(TypedDict):
    """`addBigDataRows`: how many rows went into the big-data backend."""

    inserted_row_count: int


class ViewArchived(TypedDict):
    """`moveRowsToBigData`: a failure comes as `"success": false` (raised as `QueryError`)."""

    success: NotRequired[bool]
    error_message: NotRequired[str]


class RowsUnarchived(TypedDict):
    """`moveRowsToNormalBackend`: the server moves the rows back in a task of its own."""

    success: NotRequired[bool]
    task_id: NotRequired[str]


class UploadLink(TypedDict):
    """`getUploadLink`: where to upload (valid some minutes) and the folders files go to."""

    upload_link: str
    workspace_id: int
    parent_path: str
    img_relative_path: str
    file_relative_path: str


class DownloadLink(TypedDict):
    """`getFileDownloadLink`: a file-server link to the asset, valid some hours."""

    download_link: str


class UploadedFile(TypedDict):
    """An uploaded file as a file column's cell holds it; an image column holds its `url`."""

    name: str
    size: int
    type: str
    url: str


class AccountInfo(TypedDict):
    """`getAccountInfo`: the user's id (`email`, `...@auth.local`), name, quotas and settings."""

    email: str
    name: NotRequired[str]
    contact_email: NotRequired[str]
    login_id: NotRequired[str]


class Workspaces(TypedDict):
    """`listWorkspaces`: the starred, shared, personal and group workspaces with their bases."""

    workspace_list: Annotated[list[dict[str, Any]], is_rows]


class BaseRecord(TypedDict):
    """A base as the account API shows it; `id` is its number, not its `uuid`."""

    id: NotRequired[int]
    workspace_id: NotRequired[int]
    uuid: Annotated[str, is_segment]
    name: str


class BaseCreated(TypedDict):
    """`createBase`: the new base (holding Table1, its Default View and three empty rows)."""

    table: BaseRecord


class BaseRenamed(TypedDict):
    """`updateBase`: the base under its new name."""

    table: BaseRecord


class BaseCopied(TypedDict):
    """`copyBaseFromWorkspace`: the copy."""

    dtable: BaseRecord


class ApiToken(TypedDict):
    """`createApiToken` / `updateApiToken`, and each of `listApiTokens`: one app's token."""

    app_name: str
    api_token: Annotated[str, is_token]
    permission: str
    generated_by: NotRequired[str]
    generated_at: NotRequired[str]
    last_access: NotRequired[str]


class ApiTokens(TypedDict):
    """`listApiTokens`: the API tokens of a base."""

    api_tokens: Annotated[list[ApiToken], is_rows]


class TempApiToken(TypedDict):
    """`createTempApiToken`: an API token (a JWT) valid for one hour."""

    api_token: Annotated[str, is_token]


class StarredBases(TypedDict):
    """`listFavorites`: the starred bases."""

    user_starred_dtable_list: Annotated[list[BaseRecord], is_rows]


class ColumnType(str, enum.Enum):
    """SeaTable's column types (reference §12.1); the official SDK calls this `ColumnTypes`."""

    TEXT = "text"
    LONG_TEXT = "long-text"
    NUMBER = "number"
    COLLABORATOR = "collaborator"
    DATE = "date"
    DURATION = "duration"
    SINGLE_SELECT = "single-select"
    MULTIPLE_SELECT = "multiple-select"
    IMAGE = "image"
    FILE = "file"
    EMAIL = "email"
    URL = "url"
    CHECKBOX = "checkbox"
    GEOLOCATION = "geolocation"
    RATE = "rate"
    FORMULA = "formula"
    LINK = "link"
    LINK_FORMULA = "link-formula"
    CREATOR = "creator"
    CTIME = "ctime"
    LAST_MODIFIER = "last-modifier"
    MTIME = "mtime"
    AUTO_NUMBER = "auto-number"
    BUTTON = "button"
    DIGITAL_SIGN = "digital-sign"
    DEPARTMENT_SINGLE_SELECT = "department-single-select"


class ColumnAnswer(TypedDict):
    """`insertColumn` / `updateColumn`: the column as it now is."""

    key: str
    name: str
    type: str
    data: NotRequired[Any]


class ColumnsAnswer(TypedDict):
    """`listColumns`: the columns, visible ones only when a view is given."""

    columns: Annotated[list[dict[str, Any]], is_rows]


class TableAnswer(TypedDict):
    """`createTable`: the new table with its columns and default view."""

    _id: str
    name: str
    columns: NotRequired[list[dict[str, Any]]]
    views: NotRequired[list[dict[str, Any]]]


class ViewAnswer(TypedDict):
    """`createView` / `getView` / `updateView`: the view with its settings."""

    _id: str
    name: str


class ViewsAnswer(TypedDict):
    """`listViews`: the views of a table."""

    views: Annotated[list[dict[str, Any]], is_rows]


class SelectOptionsAnswer(TypedDict):
    """`updateSelectOption`: the column's options when `return_options` is set."""

    options: NotRequired[list[dict[str, Any]]]
    success: NotRequired[bool]


class CustomUploadLink(TypedDict):
    """`getCustomUploadLink`: where to upload (valid some minutes) into a custom folder."""

    upload_link: str
    workspace_id: int
    parent_path: str
    relative_path: str


class CustomFileInfo(TypedDict):
    """A custom-folder file as a file column's cell holds it (`url` is `custom-asset://...`)."""

    type: str
    size: int
    name: str
    url: str


class CustomAssetEntry(TypedDict):
    """One folder or file of a custom folder."""

    name: str


class CustomAssets(TypedDict):
    """`getCustomFiles`: the folders and files directly in a custom folder."""

    dir: list[CustomAssetEntry]
    file: list[CustomAssetEntry]


class Collaborator(TypedDict):
    """One collaborator of a base (`listCollaborators`)."""

    email: str
    name: str
    contact_email: NotRequired[str]
    avatar_url: NotRequired[str]
    id_in_org: NotRequired[str]


class Collaborators(TypedDict):
    """`listCollaborators`: everyone who can reach the base."""

    user_list: list[Collaborator]


class RowComment(TypedDict):
    """One comment on a row (`listRowComments`); `resolved` is 0 or 1."""

    id: int
    author: str
    comment: str
    row_id: str
    created_at: str
    dtable_uuid: NotRequired[str]
    updated_at: NotRequired[str]
    resolved: NotRequired[int]


class BaseNotification(TypedDict):
    """One notification of a base (`listBaseNotifications`); `seen` is 0 or 1."""

    id: int
    msg_type: str
    created_at: str
    detail: dict[str, Any]
    seen: int
    username: NotRequired[str]


class BaseNotifications(TypedDict):
    """`listBaseNotifications`: the base's notifications for the token's user."""

    notification_list: list[BaseNotification]


class Snapshot(TypedDict):
    """A snapshot of a base; `ctime` in milliseconds since the epoch."""

    dtable_uuid: str
    dtable_name: str
    commit_id: str
    ctime: int


class SnapshotCreated(TypedDict):
    """`createSnapshot`: `status` "created" with the `snapshot`; another status when none was
    taken (too soon after the last one, or nothing changed since)."""

    status: str
    snapshot: NotRequired[Snapshot]


class RowActivity(TypedDict):
    """One change of a row (`listRowActivities`): `op_type` such as insert_row or modify_row;
    `detail` holds the table, the row's name and each changed cell's value and old value."""

    id: int
    row_id: str
    op_user: str
    op_type: str
    op_time: str
    detail: dict[str, Any]
    dtable_uuid: NotRequired[str]


class BaseOperation(TypedDict):
    """One entry of the base's operation log (`getBaseActivityLog`): `operation` is a JSON text
    whose `op_type` names the write (insert_rows, modify_rows, delete_column, ...)."""

    author: str
    app: str | None
    op_time: int
    """Milliseconds since the epoch."""
    operation: str
    op_id: int


class BaseOperations(TypedDict):
    """`getBaseActivityLog`: one page of the operation log, newest first."""

    operations: list[BaseOperation]


class RowActivities(TypedDict):
    """`listRowActivities`: one page of a row's activities and how many there are in all."""

    activities: list[RowActivity]
    total_count: int


class Webhook(TypedDict):
    """A base's webhook: where SeaTable POSTs each row change, and `settings.secret`, the key of
    its `X-SeaTable-Signature` (`seatable_async.webhooks` verifies it)."""

    id: int
    dtable_uuid: str
    url: str
    creator: str
    created_at: str
    settings: dict[str, Any]


class Webhooks(TypedDict):
    """`listWebhooks`."""

    webhook_list: list[Webhook]


class WebhookAnswer(TypedDict):
    """`createWebhook`, `updateWebhook`."""

    webhook: Webhook

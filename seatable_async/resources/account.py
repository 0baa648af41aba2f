"""The account API (account token): the user, workspaces, bases, API tokens and starred bases.

Every API token these calls return joins the client's secrets, so no later error or log
shows it.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any

from .._exceptions import InvalidInputError
from .._operations import Operation
from .._secrets import Secrets
from .._validation import is_text, require_int, require_text, without_none
from ..types import (
    AccountInfo,
    ApiToken,
    ApiTokens,
    BaseCopied,
    BaseCreated,
    BaseRecord,
    BaseRenamed,
    StarredBases,
    Success,
    TempApiToken,
    Workspaces,
)
from ._resource import Resource

if TYPE_CHECKING:
    from .._base import Base

__all__ = ["AccountResource"]

_ONE_BASE = "/api/v2.1/workspace/{workspace_id}/dtable/"
_TOKENS = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/api-tokens/"
_STARRED = "/api/v2.1/starred-dtables/"
PERMISSIONS = ("rw", "r")
"""What an API token may do: read and write, or read only."""

GET_ACCOUNT_INFO: Operation[AccountInfo] = Operation(
    "Account.load_account_info", "getAccountInfo", "GET", "/api2/account/info/", "account",
    AccountInfo,
)  # fmt: skip
LIST_WORKSPACES: Operation[Workspaces] = Operation(
    "Account.list_workspaces", "listWorkspaces", "GET", "/api/v2.1/workspaces/", "account",
    Workspaces,
)  # fmt: skip
CREATE_BASE: Operation[BaseCreated] = Operation(
    "Account.add_base", "createBase", "POST", "/api/v2.1/dtables/", "account", BaseCreated
)
COPY_BASE: Operation[BaseCopied] = Operation(
    "Account.copy_base", "copyBaseFromWorkspace", "POST", "/api/v2.1/dtable-copy/", "account",
    BaseCopied,
)  # fmt: skip
RENAME_BASE: Operation[BaseRenamed] = Operation(
    "Account.rename_base", "updateBase", "PUT", _ONE_BASE, "account", BaseRenamed
)
DELETE_BASE: Operation[Success] = Operation(
    "Account.delete_base", "deleteBase", "DELETE", _ONE_BASE, "account", Success
)
TEMP_API_TOKEN: Operation[TempApiToken] = Operation(
    "Account.create_temp_api_token", "createTempApiToken", "GET",
    "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/temp-api-token/", "account",
    TempApiToken,
)  # fmt: skip
LIST_API_TOKENS: Operation[ApiTokens] = Operation(
    "Account.list_api_tokens", "listApiTokens", "GET", _TOKENS, "account", ApiTokens
)
CREATE_API_TOKEN: Operation[ApiToken] = Operation(
    "Account.create_api_token", "createApiToken", "POST", _TOKENS, "account", ApiToken
)
UPDATE_API_TOKEN: Operation[ApiToken] = Operation(
    "Account.update_api_token", "updateApiToken", "PUT", _TOKENS + "{app_name}/", "account",
    ApiToken,
)  # fmt: skip
DELETE_API_TOKEN: Operation[Success] = Operation(
    "Account.delete_api_token", "deleteApiToken", "DELETE", _TOKENS + "{app_name}/", "account",
    Success,
)  # fmt: skip
LIST_STARRED: Operation[StarredBases] = Operation(
    "Account.list_starred_bases", "listFavorites", "GET", _STARRED, "account", StarredBases
)
STAR_BASE: Operation[Success] = Operation(
    "Account.star_base", "favoriteBase", "POST", _STARRED, "account", Success
)
UNSTAR_BASE: Operation[Success] = Operation(
    "Account.unstar_base", "unfavoriteBase", "DELETE", _STARRED, "account", Success
)


def _base_segments(workspace_id: object, base_name: object) -> dict[str, object]:
    """The `{workspace_id}` and `{base_name}` of a path, checked."""
    return {
        "workspace_id": require_int("workspace_id", workspace_id, 1),
        "base_name": require_text("base_name", base_name),
    }


def _permission(value: object) -> str:
    if value not in PERMISSIONS:
        raise InvalidInputError(f"permission must be one of {', '.join(PERMISSIONS)}")
    return str(value)


class AccountResource(Resource):
    """Account operations with the official SDK's names and argument order where it has them."""

    _session: Any
    """The client's session; its `secrets` learn every API token returned."""

    @abc.abstractmethod
    async def get_base(self, workspace_id: int, base_name: str) -> Base:
        """A ready `Base` for a base of this account (the client defines it)."""

    @property
    def _secrets(self) -> Secrets:
        secrets: Secrets = self._session.secrets
        return secrets

    async def load_account_info(self) -> AccountInfo:
        """The user's account information (`getAccountInfo`); `email` is the user id."""
        return await self._call(GET_ACCOUNT_INFO)

    async def list_workspaces(self, *, detail: bool = True) -> Workspaces:
        """Every workspace the user reaches, with its bases unless `detail=False`
        (`listWorkspaces`)."""
        if not isinstance(detail, bool):
            raise InvalidInputError("detail must be True or False")
        params = None if detail else {"detail": "false"}
        return await self._call(LIST_WORKSPACES, params=params)

    async def add_base(
        self,
        name: str,
        workspace_id: int | None = None,
        *,
        icon: str | None = None,
        color: str | None = None,
    ) -> BaseRecord:
        """Creates a base in the personal workspace, or the one given (`createBase`).

        Not retried once sent: the server may have created it already.
        """
        fields = without_none(
            name=require_text("name", name),
            workspace_id=None
            if workspace_id is None
            else require_int("workspace_id", workspace_id, 1),
            icon=None if icon is None else require_text("icon", icon),
            color=None if color is None else require_text("color", color),
        )
        answer = await self._call(CREATE_BASE, data={k: str(v) for k, v in fields.items()})
        return answer["table"]

    async def copy_base(
        self, src_workspace_id: int, base_name: str, dst_workspace_id: int
    ) -> BaseRecord:
        """Copies a base into a workspace (`copyBaseFromWorkspace`); not retried once sent."""
        data = {
            "src_workspace_id": str(require_int("src_workspace_id", src_workspace_id, 1)),
            "name": require_text("base_name", base_name),
            "dst_workspace_id": str(require_int("dst_workspace_id", dst_workspace_id, 1)),
        }
        answer = await self._call(COPY_BASE, data=data)
        return answer["dtable"]

    async def rename_base(self, workspace_id: int, base_name: str, new_name: str) -> BaseRecord:
        """Renames a base (`updateBase`)."""
        segments = _base_segments(workspace_id, base_name)
        data = {"name": segments.pop("base_name"), "new_name": require_text("new_name", new_name)}
        answer = await self._call(RENAME_BASE, segments=segments, data=data)
        return answer["table"]

    async def delete_base(self, workspace_id: int, base_name: str) -> Success:
        """Moves a base to the trash (`deleteBase`); SeaTable purges it after 30 days."""
        segments = _base_segments(workspace_id, base_name)
        data = {"name": segments.pop("base_name")}
        return await self._call(DELETE_BASE, segments=segments, data=data)

    async def create_temp_api_token(self, workspace_id: int, base_name: str) -> str:
        """An API token for one base valid for one hour (`createTempApiToken`)."""
        answer = await self._call(TEMP_API_TOKEN, segments=_base_segments(workspace_id, base_name))
        self._secrets.add(answer["api_token"])
        return answer["api_token"]

    async def list_api_tokens(self, workspace_id: int, base_name: str) -> list[ApiToken]:
        """The API tokens of a base, with their permissions (`listApiTokens`)."""
        segments = _base_segments(workspace_id, base_name)
        answer = await self._call(LIST_API_TOKENS, segments=segments)
        for token in answer["api_tokens"]:
            if isinstance(token.get("api_token"), str):
                self._secrets.add(token["api_token"])
        return answer["api_tokens"]

    async def create_api_token(
        self, workspace_id: int, base_name: str, app_name: str, permission: str = "rw"
    ) -> ApiToken:
        """A new API token for an app, `rw` or `r` (`createApiToken`); not retried once sent."""
        segments = _base_segments(workspace_id, base_name)
        data = {
            "app_name": require_text("app_name", app_name),
            "permission": _permission(permission),
        }
        answer = await self._call(CREATE_API_TOKEN, segments=segments, data=data)
        self._secrets.add(answer["api_token"])
        return answer

    async def update_api_token(
        self, workspace_id: int, base_name: str, app_name: str, permission: str
    ) -> ApiToken:
        """Changes an app's API token to `rw` or `r` (`updateApiToken`)."""
        segments = {
            **_base_segments(workspace_id, base_name),
            "app_name": require_text("app_name", app_name),
        }
        data = {"permission": _permission(permission)}
        answer = await self._call(UPDATE_API_TOKEN, segments=segments, data=data)
        self._secrets.add(answer["api_token"])
        return answer

    async def delete_api_token(self, workspace_id: int, base_name: str, app_name: str) -> Success:
        """Revokes an app's API token (`deleteApiToken`)."""
        segments = {
            **_base_segments(workspace_id, base_name),
            "app_name": require_text("app_name", app_name),
        }
        return await self._call(DELETE_API_TOKEN, segments=segments)

    async def list_starred_bases(self) -> list[BaseRecord]:
        """The bases the user starred (`listFavorites`)."""
        answer = await self._call(LIST_STARRED)
        return answer["user_starred_dtable_list"]

    async def star_base(self, base_uuid: str) -> Success:
        """Stars a base (`favoriteBase`)."""
        return await self._call(
            STAR_BASE, data={"dtable_uuid": require_text("base_uuid", base_uuid)}
        )

    async def unstar_base(self, base_uuid: str) -> Success:
        """Removes a base's star (`unfavoriteBase`)."""
        params = {"dtable_uuid": require_text("base_uuid", base_uuid)}
        return await self._call(UNSTAR_BASE, params=params)

    async def get_base_by_uuid(self, base_uuid: str) -> Base:
        """A ready `Base` for the base with this UUID, found by `listWorkspaces`: no route of the
        6.2 spec grants a base token by UUID, only by workspace and name."""
        wanted = require_text("base_uuid", base_uuid)
        async with self._call_scope("get_base_by_uuid()"):
            for workspace in (await self.list_workspaces())["workspace_list"]:
                for key in ("table_list", "shared_table_list"):
                    found = _named_base(workspace.get(key), wanted)
                    if found is not None:
                        return await self.get_base(*found)
        raise InvalidInputError(f"no base the account reaches has the UUID {wanted!r}")


def _named_base(records: object, base_uuid: str) -> tuple[int, str] | None:
    """(workspace id, name) of the base with this UUID among a workspace's base records."""
    for record in records if isinstance(records, list) else ():
        if not isinstance(record, dict) or record.get("uuid") != base_uuid:
            continue
        workspace_id, name = record.get("workspace_id"), record.get("name")
        if isinstance(workspace_id, int) and not isinstance(workspace_id, bool) and is_text(name):
            return workspace_id, name
    return None

"""Views: list and read them, create, rename and delete them, and change their filters, sorts,
groupings and hidden columns. A view's name (or id) travels in the path, escaped once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._exceptions import InvalidInputError
from .._operations import Operation
from .._validation import optional_flag, require_ids, require_text
from ..types import Success, ViewAnswer, ViewsAnswer
from .base_info import BaseInfoResource

_VIEWS = "/api-gateway/api/v2/dtables/{base_uuid}/views/"
_VIEW = _VIEWS + "{view_name}/"
LIST_VIEWS: Operation[ViewsAnswer] = Operation(
    "list_views", "listViews", "GET", _VIEWS, "base", ViewsAnswer
)
CREATE_VIEW: Operation[ViewAnswer] = Operation(
    "add_view", "createView", "POST", _VIEWS, "base", ViewAnswer
)
GET_VIEW: Operation[ViewAnswer] = Operation(
    "get_view_by_name", "getView", "GET", _VIEW, "base", ViewAnswer
)
RENAME_VIEW: Operation[ViewAnswer] = Operation(
    "rename_view", "updateView", "PUT", _VIEW, "base", ViewAnswer
)
UPDATE_VIEW: Operation[ViewAnswer] = Operation(
    "update_view", "updateView", "PUT", _VIEW, "base", ViewAnswer
)
DELETE_VIEW: Operation[Success] = Operation(
    "delete_view", "deleteView", "DELETE", _VIEW, "base", Success
)

CONJUNCTIONS = ("And", "Or")
SORT_TYPES = ("up", "down")
_FILTER_KEYS = frozenset({"column_key", "filter_predicate", "filter_term", "filter_term_modifier"})
_SORT_KEYS = frozenset({"column_key", "sort_type"})
_CLEARED: list[dict[str, Any]] = [{}]
"""What `updateView` takes to empty a list setting (an empty list would leave it unchanged)."""


def _settings(name: str, value: object, keys: frozenset[str], required: tuple[str, ...]) -> Any:
    """A list of filter or sort dicts, each with the `required` keys as text; [] clears."""
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(f"{name} must be a list of dicts, got {type(value).__name__}")
    items = []
    for i, item in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(item, Mapping) or not set(item) <= keys:
            raise InvalidInputError(f"{where} must be a dict of {', '.join(sorted(keys))}")
        for key in required:
            require_text(f"{where}[{key!r}]", item.get(key))
        if "sort_type" in keys and item.get("sort_type") not in SORT_TYPES:
            raise InvalidInputError(f"{where}['sort_type'] must be 'up' or 'down'")
        items.append(dict(item))
    return items or _CLEARED


def _filters(value: object) -> Any:
    return _settings("filters", value, _FILTER_KEYS, ("column_key", "filter_predicate"))


def _sorts(value: object) -> Any:
    return _settings("sorts", value, _SORT_KEYS, ("column_key",))


def _groupbys(value: object) -> Any:
    return _settings("groupbys", value, _SORT_KEYS, ("column_key",))


def _hidden(value: object) -> Any:
    return require_ids("hidden_columns", value) or _CLEARED


def _conjunction(value: object) -> Any:
    if value not in CONJUNCTIONS:
        raise InvalidInputError("filter_conjunction must be 'And' or 'Or'")
    return value


def _locked(value: object) -> Any:
    return optional_flag("is_locked", value)


_VIEW_SETTINGS: dict[str, Callable[[object], Any]] = {
    "filters": _filters,
    "filter_conjunction": _conjunction,
    "sorts": _sorts,
    "groupbys": _groupbys,
    "hidden_columns": _hidden,
    "is_locked": _locked,
}
"""What `update_view` sends for each setting given, checked."""


class ViewsResource(BaseInfoResource):
    """View operations with the official SDK's names and argument order."""

    async def list_views(self, table_name: str) -> list[dict[str, Any]]:
        """The views of a table (`listViews`)."""
        params = {"table_name": require_text("table_name", table_name)}
        answer = await self._call(LIST_VIEWS, params=params)
        return answer["views"]

    async def get_view_by_name(self, table_name: str, view_name: str) -> ViewAnswer:
        """One view, by name or id, with its settings (`getView`)."""
        params = {"table_name": require_text("table_name", table_name)}
        return await self._call(GET_VIEW, segments={"view_name": view_name}, params=params)

    async def add_view(self, table_name: str, view_name: str) -> ViewAnswer:
        """Creates a view showing every row (`createView`); a name in use is a 400.

        Not retried on 5xx or after a timeout: the server may have created it already.
        """
        params = {"table_name": require_text("table_name", table_name)}
        body = {"name": require_text("view_name", view_name)}
        return await self._call(CREATE_VIEW, params=params, json=body)

    async def rename_view(self, table_name: str, view_name: str, new_view_name: str) -> ViewAnswer:
        """Renames a view (`updateView`)."""
        params = {"table_name": require_text("table_name", table_name)}
        body = {"name": require_text("new_view_name", new_view_name)}
        segments = {"view_name": view_name}
        return await self._call(RENAME_VIEW, segments=segments, params=params, json=body)

    async def update_view(
        self,
        table_name: str,
        view_name: str,
        *,
        filters: Sequence[Mapping[str, Any]] | None = None,
        filter_conjunction: str | None = None,
        sorts: Sequence[Mapping[str, Any]] | None = None,
        groupbys: Sequence[Mapping[str, Any]] | None = None,
        hidden_columns: Sequence[str] | None = None,
        is_locked: bool | None = None,
    ) -> ViewAnswer:
        """Changes the settings given, keeps the others; `[]` empties a list (`updateView`).

        Filters are `{column_key, filter_predicate, filter_term?}`, sorts and groupbys
        `{column_key, sort_type: "up" | "down"}`, hidden columns column keys.
        """
        params = {"table_name": require_text("table_name", table_name)}
        given = {
            "filters": filters,
            "filter_conjunction": filter_conjunction,
            "sorts": sorts,
            "groupbys": groupbys,
            "hidden_columns": hidden_columns,
            "is_locked": is_locked,
        }
        body = {
            key: _VIEW_SETTINGS[key](value) for key, value in given.items() if value is not None
        }
        if not body:
            raise InvalidInputError("update_view needs at least one setting to change")
        segments = {"view_name": view_name}
        return await self._call(UPDATE_VIEW, segments=segments, params=params, json=body)

    async def delete_view(self, table_name: str, view_name: str) -> Success:
        """Deletes a view (`deleteView`); a table keeps at least one."""
        params = {"table_name": require_text("table_name", table_name)}
        return await self._call(DELETE_VIEW, segments={"view_name": view_name}, params=params)

"""A base's webhooks, managed with the account token (list, create, update, delete); the
official SDK has none. Their secrets join the client's secrets, so no error or log shows them."""

from __future__ import annotations

from typing import Any

from .._operations import Operation
from .._secrets import Secrets
from .._validation import require_int, require_text, without_none
from ..types import Success, Webhook, WebhookAnswer, Webhooks
from ._resource import Resource
from .account import _base_segments

__all__ = ["WebhooksResource"]

_HOOKS = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/webhooks/"
LIST_WEBHOOKS: Operation[Webhooks] = Operation(
    "Account.list_webhooks", "listWebhooks", "GET", _HOOKS, "account", Webhooks
)
CREATE_WEBHOOK: Operation[WebhookAnswer] = Operation(
    "Account.create_webhook", "createWebhook", "POST", _HOOKS, "account", WebhookAnswer
)
UPDATE_WEBHOOK: Operation[WebhookAnswer] = Operation(
    "Account.update_webhook", "updateWebhook", "PUT", _HOOKS + "{webhook_id}/", "account",
    WebhookAnswer,
)  # fmt: skip
DELETE_WEBHOOK: Operation[Success] = Operation(
    "Account.delete_webhook", "deleteWebhook", "DELETE", _HOOKS + "{webhook_id}/", "account",
    Success,
)  # fmt: skip


def _segments(workspace_id: object, base_name: object, **more: object) -> dict[str, object]:
    return {**_base_segments(workspace_id, base_name), **more}


class WebhooksResource(Resource):
    """Webhook management on `Account`."""

    _session: Any

    def _mask(self, secret: object) -> None:
        """No later error or log shows this secret."""
        if isinstance(secret, str) and secret:
            secrets: Secrets = self._session.secrets
            secrets.add(secret)

    def _learn(self, webhook: Webhook) -> Webhook:
        """Masks the webhook's secret from now on; returns the webhook."""
        settings = webhook.get("settings")
        self._mask(settings.get("secret") if isinstance(settings, dict) else None)
        return webhook

    async def list_webhooks(self, workspace_id: int, base_name: str) -> list[Webhook]:
        """The base's webhooks with their secrets (`listWebhooks`)."""
        answer = await self._call(LIST_WEBHOOKS, segments=_segments(workspace_id, base_name))
        return [self._learn(webhook) for webhook in answer["webhook_list"]]

    async def create_webhook(
        self, workspace_id: int, base_name: str, url: str, secret: str | None = None
    ) -> Webhook:
        """A new webhook POSTing each row change to `url`, signed with `secret` when given
        (`createWebhook`); not retried once sent."""
        data = without_none(
            url=require_text("url", url),
            secret=None if secret is None else require_text("secret", secret),
        )
        segments = _segments(workspace_id, base_name)
        self._mask(secret)
        answer = await self._call(CREATE_WEBHOOK, segments=segments, data=data)
        return self._learn(answer["webhook"])

    async def update_webhook(
        self,
        workspace_id: int,
        base_name: str,
        webhook_id: int,
        *,
        url: str | None = None,
        secret: str | None = None,
    ) -> Webhook:
        """Changes a webhook's URL and/or secret (`updateWebhook`)."""
        data = without_none(
            url=None if url is None else require_text("url", url),
            secret=None if secret is None else require_text("secret", secret),
        )
        segments = _segments(
            workspace_id, base_name, webhook_id=require_int("webhook_id", webhook_id, 1)
        )
        self._mask(secret)
        answer = await self._call(UPDATE_WEBHOOK, segments=segments, data=data)
        return self._learn(answer["webhook"])

    async def delete_webhook(self, workspace_id: int, base_name: str, webhook_id: int) -> Success:
        """Removes a webhook (`deleteWebhook`)."""
        segments = _segments(
            workspace_id, base_name, webhook_id=require_int("webhook_id", webhook_id, 1)
        )
        return await self._call(DELETE_WEBHOOK, segments=segments)

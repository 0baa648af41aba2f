"""Webhooks: the account routes that manage them, and their delivery.

Every committed row change POSTs SeaTable's webhook body to each of its base's webhooks, signed
with the webhook's secret (``X-SeaTable-Signature: sha256=<hex>``), from one background thread
so no request waits for a receiver; one attempt each, as SeaTable makes. URLs must be on
loopback: the emulator never calls out of the machine.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from ..webhooks import SIGNATURE_HEADER, sign
from ._errors import web_error
from ._store import Base, Json, Store
from ._store.operations import RowBatch, RowChange
from ._web import Auth, Handler, WebCall, _account_base

__all__ = ["ROUTES", "WebhookDelivery", "WebhookDispatcher"]

DELIVERY_TIMEOUT = 30.0
"""Seconds a receiver has to answer, as SeaTable allows."""


def is_loopback_url(url: str) -> bool:
    """An http(s) URL whose host is this machine."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class WebhookDelivery:
    """One POST the emulator made (or tried): ``status`` is None when it failed below HTTP."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None
    error: str | None = None


class WebhookDispatcher:
    """Queues each committed row change for its base's webhooks and posts them in order."""

    def __init__(self, store: Store, *, timeout: float = DELIVERY_TIMEOUT) -> None:
        self._store = store
        self._timeout = timeout
        self._pending: deque[WebhookDelivery] = deque()
        self._idle = threading.Condition()
        self._busy = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self.deliveries: list[WebhookDelivery] = []
        """Every delivery made, in order, with its outcome."""
        store.commit_listeners.append(self._committed)

    def _committed(self, rows: Sequence[RowBatch]) -> None:
        """Runs under the store lock right after a commit: only reads and enqueues (a base
        without webhooks costs one look-up, its rows are not expanded)."""
        hooks: dict[str, list[Json]] = {}
        batch: list[WebhookDelivery] = []
        changes = [
            change
            for row_batch in rows
            if self._hooks(hooks, row_batch.base_uuid)
            for change in row_batch.changes()
        ]
        for change in changes:
            body = json.dumps(_payload(change), default=str).encode()
            for hook in hooks[change.base_uuid]:
                headers = {"Content-Type": "application/json"}
                secret = hook["settings"]["secret"]
                if secret:
                    headers[SIGNATURE_HEADER] = sign(body, secret)
                batch.append(WebhookDelivery(hook["url"], body, headers))
        if batch:
            with self._idle:
                if self._closed:
                    return
                self._pending.extend(batch)
                self._busy += len(batch)
                self._idle.notify_all()
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._deliver, name="emulator-webhooks", daemon=True
                    )
                    self._thread.start()

    def _hooks(self, hooks: dict[str, list[Json]], base_uuid: str) -> list[Json]:
        """The loopback webhooks of ``base_uuid``, looked up once per commit into ``hooks``."""
        if base_uuid not in hooks:
            found = self._store.webhooks(base_uuid)
            hooks[base_uuid] = [h for h in found if is_loopback_url(h["url"])]
        return hooks[base_uuid]

    def _deliver(self) -> None:
        with httpx.Client(timeout=self._timeout, trust_env=False) as client:
            while True:
                with self._idle:
                    self._idle.wait_for(lambda: self._pending or self._closed)
                    if not self._pending:
                        return
                    delivery = self._pending.popleft()
                try:
                    response = client.post(
                        delivery.url, content=delivery.body, headers=delivery.headers
                    )
                    delivery.status = response.status_code
                except httpx.HTTPError as exc:
                    delivery.error = f"{type(exc).__name__}: {exc}"
                with self._idle:
                    self.deliveries.append(delivery)
                    self._busy -= 1
                    self._idle.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until every queued delivery was made; False if `timeout` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def close(self) -> None:
        """Drops what is still queued and ends the delivery thread."""
        with self._idle:
            self._closed = True
            self._busy -= len(self._pending)
            self._pending.clear()
            self._idle.notify_all()
        if self._thread is not None:
            self._thread.join(self._timeout)


def _payload(change: RowChange) -> Json:
    """SeaTable's webhook body for one row change."""
    return {
        "event": "update",
        "data": {
            "dtable_uuid": change.base_uuid,
            "row_id": change.row["_id"],
            "op_user": change.user,
            "op_type": change.op_type,
            "op_time": change.op_time,
            "table_id": change.table_id,
            "table_name": change.table_name,
            "row_data": change.row_data,
        },
    }


def _url(call: WebCall, default: str | None = None) -> str:
    url = call.form.fields.get("url", default or "") or default or ""
    if not is_loopback_url(url):
        raise web_error(400, "url invalid (the emulator delivers webhooks on loopback only).")
    return url


def _webhook_id(call: WebCall, base: Base) -> Json:
    raw = call.request.path_params["webhook_id"]
    found = call.state.store.webhook(base, int(raw)) if str(raw).isdigit() else None
    if found is None:
        raise web_error(404, f"webhook {raw} not found.")
    return found


def list_webhooks(call: WebCall) -> Json:
    """``listWebhooks``."""
    return {"webhook_list": call.state.store.webhooks(_account_base(call).uuid)}


def create_webhook(call: WebCall) -> Json:
    """``createWebhook``: form ``url`` (loopback) and optional ``secret``; answers 200."""
    base = _account_base(call)
    secret = call.form.fields.get("secret", "")
    webhook = call.state.store.add_webhook(base, _url(call), secret, call.state.user_id)
    return {"webhook": webhook}


def update_webhook(call: WebCall) -> Json:
    """``updateWebhook``: form ``url`` and/or ``secret``; what is not given stays."""
    base = _account_base(call)
    webhook = _webhook_id(call, base)
    url = _url(call, webhook["url"])
    secret = call.form.fields.get("secret", webhook["settings"]["secret"])
    store = call.state.store
    store.update_webhook(base, webhook["id"], url, secret)
    return {"webhook": store.webhook(base, webhook["id"])}


def delete_webhook(call: WebCall) -> Json:
    """``deleteWebhook``."""
    base = _account_base(call)
    call.state.store.delete_webhook(base, _webhook_id(call, base)["id"])
    return {"success": True}


_HOOKS = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/webhooks/"

ROUTES: tuple[tuple[str, str, Handler, Auth], ...] = (
    ("GET", _HOOKS, list_webhooks, "account"),
    ("POST", _HOOKS, create_webhook, "account"),
    ("PUT", _HOOKS + "{webhook_id}/", update_webhook, "account"),
    ("DELETE", _HOOKS + "{webhook_id}/", delete_webhook, "account"),
)
"""The webhook routes this module serves."""

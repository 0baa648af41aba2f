"""A FastAPI router that receives SeaTable webhooks: it verifies each delivery's signature and
hands the parsed change to the application's callback.

A bad or missing signature answers 401 and a body that is no row webhook 400; neither reaches
the callback.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response

from ..._exceptions import InvalidInputError
from ...changes._events import RowDeleted, RowInserted, RowUpdated
from ...webhooks import SIGNATURE_HEADER, WebhookError, WebhookVerificationError, parse_webhook

__all__ = ["DEFAULT_PATH", "WebhookCallback", "webhook_router"]

DEFAULT_PATH = "/seatable/webhook"
WebhookCallback = Callable[[RowInserted | RowUpdated | RowDeleted], Awaitable[None] | None]
"""Called with each verified change; a coroutine function is awaited."""
_STATUS = {WebhookVerificationError: 401, WebhookError: 400}
"""Refusals, most specific first."""


def webhook_router(
    secret: str | bytes, callback: WebhookCallback, *, path: str = DEFAULT_PATH
) -> APIRouter:
    """A router with one POST route at `path` that verifies deliveries signed with `secret`
    and passes each change to `callback`, answering 204 once it returns.

    The callback's own errors propagate (FastAPI answers 500), so SeaTable's single delivery
    attempt is visibly lost rather than silently acknowledged.
    """
    if not (isinstance(secret, (str, bytes)) and secret):
        raise InvalidInputError("secret must be the webhook's non-empty secret")
    if not callable(callback):
        raise InvalidInputError("callback must be callable")
    if not (isinstance(path, str) and path.startswith("/")):
        raise InvalidInputError("path must start with /")
    router = APIRouter()

    @router.post(path, status_code=204, include_in_schema=False)
    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            change = parse_webhook(
                body, secret=secret, signature=request.headers.get(SIGNATURE_HEADER)
            )
        except WebhookError as error:
            status = next(code for kind, code in _STATUS.items() if isinstance(error, kind))
            return Response(status_code=status)
        result = callback(change)
        if inspect.isawaitable(result):
            await result
        return Response(status_code=204)

    return router

"""Telegram's updates by webhook: one FastAPI route per bot worker, behind the load balancer.

Telegram sends the secret given to ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token`` with
every update; anything without it is refused before it is read (a forged update would let a
stranger act as any Telegram user). The update is handled before the answer, so Telegram
sends a worker no more than it keeps up with, and one lost to a crash is sent again (the
dispatcher's update claims keep it from being handled twice). ``/metrics`` (this worker's
handlers) and ``/health`` sit beside it.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from fastapi import FastAPI, Header, Request, Response
from pydantic import ValidationError

from backend.prometheus import CONTENT_TYPE, REGISTRY

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def create_webhook_app(dispatcher: Dispatcher, bot: Bot, secret: str) -> FastAPI:
    """The worker's HTTP face: the webhook route, its metrics and a liveness probe."""
    app = FastAPI(title="ramtid bot worker", openapi_url=None, docs_url=None, redoc_url=None)
    expected = secret.encode()

    @app.post(WEBHOOK_PATH)
    async def telegram_update(
        request: Request,
        secret_token: Annotated[str | None, Header(alias=SECRET_HEADER)] = None,
    ) -> Response:
        if not secret_token or not secrets.compare_digest(secret_token.encode(), expected):
            return Response(status_code=401)
        try:
            update = Update.model_validate_json(await request.body(), context={"bot": bot})
        except ValidationError:
            return Response(status_code=400)
        try:
            await dispatcher.feed_update(bot, update)
        except Exception as exc:
            log.error("update %s: %s while handling it", update.update_id, type(exc).__name__)
        return Response(status_code=200)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(REGISTRY.render(), media_type=CONTENT_TYPE)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

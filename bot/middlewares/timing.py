"""Per handler: how many updates, how they ended, how long they took (Prometheus, ids only:
the handler's module and function)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.types import TelegramObject

from backend.prometheus import REGISTRY
from contract import metrics


def handler_name(data: dict[str, Any]) -> str:
    handler: HandlerObject | None = data.get("handler")
    callback = getattr(handler, "callback", None)
    if callback is None:
        return "unhandled"
    return f"{callback.__module__}.{callback.__qualname__}"


class HandlerTiming(BaseMiddleware):
    """An inner middleware: it runs once a handler is chosen, around it."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        name = handler_name(data)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "handled"
            return result
        finally:
            REGISTRY.inc(metrics.BOT_UPDATES, name, outcome)
            REGISTRY.observe(metrics.BOT_UPDATE_DURATION, time.perf_counter() - started, name)

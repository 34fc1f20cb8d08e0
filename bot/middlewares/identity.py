"""Who is this chat account? Asks the backend once per update and passes ``me`` on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.backend_client import BackendClient


class IdentityMiddleware(BaseMiddleware):
    def __init__(self, backend: BackendClient) -> None:
        self.backend = backend

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        data["me"] = await self.backend.me(user.id) if user is not None else None
        return await handler(event, data)

"""Each update handled once, however many workers it reaches.

Telegram may deliver an update again (a webhook answered late), and a load balancer may retry
it on another worker. The first worker to claim the update's id (``SET NX`` in Redis, shared
by all workers; in memory for one process) handles it; any other drops it. The claim is kept a
day, far longer than Telegram retries.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from redis.asyncio import Redis

from backend.prometheus import REGISTRY
from contract import metrics

KEEP_SECONDS = 24 * 3600
KEPT_IN_MEMORY = 100_000


class Claims(Protocol):
    async def first(self, key: str) -> bool:
        """True for the first claim of ``key``, False for every later one."""


class MemoryClaims:
    def __init__(self) -> None:
        self.seen: OrderedDict[str, None] = OrderedDict()

    async def first(self, key: str) -> bool:
        if key in self.seen:
            return False
        self.seen[key] = None
        if len(self.seen) > KEPT_IN_MEMORY:
            self.seen.popitem(last=False)
        return True


class RedisClaims:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def first(self, key: str) -> bool:
        return bool(await self.redis.set(f"ramtid:update:{key}", 1, nx=True, ex=KEEP_SECONDS))


class OncePerUpdate(BaseMiddleware):
    """An outer middleware on ``dispatcher.update``: before anything else runs."""

    def __init__(self, claims: Claims) -> None:
        self.claims = claims
        self.dropped = 0

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        bot = data.get("bot")
        key = f"{bot.id if bot is not None else 0}:{event.update_id}"
        if not await self.claims.first(key):
            self.dropped += 1
            REGISTRY.inc(metrics.BOT_UPDATES, "unhandled", "duplicate")
            return None  # handled by another worker (or already, here)
        return await handler(event, data)

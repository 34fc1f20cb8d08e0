"""Slow down floods: at most ``limit`` updates per ``window`` seconds per user.

Counts live in Redis when configured (shared by several bot processes), else in memory.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from redis.asyncio import Redis


class Counter(Protocol):
    async def hit(self, key: str, window: float) -> int: ...


class MemoryCounter:
    def __init__(self) -> None:
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    async def hit(self, key: str, window: float) -> int:
        now = time.monotonic()
        hits = self.hits[key]
        while hits and hits[0] <= now - window:
            hits.popleft()
        hits.append(now)
        return len(hits)


class RedisCounter:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def hit(self, key: str, window: float) -> int:
        bucket = int(time.time() // window)
        name = f"ramtid:throttle:{key}:{bucket}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, int(window) + 1)
            count, _ = await pipe.execute()
        return int(count)


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, counter: Counter, *, limit: int = 20, window: float = 10.0) -> None:
        self.counter = counter
        self.limit = limit
        self.window = window

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and await self.counter.hit(str(user.id), self.window) > self.limit:
            return None  # a press is still answered (bot.middlewares.callback_answer)
        return await handler(event, data)

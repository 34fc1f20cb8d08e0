"""Who is this chat account? Passes ``me`` on, asking the backend only when it has to.

Identities are cached per Telegram user under an *epoch* that the backend moves after every
commit changing what ``GET /bot/me`` answers (a link, a language, a consent granted or
revoked, a staff member deactivated, a client erased). The epoch is read before the backend
is asked, so an answer is never kept under a newer epoch than the one it was read in, and a
change takes effect on the very next update.

Where the epoch lives: in Redis (``ramtid:identity:epoch``) when several processes share it;
in this process (``LocalEpoch``, bumped by the backend's listener) when the backend runs here.
Without either (a backend elsewhere and no Redis) nothing is cached.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.backend_client import BackendClient
from contract import MePublic

log = logging.getLogger(__name__)
IDENTITY_EPOCH_KEY = "ramtid:identity:epoch"  # backend.main bumps it
CACHE_SECONDS = 300.0  # a safety net only: the epoch is what makes changes take effect
CACHE_SIZE = 50_000


class Epoch(Protocol):
    async def current(self) -> int | None:
        """The epoch now, or None when it cannot be known (then nothing is trusted)."""


class LocalEpoch:
    """The epoch of a backend in this process: its ``identity_listeners`` call ``bump``."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1

    async def current(self) -> int | None:
        return self.value


class RedisEpoch:
    """The epoch shared by every bot worker and backend through Redis."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def current(self) -> int | None:
        try:
            value = await self.redis.get(IDENTITY_EPOCH_KEY)
        except RedisError:
            return None
        return int(value) if value is not None else 0


class IdentityMiddleware(BaseMiddleware):
    def __init__(
        self,
        backend: BackendClient,
        epoch: Epoch | None = None,
        *,
        seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.epoch = epoch
        self.seconds = seconds
        self.clock = clock
        # Telegram user id -> (epoch, cached until, me or None for "not linked").
        self.cache: dict[int, tuple[int, float, MePublic | None]] = {}

    async def identity(self, user_id: int) -> MePublic | None:
        epoch = await self.epoch.current() if self.epoch is not None else None
        if epoch is None:
            return await self.backend.me(user_id)
        now = self.clock()
        cached = self.cache.get(user_id)
        if cached is not None and cached[0] == epoch and cached[1] > now:
            return cached[2]
        me = await self.backend.me(user_id)
        if len(self.cache) >= CACHE_SIZE:
            self.cache.clear()
        self.cache[user_id] = (epoch, now + self.seconds, me)
        return me

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        data["me"] = await self.identity(user.id) if user is not None else None
        return await handler(event, data)

"""Outgoing messages within Telegram's limits.

Telegram allows about one message per second to one chat and about thirty per second in all,
and answers 429 with ``retry_after`` beyond that; aiogram does not retry. ``Sender`` paces
the notifier's sends (per-chat spacing plus a global token bucket), keeps the messages to one
chat in order, and retries what is worth retrying. Everything else the bot sends is an answer
to what someone just did, sometimes in several messages (the queue: a heading and up to 20
requests); ``WaitWhenAsked`` sends such a message again after the wait Telegram names, so
the tail of a long answer is late rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message
from redis.asyncio import Redis

from backend.prometheus import REGISTRY
from contract import metrics

logger = logging.getLogger(__name__)
MAX_ANSWER_WAIT = 30.0  # seconds an answer may wait in all for Telegram's leave to send it
# Set while a ``Sender`` sends: it paces and retries by itself (and counts each 429).
_PACED: ContextVar[bool] = ContextVar("ramtid_paced", default=False)


class DeliveryError(Exception):
    """A message could not be delivered."""

    def __init__(self, chat_id: int, reason: str) -> None:
        super().__init__(f"chat {chat_id}: {reason}")
        self.chat_id = chat_id


class RecipientBlocked(DeliveryError):
    """The user blocked the bot or no longer exists; sending again will not help."""

    def __init__(self, chat_id: int, reason: str = "bot was blocked by the user") -> None:
        super().__init__(chat_id, reason)


class DeliveryStopped(DeliveryError):
    """The sender was told to stop before this message left: it was not sent."""

    def __init__(self, chat_id: int) -> None:
        super().__init__(chat_id, "stopped before sending")


class DeliveryFailed(DeliveryError):
    """Telegram stayed unreachable or overloaded for every attempt; the cause is chained."""

    def __init__(self, chat_id: int, attempts: int) -> None:
        super().__init__(chat_id, f"gave up after {attempts} attempts")
        self.attempts = attempts


# Telegram's limits are per bot, not per process: several notifiers share one budget in Redis.
# The global one is a GCRA bucket (the time the next token is due); a chat's is the time of
# its last message, taken only when the gap since then is long enough. Times are Redis's own
# clock (TIME), so the processes' clocks do not matter.
_NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
_GLOBAL_TOKEN = (
    _NOW_MS
    + """
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
redis.call('SET', KEYS[1], tat + tonumber(ARGV[1]), 'PX', 60000)
return tat - tonumber(ARGV[2]) - now
"""
)
_CHAT_TURN = (
    _NOW_MS
    + """
local last = tonumber(redis.call('GET', KEYS[1]) or 0)
local ready = last + tonumber(ARGV[1])
if ready > now then return ready - now end
if ARGV[2] == '1' then return 0 end
redis.call('SET', KEYS[1], now, 'PX', tonumber(ARGV[1]) * 2)
return 0
"""
)


class SharedBudget:
    """The bot's rate budget in Redis, shared by every notifier process of one bot."""

    def __init__(
        self,
        redis: Redis,
        bot_id: int,
        *,
        per_chat_interval: float = 1.0,
        global_rate: float = 30.0,
        global_burst: int = 1,
    ) -> None:
        self._prefix = f"ramtid:telegram:{bot_id}"
        self._chat_ms = round(per_chat_interval * 1000)
        self._token_ms = 1000.0 / global_rate
        self._tolerance_ms = (global_burst - 1) * self._token_ms
        self._token = redis.register_script(_GLOBAL_TOKEN)
        self._chat = redis.register_script(_CHAT_TURN)

    async def token(self) -> float:
        """Reserve the next global token: seconds until it is due (<= 0: now)."""
        wait = await self._token(
            keys=[f"{self._prefix}:global"], args=[self._token_ms, self._tolerance_ms]
        )
        return float(wait) / 1000

    async def chat_turn(self, chat_id: int, *, take: bool = True) -> float:
        """0 when this chat's turn is taken now (or, ``take=False``, could be); else seconds
        until it may be."""
        key = f"{self._prefix}:chat:{chat_id}"
        wait = await self._chat(keys=[key], args=[self._chat_ms, "0" if take else "1"])
        return float(wait) / 1000


class Sender:
    """Sends messages through ``bot`` at a pace Telegram accepts.

    A message to a chat waits for that chat's previous one (so they arrive in order), then for
    the chat's spacing, then for a global token. 429 is retried after its ``retry_after``;
    network and 5xx errors with capped exponential backoff. A retry after a lost response can
    deliver a message twice: the notifier prefers that to losing it.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        per_chat_interval: float = 1.0,
        global_rate: float = 30.0,
        global_burst: int = 1,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        budget: SharedBudget | None = None,
    ) -> None:
        if max_attempts < 1:
            msg = "max_attempts must be at least 1"
            raise ValueError(msg)
        self._bot = bot
        self._per_chat_interval = per_chat_interval
        self._token_interval = 1.0 / global_rate
        self._burst_tolerance = (global_burst - 1) * self._token_interval
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._clock = clock
        self._sleep = sleep
        self._budget = budget  # when several notifiers share the bot's limits
        # Per chat: when it may receive again, and a lock that keeps its messages in order.
        # Bounded by the number of people the service has ever notified.
        self._chat_next: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        # Global bucket as a theoretical arrival time (GCRA): the bucket is full when it is
        # at or before now, and each send pushes it one token interval later.
        self._bucket_time = float("-inf")

    async def send(
        self, chat_id: int, text: str, *, stop: asyncio.Event | None = None, **kwargs: Any
    ) -> Message:
        """``bot.send_message(chat_id, text, **kwargs)`` within the limits, retried.

        Raises RecipientBlocked at once on 403, DeliveryFailed when attempts run out, and
        other Telegram errors (a 400 for bad markup) unchanged. Once ``stop`` is set, a
        message still waiting for its turn (or for a retry) is not sent: DeliveryStopped.
        A message already handed to Telegram is never cut off.
        """
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            for attempt in range(1, self._max_attempts + 1):
                await self._wait_turn(chat_id, stop)
                if stop is not None and stop.is_set():
                    raise DeliveryStopped(chat_id)
                paced = _PACED.set(True)
                try:
                    return await self._bot.send_message(chat_id, text, **kwargs)
                except TelegramForbiddenError as error:
                    raise RecipientBlocked(chat_id, error.message) from error
                except TelegramRetryAfter as error:
                    REGISTRY.inc(metrics.NOTIFICATIONS_SENT, "rate_limited")
                    delay: float = error.retry_after
                    last_error: Exception = error
                except (TelegramNetworkError, TelegramServerError) as error:
                    REGISTRY.inc(metrics.NOTIFICATIONS_SENT, "retried")
                    delay = min(self._backoff_max, self._backoff_base * 2 ** (attempt - 1))
                    last_error = error
                finally:
                    _PACED.reset(paced)
                if attempt < self._max_attempts:
                    logger.warning(
                        "Send to chat %s failed (attempt %d/%d), retrying in %.1f s: %s",
                        chat_id,
                        attempt,
                        self._max_attempts,
                        delay,
                        last_error,
                    )
                    await self._pause(delay, stop)
            raise DeliveryFailed(chat_id, self._max_attempts) from last_error

    async def _pause(self, seconds: float, stop: asyncio.Event | None) -> None:
        """Sleep ``seconds``, or less when ``stop`` is set meanwhile."""
        if stop is None:
            await self._sleep(seconds)
            return
        if stop.is_set():
            return
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            stopping.cancel()

    async def _wait_turn(self, chat_id: int, stop: asyncio.Event | None = None) -> None:
        if self._budget is not None:
            await self._wait_shared_turn(self._budget, chat_id, stop)
            return
        now = self._clock()
        chat_ready = self._chat_next.get(chat_id, now)
        if chat_ready > now:
            await self._pause(chat_ready - now, stop)
            now = self._clock()

        # Reserve the token before sleeping, so concurrent senders queue up behind it.
        self._bucket_time = max(self._bucket_time, now)
        token_at = self._bucket_time - self._burst_tolerance
        self._bucket_time += self._token_interval
        if token_at > now:
            await self._pause(token_at - now, stop)
            now = self._clock()
        self._chat_next[chat_id] = now + self._per_chat_interval

    async def _wait_shared_turn(
        self, budget: SharedBudget, chat_id: int, stop: asyncio.Event | None
    ) -> None:
        """The chat's turn first (so no global token is held while it comes), then a global
        token from the shared bucket, then the chat's turn taken, only if its last message
        (from any notifier) is still far enough back."""
        wait = await budget.chat_turn(chat_id, take=False)
        if wait > 0:
            await self._pause(wait, stop)
        wait = await budget.token()
        if wait > 0:
            await self._pause(wait, stop)
        while not (stop is not None and stop.is_set()):
            wait = await budget.chat_turn(chat_id)
            if wait <= 0:
                return
            await self._pause(wait, stop)


class WaitWhenAsked(BaseRequestMiddleware):
    """An answer Telegram refuses for now (429, "retry after N") is sent again after N
    seconds, as long as the waits add up to at most ``most`` seconds; then the 429 is raised
    as before. The notifier's ``Sender`` is left to its own pacing."""

    def __init__(
        self,
        most: float = MAX_ANSWER_WAIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.most = most
        self.sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        waited = 0.0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if _PACED.get() or waited + error.retry_after > self.most:
                    raise
                logger.warning(
                    "Telegram asked to wait %s s before %s",
                    error.retry_after,
                    type(method).__name__,
                )
                await self.sleep(error.retry_after)
                waited += error.retry_after

"""The notifier stops when it is told to, whatever it was doing at that instant.

Cancelled: on Python 3.11 ``asyncio.wait_for`` swallows a cancellation that arrives just as
its timeout fires; a notifier idling that way would loop on and hang every shutdown (and the
e2e tests' teardown) for good. Stopped with ``stop()``: the message in flight is finished
and acknowledged, the ones waiting go back to the outbox unsent, and nothing is sent twice
after a restart.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlmodel import col, select

from backend.config import Settings
from backend.demo import DEMO_ACCOUNTS
from backend.models import ChatAccount, Notification
from bot.backend_client import BackendClient
from bot.delivery import Sender
from bot.factory import create_i18n
from bot.notifier import Notifier
from tests.conftest import Database
from tests.support.fake_telegram import FakeTelegram


class EmptyOutbox:
    async def claim(self, **_kwargs: Any) -> list[Any]:
        return []


async def test_a_cancelled_idle_notifier_always_ends() -> None:
    rng = random.Random(7)
    hung = 0
    for _ in range(600):
        notifier = Notifier(EmptyOutbox(), sender=None, i18n=None, idle_seconds=0.001)  # type: ignore[arg-type]
        task = asyncio.create_task(notifier.run())
        await asyncio.sleep(rng.random() * 0.003)
        if rng.random() < 0.5:
            notifier.wake.set()  # new rows were committed just as the service stops
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1.0)
        if not done:
            hung += 1
            notifier.idle_seconds = 3600  # leave it parked; the test fails below
    assert hung == 0


# --- stopping with stop(): the message in flight is finished, the rest go back -------------


class HeldSend(BaseRequestMiddleware):
    """Holds the first sendMessage on its way to Telegram until the test lets it go: a
    message in flight."""

    def __init__(self) -> None:
        self.in_flight = asyncio.Event()
        self.go = asyncio.Event()
        self.held = False

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, SendMessage) and not self.held:
            self.held = True
            self.in_flight.set()
            await self.go.wait()
        return await make_request(bot, method)


async def outbox(db: Database) -> list[Notification]:
    return await db.all(select(Notification).order_by(col(Notification.id)))


async def test_stop_finishes_the_message_in_flight_and_gives_the_rest_back(
    backend_client: BackendClient, db: Database, demo: None, settings: Settings
) -> None:
    # Anna is late: Lisa, Eva (Lisa's daughter) and Aino are told.
    await backend_client.running_late(DEMO_ACCOUNTS["anna"], 20)
    written = await outbox(db)
    assert len(written) >= 2
    async with FakeTelegram() as tg:
        bot = tg.create_bot()
        held = HeldSend()
        bot.session.middleware(held)
        # One message a second in all: the second waits for its turn while the first is out.
        sender = Sender(bot, global_rate=1.0)
        notifier = Notifier(backend_client, sender, create_i18n(settings), idle_seconds=0.05)
        running = asyncio.create_task(notifier.run())
        await asyncio.wait_for(held.in_flight.wait(), 5)

        notifier.stop()
        held.go.set()
        await asyncio.wait_for(running, 5)

        [arrived] = tg.sent
        rows = await outbox(db)
        delivered = [n for n in rows if n.delivered_at is not None]
        assert len(delivered) == 1  # the one in flight, acknowledged
        assert all(n.claimed_until is None for n in rows if n.delivered_at is None)

        # The next notifier delivers the rest at once (no lease to wait out), none twice.
        restarted = Notifier(backend_client, Sender(bot), create_i18n(settings))
        assert await restarted.deliver_once() == len(written) - 1
        assert len(tg.sent) == len(written)
        chats = Counter(m["chat_id"] for m in tg.sent)
        accounts = {a.id: a.chat_id for a in await db.all(select(ChatAccount))}
        assert chats == Counter(accounts[n.chat_account_id] for n in written)
        assert arrived in tg.sent
        await bot.session.close()


async def test_stop_cuts_short_the_wait_for_a_retry(
    backend_client: BackendClient, db: Database, demo: None, settings: Settings
) -> None:
    await backend_client.running_late(DEMO_ACCOUNTS["anna"], 20)
    async with FakeTelegram() as tg:
        tg.fail_next("sendMessage", status=429, retry_after=60, times=10)
        bot = tg.create_bot()
        notifier = Notifier(backend_client, Sender(bot), create_i18n(settings))
        running = asyncio.create_task(notifier.run())
        await tg.wait_for_calls("sendMessage", count=1)
        notifier.stop()
        await asyncio.wait_for(running, 5)  # not a minute later
        assert tg.sent == []
        rows = await outbox(db)
        assert all(n.delivered_at is None and n.claimed_until is None for n in rows)
        await bot.session.close()


async def test_an_idle_notifier_stops_at_once() -> None:
    notifier = Notifier(EmptyOutbox(), sender=None, i18n=None, idle_seconds=3600)  # type: ignore[arg-type]
    running = asyncio.create_task(notifier.run())
    await asyncio.sleep(0.01)
    notifier.stop()
    await asyncio.wait_for(running, 1)


class QuietPubSub:
    """Redis's pub/sub with nothing published; remembers being closed."""

    closed = False

    async def subscribe(self, channel: str) -> None:
        pass

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        await asyncio.Event().wait()
        yield {}

    async def aclose(self) -> None:
        await asyncio.sleep(0.01)  # closing a connection takes a moment
        self.closed = True


class QuietRedis:
    def __init__(self) -> None:
        self.channel = QuietPubSub()

    def pubsub(self) -> QuietPubSub:
        return self.channel


@pytest.mark.parametrize("how", ["stop", "cancel"])
async def test_the_redis_listener_is_closed_before_the_notifier_returns(how: str) -> None:
    redis = QuietRedis()
    notifier = Notifier(EmptyOutbox(), sender=None, i18n=None, redis=redis)  # type: ignore[arg-type]
    running = asyncio.create_task(notifier.run())
    await asyncio.sleep(0.01)
    if how == "stop":
        notifier.stop()
    else:
        running.cancel()
    await asyncio.wait({running}, timeout=1)
    assert running.done() and redis.channel.closed

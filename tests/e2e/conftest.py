"""End to end: the real aiogram Bot, long polling a fake Bot API server on 127.0.0.1, the
real dispatcher, the backend in process on the test database, and the notifier."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.fsm.storage.base import BaseStorage

from backend.config import Settings
from backend.demo import DEMO_ACCOUNTS
from bot.backend_client import BackendClient
from bot.delivery import Sender
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.middlewares.throttling import MemoryCounter
from bot.notifier import Notifier
from ramtid.wiring import stop_notifier
from tests.conftest import Clock
from tests.support.fake_telegram import FakeTelegram, PlainHttpSession, SentMessage, buttons

QUIET = 0.15  # a reply is complete when nothing more arrived for this long


class Phone:
    """One person's Telegram: what they send and press, and what arrives."""

    def __init__(self, tg: FakeTelegram, who: str | int, language_code: str = "sv") -> None:
        self.tg = tg
        self.user_id = who if isinstance(who, int) else DEMO_ACCOUNTS[who]
        self.language_code = language_code

    def received(self, start: int = 0) -> list[SentMessage]:
        return [m for m in self.tg.sent[start:] if m["chat_id"] == self.user_id]

    async def _reply(self, start: int, wait: float = 5.0) -> str:
        await self.tg.wait_for_sent(
            lambda m: m["chat_id"] == self.user_id, start=start, timeout=wait
        )
        seen = -1
        while seen != len(self.tg.sent):
            seen = len(self.tg.sent)
            await asyncio.sleep(QUIET)
        return "\n".join(m["text"] for m in self.received(start))

    async def says(self, text: str) -> str:
        start = len(self.tg.sent)
        self.tg.user_sends_text(self.user_id, text, language_code=self.language_code)
        return await self._reply(start)

    def last_with_buttons(self) -> SentMessage:
        for message in reversed(self.received()):
            if buttons(message):
                return message
        raise AssertionError("no message with buttons arrived")

    def last_with_buttons_about(self, contains: str) -> SentMessage:
        """The latest message with buttons whose text contains ``contains``."""
        for message in reversed(self.received()):
            if buttons(message) and contains in message["text"]:
                return message
        raise AssertionError(f"no message with buttons about {contains!r} arrived")

    async def presses(self, label: str) -> str:
        return await self._press(self.last_with_buttons(), label)

    async def presses_on(self, contains: str, label: str) -> str:
        """Press ``label`` on the message about ``contains`` (e.g. one visit of several)."""
        return await self._press(self.last_with_buttons_about(contains), label)

    async def _press(self, message: SentMessage, label: str) -> str:
        matches = [data for text, data in buttons(message).items() if label in text]
        assert matches, f"no button {label!r} in {list(buttons(message))}"
        start = len(self.tg.sent)
        calls = self.tg.calls["answerCallbackQuery"]
        self.tg.user_presses(self.user_id, matches[0], message["message_id"])
        await self.tg.wait_for_calls("answerCallbackQuery", count=calls + 1)
        await asyncio.sleep(QUIET)
        seen = -1
        while seen != len(self.tg.sent):
            seen = len(self.tg.sent)
            await asyncio.sleep(QUIET)
        return "\n".join(m["text"] for m in self.received(start))

    async def sends_voice(self, ogg: bytes, duration: int) -> str:
        start = len(self.tg.sent)
        self.tg.user_sends_voice(self.user_id, ogg, duration, language_code=self.language_code)
        return await self._reply(start, wait=60.0)

    async def gets(self, contains: str, *, start: int = 0, wait: float = 5.0) -> str:
        """Wait for a message (e.g. a notification) that contains ``contains``."""
        found = await self.tg.wait_for_sent(
            lambda m: m["chat_id"] == self.user_id and contains in m["text"],
            start=start,
            timeout=wait,
        )
        return found[-1]["text"]


class World:
    def __init__(self, tg: FakeTelegram, notifier: Notifier) -> None:
        self.tg = tg
        self.notifier = notifier

    def phone(self, who: str | int, language_code: str = "sv") -> Phone:
        return Phone(self.tg, who, language_code)


@pytest.fixture
async def world(
    settings: Settings,
    app: Any,
    backend_client: BackendClient,
    clock: Clock,
    storage: BaseStorage,
    demo: None,
) -> AsyncIterator[World]:
    async with FakeTelegram() as tg:
        # The bot as the process makes it (bot.factory), talking to the fake.
        bot = create_bot(
            settings.model_copy(update={"telegram_token": tg.token}),
            session=PlainHttpSession(api=tg.api),
        )
        i18n = create_i18n(settings)
        dispatcher = create_dispatcher(
            settings,
            backend=backend_client,
            i18n=i18n,
            storage=storage,
            counter=MemoryCounter(),
            clock=clock,
        )
        sender = Sender(bot, per_chat_interval=0.05, backoff_base=0.05, backoff_max=0.2)
        notifier = Notifier(backend_client, sender, i18n, idle_seconds=0.1)
        app.state.outbox_listeners.append(notifier.wake.set)
        task = asyncio.create_task(notifier.run())
        try:
            async with tg.polling(dispatcher, bot):
                yield World(tg, notifier)
        finally:
            await stop_notifier(notifier, task)  # as the bot process stops it
            await bot.session.close()

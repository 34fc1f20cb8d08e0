"""The whole bot path in one process, as ``ramtid bot`` wires it without RAMTID_BACKEND_URL:
the real dispatcher (``bot.factory.create_dispatcher``) and the real backend in process over
ASGI (``ramtid.wiring.in_process_backend``), on a copy of the city. Only Telegram is replaced,
by a session that records what the bot sends and answers at once.

The coupling to the bot is kept to its factories and two names that phase 2 may move
(``menu_word`` and ``first_button``): when the bot changes, this file changes, not each
benchmark.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiogram import Bot, Dispatcher
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message, Update
from aiogram.utils.i18n import I18n

from backend.config import Settings, SqliteDriver
from bot.backend_client import BackendClient
from bot.factory import create_bot, create_dispatcher, create_i18n
from ramtid.memory import settle_memory
from ramtid.wiring import identity_epoch, in_process_backend
from tests.support.recording_session import (
    RecordingSession,
    callback_update,
    message_update,
)

__all__ = [
    "BotRig",
    "Timed",
    "callback_update",
    "first_button",
    "menu_word",
    "message_update",
    "rig",
]

TIME_IN_TEXT = re.compile(r"\d{1,2}[:.]\d{2}")


def menu_word(i18n: I18n, locale: str, name: str) -> str:
    """The label of a main-menu button (``TODAY``, ``MY_DAY``, ``QUEUE``) in ``locale``:
    what a person presses (or types)."""
    from bot import keyboards

    with i18n.context(), i18n.use_locale(locale):
        return str(getattr(keyboards, name))


def first_button(markup: Any, containing: str = "") -> str | None:
    """The callback data of the first inline button (whose data contains ``containing``)."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    for row in markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            if data and containing in data:
                return data
    return None


class BenchSession(RecordingSession):
    """Records the last update's requests only (a long run must not grow without bound)."""

    def sent(self) -> list[TelegramMethod[Any]]:
        return [r for r in self.requests if isinstance(r, SendMessage | EditMessageText)]

    def texts(self) -> list[str]:
        return [getattr(r, "text", "") or "" for r in self.sent()]


@dataclass
class Timed:
    """Times of updates by kind, in milliseconds."""

    times: dict[str, list[float]] = field(default_factory=dict)
    odd: dict[str, int] = field(default_factory=dict)  # replies that were not what we expected
    example: dict[str, str] = field(default_factory=dict)  # the first such reply of each kind

    def add(self, kind: str, ms: float) -> None:
        self.times.setdefault(kind, []).append(ms)

    def flag(self, kind: str, replies: list[Any] | None = None) -> None:
        self.odd[kind] = self.odd.get(kind, 0) + 1
        if replies and kind not in self.example:
            text = " | ".join(getattr(m, "text", "") or "" for m in replies)
            self.example[kind] = text.replace("\n", " ")[:160]


@dataclass
class BotRig:
    settings: Settings
    bot: Bot
    session: BenchSession
    backend: BackendClient
    i18n: I18n
    dispatcher: Dispatcher
    backend_calls: list[int]  # one counter, shared with the httpx hook

    async def feed(self, update: Update) -> float:
        """Handle one update as aiogram does; returns the milliseconds it took."""
        self.session.requests.clear()
        started = time.perf_counter()
        await self.dispatcher.feed_update(self.bot, update)
        return (time.perf_counter() - started) * 1000

    async def timed(self, dispatcher: Dispatcher, update: Update) -> float:
        self.session.requests.clear()
        started = time.perf_counter()
        await dispatcher.feed_update(self.bot, update)
        return (time.perf_counter() - started) * 1000


class NoThrottle:
    """A counter that never counts: one person pressing the same button hundreds of times is
    the benchmark's doing, not a flood to slow down."""

    async def hit(self, key: str, window: float) -> int:
        return 0


async def echo(message: Message) -> None:
    """The least a handler can do: say the text back."""
    await message.answer(message.text or "")


def bare_echo_dispatcher() -> Dispatcher:
    """A dispatcher with nothing but an echo handler: the floor of aiogram's own cost."""
    dispatcher = Dispatcher()
    dispatcher.message.register(echo)
    return dispatcher


def add_echo(dispatcher: Dispatcher, word: str) -> None:
    """An echo handler for ``word`` on the project's dispatcher itself: tried before every
    router, behind the middlewares the dispatcher applies to every message."""
    from aiogram import F

    from bot.filters import resolve_filters_in_the_loop

    dispatcher.message.register(echo, F.text == word)
    resolve_filters_in_the_loop(dispatcher)  # as the project's own filters


@asynccontextmanager
async def rig(
    database_url: str, *, sqlite_driver: SqliteDriver = "inline", **dispatcher_kwargs: Any
) -> AsyncIterator[BotRig]:
    settings = Settings(
        database_url=database_url,
        redis_url=None,
        log_level="WARNING",
        sqlite_driver=sqlite_driver,
    )
    async with in_process_backend(settings, run_housekeeping=False) as backend:
        calls = [0]

        async def count(_request: httpx.Request) -> None:
            calls[0] += 1

        hooks: list[Callable[[httpx.Request], Awaitable[None]]] = backend.client.http.event_hooks[
            "request"
        ]
        hooks.append(count)
        session = BenchSession()
        bot = create_bot(settings, session=session)
        i18n = create_i18n(settings)
        dispatcher = create_dispatcher(
            settings,
            backend=backend.client,
            i18n=i18n,
            **{"identity_epoch": identity_epoch(backend), **dispatcher_kwargs},
        )
        settle_memory()  # as `ramtid bot` does after start-up
        yield BotRig(settings, bot, session, backend.client, i18n, dispatcher, calls)

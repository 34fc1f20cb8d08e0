"""A chat with the real dispatcher and the real backend (in process, on the test database);
only Telegram is replaced, by a recording session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from sqlmodel import select

from backend.config import Settings
from backend.demo import DEMO_ACCOUNTS
from backend.models import Order
from bot.backend_client import BackendClient
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.middlewares.identity import LocalEpoch
from bot.middlewares.throttling import MemoryCounter
from tests.conftest import Clock, Database
from tests.support.recording_session import RecordingSession, callback_update, message_update


class Chat:
    """Talk to the bot as one of the demo's people; read what it answered."""

    def __init__(self, dispatcher: Any, bot: Any, session: RecordingSession) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.session = session
        self.seen = 0

    def _new(self) -> list[Any]:
        new = self.session.requests[self.seen :]
        self.seen = len(self.session.requests)
        return new

    @staticmethod
    def user_id(who: str | int) -> int:
        return who if isinstance(who, int) else DEMO_ACCOUNTS[who]

    async def send(self, who: str | int, text: str, *, language_code: str | None = "sv") -> str:
        """Send a text; returns everything the bot wrote back, joined."""
        self._new()
        update = message_update(self.user_id(who), text, language_code=language_code)
        await self.dispatcher.feed_update(self.bot, update)
        return self.replies()

    def replies(self, requests: list[Any] | None = None) -> str:
        requests = self._new() if requests is None else requests
        self.last = requests
        parts = []
        for r in requests:
            if isinstance(r, SendMessage | EditMessageText) or (
                isinstance(r, AnswerCallbackQuery) and r.text
            ):
                parts.append(r.text)
        return "\n".join(parts)

    def buttons(self, who: str | int) -> list[str]:
        """Labels of the inline buttons on the latest message to ``who`` that has them."""
        markup = self._last_inline(self.user_id(who))
        return [b.text for row in markup.inline_keyboard for b in row] if markup else []

    def menu(self, who: str | int) -> list[str]:
        chat_id = self.user_id(who)
        for r in reversed(self.session.requests):
            if (
                isinstance(r, SendMessage)
                and r.chat_id == chat_id
                and isinstance(r.reply_markup, ReplyKeyboardMarkup)
            ):
                return [b.text for row in r.reply_markup.keyboard for b in row]
        return []

    def _last_inline(self, chat_id: int) -> InlineKeyboardMarkup | None:
        for r in reversed(self.session.requests):
            if (
                isinstance(r, SendMessage | EditMessageText)
                and r.chat_id == chat_id
                and isinstance(r.reply_markup, InlineKeyboardMarkup)
            ):
                return r.reply_markup
        return None

    def callback_for(self, who: str | int, label: str) -> str:
        markup = self._last_inline(self.user_id(who))
        assert markup is not None, "no inline keyboard was shown"
        for row in markup.inline_keyboard:
            for button in row:
                if label in button.text:
                    assert button.callback_data is not None
                    return button.callback_data
        raise AssertionError(f"no button {label!r} in {self.buttons(who)}")

    async def press(self, who: str | int, label: str, *, language_code: str | None = "sv") -> str:
        return await self.press_data(
            who, self.callback_for(who, label), language_code=language_code
        )

    async def press_data(
        self, who: str | int, data: str, *, language_code: str | None = "sv"
    ) -> str:
        self._new()
        update = callback_update(self.user_id(who), data, 1, language_code=language_code)
        await self.dispatcher.feed_update(self.bot, update)
        replies = self.replies()
        # Telegram shows a spinner on the button until the press is answered, exactly once.
        assert update.callback_query is not None
        answers = [r.callback_query_id for r in self.last if isinstance(r, AnswerCallbackQuery)]
        assert answers == [update.callback_query.id], f"answered {len(answers)} times"
        return replies

    def alerts(self) -> list[str]:
        return [r.text for r in self.last if isinstance(r, AnswerCallbackQuery) and r.text]

    def edits(self) -> list[str]:
        """Texts the latest update's handling put into existing messages (edit_text)."""
        return [r.text for r in self.last if isinstance(r, EditMessageText)]

    def sent(self) -> list[str]:
        """Texts of the new messages the latest update's handling sent, in order."""
        return [r.text for r in self.last if isinstance(r, SendMessage)]

    def callback_on(self, who: str | int, contains: str, label: str) -> str:
        """The callback data of button ``label`` on the latest message to ``who`` whose text
        contains ``contains`` (one message of several, e.g. one visit of the day)."""
        chat_id = self.user_id(who)
        for r in reversed(self.session.requests):
            if (
                isinstance(r, SendMessage | EditMessageText)
                and r.chat_id == chat_id
                and contains in r.text
                and isinstance(r.reply_markup, InlineKeyboardMarkup)
            ):
                for row in r.reply_markup.inline_keyboard:
                    for button in row:
                        if label in button.text and button.callback_data is not None:
                            return button.callback_data
        raise AssertionError(f"no message with {contains!r} and a button {label!r}")

    async def press_on(
        self, who: str | int, contains: str, label: str, *, language_code: str | None = "sv"
    ) -> str:
        data = self.callback_on(who, contains, label)
        return await self.press_data(who, data, language_code=language_code)


@pytest.fixture
async def chat(
    settings: Settings,
    backend_client: BackendClient,
    clock: Clock,
    storage: BaseStorage,
    demo: None,
    app: Any,
) -> AsyncIterator[Chat]:
    session = RecordingSession()
    # Identities cached as in production, told by the backend when they go stale.
    epoch = LocalEpoch()
    app.state.identity_listeners.append(epoch.bump)
    bot = create_bot(settings, session=session)
    dispatcher = create_dispatcher(
        settings,
        backend=backend_client,
        i18n=create_i18n(settings),
        storage=storage,
        counter=MemoryCounter(),
        clock=clock,
        identity_epoch=epoch,
    )
    yield Chat(dispatcher, bot, session)
    await bot.session.close()


async def leave_lisa_ten_minutes(db: Database, backend_client: BackendClient) -> None:
    """Lisa's frame this month becomes what is done and planned, plus ten minutes."""
    frame = await backend_client.frame(Chat.user_id("lisa"), 1)
    async with db.sessions() as session:
        order = (await session.exec(select(Order).where(Order.client_id == 1))).one()
        order.frame_minutes = frame.performed_minutes + frame.planned_minutes + 10
        session.add(order)
        await session.commit()

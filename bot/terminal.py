"""A chat in the terminal that drives the real dispatcher against the demo data.

No Telegram is needed: a bot session prints what the bot sends, numbers the inline buttons
and letters the menu buttons; what you type is sent as a message. ``/as eva`` switches who
you are (any seeded client, relative or staff member); notifications for everyone are
delivered after each step, so approving as Anna shows Lisa's answer arriving.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import sys
import time
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update

from backend.config import Settings
from backend.demo import DEMO_ACCOUNTS
from bot.delivery import Sender
from bot.factory import create_bot, create_dispatcher, create_i18n, in_process_backend
from bot.notifier import Notifier

NAMES = {telegram_id: name.capitalize() for name, telegram_id in DEMO_ACCOUNTS.items()}
TAG = re.compile(r"<[^>]+>")


class TerminalSession(BaseSession):
    """Prints what the bot sends instead of calling Telegram."""

    def __init__(self, out: Any = sys.stdout) -> None:
        super().__init__()
        self.out = out
        self.viewer = DEMO_ACCOUNTS["lisa"]
        self.inline: list[tuple[str, str]] = []
        self.menu: list[str] = []
        self.ids = itertools.count(1)

    def show(self, chat_id: int, text: str, markup: Any) -> None:
        who = "" if chat_id == self.viewer else f"[to {NAMES.get(chat_id, chat_id)}] "
        plain = html.unescape(TAG.sub("", text))
        print(f"\n{who}{plain}", file=self.out)
        if chat_id != self.viewer:
            return
        if isinstance(markup, InlineKeyboardMarkup):
            self.inline = [
                (b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row
            ]
            for number, (label, _data) in enumerate(self.inline, 1):
                print(f"   [{number}] {label}", file=self.out)
        elif isinstance(markup, ReplyKeyboardMarkup):
            self.menu = [b.text for row in markup.keyboard for b in row]

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession signature
    ) -> Any:
        if isinstance(method, SendMessage | EditMessageText):
            self.show(int(method.chat_id or 0), method.text or "", method.reply_markup)
        elif isinstance(method, EditMessageReplyMarkup):
            self.inline = []
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            print(f"\n({method.text})", file=self.out)
        returning = method.__returning__
        if returning is bool:
            return True
        chat_id = int(getattr(method, "chat_id", 0) or 0)
        body = {
            "message_id": getattr(method, "message_id", None) or next(self.ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": getattr(method, "text", None) or "",
        }
        return self.check_response(
            bot, method, 200, json.dumps({"ok": True, "result": body})
        ).result

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise LookupError("the terminal demo has no files to download")
        yield b""  # pragma: no cover - makes this an async generator, as BaseSession wants

    async def close(self) -> None:
        return None


def print_menu(session: TerminalSession) -> None:
    letters = "abcdefghij"
    if session.menu:
        items = "  ".join(f"({letters[i]}) {label}" for i, label in enumerate(session.menu))
        print(f"\nMenu: {items}")


def make_update(user: int, text: str | None = None, data: str | None = None) -> Update:
    sender = {"id": user, "is_bot": False, "first_name": NAMES.get(user, "Demo")}
    chat = {"id": user, "type": "private"}
    stamp = int(time.time())
    if data is not None:
        message = {"message_id": 1, "date": stamp, "chat": chat, "text": "…"}
        query = {"id": str(stamp), "from": sender, "message": message, "chat_instance": "t"}
        return Update.model_validate(
            {"update_id": stamp, "callback_query": {**query, "data": data}}
        )
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if text and text.startswith("/")
        else None
    )
    message = {"message_id": stamp, "date": stamp, "chat": chat, "from": sender, "text": text}
    if entities:
        message["entities"] = entities
    return Update.model_validate({"update_id": stamp, "message": message})


async def chat(settings: Settings, *, who: str = "lisa") -> None:
    from backend.cli import seed_if_empty

    backend, app = await in_process_backend(settings)
    await seed_if_empty(settings)
    session = TerminalSession()
    bot = create_bot(settings, session=session)
    i18n = create_i18n(settings)
    dispatcher = create_dispatcher(settings, backend=backend, i18n=i18n)
    notifier = Notifier(backend, Sender(bot, per_chat_interval=0, global_rate=1000), i18n)
    user = DEMO_ACCOUNTS[who]
    session.viewer = user
    print(
        "Ramtid demo: you are chatting with the home-care bot as "
        f"{NAMES[user]}. Type a number to press a button, a letter for the menu, or text.\n"
        f"Switch person with /as NAME ({', '.join(DEMO_ACCOUNTS)}); quit with /quit.\n"
        "Staff can also be reached by their API: `ramtid serve` then /docs."
    )
    await dispatcher.feed_update(bot, make_update(user, "/start"))
    try:
        while True:
            print_menu(session)
            try:
                line = (await asyncio.to_thread(input, f"{NAMES[user]}> ")).strip()
            except EOFError:
                break
            if line in ("/quit", "/exit"):
                break
            if line.startswith("/as "):
                name = line[4:].strip().lower()
                if name not in DEMO_ACCOUNTS:
                    print(f"Unknown person. Choose one of: {', '.join(DEMO_ACCOUNTS)}")
                    continue
                user = session.viewer = DEMO_ACCOUNTS[name]
                session.inline, session.menu = [], []
                await dispatcher.feed_update(bot, make_update(user, "/start"))
                continue
            if line.isdigit() and 1 <= int(line) <= len(session.inline):
                update = make_update(user, data=session.inline[int(line) - 1][1])
            elif len(line) == 1 and line.isalpha() and ord(line) - 97 < len(session.menu):
                update = make_update(user, session.menu[ord(line) - 97])
            elif line:
                update = make_update(user, line)
            else:
                continue
            await dispatcher.feed_update(bot, update)
            await notifier.deliver_once()
    finally:
        await backend.close()
        await app.state.engine.dispose()

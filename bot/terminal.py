"""A Telegram-less bot session that prints the chat in a terminal (``ramtid demo``).

What the bot sends is printed, inline buttons numbered and menu buttons lettered, and what
the person types becomes an update (:func:`make_update`). Who is who comes from the caller;
the runner that wires it to a backend is ``ramtid.demo``.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sys
import time
from collections.abc import AsyncGenerator, Mapping
from typing import Any, TextIO

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

TAG = re.compile(r"<[^>]+>")
MENU_LETTERS = "abcdefghij"


class TerminalSession(BaseSession):
    """Prints what the bot sends instead of calling Telegram."""

    def __init__(self, *, viewer: int, names: Mapping[int, str], out: TextIO = sys.stdout) -> None:
        super().__init__()
        self.out = out
        self.viewer = viewer  # whose chat is on the screen; others' messages are marked
        self.names = names
        self.inline: list[tuple[str, str]] = []
        self.menu: list[str] = []
        self.ids = itertools.count(1)

    def switch_to(self, viewer: int) -> None:
        self.viewer = viewer
        self.inline, self.menu = [], []

    def show(self, chat_id: int, text: str, markup: Any) -> None:
        who = "" if chat_id == self.viewer else f"[to {self.names.get(chat_id, chat_id)}] "
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

    def print_menu(self) -> None:
        if self.menu:
            items = "  ".join(f"({MENU_LETTERS[i]}) {label}" for i, label in enumerate(self.menu))
            print(f"\nMenu: {items}", file=self.out)

    def typed(self, user: int, line: str) -> Update | None:
        """The update for what was typed: a number presses an inline button, a letter a menu
        button, anything else is sent as a message; None for an empty line."""
        name = self.names.get(user, "Demo")
        if line.isdigit() and 1 <= int(line) <= len(self.inline):
            return make_update(user, name, data=self.inline[int(line) - 1][1])
        if len(line) == 1 and line in MENU_LETTERS[: len(self.menu)]:
            return make_update(user, name, self.menu[MENU_LETTERS.index(line)])
        return make_update(user, name, line) if line else None


_update_ids = itertools.count(1)


def make_update(
    user: int, first_name: str, text: str | None = None, data: str | None = None
) -> Update:
    sender = {"id": user, "is_bot": False, "first_name": first_name}
    chat = {"id": user, "type": "private"}
    stamp = int(time.time())
    # Telegram numbers updates one by one; the dispatcher handles each number once, so two
    # lines typed within the same second (or under a frozen clock) must not share one.
    number = next(_update_ids)
    if data is not None:
        message = {"message_id": 1, "date": stamp, "chat": chat, "text": "…"}
        query = {"id": str(number), "from": sender, "message": message, "chat_instance": "t"}
        return Update.model_validate(
            {"update_id": number, "callback_query": {**query, "data": data}}
        )
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if text and text.startswith("/")
        else None
    )
    message = {"message_id": number, "date": stamp, "chat": chat, "from": sender, "text": text}
    if entities:
        message["entities"] = entities
    return Update.model_validate({"update_id": number, "message": message})

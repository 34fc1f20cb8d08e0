"""Sending a text that takes several messages (``bot.texts.messages.pack``)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


async def answer_all(message: Message, parts: Sequence[str], reply_markup: Markup = None) -> None:
    """The parts in order, as answers to ``message``; the keyboard comes with the last."""
    *before, last = parts
    for text in before:
        await message.answer(text)
    await message.answer(last, reply_markup=reply_markup)

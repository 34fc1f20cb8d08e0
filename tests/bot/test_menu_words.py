"""Typing a menu button's words works exactly like pressing the button, in the user's language
and in English, through the real dispatcher and backend."""

from __future__ import annotations

import pytest

from bot.filters import menu_word
from tests.bot.conftest import Chat


@pytest.mark.parametrize(
    "typed", ["idag", "Idag", "IDAG", "  idag ", "📅 idag", "Idag!", "today", "📅 Today", "TODAY"]
)
async def test_typing_idag_or_today_shows_today_as_the_button_does(chat: Chat, typed: str) -> None:
    pressed = await chat.send("lisa", "📅 Idag")
    assert "08:00" in pressed and "Anna kommer" in pressed  # today's visits, in Swedish
    assert await chat.send("lisa", typed) == pressed
    assert "📅 Idag" in chat.menu("lisa")


@pytest.mark.parametrize(
    ("who", "typed", "button"),
    [
        ("lisa", "min tid", "⏱ Min tid"),
        ("lisa", "Min  Tid", "⏱ Min tid"),
        ("lisa", "my hours", "⏱ Min tid"),
        ("lisa", "MINA ÖNSKEMÅL", "📨 Mina önskemål"),
        ("lisa", "hjälp", "❓ Hjälp"),
        ("lisa", "inställningar", "⚙️ Inställningar"),
        ("lisa", "önska en ändring", "✏️ Önska en ändring"),
        ("aino", "tänään", "📅 Tänään"),
        ("aino", "Today", "📅 Tänään"),
        ("samira", "اليوم", "📅 اليوم"),
        ("anna", "önskemål att besluta", "📥 Önskemål att besluta"),
        ("anna", "mina besök idag", "🚶 Mina besök idag"),
        ("anna", "I am running late", "⏰ Jag är försenad"),
        ("anna", "jag är försenad", "⏰ Jag är försenad"),
    ],
)
async def test_every_menu_word_works_like_its_button(
    chat: Chat, who: str, typed: str, button: str
) -> None:
    pressed = await chat.send(who, button)
    assert pressed and "/help" not in pressed  # the button did something (not the fallback)
    assert await chat.send(who, typed) == pressed


async def test_a_wish_that_mentions_today_is_still_a_wish(chat: Chat) -> None:
    today = await chat.send("lisa", "📅 Idag")
    assert await chat.send("lisa", "15 minuter längre idag") != today


async def test_another_language_than_ones_own_or_english_is_not_a_menu_word(
    chat: Chat,
) -> None:
    today = await chat.send("aino", "📅 Tänään")
    assert await chat.send("aino", "idag") != today  # Swedish, but Aino's bot is Finnish


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("📅 Idag", "idag"),
        ("✏️ Önska en ändring", "önska en ändring"),
        ("  Min   tid ", "min tid"),
        ("IDAG!", "idag"),
        ("📥 طلبات بانتظار قرار", "طلبات بانتظار قرار"),
        ("🗓 This week", "this week"),
        ("📅", ""),
    ],
)
def test_menu_words_are_compared_without_emoji_case_or_extra_spaces(text: str, word: str) -> None:
    assert menu_word(text) == word

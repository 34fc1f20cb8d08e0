"""For a chat account not linked yet (the gate lets nothing else reach it): linking with a
one-time code, as a deep link or typed, and help. Everything else is answered with how to
begin, without asking the backend anything."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import MenuButton
from bot.middlewares.locale import telegram_locale
from contract import MePublic

CODE_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{5,14}$")


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(welcome, CommandStart())
    router.message.register(help_text, Command("help"))
    router.message.register(help_text, MenuButton(keyboards.HELP))
    router.message.register(not_linked, MenuButton(*keyboards.MENU))  # a menu word is no code
    router.message.register(typed_code, F.text.regexp(CODE_LIKE))
    router.message.register(not_linked)
    router.callback_query.register(pressed)
    return router


async def link(message: Message, code: str, backend: BackendClient, i18n: I18n) -> None:
    user = message.from_user
    assert user is not None
    me = await backend.link(
        code=code,
        user=user.id,
        chat_id=message.chat.id,
        locale=telegram_locale(user, i18n.available_locales, i18n.default_locale),
        first_name=user.first_name,
    )
    with i18n.use_locale(me.locale):
        await message.answer(texts.help.linked(me), reply_markup=keyboards.main_menu(me))


async def start_with_code(
    message: Message, command: CommandObject, backend: BackendClient, i18n: I18n
) -> None:
    await link(message, command.args or "", backend, i18n)


async def typed_code(message: Message, backend: BackendClient, i18n: I18n) -> None:
    await link(message, message.text or "", backend, i18n)


async def welcome(message: Message, me: MePublic | None = None) -> None:
    if me is not None:  # a relative no client lets in any more
        await message.answer(texts.help.no_longer_following(), reply_markup=keyboards.no_menu())
        return
    await message.answer(texts.help.welcome(), reply_markup=keyboards.no_menu())


async def help_text(message: Message) -> None:
    await message.answer(texts.help.help_for_strangers())


async def not_linked(message: Message, me: MePublic | None = None) -> None:
    if me is not None:  # a relative no client lets in any more
        await message.answer(texts.help.no_longer_following(), reply_markup=keyboards.no_menu())
        return
    await message.answer(texts.help.not_linked(), reply_markup=keyboards.no_menu())


async def pressed(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A button of an account no longer (or not yet) linked."""
    callback_answer.text, callback_answer.show_alert = texts.help.not_linked(), True

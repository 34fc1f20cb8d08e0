"""Linking with a one-time code (deep link or typed), /help, /cancel and the main menu."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import MenuButton, NotLinked
from bot.middlewares.locale import telegram_locale
from contract import MePublic

CODE_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{5,14}$")


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start_with_code, CommandStart(deep_link=True), NotLinked())
    router.message.register(start_unlinked, CommandStart(), NotLinked())
    router.message.register(start_linked, CommandStart())
    router.message.register(typed_code, NotLinked(), F.text.regexp(CODE_LIKE))
    router.message.register(unlinked, NotLinked())
    router.message.register(help_text, MenuButton(keyboards.HELP))
    router.message.register(help_text, Command("help"))
    router.message.register(cancel, Command("cancel"))
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


async def start_unlinked(message: Message) -> None:
    await message.answer(texts.help.welcome())


async def start_linked(message: Message, me: MePublic, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.help.welcome_back(me), reply_markup=keyboards.main_menu(me))


async def typed_code(message: Message, backend: BackendClient, i18n: I18n) -> None:
    await link(message, message.text or "", backend, i18n)


async def unlinked(message: Message) -> None:
    await message.answer(texts.help.not_linked())


async def help_text(message: Message, me: MePublic) -> None:
    await message.answer(texts.help.help_text(me), reply_markup=keyboards.main_menu(me))


async def cancel(message: Message, me: MePublic, state: FSMContext) -> None:
    await state.set_state(None)
    await message.answer(texts.help.stopped(), reply_markup=keyboards.main_menu(me))

"""For linked accounts: /start shows the main menu, /help what the bot can do, /cancel stops
what is under way."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.filters import MenuButton
from contract import MePublic


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(help_text, MenuButton(keyboards.HELP))
    router.message.register(help_text, Command("help"))
    router.message.register(cancel, Command("cancel"))
    return router


async def start(message: Message, me: MePublic, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.help.welcome_back(me), reply_markup=keyboards.main_menu(me))


async def help_text(
    message: Message, me: MePublic, i18n: I18n, speech_languages: frozenset[str]
) -> None:
    speech = i18n.current_locale in speech_languages
    await message.answer(
        texts.help.help_text(me, speech=speech), reply_markup=keyboards.main_menu(me)
    )


async def cancel(message: Message, me: MePublic, state: FSMContext) -> None:
    await state.set_state(None)
    await message.answer(texts.help.stopped(), reply_markup=keyboards.main_menu(me))

"""Linking with a one-time code (deep link or typed), /help, /cancel and the main menu."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import MenuButton, NotLinked
from bot.middlewares.locale import telegram_locale
from contract import MePublic, PersonKind

router = Router(name=__name__)
CODE_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{5,14}$")


def welcome_back(me: MePublic) -> str:
    return _("Hello {name}! Choose what you want to do with the buttons below.").format(
        name=texts.escape(me.first_name)
    )


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
        if me.kind is PersonKind.RELATIVE:
            names = ", ".join(texts.escape(c.first_name) for c in me.clients)
            text = _("You are now linked and can follow {names}.").format(names=names)
        else:
            text = _("You are now linked, {name}.").format(name=texts.escape(me.first_name))
        await message.answer(text + "\n" + welcome_back(me), reply_markup=keyboards.main_menu(me))


@router.message(CommandStart(deep_link=True), NotLinked())
async def start_with_code(
    message: Message, command: CommandObject, backend: BackendClient, i18n: I18n
) -> None:
    await link(message, command.args or "", backend, i18n)


@router.message(CommandStart(), NotLinked())
async def start_unlinked(message: Message) -> None:
    await message.answer(
        _(
            "Welcome! This is the home-care assistant.\n"
            "Please write the code you got from your contact person."
        )
    )


@router.message(CommandStart())
async def start_linked(message: Message, me: MePublic, state: FSMContext) -> None:
    await state.clear()
    await message.answer(welcome_back(me), reply_markup=keyboards.main_menu(me))


@router.message(NotLinked(), F.text.regexp(CODE_LIKE))
async def typed_code(message: Message, backend: BackendClient, i18n: I18n) -> None:
    await link(message, message.text or "", backend, i18n)


@router.message(NotLinked())
async def unlinked(message: Message) -> None:
    await message.answer(
        _("I do not know you yet. Please write the code you got from your contact person.")
    )


@router.message(Command("help"))
@router.message(MenuButton(keyboards.HELP))
async def help_text(message: Message, me: MePublic) -> None:
    if me.kind is PersonKind.STAFF:
        text = _(
            "What I can do for you:\n"
            "• Requests to decide: approve, reject or pass on clients' wishes.\n"
            "• My visits today: check in and out of each visit.\n"
            "• I am running late: your clients are told at once.\n"
            "• Send a voice message after a visit to dictate a note.\n"
            "Write /cancel to stop what you are doing."
        )
    else:
        text = _(
            "What I can do for you:\n"
            "• Today and This week: your visits, who is coming and when.\n"
            "• My hours: how much of your granted time is used.\n"
            "• Ask for a change: another time, longer, shorter, something else, or an extra "
            "visit. You can also just write or say it, for example "
            "“Can you come at ten tomorrow instead?”.\n"
            "• My requests: see the answers from your contact person.\n"
            "Write /cancel to stop what you are doing.\n"
            "If something is urgent, call your home-care unit."
        )
    await message.answer(text, reply_markup=keyboards.main_menu(me))


@router.message(Command("cancel"))
async def cancel(message: Message, me: MePublic, state: FSMContext) -> None:
    await state.set_state(None)
    await message.answer(
        _("Okay, I stopped. Nothing was sent."), reply_markup=keyboards.main_menu(me)
    )

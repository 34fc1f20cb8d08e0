"""Staff ask the bot for a one-time link that signs them in on the unit's web pages."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.backend_client import BackendClient
from bot.filters import IS_STAFF, MenuButton
from bot.keyboards import WEB_SIGNIN


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IS_STAFF)

    @router.message(Command("web"))
    @router.message(MenuButton(WEB_SIGNIN))  # the staff menu's button, or its words typed
    async def web_signin(message: Message, backend: BackendClient) -> None:
        assert message.from_user is not None
        link = await backend.web_signin(message.from_user.id)
        button = InlineKeyboardButton(text=_("Open the web pages"), url=link.url)
        await message.answer(
            _(
                "Here is your sign-in link for the web pages. It works once, for {minutes} "
                "minutes. Do not forward it: it signs in as you."
            ).format(minutes=link.minutes)
            + "\n"
            + escape(link.url),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
        )

    return router

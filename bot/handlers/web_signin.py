"""Staff ask the bot for a one-time link that signs them in on the unit's web pages."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import IS_STAFF, MenuButton


async def web_signin(message: Message, backend: BackendClient) -> None:
    assert message.from_user is not None
    link = await backend.web_signin(message.from_user.id)
    await message.answer(
        texts.staff.web_signin_text(link.url, link.minutes),
        reply_markup=keyboards.web_signin_keyboard(link.url),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IS_STAFF)
    # The staff menu's button, its words typed, or /web.
    router.message.register(web_signin, Command("web"))
    router.message.register(web_signin, MenuButton(keyboards.WEB_SIGNIN))
    return router

"""Planners and managers in the bot: this month's follow-up of the unit (performed against
ordered time, the ±10 % rule), and for a manager the oversight: what could not be delivered,
and the way to the audit on the web pages."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import IS_STAFF, MenuButton
from contract import MePublic, StaffRole


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IS_STAFF)
    router.message.register(followup, MenuButton(keyboards.FOLLOWUP))
    router.message.register(followup, Command("followup"))
    router.message.register(oversight, MenuButton(keyboards.OVERSIGHT))
    router.message.register(oversight, Command("oversight"))
    return router


async def followup(message: Message, me: MePublic, backend: BackendClient) -> None:
    assert message.from_user is not None
    if me.staff_role not in (StaffRole.PLANNER, StaffRole.MANAGER):
        await message.answer(texts.oversight.not_for_you(), reply_markup=keyboards.main_menu(me))
        return
    report = await backend.followup(message.from_user.id)
    await message.answer(
        texts.oversight.followup_text(report), reply_markup=keyboards.main_menu(me)
    )


async def oversight(message: Message, me: MePublic, backend: BackendClient) -> None:
    assert message.from_user is not None
    if me.staff_role is not StaffRole.MANAGER:
        await message.answer(texts.oversight.not_for_you(), reply_markup=keyboards.main_menu(me))
        return
    dead = await backend.dead_letters(message.from_user.id)
    link = await backend.web_signin(message.from_user.id)
    await message.answer(
        texts.oversight.oversight_text(len(dead), link.minutes),
        reply_markup=keyboards.web_signin_keyboard(link.url),
    )

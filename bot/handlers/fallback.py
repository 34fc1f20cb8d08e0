"""Last in line: stop buttons, stale buttons, and messages nobody else took."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from contract import MePublic

router = Router(name=__name__)


@router.callback_query(keyboards.Nav.filter(F.to == "cancel"))
async def stop(query: CallbackQuery, me: MePublic | None, state: FSMContext) -> None:
    await state.set_state(None)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _("Okay, I stopped. Nothing was sent."), reply_markup=keyboards.main_menu(me)
        )


@router.callback_query()
async def stale_button(query: CallbackQuery, me: MePublic | None) -> None:
    """A button from an earlier conversation: say so instead of guessing what it meant."""
    await query.answer(
        _("That button is no longer active. Please start again from the menu."), show_alert=True
    )


@router.message()
async def not_understood(message: Message, me: MePublic | None) -> None:
    await message.answer(
        _("Please use the buttons below, or write /help."), reply_markup=keyboards.main_menu(me)
    )

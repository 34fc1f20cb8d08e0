"""Last in line: stop buttons, stale buttons, and messages nobody else took."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import keyboards, texts
from contract import MePublic


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(stop, keyboards.Nav.filter(F.to == "cancel"))
    router.callback_query.register(stale_button)
    router.message.register(not_understood)
    return router


async def stop(query: CallbackQuery, me: MePublic, state: FSMContext) -> None:
    await state.set_state(None)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(texts.help.stopped(), reply_markup=keyboards.main_menu(me))


async def stale_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A button from an earlier conversation: say so instead of guessing what it meant."""
    callback_answer.text = texts.help.stale_button()
    callback_answer.show_alert = True


async def not_understood(message: Message, me: MePublic) -> None:
    await message.answer(texts.help.use_the_buttons(), reply_markup=keyboards.main_menu(me))

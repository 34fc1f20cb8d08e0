"""Last in line: stop buttons, stale buttons, and messages nobody else took: a greeting is
greeted back, a staff member's text is offered as a visit note, the rest is pointed on."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import IS_STAFF
from bot.handlers import change, voice
from bot.wish_parser import Hint, NotUnderstood, parse_wish
from contract import TZ, MePublic

NOTE_WORDS = 3  # a staff member's text of at least this many words is offered as a note


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(stop, keyboards.Nav.filter(F.to == "cancel"))
    router.callback_query.register(stale_button)
    router.message.register(
        staff_text, IS_STAFF, StateFilter(None), F.text, ~F.text.startswith("/")
    )
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


async def staff_text(
    message: Message,
    me: MePublic,
    state: FSMContext,
    backend: BackendClient,
    clock: change.Clock,
    i18n: I18n,
) -> None:
    """Staff just writing: a greeting is greeted back; a few words or more are offered as a
    note for the visit just done (shown back, saved only when they press Save)."""
    text = message.text or ""
    said = parse_wish(text, language=i18n.current_locale, now=clock().astimezone(TZ))
    if isinstance(said, NotUnderstood) and said.hint is Hint.GREETING:
        await message.answer(texts.help.welcome_back(me), reply_markup=keyboards.main_menu(me))
    elif isinstance(said, NotUnderstood) and said.hint is Hint.THANKS:
        await message.answer(texts.help.you_are_welcome(), reply_markup=keyboards.main_menu(me))
    elif len(text.split()) >= NOTE_WORDS:
        await voice.typed_note(message, state, backend, clock)
    else:
        await not_understood(message, me)


async def not_understood(message: Message, me: MePublic) -> None:
    await message.answer(texts.help.use_the_buttons(), reply_markup=keyboards.main_menu(me))

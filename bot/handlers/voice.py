"""Visit notes, dictated or typed, and voice messages: clients speak their wishes.

Staff dictate a note or write it (from the visit's "Write a note" button, or by just typing
after a visit); either way the note is shown back before it is saved, and saved the same way.
The audio goes to the backend's speech service and is never stored.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_CLIENT_SIDE, IS_STAFF, MenuButton
from bot.handlers import change
from contract import (
    MAX_NOTE,
    SPEECH_ERRORS,
    ErrorCode,
    MePublic,
    NoteSource,
    TranscriptPublic,
    VisitPublic,
)

Data = dict[str, Any]  # FSM data: JSON, as the storage may be Redis
MAX_SECONDS = 120
MAX_BYTES = 20 * 1024 * 1024


class Dictation(StatesGroup):
    writing = State()  # a note is asked for: the next text is the note
    confirm = State()  # the note shown back: save it, choose another visit, or correct it
    correction = State()  # the corrected text of a saved note


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(client_voice, F.voice, IS_CLIENT_SIDE)
    router.message.register(staff_voice, F.voice, IS_STAFF)
    # A note typed (or corrected) while one is asked for; the menu's buttons still work.
    not_menu = ~MenuButton(*keyboards.MENU)
    router.message.register(corrected, Dictation.confirm, F.text, IS_STAFF, not_menu)
    router.message.register(corrected, Dictation.writing, F.text, IS_STAFF, not_menu)
    router.callback_query.register(
        write_note, keyboards.VisitAction.filter(F.action == "note"), IS_STAFF
    )
    note = keyboards.NoteAction.filter
    router.callback_query.register(
        choose_other_visit, Dictation.confirm, note(F.action == "visit")
    )
    router.callback_query.register(
        other_visit_chosen, Dictation.confirm, keyboards.NoteVisit.filter()
    )
    router.callback_query.register(save_note, Dictation.confirm, note(F.action == "save"))
    router.callback_query.register(correct_note_start, keyboards.NoteCorrect.filter(), IS_STAFF)
    router.message.register(correct_note_text, Dictation.correction, F.text, IS_STAFF)
    return router


async def transcript_of(
    message: Message,
    bot: Bot,
    backend: BackendClient,
    language: str,
    *,
    no_model: Callable[[], Awaitable[None]] | None = None,
) -> TranscriptPublic | None:
    """Download and transcribe the voice note; say why not when it cannot be done
    (``no_model``: what to do instead when there is no speech model for the language)."""
    voice = message.voice
    assert voice is not None and message.from_user is not None
    if voice.duration > MAX_SECONDS:
        await message.answer(texts.errors.speech_error_text(ErrorCode.AUDIO_TOO_LONG))
        return None
    if voice.file_size is not None and voice.file_size > MAX_BYTES:
        await message.answer(texts.errors.speech_error_text(ErrorCode.AUDIO_TOO_LARGE))
        return None
    await bot.send_chat_action(message.chat.id, ChatAction.TYPING)
    buffer = io.BytesIO()
    await bot.download(voice, destination=buffer)
    try:
        result = await backend.transcribe(
            message.from_user.id, buffer.getvalue(), language=language
        )
    except BackendError as exc:
        if exc.code is ErrorCode.NO_MODEL_FOR_LANGUAGE and no_model is not None:
            await no_model()
            return None
        if exc.code in SPEECH_ERRORS:
            await message.answer(texts.errors.speech_error_text(exc.code))
            return None
        raise
    finally:
        buffer.close()
    if not result.text.strip():
        await message.answer(texts.errors.speech_error_text(ErrorCode.AUDIO_SILENT))
        return None
    return result


def stored(visit: VisitPublic | None) -> Data | None:
    """A visit as the FSM data keeps it."""
    return None if visit is None else visit.model_dump(mode="json")


def visit_of(data: Data | None) -> VisitPublic | None:
    return None if data is None else VisitPublic.model_validate(data)


def visits_of(data: list[Data] | None) -> list[VisitPublic]:
    return [VisitPublic.model_validate(visit) for visit in data or []]


# --- clients: a spoken wish is handled like a typed one -----------------------------------


async def client_voice(
    message: Message,
    me: MePublic,
    state: FSMContext,
    bot: Bot,
    backend: BackendClient,
    clock: change.Clock,
    i18n: I18n,
) -> None:
    turn = await change.begin(message, me, state, backend, clock)
    if turn is None:
        return
    result = await transcript_of(message, bot, backend, i18n.current_locale)
    if result is None:
        return
    await message.answer(texts.requests.heard(result.text))
    await change.handle_wish(turn, result.text, i18n.current_locale)


# --- staff: dictate a note, check it, save it ----------------------------------------------


def suggested_visit(day: list[VisitPublic], now: datetime) -> VisitPublic | None:
    """The visit just checked out of, else the one nearest in time."""
    done = [(v.actual_end, v) for v in day if v.actual_end is not None]
    if done:
        return max(done, key=lambda pair: pair[0])[1]
    if not day:
        return None
    return min(day, key=lambda v: abs(v.start - now))


async def staff_voice(
    message: Message,
    state: FSMContext,
    bot: Bot,
    backend: BackendClient,
    clock: change.Clock,
    i18n: I18n,
) -> None:
    assert message.from_user is not None
    user = message.from_user.id

    async def write_instead() -> None:
        """No speech model for this language: the note is asked for in writing instead."""
        day = await backend.staff_day(user)
        await ask_for_note(message, state, suggested_visit(day, clock()), day, spoken=True)

    result = await transcript_of(
        message, bot, backend, i18n.current_locale, no_model=write_instead
    )
    if result is None:
        return
    day = await backend.staff_day(user)
    visit = suggested_visit(day, clock())
    await state.set_state(Dictation.confirm)
    await state.update_data(
        note_text=result.text,
        note_confidence=result.confidence,
        note_source="dictated",
        note_visit=stored(visit),
        note_day=[stored(v) for v in day],
    )
    await message.answer(
        texts.staff.dictation_text(result.text, visit),
        reply_markup=keyboards.dictation_keyboard(bool(visit), len(day) > 1),
    )


async def ask_for_note(
    message: Message,
    state: FSMContext,
    visit: VisitPublic | None,
    day: list[VisitPublic],
    *,
    spoken: bool = False,
) -> None:
    """Ask for the note in writing; the next text is the note (shown back before saving)."""
    await state.set_state(Dictation.writing)
    await state.update_data(
        note_text=None,
        note_confidence=None,
        note_source="typed",
        note_visit=stored(visit),
        note_day=[stored(v) for v in day],
    )
    text = texts.staff.write_the_note(visit)
    if spoken:
        text = texts.staff.no_speech_write_the_note() + "\n" + text
    await message.answer(text, reply_markup=keyboards.stop_keyboard())


async def write_note(
    query: CallbackQuery,
    callback_data: keyboards.VisitAction,
    state: FSMContext,
    backend: BackendClient,
) -> None:
    """ "Write a note" on a visit of the day: the note is asked for, about that visit."""
    day = await backend.staff_day(query.from_user.id)
    visit = next((v for v in day if v.id == callback_data.visit_id), None)
    if isinstance(query.message, Message):
        await ask_for_note(query.message, state, visit, day)


async def typed_note(
    message: Message, state: FSMContext, backend: BackendClient, clock: change.Clock
) -> None:
    """A staff member just writes after a visit: offered as a note for the nearest visit
    (nothing is saved until they press Save)."""
    assert message.from_user is not None
    day = await backend.staff_day(message.from_user.id)
    await state.update_data(
        note_visit=stored(suggested_visit(day, clock())), note_day=[stored(v) for v in day]
    )
    await show_typed(message, state, message.text or "")


async def corrected(message: Message, state: FSMContext) -> None:
    await show_typed(message, state, message.text or "")


async def show_typed(message: Message, state: FSMContext, text: str) -> None:
    """A typed note (or a typed correction of a dictated one) shown back before saving."""
    data = await state.get_data()
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        await state.set_state(Dictation.writing)
        await message.answer(texts.staff.note_length_hint(MAX_NOTE))
        return
    await state.update_data(note_text=text, note_source="typed")
    await state.set_state(Dictation.confirm)
    await message.answer(
        texts.staff.dictation_text(text, visit_of(data.get("note_visit"))),
        reply_markup=keyboards.dictation_keyboard(
            bool(data.get("note_visit")), len(data.get("note_day") or []) > 1
        ),
    )


async def choose_other_visit(query: CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    if isinstance(query.message, Message):
        await query.message.answer(
            texts.staff.which_visit_is_the_note_about(),
            reply_markup=keyboards.note_visits_keyboard(visits_of(data.get("note_day"))),
        )


async def other_visit_chosen(
    query: CallbackQuery, callback_data: keyboards.NoteVisit, state: FSMContext
) -> None:
    data = await state.get_data()
    visit = next(
        (v for v in visits_of(data.get("note_day")) if v.id == callback_data.visit_id), None
    )
    await state.update_data(note_visit=stored(visit))
    if isinstance(query.message, Message):
        await query.message.answer(
            texts.staff.dictation_text(data["note_text"], visit),
            reply_markup=keyboards.dictation_keyboard(bool(visit), True),
        )


async def save_note(
    query: CallbackQuery,
    state: FSMContext,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    data = await state.get_data()
    visit = visit_of(data.get("note_visit"))
    if visit is None:
        callback_answer.text = texts.staff.choose_a_visit_first()
        callback_answer.show_alert = True
        return
    dictated = data.get("note_source") == "dictated"
    note = await backend.add_note(
        query.from_user.id,
        visit.id,
        data["note_text"],
        source=NoteSource.DICTATED if dictated else NoteSource.TYPED,
        confidence=data.get("note_confidence") if dictated else None,
    )
    await state.set_state(None)
    await state.update_data(note_text=None, note_visit=None, note_day=None)
    callback_answer.text = texts.staff.saved_alert()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            texts.staff.note_saved(visit) + "\n" + texts.staff.quoted(note.text),
            reply_markup=keyboards.correct_note_keyboard(note.id),
        )


async def correct_note_start(
    query: CallbackQuery, callback_data: keyboards.NoteCorrect, state: FSMContext
) -> None:
    await state.set_state(Dictation.correction)
    await state.update_data(correct_note_id=callback_data.note_id)
    if isinstance(query.message, Message):
        await query.message.answer(texts.staff.write_the_correction())


async def correct_note_text(
    message: Message, me: MePublic, state: FSMContext, backend: BackendClient
) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    await state.set_state(None)
    await backend.correct_note(message.from_user.id, data["correct_note_id"], message.text or "")
    await message.answer(texts.staff.corrected(), reply_markup=keyboards.main_menu(me))

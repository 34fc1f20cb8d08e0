"""Voice messages: staff dictate visit notes, clients speak their wishes.

The audio goes to the backend's speech service and is never stored; the transcript is
always shown back before anything is saved or sent.
"""

from __future__ import annotations

import io
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
from bot.filters import IS_CLIENT_SIDE, IS_STAFF
from bot.handlers import change
from contract import SPEECH_ERRORS, ErrorCode, MePublic, NoteSource, TranscriptPublic, VisitPublic

Data = dict[str, Any]  # FSM data: JSON, as the storage may be Redis
MAX_SECONDS = 120
MAX_BYTES = 20 * 1024 * 1024


class Dictation(StatesGroup):
    confirm = State()  # the note shown back: save it, choose another visit, or correct it
    correction = State()  # the corrected text of a saved note


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(client_voice, F.voice, IS_CLIENT_SIDE)
    router.message.register(staff_voice, F.voice, IS_STAFF)
    router.message.register(corrected, Dictation.confirm, F.text, IS_STAFF)
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
    message: Message, bot: Bot, backend: BackendClient, language: str
) -> TranscriptPublic | None:
    """Download and transcribe the voice note; say why not when it cannot be done."""
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
    result = await transcript_of(message, bot, backend, i18n.current_locale)
    if result is None:
        return
    day = await backend.staff_day(message.from_user.id)
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


async def corrected(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    text = (message.text or "").strip()
    await state.update_data(note_text=text, note_source="typed_correction")
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
            texts.staff.note_saved(visit), reply_markup=keyboards.correct_note_keyboard(note.id)
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

"""Voice messages: staff dictate visit notes, clients speak their wishes.

The audio goes to the backend's speech service and is never stored; the transcript is
always shown back before anything is saved or sent.
"""

from __future__ import annotations

import io
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_CLIENT_SIDE, IS_STAFF
from bot.handlers import change
from contract import (
    SPEECH_ERRORS,
    ErrorCode,
    MePublic,
    NoteSource,
    TranscriptPublic,
    VisitPublic,
)

router = Router(name=__name__)
MAX_SECONDS = 120
MAX_BYTES = 20 * 1024 * 1024


class Dictation(StatesGroup):
    confirm = State()
    edit = State()
    correction = State()


def speech_error_text(code: ErrorCode) -> str:
    texts_by_code = {
        ErrorCode.NO_MODEL_FOR_LANGUAGE: _(
            "I cannot understand speech in your language yet. Please write instead."
        ),
        ErrorCode.AUDIO_TOO_LONG: _(
            "The voice message is longer than 2 minutes. Please keep it shorter."
        ),
        ErrorCode.AUDIO_TOO_LARGE: _("The voice message is too large. Please keep it shorter."),
        ErrorCode.AUDIO_EMPTY: _("The voice message was empty. Please try again."),
        ErrorCode.AUDIO_SILENT: _(
            "I could not hear anything. Please speak a little louder and closer."
        ),
        ErrorCode.AUDIO_CORRUPT: _("I could not play the voice message. Please send it again."),
    }
    return texts_by_code.get(
        code, _("I could not understand the voice message. Please write instead.")
    )


async def transcript_of(
    message: Message, bot: Bot, backend: BackendClient, language: str
) -> TranscriptPublic | None:
    """Download and transcribe the voice note; say why not when it cannot be done."""
    voice = message.voice
    assert voice is not None and message.from_user is not None
    if voice.duration > MAX_SECONDS:
        await message.answer(speech_error_text(ErrorCode.AUDIO_TOO_LONG))
        return None
    if voice.file_size is not None and voice.file_size > MAX_BYTES:
        await message.answer(speech_error_text(ErrorCode.AUDIO_TOO_LARGE))
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
            await message.answer(speech_error_text(exc.code))
            return None
        raise
    finally:
        buffer.close()
    if not result.text.strip():
        await message.answer(speech_error_text(ErrorCode.AUDIO_SILENT))
        return None
    return result


# --- clients: a spoken wish is handled like a typed one -----------------------------------


@router.message(F.voice, IS_CLIENT_SIDE)
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
    await message.answer(_("I heard: “{text}”").format(text=texts.escape(result.text)))
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


def dictation_text(text: str, visit: VisitPublic | None) -> str:
    lines = [_("Your note:"), f"<i>{texts.escape(text)}</i>", ""]
    if visit is None:
        lines.append(_("You have no visit today to attach it to."))
    else:
        lines.append(
            _("For the visit at {time} with {name}.").format(
                time=texts.fmt_time(visit.start),
                name=texts.escape(visit.client_first_name or ""),
            )
        )
        lines.append(_("Save it, or write the corrected text."))
    return "\n".join(lines)


@router.message(F.voice, IS_STAFF)
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
        note_visit=change.stored(visit),
        note_day=[change.stored(v) for v in day],
    )
    await message.answer(
        dictation_text(result.text, visit),
        reply_markup=keyboards.dictation_keyboard(bool(visit), len(day) > 1),
    )


@router.message(Dictation.confirm, F.text, IS_STAFF)
@router.message(Dictation.edit, F.text, IS_STAFF)
async def corrected(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    text = (message.text or "").strip()
    await state.update_data(note_text=text, note_source="typed_correction")
    await state.set_state(Dictation.confirm)
    await message.answer(
        dictation_text(text, change.visit_of(data.get("note_visit"))),
        reply_markup=keyboards.dictation_keyboard(
            bool(data.get("note_visit")), len(data.get("note_day") or []) > 1
        ),
    )


@router.callback_query(Dictation.confirm, keyboards.NoteAction.filter(F.action == "visit"))
async def choose_other_visit(query: CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Which visit is the note about?"),
            reply_markup=keyboards.note_visits_keyboard(change.visits_of(data.get("note_day"))),
        )


@router.callback_query(Dictation.confirm, keyboards.NoteVisit.filter())
async def other_visit_chosen(
    query: CallbackQuery, callback_data: keyboards.NoteVisit, state: FSMContext
) -> None:
    data = await state.get_data()
    visit = next(
        (v for v in change.visits_of(data.get("note_day")) if v.id == callback_data.visit_id), None
    )
    await state.update_data(note_visit=change.stored(visit))
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            dictation_text(data["note_text"], visit),
            reply_markup=keyboards.dictation_keyboard(bool(visit), True),
        )


@router.callback_query(Dictation.confirm, keyboards.NoteAction.filter(F.action == "save"))
async def save_note(
    query: CallbackQuery, me: MePublic, state: FSMContext, backend: BackendClient
) -> None:
    data = await state.get_data()
    visit = change.visit_of(data.get("note_visit"))
    if visit is None:
        await query.answer(_("Choose a visit first."), show_alert=True)
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
    await query.answer(_("Saved."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _("The note is saved for the visit at {time} with {name}.").format(
                time=texts.fmt_time(visit.start),
                name=texts.escape(visit.client_first_name or ""),
            ),
            reply_markup=keyboards.correct_note_keyboard(note.id),
        )


@router.callback_query(keyboards.NoteCorrect.filter(), IS_STAFF)
async def correct_note_start(
    query: CallbackQuery, callback_data: keyboards.NoteCorrect, state: FSMContext
) -> None:
    await state.set_state(Dictation.correction)
    await state.update_data(correct_note_id=callback_data.note_id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Write the corrected note. The old one is kept and marked as wrong.")
        )


@router.message(Dictation.correction, F.text, IS_STAFF)
async def correct_note_text(
    message: Message, me: MePublic, state: FSMContext, backend: BackendClient
) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    await state.set_state(None)
    await backend.correct_note(message.from_user.id, data["correct_note_id"], message.text or "")
    await message.answer(
        _("Corrected. The old note is kept and marked as wrong."),
        reply_markup=keyboards.main_menu(me),
    )

"""Staff in the bot: the queue of requests to decide, today's visits, running late."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from pydantic import TypeAdapter, ValidationError

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_STAFF, MenuButton
from bot.handlers import fallback
from bot.handlers.change import Clock
from bot.replies import answer_all
from bot.wish_parser import read_minutes
from contract import (
    Decision,
    DecisionIn,
    ErrorCode,
    LateIn,
    MePublic,
    QueuePublic,
    Reason,
    RejectIn,
    RejectReason,
    RequestPublic,
    RequestStatus,
    StaffRole,
    VisitPublic,
    VisitStatus,
)

REASONS = TypeAdapter(list[Reason])
# Requests shown of the queue at a time, oldest first: a phone screen's worth, and few
# enough messages that Telegram sends them at once (about one a second per chat).
SHOWN = 5


class RejectFlow(StatesGroup):
    text = State()  # the reason in the staff member's words


class PerformedFlow(StatesGroup):
    minutes = State()  # the performed minutes, typed


class LateFlow(StatesGroup):
    minutes = State()  # how late, typed instead of pressed ("20", "en kvart")


# How long a typed number is still read as the answer to "How late will you be?".
LATE_ANSWER_WINDOW = timedelta(minutes=15)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IS_STAFF)
    router.callback_query.filter(IS_STAFF)
    router.message.register(show_queue, MenuButton(keyboards.QUEUE))
    router.message.register(show_queue, Command("queue"))
    router.callback_query.register(show_more, keyboards.QueueMore.filter())
    decide = keyboards.Decide.filter
    router.callback_query.register(approve, decide(F.action == "approve"))
    router.callback_query.register(reject_choose_reason, decide(F.action == "reject"))
    router.callback_query.register(
        reject_other, keyboards.RejectWith.filter(F.reason == RejectReason.OTHER)
    )
    router.message.register(reject_other_text, RejectFlow.text, F.text)
    router.callback_query.register(reject_with_reason, keyboards.RejectWith.filter())
    router.callback_query.register(hand_over, decide(F.action == "handover"))
    router.message.register(my_day, MenuButton(keyboards.MY_DAY))
    router.message.register(my_day, Command("day"))
    router.callback_query.register(
        correct_performed, keyboards.VisitAction.filter(F.action == "fix")
    )
    router.callback_query.register(open_visit, keyboards.VisitAction.filter(F.action == "open"))
    router.callback_query.register(visit_action, keyboards.VisitAction.filter())
    router.message.register(performed_minutes_text, PerformedFlow.minutes, F.text)
    router.callback_query.register(performed_reason, keyboards.PerformedPick.filter())
    router.callback_query.register(deviation_chosen, keyboards.DeviationPick.filter())
    router.message.register(running_late, MenuButton(keyboards.LATE))
    router.message.register(running_late, Command("late"))
    router.callback_query.register(late_for, keyboards.LateFor.filter())
    router.callback_query.register(late_chosen, keyboards.LatePick.filter())
    router.message.register(
        late_minutes_text,
        LateFlow.minutes,
        F.text,
        ~F.text.startswith("/"),  # a command is the command, also at the question
        ~MenuButton(*keyboards.MENU),
    )
    return router


# --- the queue ----------------------------------------------------------------------------


async def show_queue(message: Message, me: MePublic, backend: BackendClient) -> None:
    assert message.from_user is not None
    queue = await backend.queue(message.from_user.id, limit=SHOWN)
    if not queue.total:
        await message.answer(texts.staff.nothing_waiting(), reply_markup=keyboards.main_menu(me))
        return
    await message.answer(
        texts.staff.queue_heading(queue.total), reply_markup=keyboards.main_menu(me)
    )
    await _list(message, me, queue)


async def show_more(
    query: CallbackQuery,
    callback_data: keyboards.QueueMore,
    me: MePublic,
    backend: BackendClient,
) -> None:
    """The next requests after those shown; the button that asked goes away."""
    queue = await backend.queue(query.from_user.id, limit=SHOWN, after=callback_data.after)
    await _edit(query, texts.staff.more_waiting())
    if query.message is None:
        return
    if not queue.requests:
        await query.message.answer(texts.staff.no_more_waiting())
        return
    await _list(query.message, me, queue)


async def _list(message: Message | InaccessibleMessage, me: MePublic, queue: QueuePublic) -> None:
    """The requests listed, each with its buttons, and "Show more" when more wait."""
    for request in queue.requests:
        await message.answer(
            texts.staff.queue_item(request),
            reply_markup=keyboards.decide_keyboard(
                request, can_hand_over=me.staff_role is StaffRole.CARER
            ),
        )
    if queue.more:
        await message.answer(
            texts.staff.more_waiting(),
            reply_markup=keyboards.more_keyboard(queue.requests[-1].id),
        )


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``text`` in the message whose button was pressed."""
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def _stale(
    query: CallbackQuery,
    exc: BackendError,
    backend: BackendClient,
    rid: int,
    callback_answer: CallbackAnswer,
) -> None:
    """A button on an old message: show the request as it is now instead of acting."""
    if exc.code is ErrorCode.ALREADY_DECIDED:
        decided = texts.staff.already_decided_text(exc.details)
        callback_answer.text, callback_answer.show_alert = decided, True
        current = await backend.request(query.from_user.id, rid)
        await _edit(query, texts.staff.queue_item(current) + "\n\n" + decided)
    elif exc.code is ErrorCode.REQUEST_CHANGED:
        await _changed(query, await backend.request(query.from_user.id, rid), callback_answer)
    else:
        raise exc


async def _changed(
    query: CallbackQuery, current: RequestPublic, callback_answer: CallbackAnswer
) -> None:
    """The request changed since its buttons were shown: show it as it is now."""
    callback_answer.text = texts.errors.error_text(ErrorCode.REQUEST_CHANGED)
    callback_answer.show_alert = True
    pending = current.status is RequestStatus.PENDING
    markup = keyboards.decide_keyboard(current) if pending else None
    await _edit(query, texts.staff.queue_item(current), markup)


async def _decide(
    query: CallbackQuery,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
    rid: int,
    decision: Decision,
    body: DecisionIn,
    *,
    alert: str,
    done: Callable[[RequestPublic], str],
) -> None:
    """Every decision button: decide, then show the request with what was done; a stale
    button shows the request as it is now, and an approval that no longer fits says why."""
    try:
        request = await backend.decide(query.from_user.id, rid, decision, body)
    except BackendError as exc:
        if exc.code is ErrorCode.NO_LONGER_FITS:
            reasons = REASONS.validate_python(exc.details.get("reasons", []))
            current = await backend.request(query.from_user.id, rid)
            # Still waiting: it can be rejected or passed on from here, not approved.
            markup = keyboards.decide_keyboard(current, can_approve=False)
            await _edit(query, texts.staff.no_longer_fits(current, reasons), markup)
            return
        await _stale(query, exc, backend, rid, callback_answer)
        return
    callback_answer.text = alert
    await _edit(query, texts.staff.queue_item(request) + "\n\n" + done(request))


async def approve(
    query: CallbackQuery,
    callback_data: keyboards.Decide,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    await _decide(
        query,
        backend,
        callback_answer,
        callback_data.request_id,
        Decision.APPROVE,
        DecisionIn(version=callback_data.version),
        alert=texts.staff.approved_alert(),
        done=texts.staff.approved,
    )


async def reject_choose_reason(
    query: CallbackQuery,
    callback_data: keyboards.Decide,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    current = await backend.request(query.from_user.id, callback_data.request_id)
    if current.status is not RequestStatus.PENDING or current.version != callback_data.version:
        await _changed(query, current, callback_answer)
        return
    await _edit(
        query,
        texts.staff.queue_item(current) + "\n\n" + texts.staff.why_not(),
        keyboards.reject_reasons_keyboard(current),
    )


async def reject_other(
    query: CallbackQuery, callback_data: keyboards.RejectWith, state: FSMContext
) -> None:
    await state.set_state(RejectFlow.text)
    await state.update_data(
        reject_id=callback_data.request_id, reject_version=callback_data.version
    )
    if isinstance(query.message, Message):
        await query.message.answer(texts.staff.write_the_reason())


async def reject_other_text(
    message: Message, me: MePublic, state: FSMContext, backend: BackendClient
) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    words = (message.text or "").strip()
    if not words:
        await message.answer(texts.staff.write_the_reason())
        return
    await state.set_state(None)
    body = RejectIn(version=data["reject_version"], reason=RejectReason.OTHER, text=words)
    try:
        request = await backend.decide(
            message.from_user.id, data["reject_id"], Decision.REJECT, body
        )
    except BackendError as exc:
        if exc.code is ErrorCode.ALREADY_DECIDED:
            await message.answer(texts.staff.already_decided_text(exc.details))
            return
        raise
    await message.answer(
        texts.staff.rejected_with_words(request), reply_markup=keyboards.main_menu(me)
    )


async def reject_with_reason(
    query: CallbackQuery,
    callback_data: keyboards.RejectWith,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    reason = callback_data.reason
    await _decide(
        query,
        backend,
        callback_answer,
        callback_data.request_id,
        Decision.REJECT,
        RejectIn(version=callback_data.version, reason=reason),
        alert=texts.staff.rejected_alert(),
        done=lambda request: texts.staff.rejected(request, reason),
    )


async def hand_over(
    query: CallbackQuery,
    callback_data: keyboards.Decide,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    await _decide(
        query,
        backend,
        callback_answer,
        callback_data.request_id,
        Decision.HAND_OVER,
        DecisionIn(version=callback_data.version),
        alert=texts.staff.handed_over_alert(),
        done=texts.staff.handed_over,
    )


# --- my day -------------------------------------------------------------------------------


# A day of more visits than this is one list, and only the visits to act on now get a
# message of their own: a message a visit would be dozens in a row, and Telegram lets a bot
# send about one message a second to a chat.
VISITS_ONE_BY_ONE = 8
NEXT_UP = 3  # of a long day's visits not yet started, how many come with their actions


def to_act_on_now(visits: list[VisitPublic]) -> list[VisitPublic]:
    """Of a long day: the visits checked in (to check out), those that did not happen and
    have no reason yet, and the next ``NEXT_UP`` not yet started, in time order."""
    open_ = [
        v
        for v in visits
        if v.status is VisitStatus.IN_PROGRESS
        or (v.status is VisitStatus.MISSED and v.deviation_reason is None)
    ]
    coming = [v for v in visits if v.status in (VisitStatus.PLANNED, VisitStatus.ON_THE_WAY)]
    return sorted(open_ + coming[:NEXT_UP], key=lambda v: (v.start, v.id))


async def my_day(message: Message, me: MePublic, backend: BackendClient) -> None:
    assert message.from_user is not None
    visits = await backend.staff_day(message.from_user.id)
    if not visits:
        await message.answer(texts.staff.no_visits_today(), reply_markup=keyboards.main_menu(me))
        return
    if len(visits) <= VISITS_ONE_BY_ONE:
        await message.answer(texts.staff.your_visits_today(), reply_markup=keyboards.main_menu(me))
        shown = visits
    else:
        await answer_all(message, texts.staff.day_list(visits), keyboards.day_keyboard(visits))
        shown = to_act_on_now(visits)
    for visit in shown:
        await _send_visit(message, visit)


async def _send_visit(message: Message, visit: VisitPublic) -> None:
    await message.answer(
        texts.staff.staff_visit_block(visit),
        reply_markup=keyboards.visit_actions_keyboard(visit),
    )


async def open_visit(
    query: CallbackQuery,
    callback_data: keyboards.VisitAction,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    """A visit pressed in a long day's list: it comes with its actions."""
    visit = await _day_visit(backend, query.from_user.id, callback_data.visit_id)
    if visit is None:
        callback_answer.text = texts.staff.not_in_your_day()
        return
    if isinstance(query.message, Message):
        await _send_visit(query.message, visit)


async def visit_action(
    query: CallbackQuery,
    callback_data: keyboards.VisitAction,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    user, visit_id = query.from_user.id, callback_data.visit_id
    action = callback_data.action
    if action == "in":
        visit = await backend.check_in(user, visit_id)
        note = texts.staff.checked_in(visit)
    elif action == "keep":
        note = texts.staff.still_checked_in()
        visit = None
    else:
        try:
            visit = await backend.check_out(user, visit_id, confirm=action == "sure")
        except BackendError as exc:
            if exc.code is not ErrorCode.CHECK_OUT_TOO_SOON:
                raise
            # Most likely a double tap on the button that just turned into "check out".
            shown = await _day_visit(backend, user, visit_id)
            text = texts.staff.check_out_so_soon(int(exc.details.get("minutes", 0)))
            block = texts.staff.staff_visit_block(shown) + "\n" if shown else ""
            await _edit(query, block + text, keyboards.check_out_sure_keyboard(visit_id))
            return
        note = texts.staff.checked_out(visit)
    callback_answer.text = note
    # A check-in or check-out answers with the visit as the day shows it (whose, where).
    shown = visit or await _day_visit(backend, user, visit_id)
    if shown is None:
        return
    await _edit(
        query,
        texts.staff.staff_visit_block(shown) + "\n" + note,
        keyboards.visit_actions_keyboard(shown),
    )


async def _day_visit(backend: BackendClient, user: int, visit_id: int) -> VisitPublic | None:
    return next((v for v in await backend.staff_day(user) if v.id == visit_id), None)


async def correct_performed(
    query: CallbackQuery, callback_data: keyboards.VisitAction, state: FSMContext
) -> None:
    await state.set_state(PerformedFlow.minutes)
    await state.update_data(performed_visit=callback_data.visit_id)
    if isinstance(query.message, Message):
        await query.message.answer(texts.staff.how_many_minutes_performed())


async def performed_minutes_text(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not text.isdigit() or not 0 <= int(text) <= 600:
        await message.answer(texts.staff.performed_minutes_not_understood())
        return
    data = await state.get_data()
    await state.set_state(None)
    minutes = int(text)
    await message.answer(
        texts.staff.why_correct(minutes),
        reply_markup=keyboards.performed_reason_keyboard(data["performed_visit"], minutes),
    )


async def performed_reason(
    query: CallbackQuery,
    callback_data: keyboards.PerformedPick,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    visit = await backend.correct_performed(
        query.from_user.id, callback_data.visit_id, callback_data.minutes, callback_data.reason
    )
    text = texts.staff.performed_corrected(visit)
    callback_answer.text = text
    await _edit(query, text)


async def deviation_chosen(
    query: CallbackQuery,
    callback_data: keyboards.DeviationPick,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    user = query.from_user.id
    await backend.set_deviation(user, callback_data.visit_id, callback_data.reason)
    note = texts.staff.deviation_saved(callback_data.reason)
    callback_answer.text = note
    shown = await _day_visit(backend, user, callback_data.visit_id)
    block = texts.staff.staff_visit_block(shown) + "\n" if shown else ""
    await _edit(query, block + note)


# --- running late -------------------------------------------------------------------------


async def running_late(
    message: Message, backend: BackendClient, state: FSMContext, clock: Clock
) -> None:
    """Late for which visit? With one visit still to come, straight to how late."""
    assert message.from_user is not None
    waiting = [
        v
        for v in await backend.staff_day(message.from_user.id)
        if v.status in (VisitStatus.PLANNED, VisitStatus.ON_THE_WAY)
    ]
    if not waiting:
        await message.answer(texts.staff.told_late([]))
        return
    if len(waiting) == 1:
        await _ask_how_late(state, clock, waiting[0].id)
        await message.answer(
            texts.staff.how_late(waiting[0]),
            reply_markup=keyboards.late_keyboard(waiting[0].id),
        )
        return
    await message.answer(
        texts.staff.late_for_which_visit(), reply_markup=keyboards.late_visits_keyboard(waiting)
    )


async def late_for(
    query: CallbackQuery,
    callback_data: keyboards.LateFor,
    backend: BackendClient,
    state: FSMContext,
    clock: Clock,
) -> None:
    visit = await _day_visit(backend, query.from_user.id, callback_data.visit_id)
    if visit is None:
        await _edit(query, texts.errors.error_text(ErrorCode.VISIT_NOT_FOUND))
        return
    await _ask_how_late(state, clock, visit.id)
    await _edit(query, texts.staff.how_late(visit), keyboards.late_keyboard(visit.id))


async def _ask_how_late(state: FSMContext, clock: Clock, visit_id: int) -> None:
    """A number written next is how late, for a while (see ``late_minutes_text``)."""
    await state.set_state(LateFlow.minutes)
    await state.update_data(
        late_visit=visit_id, late_until=(clock() + LATE_ANSWER_WINDOW).isoformat()
    )


async def late_chosen(
    query: CallbackQuery,
    callback_data: keyboards.LatePick,
    backend: BackendClient,
    state: FSMContext,
) -> None:
    if await state.get_state() == LateFlow.minutes.state:
        await state.set_state(None)
    affected = await backend.running_late(
        query.from_user.id, callback_data.minutes, callback_data.visit_id or None
    )
    await _edit(query, texts.staff.told_late(affected))


async def late_minutes_text(
    message: Message,
    me: MePublic,
    state: FSMContext,
    backend: BackendClient,
    clock: Clock,
    i18n: I18n,
) -> None:
    """ "20" or "en kvart" written at "How late will you be?" instead of a button. Anything
    else, or a number written long after, is what staff text always is (a note, a greeting):
    the question is left behind, not kept waiting."""
    assert message.from_user is not None
    data = await state.get_data()
    minutes = read_minutes(message.text or "", language=i18n.current_locale)
    until = data.get("late_until")
    if minutes is None or until is None or clock() > datetime.fromisoformat(until):
        await state.set_state(None)
        await fallback.staff_text(message, me, state, backend, clock, i18n)
        return
    try:
        LateIn(minutes=minutes)  # the bounds the backend takes
    except ValidationError:
        await message.answer(texts.staff.late_minutes_out_of_range())
        return
    await state.set_state(None)
    affected = await backend.running_late(message.from_user.id, minutes, data.get("late_visit"))
    await message.answer(texts.staff.told_late(affected))

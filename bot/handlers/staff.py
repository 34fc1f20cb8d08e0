"""Staff in the bot: the queue of requests to decide, today's visits, running late."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from pydantic import TypeAdapter

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_STAFF, MenuButton
from contract import (
    Decision,
    DecisionIn,
    ErrorCode,
    MePublic,
    Reason,
    RejectIn,
    RejectReason,
    RequestPublic,
    RequestStatus,
)

router = Router(name=__name__)
router.message.filter(IS_STAFF)
router.callback_query.filter(IS_STAFF)
REASONS = TypeAdapter(list[Reason])


class RejectFlow(StatesGroup):
    text = State()


# --- the queue ----------------------------------------------------------------------------


@router.message(MenuButton(keyboards.QUEUE))
@router.message(F.text == "/queue")
async def show_queue(message: Message, me: MePublic, backend: BackendClient) -> None:
    assert message.from_user is not None
    queue = await backend.queue(message.from_user.id)
    if not queue:
        await message.answer(
            _("No requests are waiting for you."), reply_markup=keyboards.main_menu(me)
        )
        return
    count = len(queue)
    heading = ngettext(
        "{n} request is waiting, oldest first:", "{n} requests are waiting, oldest first:", count
    ).format(n=count)
    await message.answer(heading, reply_markup=keyboards.main_menu(me))
    for request in queue[:20]:
        await message.answer(
            texts.queue_item(request), reply_markup=keyboards.decide_keyboard(request)
        )


async def _edit(query: CallbackQuery, text: str, markup: Any = None) -> None:
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


def already_decided_text(details: dict[str, Any]) -> str:
    name = details.get("decided_by_first_name")
    status = details.get("status")
    if name and details.get("decided_at"):
        return _("Already decided by {name} at {time}.").format(
            name=texts.escape(name),
            time=texts.fmt_time(datetime.fromisoformat(details["decided_at"])),
        )
    if status == RequestStatus.WITHDRAWN:
        return _("The client has withdrawn this request.")
    if status == RequestStatus.EXPIRED:
        return _("The visit has passed; this request has expired.")
    return texts.error_text(ErrorCode.ALREADY_DECIDED)


async def _stale(
    query: CallbackQuery, exc: BackendError, backend: BackendClient, rid: int
) -> None:
    """A button on an old message: show the request as it is now instead of acting."""
    if exc.code is ErrorCode.ALREADY_DECIDED:
        await query.answer(already_decided_text(exc.details), show_alert=True)
        current = await backend.request(query.from_user.id, rid)
        await _edit(query, texts.queue_item(current) + "\n\n" + already_decided_text(exc.details))
    elif exc.code is ErrorCode.REQUEST_CHANGED:
        await query.answer(texts.error_text(ErrorCode.REQUEST_CHANGED), show_alert=True)
        current = await backend.request(query.from_user.id, rid)
        await _edit(query, texts.queue_item(current), keyboards.decide_keyboard(current))
    else:
        raise exc


async def _decide(
    query: CallbackQuery,
    backend: BackendClient,
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
            await query.answer()
            reasons = REASONS.validate_python(exc.details.get("reasons", []))
            lines = "\n".join("• " + texts.reason_text(r) for r in reasons)
            await _edit(query, texts.error_text(ErrorCode.NO_LONGER_FITS) + "\n" + lines)
            return
        await _stale(query, exc, backend, rid)
        return
    await query.answer(alert)
    await _edit(query, texts.queue_item(request) + "\n\n" + done(request))


@router.callback_query(keyboards.Decide.filter(F.action == "approve"))
async def approve(
    query: CallbackQuery, callback_data: keyboards.Decide, backend: BackendClient
) -> None:
    await _decide(
        query,
        backend,
        callback_data.request_id,
        Decision.APPROVE,
        DecisionIn(version=callback_data.version),
        alert=_("Approved."),
        done=lambda request: _("✅ Approved. {name} will be told.").format(
            name=texts.escape(request.client_first_name)
        ),
    )


@router.callback_query(keyboards.Decide.filter(F.action == "reject"))
async def reject_choose_reason(
    query: CallbackQuery, callback_data: keyboards.Decide, backend: BackendClient
) -> None:
    current = await backend.request(query.from_user.id, callback_data.request_id)
    pending = current.status is RequestStatus.PENDING
    if not pending or current.version != callback_data.version:
        await query.answer(texts.error_text(ErrorCode.REQUEST_CHANGED), show_alert=True)
        markup = keyboards.decide_keyboard(current) if pending else None
        await _edit(query, texts.queue_item(current), markup)
        return
    await query.answer()
    await _edit(
        query,
        texts.queue_item(current) + "\n\n" + _("Why is it not possible?"),
        keyboards.reject_reasons_keyboard(current.id, current.version),
    )


@router.callback_query(keyboards.RejectWith.filter(F.reason == RejectReason.OTHER))
async def reject_other(
    query: CallbackQuery, callback_data: keyboards.RejectWith, state: FSMContext
) -> None:
    await state.set_state(RejectFlow.text)
    await state.update_data(
        reject_id=callback_data.request_id, reject_version=callback_data.version
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_("Write the reason in a few words; the client will see it."))


@router.message(RejectFlow.text, F.text)
async def reject_other_text(
    message: Message, me: MePublic, state: FSMContext, backend: BackendClient
) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    await state.set_state(None)
    body = RejectIn(version=data["reject_version"], reason=RejectReason.OTHER, text=message.text)
    try:
        request = await backend.decide(
            message.from_user.id, data["reject_id"], Decision.REJECT, body
        )
    except BackendError as exc:
        if exc.code is ErrorCode.ALREADY_DECIDED:
            await message.answer(already_decided_text(exc.details))
            return
        raise
    await message.answer(
        _("Rejected. {name} will be told why.").format(
            name=texts.escape(request.client_first_name)
        ),
        reply_markup=keyboards.main_menu(me),
    )


@router.callback_query(keyboards.RejectWith.filter())
async def reject_with_reason(
    query: CallbackQuery, callback_data: keyboards.RejectWith, backend: BackendClient
) -> None:
    reason = callback_data.reason
    await _decide(
        query,
        backend,
        callback_data.request_id,
        Decision.REJECT,
        RejectIn(version=callback_data.version, reason=reason),
        alert=_("Rejected."),
        done=lambda request: _("Rejected: {reason}. {name} will be told.").format(
            reason=texts.REJECT_REASONS[reason], name=texts.escape(request.client_first_name)
        ),
    )


@router.callback_query(keyboards.Decide.filter(F.action == "handover"))
async def hand_over(
    query: CallbackQuery, callback_data: keyboards.Decide, backend: BackendClient
) -> None:
    await _decide(
        query,
        backend,
        callback_data.request_id,
        Decision.HAND_OVER,
        DecisionIn(version=callback_data.version),
        alert=_("Passed to the planner."),
        done=lambda _request: _("➡️ Passed to the planner."),
    )


# --- my day -------------------------------------------------------------------------------


@router.message(MenuButton(keyboards.MY_DAY))
@router.message(F.text == "/day")
async def my_day(message: Message, me: MePublic, backend: BackendClient) -> None:
    assert message.from_user is not None
    visits = await backend.staff_day(message.from_user.id)
    if not visits:
        await message.answer(_("You have no visits today."), reply_markup=keyboards.main_menu(me))
        return
    await message.answer(_("Your visits today:"), reply_markup=keyboards.main_menu(me))
    for visit in visits:
        await message.answer(
            texts.staff_visit_block(visit), reply_markup=keyboards.visit_actions_keyboard(visit)
        )


@router.callback_query(keyboards.VisitAction.filter())
async def visit_action(
    query: CallbackQuery, callback_data: keyboards.VisitAction, backend: BackendClient
) -> None:
    user = query.from_user.id
    if callback_data.action == "in":
        visit = await backend.check_in(user, callback_data.visit_id)
        assert visit.actual_start is not None
        note = _("Checked in at {time}.").format(time=texts.fmt_time(visit.actual_start))
    else:
        visit = await backend.check_out(user, callback_data.visit_id)
        assert visit.actual_end is not None and visit.performed_minutes is not None
        note = _("Checked out at {time}: {length} performed.").format(
            time=texts.fmt_time(visit.actual_end),
            length=texts.fmt_duration(visit.performed_minutes),
        )
    await query.answer(note)
    day = await backend.staff_day(user)
    # The day's view of the visit also says whose it is and where.
    shown = next((v for v in day if v.id == visit.id), visit)
    await _edit(
        query,
        texts.staff_visit_block(shown) + "\n" + note,
        keyboards.visit_actions_keyboard(shown),
    )


# --- running late -------------------------------------------------------------------------


@router.message(MenuButton(keyboards.LATE))
@router.message(F.text == "/late")
async def running_late(message: Message) -> None:
    await message.answer(_("How late are you?"), reply_markup=keyboards.late_keyboard())


@router.callback_query(keyboards.LatePick.filter())
async def late_chosen(
    query: CallbackQuery, callback_data: keyboards.LatePick, me: MePublic, backend: BackendClient
) -> None:
    affected = await backend.running_late(query.from_user.id, callback_data.minutes)
    await query.answer()
    n = len({visit.client_id for visit in affected})  # clients, not their visits
    text = (
        ngettext(
            "I have told {n} client that you are running late.",
            "I have told {n} clients that you are running late.",
            n,
        ).format(n=n)
        if n
        else _("You have no more visits today to be late for.")
    )
    await _edit(query, text)

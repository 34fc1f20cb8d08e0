"""Staff in the bot: the queue of requests to decide, today's visits, running late."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_STAFF, MenuButton

router = Router(name=__name__)
router.message.filter(IS_STAFF)
router.callback_query.filter(IS_STAFF)
Json = dict[str, Any]


class RejectFlow(StatesGroup):
    text = State()


# --- the queue ----------------------------------------------------------------------------


@router.message(MenuButton(keyboards.QUEUE))
@router.message(F.text == "/queue")
async def show_queue(message: Message, me: Json, backend: BackendClient) -> None:
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


def already_decided_text(details: Json) -> str:
    name = details.get("decided_by_first_name")
    status = details.get("status")
    if name and details.get("decided_at"):
        return _("Already decided by {name} at {time}.").format(
            name=texts.escape(name), time=texts.fmt_time(details["decided_at"])
        )
    if status == "withdrawn":
        return _("The client has withdrawn this request.")
    if status == "expired":
        return _("The visit has passed; this request has expired.")
    return texts.error_text("already_decided")


async def _stale(
    query: CallbackQuery, exc: BackendError, backend: BackendClient, rid: int
) -> None:
    """A button on an old message: show the request as it is now instead of acting."""
    if exc.code == "already_decided":
        await query.answer(already_decided_text(exc.details), show_alert=True)
        current = await backend.request(query.from_user.id, rid)
        await _edit(query, texts.queue_item(current) + "\n\n" + already_decided_text(exc.details))
    elif exc.code == "request_changed":
        await query.answer(texts.error_text("request_changed"), show_alert=True)
        current = await backend.request(query.from_user.id, rid)
        await _edit(query, texts.queue_item(current), keyboards.decide_keyboard(current))
    else:
        raise exc


@router.callback_query(keyboards.Decide.filter(F.action == "approve"))
async def approve(
    query: CallbackQuery, callback_data: keyboards.Decide, backend: BackendClient
) -> None:
    rid = callback_data.request_id
    try:
        request = await backend.approve(query.from_user.id, rid, callback_data.version)
    except BackendError as exc:
        if exc.code == "no_longer_fits":
            await query.answer()
            reasons = "\n".join(
                "• " + texts.reason_text(r) for r in exc.details.get("reasons", [])
            )
            await _edit(query, texts.error_text("no_longer_fits") + "\n" + reasons)
            return
        await _stale(query, exc, backend, rid)
        return
    await query.answer(_("Approved."))
    await _edit(
        query,
        texts.queue_item(request)
        + "\n\n"
        + _("✅ Approved. {name} will be told.").format(
            name=texts.escape(request["client_first_name"])
        ),
    )


@router.callback_query(keyboards.Decide.filter(F.action == "reject"))
async def reject_choose_reason(
    query: CallbackQuery, callback_data: keyboards.Decide, backend: BackendClient
) -> None:
    current = await backend.request(query.from_user.id, callback_data.request_id)
    if current["status"] != "pending" or current["version"] != callback_data.version:
        await query.answer(texts.error_text("request_changed"), show_alert=True)
        markup = keyboards.decide_keyboard(current) if current["status"] == "pending" else None
        await _edit(query, texts.queue_item(current), markup)
        return
    await query.answer()
    await _edit(
        query,
        texts.queue_item(current) + "\n\n" + _("Why is it not possible?"),
        keyboards.reject_reasons_keyboard(current["id"], current["version"]),
    )


@router.callback_query(keyboards.RejectWith.filter(F.reason == "other"))
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
    message: Message, me: Json, state: FSMContext, backend: BackendClient
) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    await state.set_state(None)
    try:
        request = await backend.reject(
            message.from_user.id, data["reject_id"], data["reject_version"], "other", message.text
        )
    except BackendError as exc:
        if exc.code == "already_decided":
            await message.answer(already_decided_text(exc.details))
            return
        raise
    await message.answer(
        _("Rejected. {name} will be told why.").format(
            name=texts.escape(request["client_first_name"])
        ),
        reply_markup=keyboards.main_menu(me),
    )


@router.callback_query(keyboards.RejectWith.filter())
async def reject_with_reason(
    query: CallbackQuery, callback_data: keyboards.RejectWith, backend: BackendClient
) -> None:
    rid = callback_data.request_id
    try:
        request = await backend.reject(
            query.from_user.id, rid, callback_data.version, callback_data.reason, None
        )
    except BackendError as exc:
        await _stale(query, exc, backend, rid)
        return
    await query.answer(_("Rejected."))
    await _edit(
        query,
        texts.queue_item(request)
        + "\n\n"
        + _("Rejected: {reason}. {name} will be told.").format(
            reason=texts.REJECT_REASONS[callback_data.reason],
            name=texts.escape(request["client_first_name"]),
        ),
    )


@router.callback_query(keyboards.Decide.filter(F.action == "handover"))
async def hand_over(
    query: CallbackQuery, callback_data: keyboards.Decide, backend: BackendClient
) -> None:
    rid = callback_data.request_id
    try:
        request = await backend.hand_over(query.from_user.id, rid, callback_data.version)
    except BackendError as exc:
        await _stale(query, exc, backend, rid)
        return
    await query.answer(_("Passed to the planner."))
    await _edit(query, texts.queue_item(request) + "\n\n" + _("➡️ Passed to the planner."))


# --- my day -------------------------------------------------------------------------------


@router.message(MenuButton(keyboards.MY_DAY))
@router.message(F.text == "/day")
async def my_day(message: Message, me: Json, backend: BackendClient) -> None:
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
        note = _("Checked in at {time}.").format(time=texts.fmt_time(visit["actual_start"]))
    else:
        visit = await backend.check_out(user, callback_data.visit_id)
        minutes = visit_minutes(visit)
        note = _("Checked out at {time}: {length} performed.").format(
            time=texts.fmt_time(visit["actual_end"]), length=texts.fmt_duration(minutes)
        )
    await query.answer(note)
    day = await backend.staff_day(user)
    current = next((v for v in day if v["id"] == visit["id"]), None)
    shown = {**visit, **(current or {})}
    await _edit(
        query,
        texts.staff_visit_block(shown) + "\n" + note,
        keyboards.visit_actions_keyboard(shown),
    )


def visit_minutes(visit: Json) -> int:
    start = texts.local(visit["actual_start"])
    end = texts.local(visit["actual_end"])
    return round((end - start).total_seconds() / 60)


# --- running late -------------------------------------------------------------------------


@router.message(MenuButton(keyboards.LATE))
@router.message(F.text == "/late")
async def running_late(message: Message) -> None:
    await message.answer(_("How late are you?"), reply_markup=keyboards.late_keyboard())


@router.callback_query(keyboards.LatePick.filter())
async def late_chosen(
    query: CallbackQuery, callback_data: keyboards.LatePick, me: Json, backend: BackendClient
) -> None:
    affected = await backend.running_late(query.from_user.id, callback_data.minutes)
    await query.answer()
    n = len({visit["client_id"] for visit in affected})  # clients, not their visits
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

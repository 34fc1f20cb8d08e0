"""What a client or relative sees: today, this week, the frame, requests and notes."""

from __future__ import annotations

from datetime import date

from aiogram import Router
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import IS_CLIENT_SIDE, FollowedClient, MenuButton
from contract import ClientAccess, MePublic, PersonKind, RequestStatus, VisitPublic, VisitStatus

router = Router(name=__name__)
router.message.filter(IS_CLIENT_SIDE)
router.callback_query.filter(IS_CLIENT_SIDE)
router.message.middleware(FollowedClient())


def care_ended_text(last_day: date) -> str:
    return _(
        "Home care ended on {day}, so no visits are planned. Call your home-care unit if "
        "you need help again."
    ).format(day=texts.fmt_day(last_day))


def _whose(me: MePublic, client: ClientAccess) -> str | None:
    return client.first_name if me.kind is PersonKind.RELATIVE else None


@router.message(MenuButton(keyboards.TODAY))
async def show_today(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    day = await backend.visits(event_from_user.id, client.client_id)
    heading = _("Today, {day}").format(day=texts.fmt_day(day.start))
    if _whose(me, client):
        heading = _("{name}'s visits today, {day}").format(
            name=texts.escape(client.first_name), day=texts.fmt_day(day.start)
        )
    visits = day.visits
    if not any(v.status is not VisitStatus.CANCELLED for v in visits):
        lines = [heading, _("There are no visits today.")]
        if day.care_ended_on is not None:
            lines.append(care_ended_text(day.care_ended_on))
        upcoming = day.next_visit
        if upcoming:
            lines.append(
                _("The next visit is {day} at {time}.").format(
                    day=texts.fmt_day(upcoming.start), time=texts.fmt_time(upcoming.start)
                )
            )
        await message.answer("\n".join(lines), reply_markup=keyboards.main_menu(me))
        return
    blocks = [heading] + [texts.visit_block(v) for v in visits]
    await message.answer("\n\n".join(blocks), reply_markup=keyboards.main_menu(me))


@router.message(MenuButton(keyboards.WEEK))
async def show_week(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    week = await backend.visits(event_from_user.id, client.client_id, days=7)
    by_day: dict[date, list[VisitPublic]] = {}
    for visit in week.visits:
        by_day.setdefault(visit.day, []).append(visit)
    if not by_day:
        text = _("There are no visits in the coming seven days.")
        if week.care_ended_on is not None:
            text += "\n" + care_ended_text(week.care_ended_on)
        await message.answer(text)
        return
    if week.care_ended_on is not None and week.care_ended_on < week.end:
        by_day = {day: visits for day, visits in by_day.items() if day <= week.care_ended_on}
    parts = []
    for day, visits in by_day.items():
        lines = [f"<b>{texts.fmt_day(day).capitalize()}</b>"]
        for visit in visits:
            services = texts.services_text(visit.services, visit.declined_services)
            lines.append(f"{texts.visit_time(visit)} · {services} · {texts.visit_status(visit)}")
            if visit.staff_is_new and visit.status is VisitStatus.PLANNED:
                lines.append("  " + texts.who_is_coming(visit))
        parts.append("\n".join(lines))
    if week.care_ended_on is not None and week.care_ended_on < week.end:
        parts.append(care_ended_text(week.care_ended_on))
    await message.answer("\n\n".join(parts)[:4000], reply_markup=keyboards.main_menu(me))


@router.message(MenuButton(keyboards.FRAME))
async def show_frame(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    frame = await backend.frame(event_from_user.id, client.client_id)
    await message.answer(
        texts.frame_text(frame, whose=_whose(me, client)), reply_markup=keyboards.main_menu(me)
    )


@router.message(MenuButton(keyboards.MY_REQUESTS))
async def show_requests(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    requests = await backend.requests(event_from_user.id, client.client_id)
    if not requests:
        await message.answer(_("You have not asked for any changes yet."))
        return
    await message.answer(_("Your requests:"), reply_markup=keyboards.main_menu(me))
    for request in requests[:10]:
        pending = request.status is RequestStatus.PENDING
        markup = keyboards.withdraw_keyboard(request.id) if pending else None
        await message.answer(texts.request_block(request), reply_markup=markup)


@router.callback_query(keyboards.Withdraw.filter())
async def withdraw(
    query: CallbackQuery, callback_data: keyboards.Withdraw, backend: BackendClient
) -> None:
    request = await backend.withdraw(query.from_user.id, callback_data.request_id)
    await query.answer(_("Withdrawn."))
    if isinstance(query.message, Message):
        await query.message.edit_text(texts.request_block(request))


@router.message(MenuButton(keyboards.NOTES))
async def show_notes(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    """Notes about the visits, newest first; a wrong note is shown struck through."""
    notes = await backend.client_notes(event_from_user.id, client.client_id)
    if not notes:
        await message.answer(_("There are no notes about your visits yet."))
        return
    blocks = []
    for note in notes[:10]:
        head = _("{day} {time}, written by {name}").format(
            day=texts.fmt_day(note.event_time),
            time=texts.fmt_time(note.event_time),
            name=texts.escape(note.author_first_name or ""),
        )
        body = texts.escape(note.text)
        if note.marked_wrong:
            body = "<s>{body}</s> ({mark})".format(body=body, mark=_("marked as wrong"))
        blocks.append(f"<b>{head}</b>\n{body}")
    await message.answer("\n\n".join(blocks)[:4000], reply_markup=keyboards.main_menu(me))

"""What a client or relative sees: today, this week, the frame, requests and notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_CLIENT_SIDE, FollowedClient, MenuButton, whose
from bot.replies import answer_all
from contract import TZ, ClientAccess, MePublic, RequestStatus

Clock = Callable[[], datetime]

SHOWN = 10  # the newest requests and notes shown


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IS_CLIENT_SIDE)
    router.callback_query.filter(IS_CLIENT_SIDE)
    router.message.middleware(FollowedClient())
    router.message.register(show_today, MenuButton(keyboards.TODAY))
    router.message.register(show_week, MenuButton(keyboards.WEEK))
    router.message.register(show_frame, MenuButton(keyboards.FRAME, keyboards.GRANTED_TIME))
    router.message.register(show_requests, MenuButton(keyboards.MY_REQUESTS, keyboards.REQUESTS))
    router.callback_query.register(withdraw, keyboards.Withdraw.filter())
    router.callback_query.register(withdraw_all, keyboards.WithdrawAll.filter())
    router.message.register(show_notes, MenuButton(keyboards.NOTES))
    return router


async def show_today(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    day = await backend.visits(event_from_user.id, client.client_id)
    await message.answer(
        texts.visits.today_text(day, whose=whose(me, client)),
        reply_markup=keyboards.main_menu(me),
    )


async def show_week(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    week = await backend.visits(event_from_user.id, client.client_id, days=7)
    await answer_all(
        message,
        texts.visits.week_messages(week, whose=whose(me, client)),
        keyboards.main_menu(me),
    )


async def show_frame(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
    clock: Clock,
) -> None:
    frame = await backend.frame(event_from_user.id, client.client_id)
    today = clock().astimezone(TZ).date()
    await message.answer(
        texts.frame.frame_text(frame, whose=whose(me, client), today=today),
        reply_markup=keyboards.main_menu(me),
    )


async def show_requests(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    requests = await backend.requests(event_from_user.id, client.client_id)
    name = whose(me, client)
    if not requests:
        await message.answer(
            texts.requests.no_requests(name), reply_markup=keyboards.main_menu(me)
        )
        return
    await message.answer(
        texts.requests.requests_heading(name), reply_markup=keyboards.main_menu(me)
    )
    for request in requests[:SHOWN]:
        pending = request.status is RequestStatus.PENDING
        markup = keyboards.withdraw_keyboard(request.id) if pending else None
        await message.answer(
            texts.requests.request_block(request, viewer=me.kind, viewer_name=me.first_name),
            reply_markup=markup,
        )
    waiting = sum(request.status is RequestStatus.PENDING for request in requests)
    if waiting > 1:  # a week away is 20 and more: not one press each, nor only the newest
        await message.answer(
            texts.requests.waiting_count(waiting),
            reply_markup=keyboards.withdraw_all_keyboard(client.client_id, waiting),
        )


async def withdraw_all(
    query: CallbackQuery,
    callback_data: keyboards.WithdrawAll,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    """Every waiting request of the client, after asking once more; one already decided
    meanwhile is left as it is."""
    user, client_id = query.from_user.id, callback_data.client_id
    waiting = [
        r for r in await backend.requests(user, client_id) if r.status is RequestStatus.PENDING
    ]
    message = query.message if isinstance(query.message, Message) else None
    if not callback_data.sure:
        if message is not None and waiting:
            await message.answer(
                texts.requests.withdraw_all_sure(len(waiting)),
                reply_markup=keyboards.withdraw_all_keyboard(client_id, len(waiting), sure=True),
            )
        return
    done = 0
    for request in waiting:
        try:
            await backend.withdraw(user, request.id)
        except BackendError as error:
            if error.status != 409:  # decided while we went through them: it stays decided
                raise
        else:
            done += 1
    if message is not None:  # the button goes with the question
        await message.edit_text(texts.requests.withdrawn_all(done))
    else:
        callback_answer.text = texts.requests.withdrawn_all(done)


async def withdraw(
    query: CallbackQuery,
    callback_data: keyboards.Withdraw,
    me: MePublic,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    request = await backend.withdraw(query.from_user.id, callback_data.request_id)
    callback_answer.text = texts.requests.withdrawn()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            texts.requests.request_block(request, viewer=me.kind, viewer_name=me.first_name)
        )


async def show_notes(
    message: Message,
    me: MePublic,
    client: ClientAccess,
    event_from_user: User,
    backend: BackendClient,
) -> None:
    notes = await backend.client_notes(event_from_user.id, client.client_id)
    shown = texts.visits.notes_messages(notes[:SHOWN], whose=whose(me, client))
    await answer_all(message, shown, keyboards.main_menu(me))

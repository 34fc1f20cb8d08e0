"""The bot's house: each dispatcher gets routers of its own, and every button press is
answered exactly once, whatever happens to it (Telegram shows a spinner until then)."""

from __future__ import annotations

import httpx
from aiogram.methods import AnswerCallbackQuery, SendMessage

from backend.config import Settings
from bot import keyboards
from bot.backend_client import BackendClient
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.middlewares.throttling import MemoryCounter
from tests.bot.conftest import Chat
from tests.conftest import Clock
from tests.support.recording_session import RecordingSession, message_update

LISA = Chat.user_id("lisa")


async def test_a_second_dispatcher_in_the_same_process_has_routers_of_its_own(
    chat: Chat, settings: Settings, backend_client: BackendClient, clock: Clock
) -> None:
    session = RecordingSession()
    bot = create_bot(settings, session=session)
    other = create_dispatcher(
        settings,
        backend=backend_client,
        i18n=create_i18n(settings),
        counter=MemoryCounter(),
        clock=clock,
    )
    assert not {id(r) for r in other.sub_routers} & {id(r) for r in chat.dispatcher.sub_routers}
    await other.feed_update(bot, message_update(LISA, "/help"))
    [answer] = session.requests_of(SendMessage)
    assert "kontaktperson" in answer.text
    # The first dispatcher still has all its handlers.
    assert "kontaktperson" in await chat.send("lisa", "/help")
    await bot.session.close()


def answers(chat: Chat) -> list[AnswerCallbackQuery]:
    return [r for r in chat.last if isinstance(r, AnswerCallbackQuery)]


async def test_a_press_beyond_the_flood_limit_is_answered_once_and_does_nothing(
    chat: Chat,
) -> None:
    for _ in range(20):  # the limit per 10 seconds
        await chat.send("lisa", "/help")
    await chat.press_data("lisa", keyboards.SettingsPick(what="language").pack())
    assert [a.text for a in answers(chat)] == [None]
    assert chat.sent() == []


async def test_a_press_while_the_backend_is_down_is_answered_once_with_the_reason(
    chat: Chat, backend_client: BackendClient
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("backend is down", request=request)

    backend_client.http._transport = httpx.MockTransport(down)
    await chat.press_data("lisa", keyboards.SettingsPick(what="language").pack())
    [answer] = answers(chat)
    assert answer.show_alert and "når inte hemtjänstens system" in (answer.text or "")


async def test_a_stale_button_is_answered_once_with_an_alert(chat: Chat) -> None:
    await chat.press_data("lisa", keyboards.Confirm(action="send").pack())  # no flow open
    [answer] = answers(chat)
    assert answer.show_alert and "inte längre" in (answer.text or "")

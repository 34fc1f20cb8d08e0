"""The Telegram fakes behave like Telegram for a real aiogram Bot and Dispatcher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router, html
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.support.fake_telegram import FakeTelegram, buttons
from tests.support.recording_session import (
    DEFAULT_TOKEN,
    RecordingSession,
    callback_update,
    message_update,
    voice_update,
)

OGG = b"OggS\x00\x02" + bytes(range(40))


def late_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Ja", callback_data="late:yes"),
                InlineKeyboardButton(text="Nej", callback_data="late:no"),
            ]
        ]
    )


def demo_router() -> Router:
    router = Router(name="demo")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Blir du sen till besöket?", reply_markup=late_keyboard())

    @router.callback_query(F.data.startswith("late:"))
    async def late_answer(query: CallbackQuery) -> None:
        await query.answer("Tack!")
        if isinstance(query.message, Message):
            answer = "sen" if query.data == "late:yes" else "i tid"
            await query.message.edit_text(f"Noterat: {answer}")

    @router.message(F.voice)
    async def voice(message: Message, bot: Bot) -> None:
        assert message.voice is not None
        audio = await bot.download(message.voice)
        assert audio is not None
        await message.answer(f"{len(audio.read())} byte, {message.voice.duration} s")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"Du skrev: <b>{html.quote(message.text or '')}</b>")

    return router


def demo_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher.include_router(demo_router())
    return dispatcher


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.create_bot(default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


# -- a real Dispatcher polling the fake server ---------------------------------------------------


async def test_text_reply_reaches_the_user_as_rendered_html(tg: FakeTelegram, bot: Bot) -> None:
    async with tg.polling(demo_dispatcher(), bot):
        tg.user_sends_text(7, "Hej <3 & hej")
        [reply] = await tg.wait_for_sent()

    assert reply["method"] == "sendMessage"
    assert reply["chat_id"] == 7
    assert reply["text"] == "Du skrev: Hej <3 & hej"
    assert reply["source_text"] == "Du skrev: <b>Hej &lt;3 &amp; hej</b>"
    assert reply["parse_mode"] == "HTML"
    assert tg.calls["getMe"] == 1


async def test_inline_keyboard_press_is_answered_and_edits_the_question(
    tg: FakeTelegram, bot: Bot
) -> None:
    async with tg.polling(demo_dispatcher(), bot):
        tg.user_sends_text(7, "/start")
        [question] = await tg.wait_for_sent()
        assert buttons(question) == {"Ja": "late:yes", "Nej": "late:no"}

        tg.user_presses(7, buttons(question)["Nej"], question["message_id"])
        [edit] = await tg.wait_for_sent(lambda m: m["method"] == "editMessageText")

    assert [(a["user_id"], a["data"], a["text"]) for a in tg.answered_callbacks] == [
        (7, "late:no", "Tack!")
    ]
    assert edit["message_id"] == question["message_id"]
    current = tg.message(7, question["message_id"])
    assert current["text"] == "Noterat: i tid"
    assert "reply_markup" not in current  # editing the text without a keyboard removes it


async def test_voice_note_round_trip_through_get_file_and_download(
    tg: FakeTelegram, bot: Bot
) -> None:
    async with tg.polling(demo_dispatcher(), bot):
        tg.user_sends_voice(7, OGG, duration=4)
        [reply] = await tg.wait_for_sent()

    assert reply["text"] == f"{len(OGG)} byte, 4 s"
    assert tg.calls["getFile"] == 1


# -- the Bot API surface, called directly --------------------------------------------------------


async def test_get_updates_long_polls_and_confirms_below_offset(
    tg: FakeTelegram, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_for_calls("getUpdates")
    assert not poll.done()

    update_id = tg.user_sends_text(7, "Hej")
    async with asyncio.timeout(5):  # returns as soon as the update is queued, not after 10 s
        updates = await poll
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None
    assert updates[0].message.text == "Hej"

    redelivered = await bot.get_updates()
    assert [u.update_id for u in redelivered] == [update_id]
    assert await bot.get_updates(offset=update_id + 1) == []


async def test_get_updates_drops_update_types_not_asked_for(tg: FakeTelegram, bot: Bot) -> None:
    question = await bot.send_message(7, "Fråga", reply_markup=late_keyboard())
    tg.user_presses(7, "late:yes", question.message_id)
    text_update = tg.user_sends_text(7, "Hej")

    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [text_update]
    assert [u.update_id for u in await bot.get_updates(allowed_updates=[])] == [text_update]


async def test_get_updates_honours_its_timeout(tg: FakeTelegram, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert loop.time() - started >= 0.9


async def test_injected_429_surfaces_as_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", retry_after=3)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(7, "Hej")
    assert caught.value.retry_after == 3
    assert "Too Many Requests: retry after 3" in str(caught.value)

    await bot.send_message(7, "Hej")
    assert [m["text"] for m in tg.sent] == ["Hej"]
    assert tg.calls["sendMessage"] == 2


async def test_blocked_chat_is_forbidden(tg: FakeTelegram, bot: Bot) -> None:
    tg.block_chat(7)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(7, "Hej")
    await bot.send_message(8, "Hej")
    assert [m["chat_id"] for m in tg.sent] == [8]


async def test_server_error_and_dropped_connection(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", status=502)
    tg.drop_next("sendChatAction")

    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_message(7, "Hej")
    with pytest.raises(TelegramNetworkError):
        await bot.send_chat_action(7, "typing")
    assert await bot.send_chat_action(7, "typing")
    assert tg.chat_actions == [(7, "typing")]


async def test_telegram_strictness_is_kept(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "3" at byte offset 4'):
        await bot.send_message(7, "Hej <3 dig")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag"):
        await bot.send_message(7, "<b>Hej")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(7, "<b></b>")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        too_long = InlineKeyboardButton(text="x", callback_data="x" * 65)
        await bot.send_message(
            7, "Hej", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[too_long]])
        )

    sent = await bot.send_message(7, "Hej", reply_markup=late_keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Hej", chat_id=7, message_id=sent.message_id, reply_markup=late_keyboard()
        )
    await bot.edit_message_reply_markup(chat_id=7, message_id=sent.message_id)
    assert await bot.delete_message(7, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("Hej då", chat_id=7, message_id=sent.message_id)

    tg.user_presses(7, "late:yes", (await bot.send_message(7, "Igen?")).message_id)
    [update] = await bot.get_updates()
    assert update.callback_query is not None
    assert await bot.answer_callback_query(update.callback_query.id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(update.callback_query.id)


async def test_setup_methods_and_unknown_token(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends_text(7, "gammal")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    assert await bot.set_my_commands(
        [BotCommand(command="start", description="Börja")], language_code="sv"
    )
    assert tg.commands["sv"] == [{"command": "start", "description": "Börja"}]
    assert await bot.set_chat_menu_button()

    stranger = tg.create_bot("1:OTHER")
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await stranger.session.close()


async def test_json_and_query_string_requests_are_understood(tg: FakeTelegram) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "late:yes"}]]}
    async with aiohttp.ClientSession() as http:
        url = f"{tg.url}/bot{tg.token}/sendMessage"
        async with http.post(url, json={"chat_id": 7, "text": "Hej", "reply_markup": keyboard}):
            pass
        async with http.get(url, params={"chat_id": "8", "text": "Hallå"}) as response:
            body = await response.json()

    assert body["ok"] is True
    assert body["result"]["chat"] == {"id": 8, "type": "private", "first_name": ""}
    assert [(m["chat_id"], m["text"]) for m in tg.sent] == [(7, "Hej"), (8, "Hallå")]
    assert buttons(tg.sent[0]) == {"Ja": "late:yes"}


async def test_wait_for_sent_reports_what_was_sent(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(7, "Hej")
    with pytest.raises(TimeoutError, match="'Hej'"):
        await tg.wait_for_sent(lambda m: m["chat_id"] == 8, timeout=0.05)


# -- RecordingSession with Dispatcher.feed_update ------------------------------------------------


@pytest.fixture
async def recorded() -> AsyncIterator[tuple[Bot, RecordingSession]]:
    session = RecordingSession()
    bot = Bot(
        DEFAULT_TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )
    yield bot, session
    await bot.session.close()


async def test_recording_session_answers_handlers(
    recorded: tuple[Bot, RecordingSession],
) -> None:
    bot, session = recorded
    dispatcher = demo_dispatcher()

    await dispatcher.feed_update(bot, message_update(7, "/start"))
    [question] = session.requests_of(SendMessage)
    assert question.chat_id == 7
    assert question.text == "Blir du sen till besöket?"
    assert question.reply_markup == late_keyboard()

    await dispatcher.feed_update(
        bot, callback_update(7, "late:yes", 1001, message_text=question.text)
    )
    [answer] = session.requests_of(AnswerCallbackQuery)
    [edit] = session.requests_of(EditMessageText)
    assert answer.text == "Tack!"
    assert (edit.chat_id, edit.message_id, edit.text) == (7, 1001, "Noterat: sen")

    session.add_file("voice-9", OGG)
    await dispatcher.feed_update(bot, voice_update(7, "voice-9", duration=2))
    assert session.requests_of(SendMessage)[-1].text == f"{len(OGG)} byte, 2 s"


async def test_recording_session_results_and_failures(
    recorded: tuple[Bot, RecordingSession],
) -> None:
    bot, session = recorded

    first = await bot.send_message(7, "Ett")
    second = await bot.send_message(7, "Två")
    assert second.message_id == first.message_id + 1
    assert (second.chat.id, second.text) == (7, "Två")
    assert (await bot.get_me()).id == 42

    session.fail_next(retry_after=2)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(7, "Tre")
    assert caught.value.retry_after == 2

    session.fail_next(status=403)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(7, "Tre")

    session.fail_next(TelegramNetworkError(SendMessage(chat_id=7, text="Tre"), "boom"))
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(7, "Tre")

    assert [r.text for r in session.requests_of(SendMessage)] == ["Ett", "Två", *["Tre"] * 3]

"""The gate: the bot talks only in private chats, and to an account that is not linked only
about linking and help. Updates from each kind of chat and from a stranger, through the real
dispatcher and backend; what the backend was asked is recorded at its HTTP client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import AnswerCallbackQuery, GetFile, SendMessage
from aiogram.types import Update
from aiogram.utils.i18n import I18n
from sqlmodel import select

from backend.models import ChatAccount, Client, Invitation
from backend.services.accounts import code_hash
from bot import keyboards
from bot.backend_client import BackendClient
from bot.filters import menu_word
from bot.wish_parser import WishKind
from contract import NotifyLevel, RejectReason, Scope, ServiceCode
from tests.bot.conftest import Chat
from tests.conftest import Database, as_staff
from tests.support.recording_session import BOT_ID, callback_update, voice_update

STRANGER = 777100
PRIVATE_ONLY = "Jag pratar bara i privata chattar"
NOT_LINKED = "Jag känner inte igen dig än"


@pytest.fixture
def backend_calls(backend_client: BackendClient) -> Iterator[list[str]]:
    """Every request the bot makes to the backend, as "METHOD /path"."""
    calls: list[str] = []

    async def record(request: httpx.Request) -> None:
        calls.append(f"{request.method} {request.url.path}")

    hooks = backend_client.http.event_hooks
    backend_client.http.event_hooks = {**hooks, "request": [*hooks["request"], record]}
    yield calls
    backend_client.http.event_hooks = hooks


async def feed(chat: Chat, update: Update) -> list[Any]:
    """What the bot did with one update (every request it made to Telegram)."""
    start = len(chat.session.requests)
    await chat.dispatcher.feed_update(chat.bot, update)
    return chat.session.requests[start:]


def in_chat(chat_type: str, payload: dict[str, Any], user: int = Chat.user_id("lisa")) -> Update:
    """A message from ``user`` (Lisa, linked) in a chat of ``chat_type``."""
    chat: dict[str, Any] = {"id": -100123, "type": chat_type, "title": "Släkten"}
    message = {
        "message_id": 5,
        "date": int(time.time()),
        "chat": chat,
        "from": {"id": user, "is_bot": False, "first_name": "Lisa", "language_code": "sv"},
        **payload,
    }
    if chat_type == "channel":
        del message["from"]
        message["sender_chat"] = chat
    if payload.get("text", "").startswith("/"):
        command = payload["text"].split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return Update.model_validate({"update_id": 900 + len(payload), "message": message})


def press_in(chat_type: str, data: str, user: int = Chat.user_id("lisa")) -> Update:
    update = callback_update(user, data, 1)
    assert update.callback_query is not None and update.callback_query.message is not None
    raw = update.model_dump(mode="json", exclude_none=True, by_alias=True)
    raw["callback_query"]["message"]["chat"] = {"id": -100123, "type": chat_type, "title": "G"}
    return Update.model_validate(raw)


async def an_invitation_code(api: httpx.AsyncClient, db: Database) -> str:
    await db.add(Client(unit_id=1, first_name="Britt", last_name="Ek", preferred_language="sv"))
    r = await api.post(
        "/staff/invitations",
        json={"kind": "client", "client_id": 5},
        headers=as_staff("erik"),  # a planner of the unit may invite a client
    )
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


# --- groups, supergroups and channels -----------------------------------------------------


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_start_with_a_code_in_a_group_links_nothing(
    chat: Chat,
    chat_type: str,
    api: httpx.AsyncClient,
    db: Database,
    backend_calls: list[str],
) -> None:
    code = await an_invitation_code(api, db)
    accounts = await db.count(ChatAccount)
    backend_calls.clear()
    sent = await feed(chat, in_chat(chat_type, {"text": f"/start {code}"}, user=STRANGER))
    [reply] = [r for r in sent if isinstance(r, SendMessage)]
    assert PRIVATE_ONLY in reply.text and reply.chat_id == -100123
    assert backend_calls == []  # not even "who is this?"
    assert await db.count(ChatAccount) == accounts
    invitation = await db.first(select(Invitation).where(Invitation.code_hash == code_hash(code)))
    assert invitation.used_at is None  # the code still works, in a private chat


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
@pytest.mark.parametrize("text", ["/help", "/start", "/queue"])
async def test_a_command_in_a_group_gets_only_the_refusal(
    chat: Chat, chat_type: str, text: str, backend_calls: list[str]
) -> None:
    sent = await feed(chat, in_chat(chat_type, {"text": text}))
    assert [r.text for r in sent if isinstance(r, SendMessage)] == [
        "Jag pratar bara i privata chattar. Skriv direkt till mig."
    ]
    assert len(sent) == 1 and backend_calls == []


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
@pytest.mark.parametrize(
    "payload",
    [
        {"text": "📅 Idag"},
        {"text": "kan ni komma klockan tio i stället i morgon?"},
        {"voice": {"file_id": "v1", "file_unique_id": "u1", "duration": 3}},
    ],
    ids=["menu word", "a wish", "voice"],
)
async def test_anything_else_in_a_group_or_channel_gets_nothing(
    chat: Chat, chat_type: str, payload: dict[str, Any], backend_calls: list[str]
) -> None:
    assert await feed(chat, in_chat(chat_type, payload)) == []
    assert backend_calls == []


async def test_a_command_in_a_channel_gets_nothing(chat: Chat, backend_calls: list[str]) -> None:
    assert await feed(chat, in_chat("channel", {"text": "/start"})) == []
    assert backend_calls == []


async def test_being_added_to_a_group_says_once_where_the_bot_talks(
    chat: Chat, backend_calls: list[str]
) -> None:
    joined = {"new_chat_members": [{"id": BOT_ID, "is_bot": True, "first_name": "Ramtid"}]}
    [reply] = await feed(chat, in_chat("group", joined))
    assert isinstance(reply, SendMessage) and PRIVATE_ONLY in reply.text
    others = {"new_chat_members": [{"id": 5, "is_bot": False, "first_name": "Olle"}]}
    assert await feed(chat, in_chat("group", others)) == []
    assert backend_calls == []


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_a_button_pressed_in_a_group_is_answered_with_the_refusal(
    chat: Chat, chat_type: str, backend_calls: list[str]
) -> None:
    data = keyboards.Decide(action="approve", request_id=1, version=1).pack()
    [answer] = await feed(chat, press_in(chat_type, data))
    assert isinstance(answer, AnswerCallbackQuery) and PRIVATE_ONLY in (answer.text or "")
    assert backend_calls == []


async def test_the_refusal_is_in_the_senders_language(chat: Chat) -> None:
    update = in_chat("group", {"text": "/help"})
    assert update.message is not None and update.message.from_user is not None
    raw = update.model_dump(mode="json", exclude_none=True, by_alias=True)
    raw["message"]["from"]["language_code"] = "fi"
    [reply] = await feed(chat, Update.model_validate(raw))
    assert isinstance(reply, SendMessage) and "yksityisviesteillä" in reply.text


async def test_a_message_in_a_private_chat_still_goes_through(chat: Chat) -> None:
    assert "08:00" in await chat.send("lisa", "📅 Idag")


# --- an account that is not linked ---------------------------------------------------------

ME = "GET /bot/me"


def every_button() -> list[CallbackData]:
    """One press of every kind of button the bot ever shows."""
    return [
        keyboards.VisitPick(visit_id=1),
        keyboards.KindPick(kind=WishKind.MOVE),
        keyboards.MinutesPick(minutes=15),
        keyboards.ShiftPick(minutes=30),
        keyboards.ServicePick(code=ServiceCode.WALK),
        keyboards.Confirm(action="send"),
        keyboards.Nav(to="cancel"),
        keyboards.Nav(to="back"),
        keyboards.Withdraw(request_id=1),
        keyboards.Decide(action="approve", request_id=1, version=1),
        keyboards.RejectWith(request_id=1, version=1, reason=RejectReason.NO_STAFF),
        keyboards.VisitAction(action="in", visit_id=1),
        keyboards.LatePick(minutes=10),
        keyboards.Language(code="fi"),
        keyboards.Level(level=NotifyLevel.ALL),
        keyboards.SettingsPick(what="relatives"),
        keyboards.ScopePick(level=0),
        keyboards.Revoke(client_id=1, link_id=1),
        keyboards.RevokeSure(client_id=1, link_id=1),
        keyboards.ScopeToggle(client_id=1, link_id=1, scope=Scope.NOTES, on=True),
        keyboards.Nav(to="keep"),
        keyboards.ClientPick(client_id=1),
        keyboards.NoteAction(action="save"),
        keyboards.NoteVisit(visit_id=1),
        keyboards.NoteCorrect(note_id=1),
    ]


@pytest.mark.parametrize("button", every_button(), ids=lambda b: type(b).__name__)
async def test_a_stranger_pressing_any_button_reaches_nothing(
    chat: Chat, button: CallbackData, backend_calls: list[str]
) -> None:
    await chat.press_data(STRANGER, button.pack())
    [answer] = chat.alerts()
    assert NOT_LINKED in answer
    assert chat.sent() == [] and chat.edits() == []
    assert backend_calls == [ME]


SAY = {
    "sv": {
        "not_linked": "Jag känner inte igen dig än. Skriv koden som du fick av din kontaktperson.",
        "help": "Det här är hemtjänstens assistent.",
        "welcome": "Välkommen! Det här är hemtjänstens assistent.",
        "wrong_code": "Koden stämmer inte.",
    },
    "en": {
        "not_linked": "I do not know you yet. Please write the code you got from your contact "
        "person.",
        "help": "This is the home-care assistant.",
        "welcome": "Welcome! This is the home-care assistant.",
        "wrong_code": "That code is not right.",
    },
}


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_a_stranger_using_any_menu_word_is_told_how_to_begin(
    chat: Chat, language: str, backend_calls: list[str]
) -> None:
    i18n: I18n = chat.dispatcher["i18n"]
    with i18n.context(), i18n.use_locale(language):
        labels = [(str(label), label is keyboards.HELP) for label in keyboards.MENU]
    for n, (label, is_help) in enumerate(labels):
        for asked, text in enumerate((label, menu_word(label))):  # pressed, or typed
            backend_calls.clear()
            reply = await chat.send(STRANGER + n, text, language_code=language)
            # Not even a try at linking with it; "who is this?" asked once per stranger.
            assert backend_calls == ([] if asked else [ME]), text
            if is_help:
                assert reply.startswith(SAY[language]["help"]), text
            else:
                assert reply == SAY[language]["not_linked"], text


@pytest.mark.parametrize(
    "text", ["kan ni komma klockan tio i stället i morgon?", "/cancel", "/queue", "hej"]
)
async def test_a_stranger_writing_anything_else_is_told_how_to_begin(
    chat: Chat, text: str, backend_calls: list[str]
) -> None:
    assert await chat.send(STRANGER, text) == SAY["sv"]["not_linked"]
    assert backend_calls == [ME]


async def test_a_strangers_voice_note_is_not_even_downloaded(
    chat: Chat, backend_calls: list[str]
) -> None:
    sent = await feed(chat, voice_update(STRANGER))
    assert [r.text for r in sent if isinstance(r, SendMessage)] == [SAY["sv"]["not_linked"]]
    assert not any(isinstance(r, GetFile) for r in sent)
    assert backend_calls == [ME]


async def test_a_stranger_can_start_ask_for_help_and_link(
    chat: Chat, api: httpx.AsyncClient, db: Database, backend_calls: list[str]
) -> None:
    assert (await chat.send(STRANGER, "/start")).startswith(SAY["sv"]["welcome"])
    assert (await chat.send(STRANGER, "/help")).startswith(SAY["sv"]["help"])
    assert backend_calls == [ME]  # "who is this?" once: the answer is kept
    assert SAY["sv"]["wrong_code"] in await chat.send(STRANGER, "WRONG123")
    code = await an_invitation_code(api, db)
    backend_calls.clear()
    assert "Britt" in await chat.send(STRANGER, code)
    assert backend_calls == ["POST /bot/link"]  # still a stranger until the link
    assert "📅 Idag" in chat.menu(STRANGER)
    backend_calls.clear()
    assert "Inga besök idag" in await chat.send(STRANGER, "📅 Idag")  # linked now
    assert ME in backend_calls and len(backend_calls) > 1

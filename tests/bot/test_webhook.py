"""Webhook mode: Telegram's updates through the worker's FastAPI route. Only with Telegram's
secret is an update read and handled; a forged one changes nothing and answers nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram.methods import SendMessage

from backend.demo import DEMO_ACCOUNTS
from bot.webhook import SECRET_HEADER, WEBHOOK_PATH, create_webhook_app
from tests.backend.test_metrics import value
from tests.bot.conftest import Chat
from tests.support.recording_session import message_update

SECRET = "webhook-secret-of-the-test-0123456789abcdef"
LISA = DEMO_ACCOUNTS["lisa"]


@pytest.fixture
async def worker(chat: Chat) -> AsyncIterator[httpx.AsyncClient]:
    app = create_webhook_app(chat.dispatcher, chat.bot, SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot:8080") as client:
        yield client


def lisa_asks_for_today(update_id: int = 501) -> str:
    update = message_update(LISA, "Idag", language_code="sv")
    update = update.model_copy(update={"update_id": update_id})
    return update.model_dump_json(exclude_none=True, by_alias=True)


def replies_to(chat: Chat, user: int) -> list[str]:
    return [
        r.text for r in chat.session.requests if isinstance(r, SendMessage) and r.chat_id == user
    ]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no secret"),
        pytest.param({SECRET_HEADER: "guessed"}, id="wrong secret"),
        pytest.param({SECRET_HEADER: SECRET[:-1]}, id="almost the secret"),
        pytest.param({SECRET_HEADER: ""}, id="empty secret"),
    ],
)
async def test_an_update_without_the_secret_is_refused_and_answers_nobody(
    worker: httpx.AsyncClient, chat: Chat, headers: dict[str, str]
) -> None:
    r = await worker.post(WEBHOOK_PATH, content=lisa_asks_for_today(), headers=headers)
    assert r.status_code == 401
    assert chat.session.requests == []  # Lisa's day was sent to no one


async def test_an_update_with_the_secret_is_handled_once(
    worker: httpx.AsyncClient, chat: Chat
) -> None:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    r = await worker.post(WEBHOOK_PATH, content=lisa_asks_for_today(), headers=headers)
    assert r.status_code == 200
    [reply] = replies_to(chat, LISA)
    assert "Anna" in reply  # her day, with who comes
    # Telegram sending the same update again (it did not see the answer): not handled again.
    r = await worker.post(WEBHOOK_PATH, content=lisa_asks_for_today(), headers=headers)
    assert r.status_code == 200
    assert len(replies_to(chat, LISA)) == 1


async def test_what_is_not_an_update_is_a_400_and_the_worker_has_metrics_and_health(
    worker: httpx.AsyncClient, chat: Chat
) -> None:
    for body in ("{", '{"update_id": "x"}', "[]"):
        r = await worker.post(WEBHOOK_PATH, content=body, headers={SECRET_HEADER: SECRET})
        assert r.status_code == 400, body
    assert chat.session.requests == []
    await worker.post(
        WEBHOOK_PATH, content=lisa_asks_for_today(502), headers={SECRET_HEADER: SECRET}
    )
    metrics = (await worker.get("/metrics")).text
    handled = (
        'ramtid_bot_updates_total{handler="bot.handlers.client.show_today",outcome="handled"}'
    )
    assert value(metrics, handled) >= 1
    assert (await worker.get("/health")).json() == {"status": "ok"}

"""Two bot workers and two notifiers against one PostgreSQL and one Redis, as behind the load
balancer: no double effects. One update delivered to both workers is handled once; one outbox
drained by both notifiers sends each message once, within one shared Telegram budget; a change
of identity made through one worker is seen by the other at once.

Each worker is what ``ramtid bot`` builds (its own backend app, engine and Redis clients); they
share only the database and Redis, as separate processes would. CI runs this in its
PostgreSQL + Redis stage (.ci/run)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlmodel import col, select

from backend.config import Settings
from backend.db import create_engine, session_factory
from backend.main import create_app
from backend.models import Notification
from backend.services import outbox
from bot.backend_client import BackendClient
from bot.delivery import Sender, SharedBudget
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.notifier import Notifier
from bot.webhook import SECRET_HEADER, WEBHOOK_PATH, create_webhook_app
from contract import Scope, StaffLate, Urgency
from tests.conftest import SERVICE_TOKEN, Clock
from tests.support.recording_session import RecordingSession, message_update

REDIS_URL = os.environ.get("RAMTID_TEST_REDIS_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set RAMTID_TEST_REDIS_URL"),
]
LISA = 1001
CHAT_GAP = 0.2  # seconds between two messages to one chat, for the test (Telegram: 1 s)


class TimedSession(RecordingSession):
    """Records when each message left, too."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_at: list[tuple[float, int, str]] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession signature
    ) -> Any:
        if isinstance(method, SendMessage):
            self.sent_at.append((time.monotonic(), int(method.chat_id), method.text))
        return await super().make_request(bot, method, timeout)


@dataclass
class Worker:
    dispatcher: Dispatcher
    bot: Bot
    session: TimedSession
    backend: BackendClient
    i18n: I18n

    def replies(self) -> list[str]:
        return [r.text for r in self.session.requests_of(SendMessage)]


@contextlib.asynccontextmanager
async def worker(settings: Settings, clock: Clock) -> AsyncIterator[Worker]:
    app = create_app(settings, clock=clock, run_housekeeping=False)
    async with app.router.lifespan_context(app):
        backend = BackendClient.in_process(app, SERVICE_TOKEN)
        session = TimedSession()
        bot = create_bot(settings, session=session)
        i18n = create_i18n(settings)
        dispatcher = create_dispatcher(settings, backend=backend, i18n=i18n, clock=clock)
        try:
            yield Worker(dispatcher, bot, session, backend, i18n)
        finally:
            await backend.close()
            await bot.session.close()


@pytest.fixture
async def two(settings: Settings, clock: Clock, demo: None) -> AsyncIterator[list[Worker]]:
    assert REDIS_URL is not None
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    shared = settings.model_copy(update={"redis_url": REDIS_URL})
    async with worker(shared, clock) as a, worker(shared, clock) as b:
        yield [a, b]


async def test_one_update_delivered_to_both_workers_is_handled_once(two: list[Worker]) -> None:
    a, b = two
    body = message_update(LISA, "📅 Idag").model_dump_json(exclude_none=True, by_alias=True)
    secret = "webhook-secret-of-the-test-0123456789abcdef"

    async def through_the_webhook(w: Worker) -> int:
        """As Telegram delivers it in webhook mode: a POST to the worker's route."""
        app = create_webhook_app(w.dispatcher, w.bot, secret)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot:8080") as http:
            r = await http.post(WEBHOOK_PATH, content=body, headers={SECRET_HEADER: secret})
            return r.status_code

    assert await asyncio.gather(through_the_webhook(a), through_the_webhook(b)) == [200, 200]
    replies = a.replies() + b.replies()
    assert len(replies) == 1
    assert "Idag" in replies[0] or "idag" in replies[0]
    # Delivered again later (Telegram retrying a webhook): still not handled again.
    assert await through_the_webhook(b) == 200
    assert len(a.replies() + b.replies()) == 1


async def test_a_language_changed_through_one_worker_is_the_others_at_once(
    two: list[Worker],
) -> None:
    a, b = two
    await b.dispatcher.feed_update(b.bot, message_update(LISA, "/help"))
    swedish = b.replies()[-1]
    assert "kontaktperson" in swedish.lower()  # and Lisa's identity is cached in worker b
    await a.backend.update_me(LISA, locale="fi")  # what worker a's settings handler does
    await b.dispatcher.feed_update(b.bot, message_update(LISA, "/help"))
    assert "yhteyshenkilö" in b.replies()[-1].lower()


def minutes_of(text: str) -> int:
    """The visit's time in a lateness message ("... besöket kl. 09:58 ..."), in minutes."""
    match = re.search(r"kl\. (\d{1,2})[:.](\d{2})", text)
    assert match is not None, text
    return int(match.group(1)) * 60 + int(match.group(2))


async def test_one_outbox_drained_by_two_notifiers_sends_each_message_once(
    two: list[Worker], database_url: str, clock: Clock
) -> None:
    engine = create_engine(database_url)
    queued = 0
    try:
        async with session_factory(engine)() as session:
            for n in range(8):  # to Lisa and to Eva who follows her: 16 messages
                late = StaffLate(
                    visit_id=1,
                    visit_start=clock.now + timedelta(hours=1, minutes=n),
                    late_minutes=10 + n,
                    staff_first_name="Anna",
                    client_first_name="Lisa",
                )
                queued += await outbox.notify_client(
                    session,
                    client_id=1,
                    message=late,
                    urgency=Urgency.URGENT,
                    now=clock.now,
                    relatives=Scope.VISITS,
                )
            await session.commit()
    finally:
        await engine.dispose()
    assert queued == 16

    assert REDIS_URL is not None
    redis = Redis.from_url(REDIS_URL)
    # One at a time each: a chat's messages are claimed one after another, so with two
    # chats each notifier has one to take from the first round on.
    notifiers = [
        Notifier(
            w.backend,
            Sender(w.bot, budget=SharedBudget(redis, w.bot.id, per_chat_interval=CHAT_GAP)),
            w.i18n,
            batch=1,
        )
        for w in two
    ]

    def delivered() -> int:
        return sum(len(w.session.sent_at) for w in two)

    async def drain(notifier: Notifier) -> None:
        """As a running notifier: an empty claim means nothing is free *now* (the other one
        may hold a chat's earlier message), so look again until all have left."""
        async with asyncio.timeout(30):
            while delivered() < queued:
                if not await notifier.deliver_once():
                    await asyncio.sleep(0.02)

    try:
        await asyncio.gather(*(drain(n) for n in notifiers))
    finally:
        await redis.aclose()

    sent = sorted(s for w in two for s in w.session.sent_at)
    assert len(sent) == 16
    assert len({(chat, text) for _, chat, text in sent}) == 16  # none twice
    assert all(w.session.sent_at for w in two)  # both notifiers took part
    # Each chat read them in the order written (the visits are one minute apart).
    for chat in {chat for _, chat, _ in sent}:
        said = [minutes_of(text) for _, c, text in sent if c == chat]
        assert said == sorted(said) and len(said) == 8, said
    # One budget for the bot: no chat got two messages closer than the gap, whichever
    # notifier sent them (10 ms for the clocks' grain).
    for chat in {chat for _, chat, _ in sent}:
        times = [t for t, c, _ in sent if c == chat]
        assert all(
            later - earlier >= CHAT_GAP - 0.01 for earlier, later in itertools.pairwise(times)
        )
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.exec(select(Notification))).all()
            assert len(rows) == 16
            assert all(r.delivered_at is not None and r.attempts == 1 for r in rows)
            assert not (
                await session.exec(
                    select(Notification).where(col(Notification.delivered_at).is_(None))
                )
            ).all()
    finally:
        await engine.dispose()


async def test_two_notifiers_together_stay_within_one_global_rate(two: list[Worker]) -> None:
    """60 messages to 60 chats from two senders at once: 30 a second for the bot, not each."""
    assert REDIS_URL is not None
    redis = Redis.from_url(REDIS_URL)
    try:
        senders = [Sender(w.bot, budget=SharedBudget(redis, w.bot.id)) for w in two]
        await asyncio.gather(
            *(senders[n % 2].send(5_000_000 + n, f"meddelande {n}") for n in range(60))
        )
    finally:
        await redis.aclose()
    sent = sorted(t for w in two for t, _, _ in w.session.sent_at)
    assert len(sent) == 60
    # One token every 1/30 s for both: the 60th leaves at least 59/30 s after the first (two
    # budgets of their own would send all 60 within about a second).
    assert sent[-1] - sent[0] >= 59 / 30 - 0.1
    for first, later in zip(sent, sent[30:], strict=False):
        # Never 31 within a second; a quarter second allowed for a busy machine's jitter
        # (a budget per process would put them half a second apart).
        assert later - first >= 0.75

"""Telegram answering 429 or 5xx to every attempt: the notifier retries with growing pauses,
the outbox gives up after its limit, and the notification waits as a dead letter that the
unit's managers see and can send again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from sqlmodel import select

from backend.models import Notification, Staff, StaffRole, Unit
from backend.services import outbox
from backend.services.outbox import MAX_BACKOFF, MAX_DELIVERY_ATTEMPTS
from bot.backend_client import BackendClient
from bot.delivery import Sender
from bot.factory import create_i18n
from bot.notifier import Notifier
from contract import RelativeLinked, Urgency
from tests.backend.helpers import LISA
from tests.conftest import Clock, Database, as_chat, as_staff, staff_headers
from tests.support.fake_telegram import FakeTelegram

ATTEMPTS_PER_CLAIM = 3
LISAS_CHAT = 1001
TOLD = "Olle kan nu se dina besök. Du kan ändra det under Inställningar."


class Pauses:
    """The sender's pauses before trying again, recorded instead of slept. (Its pacing
    between messages, milliseconds at this rate, is not a retry and not recorded.)"""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        if seconds >= 0.5:
            self.taken.append(round(seconds, 3))


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as tg:
        yield tg


async def notifier_for(
    tg: FakeTelegram, backend: BackendClient, settings: Any, pauses: Pauses
) -> tuple[Notifier, Bot]:
    bot = tg.create_bot(default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    sender = Sender(
        bot,
        per_chat_interval=0,
        global_rate=1000.0,
        max_attempts=ATTEMPTS_PER_CLAIM,
        backoff_base=1.0,
        backoff_max=30.0,
        sleep=pauses,
    )
    return Notifier(backend, sender, create_i18n(settings), lease_seconds=60), bot


async def tell_lisa(app: Any, clock: Clock) -> int:
    async with app.state.sessions() as session:
        await outbox.notify_client(
            session,
            client_id=LISA,
            message=RelativeLinked(relative_first_name="Olle"),
            urgency=Urgency.CHANGE,
            now=clock.now,
            relatives=None,
        )
        await session.commit()
        [notification] = (await session.exec(select(Notification))).all()
        assert notification.id is not None
        return notification.id


@pytest.mark.parametrize(
    ("status", "reason", "pauses_in_a_claim"),
    [
        pytest.param(429, "rate_limited", [4.0, 4.0], id="429"),
        pytest.param(502, "telegram_error", [1.0, 2.0], id="5xx"),
    ],
)
async def test_a_notification_telegram_keeps_refusing_becomes_a_dead_letter_for_managers(
    app: Any,
    api: Any,
    demo: None,
    db: Database,
    clock: Clock,
    settings: Any,
    backend_client: BackendClient,
    telegram: FakeTelegram,
    status: int,
    reason: str,
    pauses_in_a_claim: list[float],
) -> None:
    nid = await tell_lisa(app, clock)
    pauses = Pauses()
    notifier, bot = await notifier_for(telegram, backend_client, settings, pauses)
    telegram.fail_next(
        "sendMessage",
        status=status,
        retry_after=4,
        times=ATTEMPTS_PER_CLAIM * MAX_DELIVERY_ATTEMPTS,
    )
    try:
        for attempt in range(1, MAX_DELIVERY_ATTEMPTS + 1):
            assert await notifier.deliver_once() == 1
            row = await db.get(Notification, nid)
            assert row.attempts == attempt and row.delivered_at is None
            if attempt < MAX_DELIVERY_ATTEMPTS:
                # The outbox waits longer after each failed claim (capped at an hour).
                expected = min(MAX_BACKOFF, timedelta(seconds=5 * 2**attempt))
                assert (row.available_at - clock.now, row.dead_at) == (expected, None)
                assert await notifier.deliver_once() == 0  # not due yet
                clock.now = row.available_at
        assert (row.dead_at, row.failure) == (clock.now, reason)
        # Within each claim the sender retried, pausing as Telegram asked or doubling.
        assert pauses.taken == pauses_in_a_claim * MAX_DELIVERY_ATTEMPTS
        assert telegram.calls["sendMessage"] == ATTEMPTS_PER_CLAIM * MAX_DELIVERY_ATTEMPTS
        assert telegram.sent == []
        clock.advance(hours=5)
        assert await notifier.deliver_once() == 0  # a dead letter is not tried again by itself

        listed = await api.get("/staff/dead-letters", headers=as_staff("karin"))
        assert listed.status_code == 200, listed.text
        assert [
            (d["id"], d["kind"], d["recipient"], d["client_id"], d["attempts"], d["reason"])
            for d in listed.json()
        ] == [(nid, "relative_linked", "client", LISA, MAX_DELIVERY_ATTEMPTS, reason)]
        for headers, code in ((as_staff("anna"), "manager_only"), (as_chat("lisa"), "staff_only")):
            r = await api.get("/staff/dead-letters", headers=headers)
            assert (r.status_code, r.json()["code"]) == (403, code)
        other = await other_units_manager(db)
        assert (await api.get("/staff/dead-letters", headers=other)).json() == []
        r = await api.post(f"/staff/dead-letters/{nid}/send-again", headers=other)
        assert (r.status_code, r.json()["code"]) == (404, "notification_not_found")

        # Telegram is back; Karin sends it again: it arrives once, and the list is empty.
        r = await api.post(f"/staff/dead-letters/{nid}/send-again", headers=as_staff("karin"))
        assert r.status_code == 204, r.text
        assert await notifier.deliver_once() == 1
        assert [(m["chat_id"], m["text"]) for m in telegram.sent] == [(LISAS_CHAT, TOLD)]
        assert (await db.get(Notification, nid)).delivered_at == clock.now
        assert (await api.get("/staff/dead-letters", headers=as_staff("karin"))).json() == []
    finally:
        await bot.session.close()


async def other_units_manager(db: Database) -> dict[str, str]:
    unit = Unit(name="Hemtjänst Kista", municipality="Stockholm")
    await db.add(unit)
    vera = Staff(unit_id=unit.id or 0, first_name="Vera", last_name="K", role=StaffRole.MANAGER)
    await db.add(vera)
    return await staff_headers(db, vera)

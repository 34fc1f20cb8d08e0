"""The notifier killed (SIGKILL) in the middle of delivering, and started again: every
notification arrives, and none twice except those Telegram had taken when the process died
(at most one per chat: the documented window, DESIGN section 6)."""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from backend.db import create_engine, session_factory
from backend.demo import DEMO_ACCOUNTS, seed
from backend.models import ChatAccount, Notification
from contract import SomeoneNew, Urgency
from tests.conftest import DEFAULT_NOW
from tests.support.fake_telegram import FakeTelegram
from tests.support.processes import RAMTID, ramtid_env

pytestmark = pytest.mark.slow

CHATS = ("lisa", "eva", "gosta", "aino", "samira")
PER_CHAT = 6
KILLED_AFTER = 8  # messages Telegram has answered when the process dies
MARK = re.compile(r"Vikarie(\d+)")


async def arrange(database_url: str) -> list[int]:
    """The demo unit, and 30 notifications waiting, each naming its own stand-in."""
    engine = create_engine(database_url)
    ids = []
    try:
        async with session_factory(engine)() as session:
            await seed(session, now=DEFAULT_NOW)
            await session.flush()
            accounts = {
                a.telegram_user_id: a for a in (await session.exec(select(ChatAccount))).all()
            }
            for number in range(len(CHATS) * PER_CHAT):
                account = accounts[DEMO_ACCOUNTS[CHATS[number % len(CHATS)]]]
                message = SomeoneNew(
                    visit_id=1,
                    visit_start=DEFAULT_NOW + timedelta(days=1),
                    staff_first_name=f"Vikarie{number}",
                    client_first_name="Lisa",
                )
                notification = Notification(
                    chat_account_id=account.id or 0,
                    kind=message.kind.value,
                    urgency=Urgency.CHANGE,
                    message=message,
                )
                session.add(notification)
                await session.flush()
                ids.append(notification.id or 0)
            await session.commit()
    finally:
        await engine.dispose()
    return ids


async def delivered(database_url: str) -> set[int]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.exec(
                select(Notification.id).where(col(Notification.delivered_at).is_not(None))
            )
            return {i for i in rows.all() if i is not None}
    finally:
        await engine.dispose()


def arrived(tg: FakeTelegram, ids: list[int]) -> Counter[int]:
    """How often each notification reached its chat (by the stand-in it names)."""
    counted: Counter[int] = Counter()
    for message in tg.sent:
        found = MARK.search(message["text"])
        if found:
            counted[ids[int(found[1])]] += 1
    return counted


async def start_bot(tg: FakeTelegram, database_url: str, cwd: Path) -> asyncio.subprocess.Process:
    env = ramtid_env(
        database_url=database_url,
        telegram_token=tg.token,
        telegram_api_base=tg.url,
        notifier_lease="5",
        notifier_interval="0.2",
    )
    return await asyncio.create_subprocess_exec(
        str(RAMTID),
        "bot",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_notifier_killed_mid_delivery_and_restarted_delivers_all_none_twice(
    database_url: str, tmp_path: Path
) -> None:
    ids = await arrange(database_url)
    async with FakeTelegram() as tg:
        tg.hold_answers("sendMessage", after=KILLED_AFTER)
        first = await start_bot(tg, database_url, tmp_path)
        try:
            # Telegram has taken more than it answered: those senders wait for the answer.
            await tg.wait_for_calls("sendMessage", count=KILLED_AFTER + 1, timeout=60)
            await asyncio.sleep(0.5)  # every chat's next message is in that state
        finally:
            first.kill()
            await first.wait()
        in_flight = set(arrived(tg, ids)) - await delivered(database_url)
        tg.release_answers()
        assert in_flight, "the kill came while messages were with Telegram"
        assert len(in_flight) <= len(CHATS)  # one per chat at most: each chat waits its turn

        second = await start_bot(tg, database_url, tmp_path)
        try:
            async with asyncio.timeout(90):
                while await delivered(database_url) != set(ids):  # noqa: ASYNC110 - another process writes it
                    await asyncio.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                await second.wait()
        counts = arrived(tg, ids)

    assert set(counts) == set(ids)  # every notification arrived
    twice = {nid for nid, n in counts.items() if n > 1}
    assert twice <= in_flight and max(counts.values()) <= 2
    assert second.returncode == 0

"""``ramtid notifier`` as a process: the outbox delivered to Telegram apart from the bot
workers, each message once, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import col, select

from backend.config import Settings
from backend.db import create_engine, session_factory
from backend.demo import DEMO_ACCOUNTS
from backend.models import Client, Notification
from backend.services import outbox
from contract import TZ, Scope, StaffLate, Urgency
from ramtid.database import migrate_database, seed_demo_if_empty
from tests.support.fake_telegram import FakeTelegram
from tests.support.processes import RAMTID, ramtid_env, running, stop
from tests.support.tcp import free_port


async def test_the_notifier_delivers_the_outbox_once_and_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ramtid.db'}"
    settings = Settings(database_url=url)
    now = datetime.now(UTC)
    start = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    await migrate_database(settings)
    await seed_demo_if_empty(settings, now=now)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            lisa = (await session.exec(select(Client).where(Client.first_name == "Lisa"))).one()
            late = StaffLate(
                visit_id=1,
                visit_start=start,
                late_minutes=20,
                staff_first_name="Anna",
                client_first_name="Lisa",
            )
            queued = await outbox.notify_client(
                session,
                client_id=lisa.id or 0,
                message=late,
                urgency=Urgency.URGENT,
                now=now,
                relatives=Scope.VISITS,
            )
            await session.commit()
    finally:
        await engine.dispose()
    assert queued == 2  # Lisa, and Eva who follows her

    metrics_port = free_port()
    async with FakeTelegram() as tg:
        env = ramtid_env(
            database_url=url,
            telegram_token=tg.token,
            telegram_api_base=tg.url,
            notifier_metrics_port=str(metrics_port),
        )
        async with running([str(RAMTID), "notifier"], env=env, cwd=tmp_path) as process:
            sent = await tg.wait_for_sent(count=2, timeout=60)
            await asyncio.sleep(2.5)  # another poll of the outbox: nothing is sent again
            # Its metrics, on its own port: both deliveries, with how long they waited.
            async with httpx.AsyncClient() as http:
                metrics = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
            output = await stop(process)
        texts = {m["chat_id"]: m["text"] for m in tg.sent}
    assert process.returncode == 0, output
    assert "Traceback" not in output
    # Without Redis its Telegram budget is its own: whoever runs it is told at start.
    assert "RAMTID_REDIS_URL is not set: this notifier keeps Telegram's rate budget" in output
    assert len(sent) == len(tg.sent) == 2
    assert 'ramtid_notifications_total{outcome="delivered"} 2.0' in metrics
    assert 'ramtid_outbox_lag_seconds_count{urgency="urgent"} 2.0' in metrics
    assert "Lisa" not in metrics and "Anna" not in metrics
    arrival = start + timedelta(minutes=20)
    said = (
        f"Anna är försenad till besöket kl. {start.astimezone(TZ):%H:%M} och kommer ca kl. "
        f"{arrival.astimezone(TZ):%H:%M} (20 min sent)."
    )
    assert texts[DEMO_ACCOUNTS["lisa"]] == said
    assert texts[DEMO_ACCOUNTS["eva"]] == f"Gäller Lisa:\n{said}"

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            waiting = await session.exec(
                select(Notification).where(col(Notification.delivered_at).is_(None))
            )
            assert waiting.all() == []
    finally:
        await engine.dispose()

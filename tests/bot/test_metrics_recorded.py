"""What the bot and the notifier record on ``/metrics``: the bot's calls to the backend by
route (ids taken out), and every notification delivered with the time it waited. Counted
against what the test did and what the rows say, never against the code's own figures."""

from __future__ import annotations

import re

import httpx
from sqlmodel import col, select

from backend.config import Settings
from backend.models import Notification
from backend.prometheus import REGISTRY
from bot.backend_client import BackendClient
from bot.delivery import Sender
from bot.factory import create_i18n
from bot.notifier import Notifier
from tests.backend.helpers import LISA
from tests.backend.test_metrics import value
from tests.bot.conftest import Chat
from tests.conftest import Database, as_staff

VISITS_CALLS = 'ramtid_bot_backend_call_duration_seconds_count{route="/clients/{id}/visits"}'


def total(text: str, pattern: str) -> float:
    return sum(float(m[1]) for m in re.finditer(pattern + r" (\S+)$", text, re.M))


async def test_the_bots_calls_to_the_backend_are_timed_by_route(chat: Chat) -> None:
    before = value(REGISTRY.render(), VISITS_CALLS)
    reply = await chat.send("lisa", "Idag")
    assert "Anna" in reply  # Lisa's day, read from the backend
    text = REGISTRY.render()
    assert value(text, VISITS_CALLS) == before + 1
    assert f"/clients/{LISA}/" not in text  # the route, never a path with its ids


async def test_delivered_notifications_are_counted_with_how_long_they_waited(
    api: httpx.AsyncClient,
    db: Database,
    chat: Chat,
    backend_client: BackendClient,
    settings: Settings,
) -> None:
    r = await api.post(
        "/staff/late", json={"minutes": 25}, headers=as_staff("anna")
    )  # Anna's clients are told
    assert r.status_code < 300, r.text
    delivered_rows = select(Notification).where(col(Notification.delivered_at).is_not(None))
    already = len(await db.all(delivered_rows))
    before = REGISTRY.render()
    notifier = Notifier(
        backend_client, Sender(chat.bot, per_chat_interval=0), create_i18n(settings)
    )
    while await notifier.deliver_once():
        pass

    delivered = await db.all(delivered_rows)
    assert len(delivered) > already
    after = REGISTRY.render()
    sent = 'ramtid_notifications_total{outcome="delivered"}'
    assert value(after, sent) - value(before, sent) == len(delivered) - already
    lag = r'ramtid_outbox_lag_seconds_count\{urgency="[a-z_]+"\}'
    assert total(after, lag) - total(before, lag) == len(delivered) - already
    urgencies = {n.urgency.value for n in delivered}
    for urgency in urgencies:
        assert f'ramtid_outbox_lag_seconds_count{{urgency="{urgency}"}}' in after
    assert "Lisa" not in after

"""The bot's handlers on ``/metrics``: a count and a latency per handler (module.function)."""

from __future__ import annotations

import re

import httpx

from tests.backend.test_metrics import value
from tests.bot.conftest import Chat


async def test_each_bot_handler_has_its_count_and_latency(
    chat: Chat, api: httpx.AsyncClient
) -> None:
    before = (await api.get("/metrics")).text
    await chat.send("lisa", "📅 Idag")
    after = (await api.get("/metrics")).text
    counts = {
        m[1]: float(m[2])
        for m in re.finditer(
            r'^ramtid_bot_updates_total\{handler="([^"]+)",outcome="handled"\} (\S+)', after, re.M
        )
    }
    grown = [h for h, n in counts.items() if n == value(before, _series(h)) + 1]
    assert len(grown) == 1
    handler = grown[0]
    assert handler.startswith("bot.handlers.")
    count = f'ramtid_bot_update_duration_seconds_count{{handler="{handler}"}}'
    assert value(after, count) == value(before, count) + 1


def _series(handler: str) -> str:
    return f'ramtid_bot_updates_total{{handler="{handler}",outcome="handled"}}'

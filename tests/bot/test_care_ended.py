"""When a client's care has ended, the bot says so instead of showing an empty day."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.models import Staff
from backend.services import records
from backend.services.access import Actor
from tests.backend.helpers import LISA
from tests.bot.conftest import Chat
from tests.conftest import Clock


async def test_the_client_is_told_that_care_has_ended(chat: Chat, app: Any, clock: Clock) -> None:
    async with app.state.sessions() as session:
        erik = await session.get(Staff, 3)
        await records.end_care(
            session, actor=Actor(staff=erik), client_id=LISA, last_day=date(2026, 11, 30)
        )
        await session.commit()
    clock.set_local(2026, 12, 2, 9, 0)
    today = await chat.send("lisa", "📅 Idag")
    assert "Det finns inga besök idag." in today or "inga besök" in today
    assert "Hemtjänsten upphörde måndag 30 november" in today
    week = await chat.send("lisa", "🗓 Den här veckan")
    assert "Hemtjänsten upphörde" in week

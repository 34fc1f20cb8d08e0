"""The bot's frame for a period counts the whole period: the visits generated so far and the
signed plan over the days with no visits yet (rule 2, DESIGN section 3)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import select

from backend.models import PlanSlot, Visit
from tests.backend.helpers import LISA
from tests.conftest import Database, as_chat


async def test_december_counts_generated_visits_and_the_plan_over_the_rest(
    api: httpx.AsyncClient, demo: None, db: Database
) -> None:
    # Today is 23 November: visits exist up to 7 December (two weeks ahead).
    visits = await db.all(select(Visit).where(Visit.client_id == LISA))
    last_generated = max(v.slot_day for v in visits if v.slot_day is not None)
    assert last_generated == date(2026, 12, 7)
    december = [v for v in visits if v.day.month == 12]
    generated = sum(v.duration_minutes for v in december)
    slots = await db.all(select(PlanSlot).where(PlanSlot.care_plan_id == 1))
    projected = 0
    day = last_generated + timedelta(days=1)
    while day <= date(2026, 12, 31):
        projected += sum(s.duration_minutes for s in slots if s.weekday == day.weekday())
        day += timedelta(days=1)

    frame: dict[str, Any] = (
        await api.get(
            f"/clients/{LISA}/frame", params={"day": "2026-12-10"}, headers=as_chat("lisa")
        )
    ).json()
    assert frame["period_start"] == "2026-12-01"
    assert frame["performed_minutes"] == 0
    assert frame["planned_minutes"] == generated + projected
    assert frame["left_minutes"] == 45 * 60 - generated - projected  # the demo's 45 h


async def test_november_is_all_generated_and_nothing_is_projected(
    api: httpx.AsyncClient, demo: None, db: Database
) -> None:
    visits = await db.all(select(Visit).where(Visit.client_id == LISA))
    november = [v for v in visits if v.day.month == 11 and v.status != "cancelled"]
    planned = sum(v.duration_minutes for v in november if v.status != "done")
    frame = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    assert frame["planned_minutes"] == planned

"""Small helpers for backend tests: find demo visits, count rows."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import httpx

from backend.domain.frame_check import STOCKHOLM
from tests.conftest import as_chat

LISA = 1
GOSTA = 2


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)


async def visits_on(
    api: httpx.AsyncClient, day: date, *, who: str = "lisa", client_id: int = LISA
) -> list[dict[str, Any]]:
    r = await api.get(
        f"/clients/{client_id}/visits", params={"from": day.isoformat()}, headers=as_chat(who)
    )
    assert r.status_code == 200, r.text
    return r.json()["visits"]


async def visit_at(api: httpx.AsyncClient, day: date, hour: int, **kw: Any) -> dict[str, Any]:
    for visit in await visits_on(api, day, **kw):
        start = datetime.fromisoformat(visit["start"]).astimezone(STOCKHOLM)
        if start.hour == hour:
            return visit
    raise AssertionError(f"no visit at {hour}:00 on {day}")

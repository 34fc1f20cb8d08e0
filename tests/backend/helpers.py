"""Small helpers for backend tests: find demo visits, count rows, the bot's headers."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

import httpx
from sqlmodel import SQLModel, select

from backend.models import AuditEvent, ChangeRequest, Notification, Order
from contract import TZ
from tests.conftest import SERVICE_TOKEN, Database, as_chat

LISA = 1
GOSTA = 2


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


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
        start = datetime.fromisoformat(visit["start"]).astimezone(TZ)
        if start.hour == hour:
            return visit
    raise AssertionError(f"no visit at {hour}:00 on {day}")


async def lisa_asks(api: httpx.AsyncClient, change: dict[str, Any]) -> dict[str, Any]:
    """Lisa asks for ``change`` in the bot: the request as the API answered it."""
    r = await api.post(
        f"/clients/{LISA}/requests",
        json={"idempotency_key": uuid.uuid4().hex, "change": change},
        headers=as_chat("lisa"),
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def lisa_asks_for_longer(api: httpx.AsyncClient, day: date, hour: int) -> dict[str, Any]:
    """Lisa asks for her visit at ``hour`` on ``day`` to be five minutes longer (within her
    frame): the request as the API answered it."""
    visit = await visit_at(api, day, hour)
    return await lisa_asks(
        api,
        {"kind": "resize", "visit_id": visit["id"], "new_duration": visit["duration_minutes"] + 5},
    )


async def lisa_asks_to_move(
    api: httpx.AsyncClient, visit_id: int, new_start: datetime
) -> dict[str, Any]:
    """Lisa asks for the visit ``visit_id`` to start at ``new_start``."""
    return await lisa_asks(
        api, {"kind": "move", "visit_id": visit_id, "new_start": new_start.isoformat()}
    )


def service_headers(telegram_user_id: int | None = None) -> dict[str, str]:
    """The bot's own headers: the service token, and the Telegram user it acts for."""
    headers = {"X-Service-Token": SERVICE_TOKEN}
    if telegram_user_id is not None:
        headers["X-Telegram-User-Id"] = str(telegram_user_id)
    return headers


async def written_rows(db: Database) -> dict[str, int]:
    """How many requests, notifications and audit events exist (to prove nothing was written)."""
    return {
        "requests": await db.count(ChangeRequest),
        "notifications": await db.count(Notification),
        "audit": await db.count(AuditEvent),
    }


async def update_row(db: Database, model: type[SQLModel], ident: int, **values: Any) -> None:
    async with db.sessions() as s:
        row = await s.get(model, ident)
        assert row is not None, f"no {model.__name__} {ident}"
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)
        await s.commit()


async def tighten_frame(db: Database, client_id: int, hours: int) -> None:
    """Give the client's order a smaller frame. The demo plans Lisa within her 45 h; at 40 h
    her November is full, so a three-hour wish is outside it."""
    order = await db.first(select(Order).where(Order.client_id == client_id))
    await update_row(db, Order, order.id, frame_minutes=hours * 60)

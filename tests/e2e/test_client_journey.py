"""A client's journey over the real Telegram protocol: the real aiogram Bot long-polls a fake
Bot API server on 127.0.0.1; the notifier delivers the backend's outbox through it."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlmodel import select

from backend.models import ChangeRequest, Client, Notification, Order
from tests.conftest import Database, as_staff
from tests.e2e.conftest import World

LISA = 1


async def test_link_with_a_code_and_see_today(world: World, api, db: Database) -> None:  # type: ignore[no-untyped-def]
    britt_is_annas = Client(  # Anna is her contact person: she makes the code
        unit_id=1, first_name="Britt", last_name="Ek", preferred_language="sv", contact_person_id=1
    )
    await db.add(britt_is_annas)
    code = (
        await api.post(
            "/staff/invitations",
            json={"kind": "client", "client_id": 5},
            headers=as_staff("anna"),
        )
    ).json()["code"]
    await db.add(
        Order(
            client_id=5,
            frame_minutes=1200,
            valid_from=date(2026, 11, 1),
            decided_on=date(2026, 10, 28),
        )
    )
    britt = world.phone(888001)
    linked = await britt.says(f"/start {code}")
    assert "Britt" in linked
    today = await britt.says("📅 Idag")
    assert "Inga besök idag" in today


async def test_lisa_moves_a_visit_within_the_frame_and_hears_the_answer(
    world: World,
    api,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    lisa = world.phone("lisa")
    today = await lisa.says("📅 Idag")
    assert "12:00" in today and "Anna kommer" in today
    # "lunchen" names the visit: no question which one
    preview = await lisa.says("i morgon kl 13 i stället för lunchen")
    assert "kl. 12:00 till tisdag 24 november kl. 13:00" in preview
    assert "Det ryms i din beviljade tid" in preview
    sent = await lisa.presses("Skicka")
    assert "kontaktperson Anna" in sent
    request = await db.first(select(ChangeRequest))
    assert request.kind == "move" and request.status == "pending"

    # Anna approves through the backend API; Lisa's phone gets the answer in Swedish.
    start = len(world.tg.sent)
    r = await api.post(f"/staff/requests/{request.id}/approve", json={}, headers=as_staff("anna"))
    assert r.status_code == 200
    answer = await lisa.gets("Anna", start=start)
    assert "godkänt" in answer
    eva = world.phone("eva")
    assert "Lisa" in await eva.gets("godkänt", start=start)


async def test_outside_the_frame_is_explained_before_anything_is_sent(
    world: World, db: Database
) -> None:
    async with db.sessions() as session:
        order = (await session.exec(select(Order).where(Order.client_id == LISA))).one()
        order.frame_minutes = 1000  # far less than already used this month
        session.add(order)
        await session.commit()
    lisa = world.phone("lisa")
    reply = await lisa.says("15 minuter längre i morgon")
    assert "Vilket besök" in reply
    preview = await lisa.presses("12:00")
    assert "ryms inte i din beviljade tid" in preview
    assert await db.count(ChangeRequest) == 0


async def test_a_429_during_delivery_is_retried_without_loss_or_duplicate(
    world: World,
    api,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    lisa = world.phone("lisa")
    await lisa.says("i morgon kl 13 i stället för lunchen")
    await lisa.presses("Skicka")
    request = await db.first(select(ChangeRequest))
    world.tg.fail_next("sendMessage", status=429, retry_after=1)
    start = len(world.tg.sent)
    await api.post(f"/staff/requests/{request.id}/approve", json={}, headers=as_staff("anna"))
    await lisa.gets("godkänt", start=start, wait=10)
    await world.phone("eva").gets("godkänt", start=start, wait=10)
    await asyncio.sleep(0.5)  # let any duplicate show itself
    to_lisa = [m for m in lisa.received(start) if "godkänt" in m["text"]]
    assert len(to_lisa) == 1
    rows = await db.all(select(Notification).where(Notification.kind == "request_decided"))
    assert len(rows) == 2 and all(n.delivered_at is not None for n in rows)
    # After a restart nothing is sent again: delivered notifications are never claimed.
    assert await world.notifier.deliver_once() == 0


async def test_a_user_who_blocked_the_bot_is_marked_and_skipped(
    world: World,
    api,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    from backend.models import ChatAccount

    world.tg.block_chat(1002)  # Eva blocked the bot
    lisa = world.phone("lisa")
    await lisa.says("i morgon kl 13 i stället för lunchen")
    await lisa.presses("Skicka")
    request = await db.first(select(ChangeRequest))
    start = len(world.tg.sent)
    await api.post(f"/staff/requests/{request.id}/approve", json={}, headers=as_staff("anna"))
    await lisa.gets("godkänt", start=start)
    for _ in range(50):
        eva = await db.first(select(ChatAccount).where(ChatAccount.telegram_user_id == 1002))
        if eva.blocked_at is not None:
            break
        await asyncio.sleep(0.05)
    assert eva.blocked_at is not None
    dropped = await db.all(select(Notification).where(Notification.dropped_reason == "blocked"))
    assert len(dropped) == 1

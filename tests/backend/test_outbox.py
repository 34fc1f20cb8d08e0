"""The outbox through the bot's API: claim with a lease, acknowledge, retry, blocked chats,
and how much each account wants to be told."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from backend.models import ChatAccount, Notification, Urgency
from tests.backend.helpers import GOSTA, lisa_asks_for_longer, service_headers, visit_at
from tests.conftest import Clock, Database, as_chat, as_staff

TODAY = date(2026, 11, 23)
TOMORROW = date(2026, 11, 24)
LISAS, EVAS, GOSTAS, ANNAS = 1001, 1002, 1003, 2001  # chat ids of the demo's accounts
LEASE = 60


async def claim(api: httpx.AsyncClient, limit: int = 50) -> list[dict[str, Any]]:
    r = await api.post(
        "/bot/outbox/claim",
        json={"limit": limit, "lease_seconds": LEASE},
        headers=service_headers(),
    )
    assert r.status_code == 200, r.text
    return r.json()


async def ack(api: httpx.AsyncClient, notification_id: int) -> None:
    r = await api.post(f"/bot/outbox/{notification_id}/ack", headers=service_headers())
    assert r.status_code == 204, r.text


async def fail(api: httpx.AsyncClient, notification_id: int, **body: Any) -> None:
    r = await api.post(f"/bot/outbox/{notification_id}/fail", json=body, headers=service_headers())
    assert r.status_code == 204, r.text


async def decide(api: httpx.AsyncClient, hour: int = 12) -> dict[str, Any]:
    """Lisa asks for a longer visit tomorrow and Anna approves it: Anna is told of the request,
    then Lisa and Eva of the decision, and Anna (the visit is hers) of the changed visit."""
    asked = await lisa_asks_for_longer(api, TOMORROW, hour)
    r = await api.post(f"/staff/requests/{asked['id']}/approve", json={}, headers=as_staff("anna"))
    assert r.status_code == 200, r.text
    return r.json()


def by_chat(claimed: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {n["chat_id"]: n for n in claimed}


async def pending_for(db: Database, chat_id: int) -> list[Notification]:
    return await db.all(
        select(Notification)
        .join(ChatAccount)
        .where(ChatAccount.chat_id == chat_id)
        .where(col(Notification.delivered_at).is_(None))
        .where(col(Notification.dropped_reason).is_(None))
    )


async def test_a_decision_is_claimed_with_chat_locale_and_payload(api, demo) -> None:
    r = await api.patch("/bot/me", json={"locale": "fi"}, headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    request = await decide(api)

    claimed = await claim(api)
    # One message per chat at a time: Anna's "visit changed" waits for her "to decide".
    assert sorted((n["message"]["kind"], n["chat_id"]) for n in claimed) == [
        ("request_decided", LISAS),
        ("request_decided", EVAS),
        ("request_to_decide", ANNAS),
    ]
    mine = by_chat(claimed)
    assert (mine[LISAS]["locale"], mine[LISAS]["recipient"]) == ("fi", "client")
    assert (mine[EVAS]["locale"], mine[EVAS]["recipient"]) == ("sv", "relative")
    assert mine[ANNAS]["recipient"] == "staff"
    assert mine[LISAS]["message"]["request_id"] == request["id"]
    assert mine[LISAS]["message"]["status"] == "approved"
    assert mine[LISAS]["urgency"] == "change"
    assert {n["attempts"] for n in claimed} == {1}


async def test_a_claim_is_leased_acked_ones_stay_delivered_and_others_come_back(
    api, demo, db, clock: Clock
) -> None:
    await decide(api)
    claimed = await claim(api)
    first = by_chat(claimed)
    await ack(api, first[LISAS]["id"])
    await ack(api, first[LISAS]["id"])  # acknowledging twice is harmless
    assert await claim(api) == []  # within the lease nobody else gets them

    clock.advance(seconds=LEASE + 1)
    again = await claim(api)
    # At least once: what was claimed but never acknowledged is sent again.
    assert sorted(n["chat_id"] for n in again) == [EVAS, ANNAS]
    assert {n["id"] for n in again} == {n["id"] for n in claimed} - {first[LISAS]["id"]}
    assert {n["attempts"] for n in again} == {2}
    delivered = await db.get(Notification, first[LISAS]["id"])
    assert delivered.delivered_at == clock.now - timedelta(seconds=LEASE + 1)

    for n in again:
        await ack(api, n["id"])
    # Anna's second message ("visit changed") comes once her first is delivered.
    [second] = await claim(api)
    assert (second["chat_id"], second["message"]["kind"]) == (ANNAS, "visit_changed")
    await ack(api, second["id"])
    clock.advance(seconds=LEASE + 1)
    assert await claim(api) == []


async def test_a_failure_with_retry_after_is_due_again_only_after_that(
    api, demo, clock: Clock
) -> None:
    await decide(api)
    claimed = by_chat(await claim(api))
    for chat_id in (LISAS, ANNAS):
        await ack(api, claimed[chat_id]["id"])
    await fail(api, claimed[EVAS]["id"], retry_after=30)
    [annas_second] = await claim(api)  # Anna's next, now that her first is delivered
    await ack(api, annas_second["id"])

    clock.advance(seconds=29)
    assert await claim(api) == []
    clock.advance(seconds=1)
    retried = await claim(api)
    assert [(n["id"], n["attempts"]) for n in retried] == [(claimed[EVAS]["id"], 2)]


async def test_a_blocked_chat_is_marked_and_its_messages_dropped(
    api, demo, db, clock: Clock
) -> None:
    await decide(api, hour=12)
    await decide(api, hour=17)
    claimed = await claim(api)
    evas = [n for n in claimed if n["chat_id"] == EVAS]
    assert len(evas) == 1  # her second waits for her first
    await fail(api, evas[0]["id"], blocked=True)

    eva = await db.first(select(ChatAccount).where(ChatAccount.chat_id == EVAS))
    assert eva.blocked_at == clock.now
    dropped = await db.all(select(Notification).where(Notification.chat_account_id == eva.id))
    assert {n.dropped_reason for n in dropped} == {"blocked"}
    clock.advance(seconds=LEASE + 1)
    assert EVAS not in by_chat(await claim(api))

    before = await db.count(Notification)
    await decide(api, hour=8)
    # Anna's changed visit (her "a new wish from Lisa" of the first still waits, and says
    # it for this one too) and Lisa's decision; nothing queued for Eva
    assert await db.count(Notification) == before + 2
    assert await pending_for(db, EVAS) == []


async def test_two_notifiers_claiming_at_once_never_share_a_notification(api, demo) -> None:
    await decide(api, hour=12)
    await decide(api, hour=17)
    first, second = await asyncio.gather(claim(api, limit=2), claim(api, limit=2))
    ids = [n["id"] for n in first + second]
    assert len(ids) == len(set(ids)) == 3  # Lisa, Eva, Anna: one each, however many wait
    chats = [n["chat_id"] for n in first + second]
    assert sorted(chats) == sorted({LISAS, EVAS, ANNAS})


async def test_a_chat_gets_its_messages_in_the_order_written_whichever_notifier_claims(
    api, demo, db
) -> None:
    """Two notifiers each holding one of Anna's messages could deliver them in either
    order. A chat's message is claimable only when every earlier one is delivered."""
    await decide(api, hour=12)
    await decide(api, hour=17)
    written = [
        n.id
        for n in await db.all(
            select(Notification)
            .join(ChatAccount)
            .where(ChatAccount.chat_id == ANNAS)
            .order_by(col(Notification.id))
        )
    ]
    # "a new wish from Lisa" once (the second came before she read the first), two
    # changed visits
    assert len(written) == 3

    received = []
    while len(received) < len(written):
        one, other = await asyncio.gather(claim(api), claim(api))
        annas = [n["id"] for n in one + other if n["chat_id"] == ANNAS]
        assert len(annas) == 1, "two notifiers held messages to Anna at once"
        for n in one + other:
            await ack(api, n["id"])
        received += annas
    assert received == written


async def test_acknowledging_an_unknown_notification_is_not_found(api, demo) -> None:
    r = await api.post("/bot/outbox/99999/ack", headers=service_headers())
    assert r.status_code == 404 and r.json()["code"] == "notification_not_found"


# --- how much each account is told -----------------------------------------------------------


async def test_only_urgent_lateness_reaches_an_account_that_wants_only_changes(
    api, demo, db
) -> None:
    gosta = await db.first(select(ChatAccount).where(ChatAccount.chat_id == GOSTAS))
    assert gosta.notify_level == "changes"
    todays = await visit_at(api, date(2026, 11, 23), 9, who="gosta", client_id=GOSTA)
    assert todays["staff_first_name"] == "Maria"

    r = await api.post("/staff/late", json={"minutes": 10}, headers=as_staff("maria"))
    assert r.status_code == 200, r.text
    assert [(v["id"], v["late_minutes"]) for v in r.json()] == [(todays["id"], 10)]
    assert await pending_for(db, GOSTAS) == []  # 10 minutes is within the 30 minute window

    r = await api.post("/staff/late", json={"minutes": 45}, headers=as_staff("maria"))
    assert r.status_code == 200, r.text
    [late] = await pending_for(db, GOSTAS)
    assert (late.kind, late.urgency) == ("staff_late", Urgency.URGENT)
    assert late.message.late_minutes == 45 and late.message.visit_id == todays["id"]
    assert late.message.staff_first_name == "Maria"


async def test_an_account_that_wants_everything_is_told_of_short_lateness(api, demo, db) -> None:
    r = await api.post("/staff/late", json={"minutes": 10}, headers=as_staff("anna"))
    assert r.status_code == 200, r.text
    notes = await db.all(
        select(Notification, ChatAccount)
        .join(ChatAccount)
        .where(Notification.kind == "staff_late")
    )
    assert {account.chat_id for _n, account in notes} == {LISAS, EVAS}
    assert {n.urgency for n, _a in notes} == {Urgency.INFO}


async def test_a_late_notice_is_for_the_visit_it_was_reported_for(api, demo, db) -> None:
    # At 08:40 Anna has not yet come to Lisa's 08:00 visit; lunch and dinner follow.
    r = await api.post("/staff/late", json={"minutes": 45}, headers=as_staff("anna"))
    assert r.status_code == 200, r.text
    # Only the 08:00 visit is late: lunch at 12:00 is hours later, nothing pushes it.
    [late] = r.json()
    breakfast = await visit_at(api, TODAY, 8)
    assert (late["id"], late["late_minutes"]) == (breakfast["id"], 45)
    lunch = await visit_at(api, TODAY, 12)
    assert lunch["late_minutes"] == 0
    [to_lisa] = await pending_for(db, LISAS)
    [to_eva] = await pending_for(db, EVAS)
    assert to_lisa.message.visit_id == to_eva.message.visit_id == breakfast["id"]


async def test_an_account_that_wants_only_urgent_news_is_not_told_of_decisions(
    api, demo, db
) -> None:
    r = await api.patch("/bot/me", json={"notify_level": "urgent"}, headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    await decide(api)
    decided = await db.all(
        select(ChatAccount.chat_id)
        .join(Notification)
        .where(Notification.kind == "request_decided")
    )
    assert decided == [EVAS]


async def test_wishes_sent_together_tell_the_contact_person_once(api, demo, db) -> None:
    """A day away is a request for each visit: Anna reads "a new wish from Lisa is waiting"
    once, not once per visit; a wish after she has read it is told again."""
    for hour in (8, 12, 17):
        await lisa_asks_for_longer(api, TOMORROW, hour)
    waiting = [n for n in await pending_for(db, ANNAS) if n.kind == "request_to_decide"]
    assert len(waiting) == 1
    [told] = [n for n in await claim(api) if n["chat_id"] == ANNAS]
    assert told["message"]["client_first_name"] == "Lisa"
    await ack(api, told["id"])

    await lisa_asks_for_longer(api, TOMORROW + timedelta(days=1), 12)
    waiting = [n for n in await pending_for(db, ANNAS) if n.kind == "request_to_decide"]
    assert len(waiting) == 1

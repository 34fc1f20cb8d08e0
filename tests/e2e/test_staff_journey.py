"""Staff journeys over the real Telegram protocol: the real aiogram Bot long-polls a fake Bot
API server on 127.0.0.1, the notifier delivers the backend's outbox through it, and the test
reads what arrives on each person's phone (Swedish for staff and Swedish clients, Finnish
for Aino)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from backend.models import ChangeRequest, Notification, StaffAbsence, Visit
from backend.services.requests import escalate_waiting
from contract import TZ
from tests.backend.helpers import local, visit_at
from tests.conftest import Clock, Database, as_chat
from tests.e2e.conftest import World

TODAY = date(2026, 11, 23)  # the tests' Monday, 08:40
TOMORROW = TODAY + timedelta(days=1)
LISA, AINO = 1, 3
ANNA, MARIA, SANNA = 1, 2, 6  # staff ids

QUEUE = "📥 Önskemål att besluta"
NEW_REQUEST = "Ett nytt önskemål från {name} väntar på dig."


def hhmm(moment: Any) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


async def ask(
    api: httpx.AsyncClient, who: str, client_id: int, change: dict[str, Any]
) -> dict[str, Any]:
    """A client's request, sent as their chat account (what the bot does for them)."""
    r = await api.post(
        f"/clients/{client_id}/requests",
        json={"idempotency_key": uuid.uuid4().hex, "change": change},
        headers=as_chat(who),
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def lisa_asks_for_a_longer_lunch(api: httpx.AsyncClient) -> dict[str, Any]:
    lunch = await visit_at(api, TOMORROW, 12)
    return await ask(
        api, "lisa", LISA, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35}
    )


async def settled(db: Database) -> None:
    """Wait (up to 5 s) until the notifier has delivered or dropped every notification."""
    for _ in range(100):
        waiting = await db.all(
            select(Notification.id)
            .where(col(Notification.delivered_at).is_(None))
            .where(col(Notification.dropped_reason).is_(None))
        )
        if not waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"notifications {waiting} were not delivered")


def recipients(world: World, start: int) -> Counter[int | str]:
    """How many messages each chat received (sent or edited) since ``start``."""
    return Counter(m["chat_id"] for m in world.tg.sent[start:])


def done_minutes(frame_text: str) -> int:
    """The minutes on the "Utfört:" line of "⏱ Min tid" ("38 tim 12 min")."""
    match = re.search(r"Utfört: (?:(\d+) tim)? ?(?:(\d+) min)?", frame_text)
    assert match is not None and any(match.groups()), frame_text
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return hours * 60 + minutes


# --- (a) Lisa asks, Anna approves in the bot, Lisa hears it -------------------------------


async def test_lisa_asks_anna_approves_in_the_bot_and_lisa_hears_it_in_swedish(
    world: World, db: Database
) -> None:
    lisa, anna = world.phone("lisa"), world.phone("anna")
    start = len(world.tg.sent)
    assert "Det ryms i din beviljade tid" in await lisa.says(
        "i morgon kl 13 i stället för lunchen"
    )
    assert "kontaktperson Anna" in await lisa.presses("Skicka")
    assert NEW_REQUEST.format(name="Lisa") in await anna.gets("Lisa", start=start)

    queue = await anna.says(QUEUE)
    change = "Flytta besöket tisdag 24 november kl. 12:00 till tisdag 24 november kl. 13:00."
    assert "1 önskemål väntar" in queue and change in queue and "Inom ramtiden" in queue
    start = len(world.tg.sent)
    decided = await anna.presses("Godkänn")
    assert "✅ Godkänt. Lisa får besked." in decided
    heard = await lisa.gets("Goda nyheter", start=start)
    assert "Anna har godkänt ditt önskemål" in heard and change in heard

    request = await db.first(select(ChangeRequest))
    assert request.status == "approved" and request.decided_by_staff_id == ANNA
    moved = await db.get(Visit, request.visit_id)
    assert moved.planned_start == local(TOMORROW, 13)


async def test_the_queue_arrives_whole_and_in_order_when_telegram_asks_the_bot_to_wait(
    world: World, api: httpx.AsyncClient, db: Database
) -> None:
    """Telegram allows about one message a second to a chat: a heading and a message per
    waiting request can meet a 429. The answer then arrives late, not cut off."""
    lunch = await visit_at(api, TOMORROW, 12)
    morning = await visit_at(api, TOMORROW, 8)
    await ask(api, "lisa", LISA, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    await ask(api, "lisa", LISA, {"kind": "resize", "visit_id": morning["id"], "new_duration": 35})
    anna = world.phone("anna")
    await settled(db)  # the notices of the new requests have arrived: what follows is the answer
    world.tg.fail_next("sendMessage", status=429, retry_after=1)
    start = len(world.tg.sent)
    world.tg.user_sends_text(anna.user_id, QUEUE)

    arrived = await world.tg.wait_for_sent(
        lambda m: m["chat_id"] == anna.user_id, count=3, start=start
    )
    texts = [m["text"] for m in arrived]
    assert "2 önskemål väntar" in texts[0]
    assert "kl. 12:00" in texts[1] and "kl. 08:00" in texts[2]  # in the order asked
    await asyncio.sleep(0.5)  # let any duplicate show itself
    assert len(anna.received(start)) == 3


# --- (b) Aino's request is rejected by her deputy; she hears it in Finnish ----------------


async def test_aino_hears_the_rejection_and_its_reason_in_finnish(
    world: World, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    # Sanna, Aino's contact person, is away today: the request goes to Anna, her deputy.
    await db.add(StaffAbsence(staff_id=SANNA, starts_on=TODAY, ends_on=TODAY))
    anna, aino = world.phone("anna"), world.phone("aino", language_code="fi")
    start = len(world.tg.sent)
    lunch = await visit_at(api, TOMORROW, 12, who="aino", client_id=AINO)
    request = await ask(
        api, "aino", AINO, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 45}
    )
    assert request["assigned_first_name"] == "Anna"
    assert NEW_REQUEST.format(name="Aino") in await anna.gets("Aino", start=start)

    assert "Aino" in await anna.says(QUEUE)
    assert "Varför går det inte?" in await anna.presses("Avslå")
    start = len(world.tg.sent)
    rejected = await anna.presses("Ingen personal ledig då")
    assert "Avslaget: ingen personal ledig då. Aino får besked." in rejected

    heard = await aino.gets("toivettasi", start=start)
    assert "Anna ei voinut järjestää toivettasi: ei vapaita hoitajia silloin." in heard
    assert "Muuta käynti tiistai 24. marraskuuta klo 12.30 kestämään 45 min." in heard
    assert "önskemål" not in heard and "personal" not in heard  # not a word of Swedish
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "rejected" and row.reject_reason == "no_staff"
    assert row.decided_by_staff_id == ANNA
    assert (await db.get(Visit, lunch["id"])).duration_minutes == 30


# --- (c) who is told: contact person away -> deputy; both away -> planner -----------------


async def test_with_the_contact_person_away_the_deputy_is_told(
    world: World, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    await db.add(StaffAbsence(staff_id=ANNA, starts_on=TODAY, ends_on=TODAY + timedelta(days=2)))
    maria = world.phone("maria")
    start = len(world.tg.sent)
    request = await lisa_asks_for_a_longer_lunch(api)
    told = await maria.gets("Lisa", start=start)
    assert NEW_REQUEST.format(name="Lisa") in told and QUEUE.removeprefix("📥 ") in told
    await settled(db)
    assert recipients(world, start) == {maria.user_id: 1}  # not Anna, not the planner

    row = await db.get(ChangeRequest, request["id"])
    assert (row.assignee, row.assigned_staff_id) == ("deputy", MARIA)
    assert "Lisa" in await maria.says(QUEUE)


async def test_with_contact_person_and_deputy_away_the_planner_is_told(
    world: World, api, db: Database
) -> None:  # type: ignore[no-untyped-def]
    for staff_id in (ANNA, MARIA):
        await db.add(StaffAbsence(staff_id=staff_id, starts_on=TODAY, ends_on=TODAY))
    erik = world.phone("erik")
    start = len(world.tg.sent)
    request = await lisa_asks_for_a_longer_lunch(api)
    assert NEW_REQUEST.format(name="Lisa") in await erik.gets("Lisa", start=start)
    await settled(db)
    assert recipients(world, start) == {erik.user_id: 1}

    row = await db.get(ChangeRequest, request["id"])
    assert (row.assignee, row.assigned_staff_id) == ("planners", None)
    queue = await erik.says(QUEUE)
    assert "Lisa" in queue and "Ändra längden på besöket tisdag 24 november" in queue


# --- (d) a request that waits too long is escalated to the planner ------------------------


async def escalate(app: Any, clock: Clock) -> int:
    """What the backend's housekeeping does: escalate, commit, wake the notifier."""
    async with app.state.sessions() as session:
        escalated = await escalate_waiting(session, now=clock.now)
        await session.commit()
    await app.state.wake_notifier()
    return escalated


async def test_a_request_waiting_over_two_hours_goes_to_the_planner(
    world: World, app, api, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    erik = world.phone("erik")
    request = await lisa_asks_for_a_longer_lunch(api)  # the visit is tomorrow: 2 h limit
    assert "Inga önskemål väntar på dig." in await erik.says(QUEUE)

    clock.advance(hours=1, minutes=59)
    assert await escalate(app, clock) == 0
    await settled(db)  # Anna's "a new wish" is delivered before what is counted below
    start = len(world.tg.sent)
    clock.advance(minutes=2)
    assert await escalate(app, clock) == 1
    told = await erik.gets("Lisa", start=start)
    assert "Ett önskemål från Lisa har väntat för länge och behöver ett beslut." in told
    await settled(db)
    # Erik is asked to decide; Lisa and Eva (who may follow her requests) hear where it went.
    lisa, eva = world.phone("lisa"), world.phone("eva")
    assert recipients(world, start) == {erik.user_id: 1, lisa.user_id: 1, eva.user_id: 1}
    [to_lisa] = lisa.received(start)
    assert to_lisa["text"].startswith(
        "Ditt önskemål har väntat ett tag, så det har gått vidare till enhetens planerare. "
        "Erik beslutar om det nu."
    )

    queue = await erik.says(QUEUE)
    assert "Lisa" in queue and "Har väntat för länge: skickat vidare till planeraren." in queue
    row = await db.get(ChangeRequest, request["id"])
    assert row.status == "pending" and row.assignee == "planners"
    assert row.escalated_at == clock.now


# --- (e) check in and out feed the client's frame -----------------------------------------


async def test_check_in_and_out_add_the_real_minutes_to_lisas_hours(
    world: World, api, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    lisa, anna = world.phone("lisa"), world.phone("anna")
    before = done_minutes(await lisa.says("⏱ Min tid"))
    frame_before = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    assert before == frame_before["performed_minutes"]

    day = await anna.says("🚶 Mina besök idag")
    assert "Dina besök idag:" in day and "08:00–08:25 Lisa · Södermalm" in day
    checked_in = await anna.presses_on("08:00", "Checka in")
    assert f"Incheckad kl. {hhmm(clock.now)}." in checked_in
    clock.advance(minutes=27)
    checked_out = await anna.presses_on("08:00", "Checka ut")
    assert f"Utcheckad kl. {hhmm(clock.now)}: 27 min utförd tid." in checked_out

    after = done_minutes(await lisa.says("⏱ Min tid"))
    assert after - before == 27
    frame_after = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    assert frame_after["performed_minutes"] - frame_before["performed_minutes"] == 27
    breakfast = await db.first(
        select(Visit)
        .where(Visit.client_id == LISA)
        .where(col(Visit.actual_end).is_not(None))
        .order_by(col(Visit.planned_start).desc())
    )
    assert breakfast.actual_end - breakfast.actual_start == timedelta(minutes=27)


# --- (f) a late notice reaches exactly the clients who are waiting ------------------------


async def test_a_late_notice_reaches_exactly_the_affected_clients(
    world: World, db: Database
) -> None:
    anna, lisa, eva, gosta = (world.phone(who) for who in ("anna", "lisa", "eva", "gosta"))
    start = len(world.tg.sent)
    assert "Vilket besök blir du sen till?" in await anna.says("⏰ Jag är försenad")
    assert "Hur sent kommer du till Lisa kl. 08:00?" in await anna.presses("08:00 Lisa")
    told = await anna.presses("45 min")

    # Late for the 08:00 visit only: it ends 09:10 at the latest, long before lunch.
    late = await db.all(select(Visit).where(Visit.late_minutes > 0))
    assert [(v.client_id, v.staff_id, v.late_minutes) for v in late] == [(LISA, ANNA, 45)]
    start_at = late[0].planned_start
    arrival = hhmm(start_at + timedelta(minutes=45))
    assert f"Jag har meddelat när de kan vänta dig:\nLisa (planerat 08:00): ca {arrival}" in told
    notice = (
        f"Anna är försenad till besöket kl. {hhmm(start_at)} och kommer ca kl. {arrival} "
        "(45 min sent)."
    )
    assert notice in await lisa.gets("45 min", start=start)
    assert f"Gäller Lisa:\n{notice}" in await eva.gets("45 min", start=start)
    await settled(db)

    # Anna's own screens, one notice each for Lisa and Eva, and nothing for anyone else.
    counts = recipients(world, start)
    assert set(counts) == {anna.user_id, lisa.user_id, eva.user_id}
    assert (counts[lisa.user_id], counts[eva.user_id]) == (1, 1)
    assert gosta.received(start) == []
    rows = await db.all(select(Notification).where(Notification.kind == "staff_late"))
    assert len(rows) == 2 and all(n.urgency == "urgent" for n in rows)

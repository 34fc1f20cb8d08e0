"""A day away: "jag är bortrest på onsdag" offers every visit of Wednesday at once, previews
them with one frame check, and sends a request for each. Monday 23 November 2026, 08:40;
every figure is summed by the test from the visit rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from backend.models import ChangeRequest, Notification, Visit
from contract import RequestStatus
from tests.backend.helpers import LISA
from tests.bot.conftest import Chat
from tests.bot.test_frame_periods import hm, period_minutes
from tests.bot.test_free_text import SEND, TODAY, hhmm, sv_day, visits_of
from tests.conftest import Clock, Database

WEDNESDAY = TODAY + timedelta(days=2)


async def all_at_once(chat: Chat, said: str, button: str, visits: list[Visit]) -> str:
    """Lisa says ``said``; the first button offered is ``button``; pressing it lists every
    one of ``visits`` cancelled and the time they free, summed from their rows."""
    await chat.send("lisa", said)
    assert chat.buttons("lisa")[0] == button
    preview = await chat.press("lisa", button)
    asked = [f"Ställ in besöket {sv_day(v.day)} kl. {hhmm(v)}." for v in visits]
    assert preview.startswith("Du bad om:\n" + "\n".join(asked) + "\n\n"), preview
    assert f"Ändringarna frigör {hm(sum(v.duration_minutes for v in visits))}." in preview
    return preview


async def test_a_day_away_cancels_every_visit_of_it_in_one_go(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """Before: "Vilket besök menar du?" with Wednesday's visits one by one, and a request
    for only the one pressed."""
    wednesday = await visits_of(db, LISA, WEDNESDAY)
    assert len(wednesday) >= 3
    reply = await chat.send("lisa", "jag är bortrest på onsdag")
    assert reply.startswith("Vilket besök menar du?"), reply
    whole_day = f"Alla {len(wednesday)} besök ons 25/11"
    assert chat.buttons("lisa")[0] == whole_day

    preview = await chat.press("lisa", whole_day)
    freed = sum(v.duration_minutes for v in wednesday)
    month_end = datetime(2026, 11, 30).date()
    done, planned = await period_minutes(db, TODAY.replace(day=1), month_end, clock.now)
    asked = [f"Ställ in besöket {sv_day(WEDNESDAY)} kl. {hhmm(v)}." for v in wednesday]
    assert preview.startswith("Du bad om:\n" + "\n".join(asked) + "\n\nDet ryms"), preview
    assert f"Ändringarna frigör {hm(freed)}." in preview
    assert f"Utfört: {hm(done)}\nPlanerat: {hm(planned)}\n" in preview
    assert f"Med ändringarna: {hm(done + planned - freed)} av " in preview
    assert "tackat nej" not in preview  # one day away is not "declined help several times"
    assert await db.count(ChangeRequest) == 0

    sent = await chat.press("lisa", SEND)
    assert sent.startswith(
        f"{len(wednesday)} önskemål, ett för varje besök.\nSkickat till din kontaktperson "
    ), sent
    requests = await db.all(select(ChangeRequest).order_by(col(ChangeRequest.id)))
    assert [(r.kind, r.visit_id, r.status) for r in requests] == [
        ("cancel", v.id, RequestStatus.PENDING) for v in wednesday
    ]
    assert {r.note for r in requests} == {"jag är bortrest på onsdag"}
    # Nothing is cancelled until the contact person approves.
    still = await db.all(select(Visit).where(col(Visit.id).in_([v.id for v in wednesday])))
    assert {v.status for v in still} == {v.status for v in wednesday}


async def test_a_day_with_one_visit_left_is_one_cancellation(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """Late on Wednesday only the evening visit can still change: the day's button is not
    offered, that visit is."""
    wednesday = await visits_of(db, LISA, WEDNESDAY)
    evening = wednesday[-1]
    clock.now = evening.planned_start.replace(tzinfo=UTC) - timedelta(hours=4)
    reply = await chat.send("lisa", "jag är bortrest idag")
    assert reply.startswith(
        f"Du bad om:\nStäll in besöket {sv_day(WEDNESDAY)} kl. {hhmm(evening)}."
    ), reply
    assert not any(b.startswith("Alla ") for b in chat.buttons("lisa"))


async def test_a_relative_asks_for_the_whole_day_in_the_clients_name(
    chat: Chat, db: Database
) -> None:
    wednesday = await visits_of(db, LISA, WEDNESDAY)
    await chat.send("eva", "mamma är bortrest på onsdag")
    await chat.press("eva", f"Alla {len(wednesday)} besök ons 25/11")
    sent = await chat.press("eva", SEND)
    assert sent.startswith(
        f"{len(wednesday)} önskemål, ett för varje besök.\nSkickat till kontaktpersonen för Lisa, "
    )
    assert await db.count(ChangeRequest) == len(wednesday)


async def test_away_for_the_weekend_cancels_both_days(chat: Chat, db: Database) -> None:
    """Before: "Jag förstod inte riktigt" for "i helgen"."""
    saturday, sunday = TODAY + timedelta(days=5), TODAY + timedelta(days=6)
    weekend = await visits_of(db, LISA, saturday) + await visits_of(db, LISA, sunday)
    assert {v.day for v in weekend} == {saturday, sunday}
    whole = f"Alla {len(weekend)} besök lör 28/11–sön 29/11"
    await all_at_once(chat, "jag är bortrest i helgen", whole, weekend)
    await chat.press("lisa", SEND)
    requests = await db.all(select(ChangeRequest).order_by(col(ChangeRequest.id)))
    assert [(r.kind, r.visit_id) for r in requests] == [("cancel", v.id) for v in weekend]


async def test_days_away_apart_are_named_one_by_one(chat: Chat, db: Database) -> None:
    """ "tisdag och torsdag": the two days, not Wednesday between them."""
    tuesday, thursday = TODAY + timedelta(days=1), TODAY + timedelta(days=3)
    days = await visits_of(db, LISA, tuesday) + await visits_of(db, LISA, thursday)
    await chat.send("lisa", "jag är inte hemma på tisdag och torsdag")
    whole = f"Alla {len(days)} besök tis 24/11, tors 26/11"
    assert chat.buttons("lisa")[0] == whole
    preview = await chat.press("lisa", whole)
    assert "onsdag" not in preview
    assert preview.count("Ställ in besöket") == len(days)


async def test_in_hospital_until_a_day_cancels_from_now_up_to_it(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """Before: "till och med onsdag" cancelled Wednesday only, and "25-27 november" the
    27th only: a wrong reply, not a missing one. Today's visits already begun stay."""
    tuesday = TODAY + timedelta(days=1)
    today_left = [v for v in await visits_of(db, LISA, TODAY) if v.planned_start > clock.now]
    days = today_left + await visits_of(db, LISA, tuesday) + await visits_of(db, LISA, WEDNESDAY)
    whole = f"Alla {len(days)} besök mån 23/11–ons 25/11"
    await all_at_once(chat, "jag är på sjukhus till och med onsdag", whole, days)

    await chat.send("lisa", "/start")
    thursday = TODAY + timedelta(days=3)
    span = await visits_of(db, LISA, WEDNESDAY) + await visits_of(db, LISA, thursday)
    await chat.send("lisa", "jag är bortrest 25-26 november")
    assert chat.buttons("lisa")[0] == f"Alla {len(span)} besök ons 25/11–tors 26/11"


async def test_the_same_days_away_sent_twice_are_asked_once(chat: Chat, db: Database) -> None:
    """Before: "i helgen" sent twice made twelve requests, each weekend visit twice. The
    second time, every visit of the weekend already waits, and the reply says so."""
    saturday, sunday = TODAY + timedelta(days=5), TODAY + timedelta(days=6)
    weekend = await visits_of(db, LISA, saturday) + await visits_of(db, LISA, sunday)
    whole = f"Alla {len(weekend)} besök lör 28/11–sön 29/11"
    await chat.send("lisa", "jag är bortrest i helgen")
    await chat.press("lisa", whole)
    await chat.press("lisa", SEND)
    assert await db.count(ChangeRequest) == len(weekend)

    reply = await chat.send("lisa", "jag är bortrest i helgen")
    assert reply == (
        f"Du har redan önskat något om de här {len(weekend)} besöken: önskemålen väntar på "
        "svar. Du hittar dem under ”Mina önskemål”."
    )
    assert not any(b.startswith("Alla ") for b in chat.buttons("lisa"))
    reply = await chat.send("eva", "mamma är bortrest i helgen")
    assert reply == (
        f"Önskemål om de här {len(weekend)} besöken väntar redan på svar. Du hittar dem under "
        "”Önskemål”."
    )
    assert await db.count(ChangeRequest) == len(weekend)

    # One visit named again: its preview says why it is not sent.
    reply = await chat.send("lisa", "ställ in lunchen på lördag")
    assert reply.startswith("Du bad om:\nStäll in besöket"), reply
    assert (
        "• Ett önskemål om det här besöket väntar redan på svar. Vill du önska något annat, "
        "dra först tillbaka det under ”Mina önskemål”."
    ) in reply
    assert SEND not in chat.buttons("lisa")
    assert await db.count(ChangeRequest) == len(weekend)


async def test_days_away_leave_out_the_visits_already_asked_about(
    chat: Chat, db: Database
) -> None:
    """Saturday's lunch was asked to be cancelled already: the weekend's button is for the
    other visits, and one request each is sent for them alone."""
    saturday, sunday = TODAY + timedelta(days=5), TODAY + timedelta(days=6)
    weekend = await visits_of(db, LISA, saturday) + await visits_of(db, LISA, sunday)
    lunch = next(v for v in weekend if v.planned_start.hour == 11)  # 12:00 local
    await chat.send("lisa", "ställ in lunchen på lördag")
    await chat.press("lisa", SEND)
    assert [r.visit_id for r in await db.all(select(ChangeRequest))] == [lunch.id]

    await chat.send("lisa", "jag är bortrest i helgen")
    whole = f"Alla {len(weekend) - 1} besök lör 28/11–sön 29/11"
    assert chat.buttons("lisa")[0] == whole
    preview = await chat.press("lisa", whole)
    assert preview.count("Ställ in besöket") == len(weekend) - 1
    await chat.press("lisa", SEND)
    requests = await db.all(select(ChangeRequest).order_by(col(ChangeRequest.id)))
    assert sorted(r.visit_id for r in requests) == sorted(v.id for v in weekend)


async def test_away_next_week_cancels_every_visit_of_it(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """Before: "jag är bortrest nästa vecka" was not understood."""
    monday = TODAY + timedelta(days=7)
    week = [v for n in range(7) for v in await visits_of(db, LISA, monday + timedelta(days=n))]
    assert len({v.day for v in week}) == 7
    preview = await all_at_once(
        chat, "jag är bortrest nästa vecka", f"Alla {len(week)} besök mån 30/11–sön 6/12", week
    )
    # The week ends in December: each month's figures, from the rows. Before, only
    # November's, and "frigör 1 tim 5 min" for the week (its Monday).
    for first, last, heading in (
        (date(2026, 11, 1), date(2026, 11, 30), "Din beviljade tid den här månaden: 45 tim"),
        (date(2026, 12, 1), date(2026, 12, 31), "Din beviljade tid i december: 45 tim"),
    ):
        done, planned = await period_minutes(db, first, last, clock.now)
        freed = sum(v.duration_minutes for v in week if first <= v.day <= last)
        assert (
            f"{heading}\nUtfört: {hm(done)}\nPlanerat: {hm(planned)}\n"
            f"Med ändringarna: {hm(done + planned - freed)} av 45 tim."
        ) in preview, preview
    await chat.press("lisa", SEND)
    requests = await db.all(select(ChangeRequest).order_by(col(ChangeRequest.id)))
    assert sorted(r.visit_id for r in requests) == sorted(v.id for v in week)


async def test_a_week_away_is_withdrawn_in_one_go(chat: Chat, db: Database) -> None:
    """Before: 23 requests, each withdrawn with a press of its own, and only the newest ten
    shown. Anna is told once, not 23 times."""
    await chat.send("lisa", "jag är bortrest nästa vecka")
    await chat.press("lisa", chat.buttons("lisa")[0])
    await chat.press("lisa", SEND)
    asked = await db.all(select(ChangeRequest))
    n = len(asked)
    assert n > 10

    await chat.send("lisa", "📨 Mina önskemål")
    assert chat.sent()[-1] == f"{n} önskemål väntar på svar."
    sure = await chat.press("lisa", f"Dra tillbaka alla {n} väntande önskemål")
    assert sure == f"Dra tillbaka alla {n} väntande önskemål? Kontaktpersonen får veta det."
    assert {r.status for r in await db.all(select(ChangeRequest))} == {RequestStatus.PENDING}

    done = await chat.press("lisa", f"Ja, dra tillbaka alla {n}")
    assert done == f"{n} önskemål har dragits tillbaka."
    statuses = {r.status for r in await db.all(select(ChangeRequest))}
    assert statuses == {RequestStatus.WITHDRAWN}
    told = await db.all(select(Notification).where(Notification.kind == "request_withdrawn"))
    assert len(told) == 1

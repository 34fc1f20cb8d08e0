"""The frame in the words a client reads, for the period a wish is about: this month, next
month (December at November's end), next week (weekly frames), with waiting wishes shown
apart. Every figure is summed by the test itself from the visit rows and the signed plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from backend.models import Order, PlanSlot, Visit
from contract import TZ, Period, VisitStatus
from tests.backend.helpers import LISA, tighten_frame
from tests.bot.conftest import Chat
from tests.conftest import Clock, Database


def hm(minutes: int) -> str:
    """Minutes as Swedish reads them in the bot: "42 tim 27 min", "2 tim", "0 min"."""
    hours, rest = divmod(abs(minutes), 60)
    parts = [f"{hours} tim"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} min")
    return " ".join(parts)


MISSED_AFTER = timedelta(minutes=30)  # missed: no check-in by 30 min after its (late) end


def missed(visit: Visit, now: datetime) -> bool:
    end = visit.planned_start.replace(tzinfo=UTC) + timedelta(
        minutes=visit.duration_minutes + visit.late_minutes
    )
    return visit.actual_start is None and now >= end + MISSED_AFTER


async def period_minutes(db: Database, first: date, last: date, now: datetime) -> tuple[int, int]:
    """Lisa's done and planned minutes on ``first``..``last``, from the rows: done visits
    count their checked-in time, planned ones their length unless their window passed
    without a check-in (missed), and the signed plan counts on the days for which no visits
    have been generated yet."""
    visits = await db.all(select(Visit).where(Visit.client_id == LISA))
    done = planned = 0
    for visit in visits:
        if not first <= visit.day <= last or visit.status is VisitStatus.CANCELLED:
            continue
        if visit.status is not VisitStatus.DONE and missed(visit, now):
            continue
        if visit.status is VisitStatus.DONE:
            assert visit.actual_start and visit.actual_end
            done += round((visit.actual_end - visit.actual_start).total_seconds() / 60)
        else:
            planned += visit.duration_minutes
    generated_to = max(v.slot_day for v in visits if v.slot_day is not None)
    slots = await db.all(select(PlanSlot).where(PlanSlot.care_plan_id == 1))
    day = max(first, generated_to + timedelta(days=1))
    while day <= last:
        planned += sum(s.duration_minutes for s in slots if s.weekday == day.weekday())
        day += timedelta(days=1)
    return done, planned


async def test_a_december_wish_at_novembers_end_counts_all_of_december(
    chat: Chat, clock: Clock, db: Database
) -> None:
    await tighten_frame(db, LISA, 40)  # December planned over its frame
    # Monday 30 November: visits exist up to 7 December; the plan covers the rest.
    clock.set_local(2026, 11, 30, 10, 0)
    done, planned = await period_minutes(db, date(2026, 12, 1), date(2026, 12, 31), clock.now)
    assert done == 0 and planned > 40 * 60  # the signed plan alone is over December's frame

    await chat.send("lisa", "kan ni komma klockan tio i stället den 3 december?")
    preview = await chat.press("lisa", "tors 3/12 08:00 · måltid och påklädning")
    assert preview.split("\n\n")[1:] == [
        "\n".join(
            [
                "Ändringen lägger inte till någon tid, men perioden är redan över din "
                "beviljade tid.",
                "Din beviljade tid i december: 40 tim",
                "Utfört: 0 min",
                f"Planerat: {hm(planned)}",
                f"Med ändringen: {hm(planned)} av 40 tim.",
                f"Över den beviljade tiden med {hm(planned - 2400)}",
            ]
        )
    ]
    await chat.press("lisa", "Avbryt")

    # Longer by 15 minutes: over December's frame, said with December's figures.
    await chat.send("lisa", "kan ni stanna 15 minuter längre den 3 december?")
    preview = await chat.press("lisa", "tors 3/12 12:00 · måltid")
    total = planned + 15
    assert (
        "\n".join(
            [
                "Din beviljade tid i december: 40 tim",
                "Utfört: 0 min",
                f"Planerat: {hm(planned)}",
                f"Med ändringen: {hm(total)} av 40 tim.",
                f"Över den beviljade tiden med {hm(total - 2400)}",
            ]
        )
        in preview
    )
    assert "den här månaden" not in preview


async def test_a_move_in_a_month_already_over_reaches_the_contact_person_as_over(
    chat: Chat, clock: Clock, db: Database
) -> None:
    await tighten_frame(db, LISA, 40)  # December planned over its frame
    # December is planned over its 40 hours; Lisa moves a visit, which adds no time.
    clock.set_local(2026, 11, 30, 10, 0)
    done, planned = await period_minutes(db, date(2026, 12, 1), date(2026, 12, 31), clock.now)
    assert done + planned > 2400
    await chat.send("lisa", "kan ni komma klockan tio i stället den 3 december?")
    await chat.press("lisa", "tors 3/12 08:00 · måltid och påklädning")
    await chat.press("lisa", "Skicka")

    await chat.send("anna", "📥 Önskemål att besluta")
    _heading, item = chat.sent()
    lines = item.split("\n")
    assert "Inom ramtiden" not in item  # the month is not within its frame
    assert lines[2:4] == [
        "Lägger inte till någon tid, men kontrollera:",
        f"• Perioden är redan över ramtiden: {hm(done + planned)} av beviljade 40 tim, "
        f"{hm(done + planned - 2400)} för mycket.",
    ]


async def test_a_cancellation_in_a_month_already_over_says_what_it_frees(
    chat: Chat, clock: Clock, db: Database
) -> None:
    await tighten_frame(db, LISA, 40)  # December planned over its frame
    clock.set_local(2026, 11, 30, 10, 0)
    done, planned = await period_minutes(db, date(2026, 12, 1), date(2026, 12, 31), clock.now)
    [lunch] = [
        v
        for v in await db.all(select(Visit).where(Visit.client_id == LISA))
        if v.planned_start.astimezone(TZ).strftime("%d/%m %H:%M") == "03/12 12:00"
    ]
    preview = await chat.send("lisa", "ställ in besöket kl 12 den 3 december")
    assert preview.split("\n\n")[1].split("\n")[:2] == [
        f"Ändringen frigör {hm(lunch.duration_minutes)}, men perioden är fortfarande över din "
        "beviljade tid.",
        "Din beviljade tid i december: 40 tim",
    ]
    await chat.press("lisa", "Skicka")

    await chat.send("anna", "📥 Önskemål att besluta")
    _heading, item = chat.sent()
    total = done + planned - lunch.duration_minutes
    assert item.split("\n")[2:4] == [
        f"Frigör {hm(lunch.duration_minutes)}, men kontrollera:",
        f"• Perioden är redan över ramtiden: {hm(total)} av beviljade 40 tim, "
        f"{hm(total - 2400)} för mycket.",
    ]


async def test_this_months_frame_and_a_waiting_wish_at_the_months_end(
    chat: Chat, clock: Clock, db: Database
) -> None:
    await tighten_frame(db, LISA, 40)  # December planned over its frame
    clock.set_local(2026, 11, 30, 10, 0)
    done, planned = await period_minutes(db, date(2026, 11, 1), date(2026, 11, 30), clock.now)
    reply = await chat.send("lisa", "⏱ Min tid")
    lines = reply.split("\n")
    assert lines[0] == "Din beviljade tid den här månaden: 40 tim"
    assert lines[2:] == [
        f"Utfört: {hm(done)}",
        f"Planerat: {hm(planned)}",
        f"Kvar: {hm(2400 - done - planned)}",
    ]

    # A wish waits for Anna: not counted, but shown.
    await chat.send("lisa", "kan ni stanna 20 minuter längre i kväll?")
    # "i kväll" names the one evening visit (17:00): straight to the preview
    await chat.press("lisa", "Skicka")
    reply = await chat.send("lisa", "⏱ Min tid")
    assert reply.split("\n")[2:] == [
        f"Utfört: {hm(done)}",
        f"Planerat: {hm(planned)}",
        f"Kvar: {hm(2400 - done - planned)}",
        f"Om ditt väntande önskemål också godkänns: {hm(done + planned + 20)} av 40 tim.",
    ]


async def test_a_weekly_frame_names_the_week_at_the_weeks_end(
    chat: Chat, clock: Clock, db: Database
) -> None:
    # Gothenburg-style: 10 hours a week. Sunday evening, a wish for Tuesday (week 49).
    order = await db.first(select(Order).where(Order.client_id == LISA))
    order.period, order.frame_minutes = Period.WEEK, 10 * 60
    await db.add(order)
    clock.set_local(2026, 11, 29, 19, 0)
    done, planned = await period_minutes(db, date(2026, 11, 30), date(2026, 12, 6), clock.now)

    await chat.send("lisa", "kan ni stanna 10 minuter längre på tisdag?")
    preview = await chat.press("lisa", "tis 1/12 12:00 · måltid")
    total = done + planned + 10
    assert (
        "\n".join(
            [
                "Din beviljade tid vecka 49: 10 tim",
                f"Utfört: {hm(done)}",
                f"Planerat: {hm(planned)}",
                f"Med ändringen: {hm(total)} av 10 tim.",
                f"Över den beviljade tiden med {hm(total - 600)}"
                if total > 600
                else f"Kvar: {hm(600 - total)}",
            ]
        )
        in preview
    )

    this_week_done, this_week_planned = await period_minutes(
        db, date(2026, 11, 23), date(2026, 11, 29), clock.now
    )
    reply = await chat.send("lisa", "⏱ Min tid")
    assert reply.split("\n")[0] == "Din beviljade tid den här veckan: 10 tim"
    assert f"Utfört: {hm(this_week_done)}" in reply
    assert f"Planerat: {hm(this_week_planned)}" in reply

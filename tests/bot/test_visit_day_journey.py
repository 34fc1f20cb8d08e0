"""A day of visits at real hours, through the whole bot: the real dispatcher and routers, the
backend in process on a migrated database, the notifier delivering the outbox, and Telegram
replaced by a recording session. The clock walks through Lisa's day (before, during and after
each visit) on an ordinary Monday and on both daylight-saving Sundays in Stockholm; what Lisa,
Eva and Anna read is asserted word for word, every time and minute worked out here from the
rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from aiogram.methods import SendMessage
from sqlmodel import col, select

from backend.models import Visit
from bot.backend_client import BackendClient
from bot.delivery import Sender
from bot.factory import create_i18n
from bot.notifier import Notifier
from contract import TZ
from tests.backend.helpers import lisa_asks_to_move
from tests.bot.conftest import Chat
from tests.conftest import Clock, Database, as_staff

LISA = 1
TOLERANCE = timedelta(minutes=30)  # a window closes 30 min after the planned end
DAYS = {
    "monday": date(2026, 11, 23),
    "summer_time_begins": date(2027, 3, 28),  # 02:00 -> 03:00
    "summer_time_ends": date(2026, 10, 25),  # 03:00 -> 02:00
}
WEEKDAYS = {0: "måndag", 6: "söndag"}
MONTHS = {3: "mars", 10: "oktober", 11: "november"}


@pytest.fixture(params=list(DAYS), ids=list(DAYS))
def day(request: pytest.FixtureRequest) -> date:
    return DAYS[request.param]


@pytest.fixture
def clock(day: date) -> Clock:
    """The demo is set up at 07:00 on the day (its history is the month so far)."""
    return Clock(datetime(day.year, day.month, day.day, 7, 0, tzinfo=TZ))


def hhmm(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


def sv_day(moment: datetime) -> str:
    local = moment.astimezone(TZ)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month]}"


async def lisas_day(db: Database, day: date) -> list[Visit]:
    return list(
        await db.all(
            select(Visit)
            .where(Visit.client_id == LISA)
            .where(Visit.day == day)
            .order_by(col(Visit.planned_start))
        )
    )


def block(today: str, visit: Visit) -> str:
    """The part of Lisa's "Today" about one visit."""
    end = visit.planned_start + timedelta(minutes=visit.duration_minutes)
    head = f"<b>{hhmm(visit.planned_start)}–{hhmm(end)}</b>"
    [found] = [part for part in today.split("\n\n") if part.startswith(head)]
    return found


class Outbox:
    """The notifier, run by hand: what each person's phone received."""

    def __init__(self, chat: Chat, notifier: Notifier) -> None:
        self.chat, self.notifier = chat, notifier

    async def deliver(self) -> dict[int, list[str]]:
        start = len(self.chat.session.requests)
        while await self.notifier.deliver_once():
            pass
        received: dict[int, list[str]] = {}
        for r in self.chat.session.requests[start:]:
            if isinstance(r, SendMessage):
                received.setdefault(int(r.chat_id), []).append(r.text)
        return received


@pytest.fixture
def outbox(chat: Chat, backend_client: BackendClient, settings) -> Outbox:  # type: ignore[no-untyped-def]
    return Outbox(chat, Notifier(backend_client, Sender(chat.bot), create_i18n(settings)))


async def test_a_day_of_lisa_s_visits_reads_true_at_every_hour(
    chat: Chat, outbox: Outbox, db: Database, clock: Clock, day: date
) -> None:
    breakfast, lunch, dinner = await lisas_day(db, day)
    assert [hhmm(v.planned_start) for v in (breakfast, lunch, dinner)] == [
        "08:00",
        "12:00",
        "17:00",
    ]
    # Wall time in Stockholm, whatever the day's UTC offset.
    assert breakfast.planned_start.astimezone(TZ).hour == 8

    # 07:30, before anything: every visit is planned, with Anna coming.
    clock.set_local(day.year, day.month, day.day, 7, 30)
    today = await chat.send("lisa", "📅 Idag")
    for visit in (breakfast, lunch, dinner):
        assert block(today, visit).endswith("Anna kommer\nStatus: planerat")

    # 07:55: Anna will be 20 minutes late for the 08:00 visit, and for nothing else.
    clock.set_local(day.year, day.month, day.day, 7, 55)
    assert "Vilket besök blir du sen till?" in await chat.send("anna", "⏰ Jag är försenad")
    assert chat.buttons("anna") == ["08:00 Lisa", "12:00 Lisa", "17:00 Lisa", "✖️ Avbryt"]
    await chat.press("anna", "08:00 Lisa")
    assert chat.edits() == [
        "Hur sent kommer du till Lisa kl. 08:00?\nEller skriv hur många minuter, till exempel 25."
    ]
    await chat.press("anna", "20 min")
    arrival = hhmm(breakfast.planned_start + timedelta(minutes=20))
    assert chat.edits() == [
        f"Jag har meddelat när de kan vänta dig:\nLisa (planerat 08:00): ca {arrival}"
    ]
    received = await outbox.deliver()
    late = f"Anna är försenad till besöket kl. 08:00 och kommer ca kl. {arrival} (20 min sent)."
    assert received[Chat.user_id("lisa")] == [late]
    assert received[Chat.user_id("eva")] == ["Gäller Lisa:\n" + late]
    assert Chat.user_id("anna") not in received

    # 08:05: only the 08:00 visit is late, and says when Anna comes.
    clock.set_local(day.year, day.month, day.day, 8, 5)
    today = await chat.send("lisa", "📅 Idag")
    assert block(today, breakfast).endswith(
        f"Anna kommer\nStatus: 20 minuter försenat, kommer ca {arrival}"
    )
    assert block(today, lunch).endswith("Anna kommer\nStatus: planerat")

    # 08:21 Anna checks in, 08:46 out: 25 minutes performed.
    clock.set_local(day.year, day.month, day.day, 8, 21)
    await chat.send("anna", "🚶 Mina besök idag")
    await chat.press_on("anna", "08:00", "Checka in")
    assert chat.alerts() == ["Incheckad kl. 08:21."]
    clock.set_local(day.year, day.month, day.day, 8, 46)
    await chat.press_on("anna", "08:00", "Checka ut")
    row = await db.get(Visit, breakfast.id)
    performed = round((row.actual_end - row.actual_start).total_seconds() / 60)
    assert performed == 25
    assert chat.alerts() == [f"Utcheckad kl. 08:46: {performed} min utförd tid."]
    today = await chat.send("lisa", "📅 Idag")
    assert block(today, breakfast).endswith(f"Status: klart, {performed} min")

    # 12:30, during lunch's window: nobody has come yet, it is still planned.
    clock.set_local(day.year, day.month, day.day, 12, 30)
    today = await chat.send("lisa", "📅 Idag")
    assert block(today, lunch).endswith("Anna kommer\nStatus: planerat")

    # 16:55: lunch's window closed without a check-in: it did not happen, and promises
    # nothing; dinner is still to come.
    clock.set_local(day.year, day.month, day.day, 16, 55)
    lunch_end = lunch.planned_start + timedelta(minutes=lunch.duration_minutes)
    assert lunch_end + TOLERANCE <= clock.now
    today = await chat.send("lisa", "📅 Idag")
    assert block(today, lunch).endswith("Status: blev inte av")
    assert "Anna kommer" not in block(today, lunch)
    assert block(today, dinner).endswith("Anna kommer\nStatus: planerat")

    # Anna is not offered "Checka in" for lunch; she is asked why it did not happen.
    await chat.send("anna", "🚶 Mina besök idag")
    lunch_card = next(
        r for r in chat.last if isinstance(r, SendMessage) and r.text.startswith("<b>12:00")
    )
    assert lunch_card.text.endswith(
        "Status: blev inte av\nIngen checkade in. Varför blev besöket inte av?"
    )
    labels = [b.text for row_ in lunch_card.reply_markup.inline_keyboard for b in row_]
    assert "Checka in" not in labels
    assert labels == [
        "Brukaren tackade nej",
        "Brukaren låg på sjukhus",
        "Ingen personal kunde komma",
        "Brukaren var bortrest",
        "Annat skäl",
    ]
    await chat.press_on("anna", "12:00", "Brukaren tackade nej")
    assert (await db.get(Visit, lunch.id)).deviation_reason == "client_declined"
    assert chat.edits()[0].endswith("Skäl: Brukaren tackade nej\nSparat: Brukaren tackade nej.")

    # 17:05, during dinner: Anna is there.
    clock.set_local(day.year, day.month, day.day, 17, 5)
    await chat.press_on("anna", "17:00", "Checka in")
    today = await chat.send("lisa", "📅 Idag")
    assert block(today, dinner).endswith("Status: personalen är hos dig nu")
    evas = await chat.send("eva", "📅 Idag")  # her relative reads it about Lisa
    assert block(evas, dinner).endswith("Status: personalen är hos Lisa nu")


async def test_anna_is_told_at_once_when_her_visit_is_moved(
    chat: Chat, outbox: Outbox, api, db: Database, clock: Clock, day: date
) -> None:  # type: ignore[no-untyped-def]
    """Erik approves moving Anna's 08:00 visit to 09:00 ten minutes before it starts."""
    breakfast, _lunch, _dinner = await lisas_day(db, day)
    clock.set_local(day.year, day.month, day.day, 7, 50)
    new_start = breakfast.planned_start + timedelta(hours=1)
    request = await lisa_asks_to_move(api, breakfast.id, new_start)
    await outbox.deliver()  # Anna hears of the request itself first
    r = await api.post(
        f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("erik")
    )
    assert r.status_code == 200, r.text
    received = await outbox.deliver()
    old = f"{sv_day(breakfast.planned_start)} kl. {hhmm(breakfast.planned_start)}"
    new = f"{sv_day(new_start)} kl. {hhmm(new_start)}"
    assert hhmm(new_start) == "09:00"
    assert received[Chat.user_id("anna")] == [
        f"Ditt besök hos Lisa har ändrats (godkänt):\nFlytta besöket {old} till {new}."
    ]
    assert (await db.get(Visit, breakfast.id)).planned_start == new_start

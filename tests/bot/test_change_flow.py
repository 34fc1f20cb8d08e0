"""Asking for a change step by step in the bot, one question at a time, through the real
dispatcher and backend: what Lisa reads at each step (in Swedish) and the request row that is
written once she sends it. Monday 23 November 2026, 08:40; Lisa's visits are at 08:00 (meal
and dressing), 12:00 (meal, 20 min) and 17:00 (meal and safety check, 20 min) every day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from aiogram.types import InlineKeyboardMarkup
from sqlmodel import col, select

from backend.models import ChangeRequest, Visit
from contract import TZ
from tests.bot.conftest import Chat
from tests.conftest import Clock, Database

TODAY = date(2026, 11, 23)
WEDNESDAY = TODAY + timedelta(days=2)
LISA = 1
CHANGE = "✏️ Önska en ändring"


async def lisas_visit(db: Database, day: date, hour: int) -> Visit:
    visits = await db.all(
        select(Visit)
        .where(Visit.client_id == LISA, Visit.day == day)
        .order_by(col(Visit.planned_start))
    )
    [visit] = [v for v in visits if v.planned_start.astimezone(TZ).hour == hour]
    return visit


def fmt(minutes: int) -> str:
    """A length as Swedish writes it short: "1 tim 15 min"."""
    hours, rest = divmod(minutes, 60)
    return " ".join([f"{hours} tim"] * bool(hours) + [f"{rest} min"] * bool(rest))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


async def the_request(db: Database) -> ChangeRequest:
    [request] = await db.all(select(ChangeRequest))
    return request


async def test_another_time_written_out(chat: Chat, db: Database) -> None:
    evening = await lisas_visit(db, TODAY, 17)
    await chat.send("lisa", CHANGE)
    asked = await chat.press("lisa", "17:00")
    assert "Vad vill du ändra på besöket måndag 23 november 17:00?" in asked
    asked = await chat.press("lisa", "En annan tid")
    assert "Vilken ny tid?" in asked and "30 minuter senare" in chat.buttons("lisa")
    preview = await chat.send("lisa", "18:30")
    assert (
        "Flytta besöket måndag 23 november kl. 17:00 till måndag 23 november kl. 18:30." in preview
    )
    assert await db.count(ChangeRequest) == 0
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.kind == "move" and request.change.visit_id == evening.id
    assert request.change.new_start == local(TODAY, 18, 30)
    assert request.note == ""  # only a wish in her own words travels as a note


async def test_halv_fyra_is_half_past_three_in_the_afternoon(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """Lisa, at noon, asking for "halv fyra" was told that time had passed (it was taken as
    03:30), and for "halv fyra i morgon" was offered a move to 03:30 to send."""
    clock.set_local(2026, 11, 23, 12, 10)
    evening = await lisas_visit(db, TODAY, 17)
    preview = await chat.send("lisa", "kan ni komma halv fyra i dag i stället för kvällsbesöket")
    assert (
        "Flytta besöket måndag 23 november kl. 17:00 till måndag 23 november kl. 15:30." in preview
    ), preview
    assert "redan varit" not in preview and "Utanför enhetens tider" not in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.visit_id == evening.id
    assert request.change.new_start == local(TODAY, 15, 30)

    # Written 24-hour style, or with a morning word, the night's hour is kept.
    preview = await chat.send("lisa", "flytta lunchen i morgon till kl 03:30")
    assert "kl. 03:30." in preview and "Utanför enhetens tider (07:00–22:00)" in preview


async def test_another_time_written_as_so_much_later(chat: Chat, db: Database) -> None:
    """ "en timme senare", written where the buttons say "1 timme senare" (before: "Skriv
    också tiden")."""
    evening = await lisas_visit(db, TODAY, 17)
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "17:00")
    await chat.press("lisa", "En annan tid")
    preview = await chat.send("lisa", "en timme senare")
    assert (
        "Flytta besöket måndag 23 november kl. 17:00 till måndag 23 november kl. 18:00." in preview
    ), preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.visit_id == evening.id
    assert request.change.new_start == evening.planned_start + timedelta(hours=1)


async def test_a_wish_to_come_half_an_hour_later_tomorrow_morning(
    chat: Chat, db: Database
) -> None:
    """Before: "Skriv också tiden, till exempel 'kl. 10'": relative moves were not read."""
    morning = await lisas_visit(db, TODAY + timedelta(days=1), 8)
    preview = await chat.send("lisa", "kan ni komma en halvtimme senare i morgon bitti")
    assert (
        "Flytta besöket tisdag 24 november kl. 08:00 till tisdag 24 november kl. 08:30." in preview
    ), preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.visit_id == morning.id
    assert request.change.new_start == morning.planned_start + timedelta(minutes=30)


async def test_a_little_later_tonight_asks_how_much_with_buttons(chat: Chat, db: Database) -> None:
    """ "lite senare i kväll" names the evening visit but not by how much: the bot asks for the
    new time of that visit, with the half-hour and hour buttons (before: "Skriv också
    tiden", and the wish was dropped)."""
    evening = await lisas_visit(db, TODAY, 17)
    asked = await chat.send("lisa", "kan ni komma lite senare i kväll?")
    assert "Vilken ny tid?" in asked
    assert {"30 minuter senare", "1 timme senare"} <= set(chat.buttons("lisa"))
    preview = await chat.press("lisa", "30 minuter senare")
    assert (
        "Flytta besöket måndag 23 november kl. 17:00 till måndag 23 november kl. 17:30." in preview
    ), preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.visit_id == evening.id
    assert request.change.new_start == evening.planned_start + timedelta(minutes=30)


async def test_a_little_later_where_the_time_is_asked_offers_the_buttons_again(
    chat: Chat, db: Database
) -> None:
    evening = await lisas_visit(db, TODAY, 17)
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "17:00")
    await chat.press("lisa", "En annan tid")
    hint = await chat.send("lisa", "lite senare")
    assert "Skriv också tiden" in hint
    [answer] = chat.last  # the hint itself carries the buttons
    assert isinstance(answer.reply_markup, InlineKeyboardMarkup)
    labels = [b.text for row in answer.reply_markup.inline_keyboard for b in row]
    assert {"30 minuter senare", "1 timme senare"} <= set(labels)
    preview = await chat.press("lisa", "1 timme senare")
    assert "till måndag 23 november kl. 18:00." in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.new_start == evening.planned_start + timedelta(hours=1)


async def test_a_wish_for_a_day_after_the_coming_week_finds_its_visit(
    chat: Chat, db: Database
) -> None:
    """Visits are planned two weeks ahead; the wish names a day nine days off (before: "Jag
    hittade inget besök", as only the coming week was looked at)."""
    day = TODAY + timedelta(days=9)
    lunch = await lisas_visit(db, day, 12)
    preview = await chat.send(
        "lisa", "kan ni komma klockan 13 i stället för lunchen den 2 december"
    )
    assert (
        "Flytta besöket onsdag 2 december kl. 12:00 till onsdag 2 december kl. 13:00." in preview
    )
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.visit_id == lunch.id
    assert request.change.new_start == local(day, 13)


async def test_another_time_by_a_button(chat: Chat, db: Database) -> None:
    lunch = await lisas_visit(db, TODAY, 12)
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "12:00")
    await chat.press("lisa", "En annan tid")
    preview = await chat.press("lisa", "30 minuter senare")
    assert "till måndag 23 november kl. 12:30." in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.new_start == lunch.planned_start + timedelta(minutes=30)


async def test_skipping_one_of_two_things_asks_which(chat: Chat, db: Database) -> None:
    evening = await lisas_visit(db, TODAY, 17)
    assert sorted(evening.services) == ["meal", "supervision"]
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "17:00")
    asked = await chat.press("lisa", "Hoppa över något")
    assert "Vad ska hoppas över den här gången?" in asked
    assert {"Måltid", "Tillsyn"} <= set(chat.buttons("lisa"))
    preview = await chat.press("lisa", "Tillsyn")
    assert "Hoppa över tillsyn vid besöket måndag 23 november kl. 17:00." in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.kind == "skip_service" and request.change.service == "supervision"


async def test_skipping_the_one_thing_a_visit_is_for_cancels_it(chat: Chat, db: Database) -> None:
    """A skipped lunch of a lunch-only visit leaves nothing to come for: the client is shown
    (and sends) a cancellation, as when they write "ställ in lunchen"."""
    lunch = await lisas_visit(db, TODAY, 12)
    assert lunch.services == ["meal"]
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "12:00")
    preview = await chat.press("lisa", "Hoppa över något")
    assert "Ställ in besöket måndag 23 november kl. 12:00." in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert (request.kind, request.change.visit_id) == ("cancel", lunch.id)


async def test_something_else_instead_of_the_only_thing_asks_what_instead(
    chat: Chat, db: Database
) -> None:
    lunch = await lisas_visit(db, TODAY, 12)
    assert lunch.services == ["meal"]
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "12:00")
    asked = await chat.press("lisa", "Något annat i stället")
    assert "Vad vill du ha i stället?" in asked
    offered = set(chat.buttons("lisa"))
    assert "Promenad" in offered and "Måltid" not in offered  # granted, not already there
    preview = await chat.press("lisa", "Promenad")
    assert "Promenad i stället för måltid vid besöket måndag 23 november kl. 12:00." in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert (request.kind, request.change.service, request.change.new_service) == (
        "swap",
        "meal",
        "walk",
    )


async def test_an_extra_visit_step_by_step(chat: Chat, db: Database) -> None:
    await chat.send("lisa", CHANGE)
    asked = await chat.press("lisa", "Ett extra besök")
    assert "När vill du ha det extra besöket?" in asked
    assert "Hur långt ska det extra besöket vara?" in await chat.send("lisa", "onsdag kl 15")
    assert "Vad ska göras vid det extra besöket?" in await chat.press("lisa", "30 min")
    preview = await chat.press("lisa", "Promenad")
    assert "Ett extra besök onsdag 25 november kl. 15:00, 30 min: promenad." in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.kind == "extra" and request.change.services == ("walk",)
    assert request.change.new_start == local(WEDNESDAY, 15)
    assert request.change.new_duration == 30


async def test_shorter_offers_less_than_the_whole_visit(chat: Chat, db: Database) -> None:
    lunch = await lisas_visit(db, TODAY, 12)
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "12:00")
    assert "Hur mycket kortare?" in await chat.press("lisa", "Kortare")
    minutes = [b for b in chat.buttons("lisa") if b.endswith("min")]
    assert minutes == ["5 min", "10 min", "15 min"]  # of 20 minutes
    preview = await chat.press("lisa", "15 min")
    assert f"till {lunch.duration_minutes - 15} min." in preview


async def test_a_wish_about_one_visit_asks_only_how_much(chat: Chat, db: Database) -> None:
    shower = await lisas_visit(db, WEDNESDAY, 10)
    assert shower.services == ["shower"]
    assert "Hur mycket längre?" in await chat.send("lisa", "längre dusch på onsdag")
    preview = await chat.press("lisa", "15 min")
    assert (
        "Ändra längden på besöket onsdag 25 november kl. 10:00 till "
        f"{fmt(shower.duration_minutes + 15)}." in preview
    )
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.change.visit_id == shower.id
    assert request.note == "längre dusch på onsdag"


async def test_back_goes_one_question_back(chat: Chat, db: Database) -> None:
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "12:00")
    await chat.press("lisa", "Längre")
    assert "Vad vill du ändra på besöket" in await chat.press("lisa", "Tillbaka")
    assert "Vilket besök" in await chat.press("lisa", "Tillbaka")
    await chat.press("lisa", "17:00")
    await chat.press("lisa", "Ställ in besöket")
    preview = await chat.press("lisa", "Tillbaka")
    assert "Vad vill du ändra på besöket måndag 23 november 17:00?" in preview
    assert await db.count(ChangeRequest) == 0


async def test_a_cancellation_is_previewed_with_the_visit_it_cancels(
    chat: Chat, db: Database
) -> None:
    evening = await lisas_visit(db, TODAY, 17)
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "17:00")
    preview = await chat.press("lisa", "Ställ in besöket")
    assert "Ställ in besöket måndag 23 november kl. 17:00." in preview
    await chat.press("lisa", "Skicka")
    request = await the_request(db)
    assert request.kind == "cancel" and request.change.visit_id == evening.id

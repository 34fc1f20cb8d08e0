"""Free text always leads somewhere, through the real dispatcher and backend: what Lisa,
Samira and Aino read when they just write. Monday 23 November 2026, 08:40; Lisa's visits are
at 08:00 (meal and dressing), 12:00 (meal) and 17:00 (meal and safety check) every day, a
shower on Wednesdays at 10:00 and the cleaning on Fridays at 13:00. Every time and date in an
expected reply is read from the visit rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from backend.models import ChangeRequest, Visit
from bot.backend_client import BackendClient
from contract import TZ
from tests.bot.conftest import Chat
from tests.conftest import Clock, Database

TODAY = date(2026, 11, 23)
TOMORROW = TODAY + timedelta(days=1)
FRIDAY = TODAY + timedelta(days=4)
LISA, AINO, SAMIRA = 1, 3, 4
CHANGE = "✏️ Önska en ändring"
SV_WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
SV_MONTHS = {11: "november", 12: "december"}
SEND, BACK, STOP = "✅ Skicka", "⬅️ Tillbaka", "✖️ Avbryt"


async def visits_of(db: Database, client_id: int, day: date) -> list[Visit]:
    return await db.all(
        select(Visit)
        .where(Visit.client_id == client_id, Visit.day == day)
        .order_by(col(Visit.planned_start))
    )


async def the_visit(db: Database, client_id: int, day: date, service: str) -> Visit:
    [visit] = [v for v in await visits_of(db, client_id, day) if service in v.services]
    return visit


def hhmm(visit: Visit, minutes: int = 0) -> str:
    return (visit.planned_start + timedelta(minutes=minutes)).astimezone(TZ).strftime("%H:%M")


def sv_day(day: date) -> str:
    """ "fredag 27 november", as the Swedish replies name a day."""
    return f"{SV_WEEKDAYS[day.weekday()]} {day.day} {SV_MONTHS[day.month]}"


# --- "en promenad i stället för städning": the bot's own help example -------------------


async def test_the_help_example_finds_fridays_cleaning(chat: Chat, db: Database) -> None:
    """Before: "Jag hittade inget besök som det här kan gälla." (only today and tomorrow
    were looked at, and the cleaning is on Friday)."""
    cleaning = await the_visit(db, LISA, FRIDAY, "cleaning")
    reply = await chat.send("lisa", "en promenad i stället för städning")
    assert reply.startswith(
        "Du bad om:\nPromenad i stället för städning vid besöket "
        f"{sv_day(FRIDAY)} kl. {hhmm(cleaning)}.\n"
    )
    assert chat.buttons("lisa") == [SEND, BACK, STOP]
    await chat.press("lisa", "Skicka")
    [request] = await db.all(select(ChangeRequest))
    assert (request.kind, request.visit_id) == ("swap", cleaning.id)
    assert (request.change.service, request.change.new_service) == ("cleaning", "walk")
    assert request.note == "en promenad i stället för städning"


async def test_a_wish_that_fits_no_visit_offers_every_visit(chat: Chat, db: Database) -> None:
    """Lisa has no shower tomorrow: the bot says so and lets her choose the visit, keeping
    her wish (before: the same sentence and nothing to press)."""
    reply = await chat.send("lisa", "hoppa över duschen i morgon")
    assert reply.startswith(
        "Jag hittade inget besök som det här kan gälla.\nVilket besök gäller det?\n"
        "För en senare dag, välj dagen först.\n"
    )
    today = [v for v in await visits_of(db, LISA, TODAY) if hhmm(v) > "08:40"]
    tomorrow = await visits_of(db, LISA, TOMORROW)
    buttons = chat.buttons("lisa")
    shown = [b for b in buttons if "·" in b]
    assert [b.split(" · ")[0] for b in shown] == [
        f"{d} {hhmm(v)}" for d, vs in (("mån 23/11", today), ("tis 24/11", tomorrow)) for v in vs
    ]
    assert "ons 25/11" in buttons  # Wednesday's shower is a day away
    await chat.press("lisa", "ons 25/11")
    shower = await the_visit(db, LISA, TODAY + timedelta(days=2), "shower")
    reply = await chat.press("lisa", f"{hhmm(shower)} · dusch")
    # the visit is only the shower: without it there is nothing to come for, and its hour is
    # freed (skipping the shower kept the hour planned)
    assert reply.startswith(
        f"Du bad om:\nStäll in besöket onsdag 25 november kl. {hhmm(shower)}."
    ), reply
    assert f"Ändringen frigör {shower.duration_minutes // 60} tim." in reply


# --- "besöket i kväll": one evening visit, no question ------------------------------------


async def test_the_evening_visit_is_the_one_in_the_evening(chat: Chat, db: Database) -> None:
    """Before: "Vilket besök menar du?" with all three of today's visits."""
    [evening] = [v for v in await visits_of(db, LISA, TODAY) if hhmm(v) >= "16:00"]
    reply = await chat.send("lisa", "ställ in besöket i kväll")
    assert reply.startswith(f"Du bad om:\nStäll in besöket {sv_day(TODAY)} kl. {hhmm(evening)}.")
    assert chat.buttons("lisa") == [SEND, BACK, STOP]


async def test_the_time_said_with_the_visit_is_the_visit(chat: Chat, db: Database) -> None:
    """ "ställ in besöket kl 12 i morgon": before, "Vilket besök menar du?" with all of
    tomorrow's visits; the 12:00 visit is the one sent."""
    [lunch] = [v for v in await visits_of(db, LISA, TOMORROW) if hhmm(v) == "12:00"]
    reply = await chat.send("lisa", "ställ in besöket kl 12 i morgon")
    assert reply.startswith(f"Du bad om:\nStäll in besöket {sv_day(TOMORROW)} kl. 12:00.")
    assert chat.buttons("lisa") == [SEND, BACK, STOP]
    await chat.press("lisa", "Skicka")
    [request] = await db.all(select(ChangeRequest))
    assert (request.kind, request.visit_id) == ("cancel", lunch.id)


async def test_cancelling_the_lunch_cancels_the_lunch_visit(chat: Chat, db: Database) -> None:
    """ "ställ in lunchen i morgon": Lisa eats at 08:00, 12:00 and 17:00, and the 12:00 visit
    is only the meal. Before: "Vilket besök menar du?" with all three, and then "skip the
    meal" of a visit with nothing else to do."""
    [lunch] = [v for v in await visits_of(db, LISA, TOMORROW) if hhmm(v) == "12:00"]
    assert lunch.services == ["meal"]
    reply = await chat.send("lisa", "ställ in lunchen i morgon")
    assert reply.startswith(f"Du bad om:\nStäll in besöket {sv_day(TOMORROW)} kl. 12:00.")
    await chat.press("lisa", "Skicka")
    [request] = await db.all(select(ChangeRequest))
    assert (request.kind, request.visit_id) == ("cancel", lunch.id)
    assert request.note == "ställ in lunchen i morgon"  # the decider reads her own words


async def test_a_visit_moved_from_one_time_to_another(chat: Chat, db: Database) -> None:
    """ "flytta besöket kl 12 i morgon till kl 13": before, not understood at all."""
    reply = await chat.send("lisa", "flytta besöket kl 12 i morgon till kl 13")
    assert reply.startswith(
        f"Du bad om:\nFlytta besöket {sv_day(TOMORROW)} kl. 12:00 till {sv_day(TOMORROW)} "
        "kl. 13:00."
    ), reply


async def test_a_time_with_no_visit_near_it_offers_every_visit(chat: Chat, db: Database) -> None:
    """Lisa has nothing at 15:00 tomorrow: the bot says so and lets her choose; it does not
    pick the 12:00 or the 17:00 visit for her."""
    reply = await chat.send("lisa", "ställ in besöket kl 15 i morgon")
    assert reply.startswith(
        "Jag hittade inget besök som det här kan gälla.\nVilket besök gäller det?"
    )
    assert await db.all(select(ChangeRequest)) == []


# --- typed while a question or the preview is open ----------------------------------------


async def test_a_new_wish_at_the_confirm_step_replaces_the_old(chat: Chat, db: Database) -> None:
    """Before: the new wish was answered with "Använd knapparna här nedanför, eller skriv
    /help."."""
    [evening] = [v for v in await visits_of(db, LISA, TODAY) if hhmm(v) >= "16:00"]
    await chat.send("lisa", "ställ in besöket i kväll")
    reply = await chat.send("lisa", "nej, besöket i kväll 15 min längre")
    longer = evening.duration_minutes + 15
    assert reply.startswith(
        f"Du bad om:\nÄndra längden på besöket {sv_day(TODAY)} kl. {hhmm(evening)} "
        f"till {longer} min.\n"
    )
    await chat.press("lisa", "Skicka")
    [request] = await db.all(select(ChangeRequest))
    assert (request.kind, request.change.new_duration) == ("resize", longer)
    assert request.visit_id == evening.id


async def test_what_instead_can_be_written(chat: Chat, db: Database) -> None:
    """ "Vad vill du ha i stället?" answered in words: "för en promenad" (before: not read,
    and the question stayed)."""
    [lunch] = [v for v in await visits_of(db, LISA, TODAY) if hhmm(v) == "12:00"]
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "mån 23/11 12:00")
    assert await chat.press("lisa", "Något annat i stället") == "Vad vill du ha i stället?"
    reply = await chat.send("lisa", "för en promenad")
    assert reply.startswith(
        "Du bad om:\nPromenad i stället för måltid vid besöket "
        f"{sv_day(TODAY)} kl. {hhmm(lunch)}.\n"
    )


async def test_how_much_longer_can_be_written(chat: Chat, db: Database) -> None:
    [lunch] = [v for v in await visits_of(db, LISA, TODAY) if hhmm(v) == "12:00"]
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "mån 23/11 12:00")
    assert await chat.press("lisa", "Längre") == "Hur mycket längre?"
    reply = await chat.send("lisa", "20 minuter")
    assert reply.startswith(
        f"Du bad om:\nÄndra längden på besöket {sv_day(TODAY)} kl. {hhmm(lunch)} "
        f"till {lunch.duration_minutes + 20} min.\n"
    )


# --- every visit of the week can be picked -------------------------------------------------


async def test_fridays_cleaning_can_be_picked_from_the_menu(chat: Chat, db: Database) -> None:
    """Before: only the first 10 of the week's 25 visits were buttons; Friday's were not."""
    reply = await chat.send("lisa", CHANGE)
    assert "För en senare dag, välj dagen först." in reply
    buttons = chat.buttons("lisa")
    assert [b for b in buttons if "·" not in b] == [
        "ons 25/11",
        "tors 26/11",
        "fre 27/11",
        "lör 28/11",
        "sön 29/11",
        "mån 30/11",
        "➕ Ett extra besök",
        STOP,
    ]
    friday = await visits_of(db, LISA, FRIDAY)
    assert await chat.press("lisa", "fre 27/11") == f"Vilket besök {sv_day(FRIDAY)}?"
    assert [b.split(" · ")[0] for b in chat.buttons("lisa")[:-2]] == [
        f"fre 27/11 {hhmm(v)}" for v in friday
    ]
    assert chat.buttons("lisa")[-2:] == ["⬅️ Andra dagar", STOP]
    cleaning = await the_visit(db, LISA, FRIDAY, "cleaning")
    reply = await chat.press("lisa", f"{hhmm(cleaning)} · städning")
    assert reply == f"Vad vill du ändra på besöket {sv_day(FRIDAY)} {hhmm(cleaning)}?"
    # and back to the days
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "fre 27/11")
    assert await chat.press("lisa", "Andra dagar") == "För en senare dag, välj dagen först."
    assert "fre 27/11" in chat.buttons("lisa")


# --- "hej", "tack" and "vem kommer idag?" are not "förstod inte" ------------------------


async def test_hello_is_answered_with_hello(chat: Chat) -> None:
    """Before: "Förlåt, jag förstod inte. ..." for "hej" as for anything."""
    assert await chat.send("lisa", "hej") == (
        "Hej Lisa! Välj vad du vill göra med knapparna här nedanför."
    )
    assert "✏️ Önska en ändring" in chat.menu("lisa")
    assert await chat.send("lisa", "tack!") == (
        "Varsågod! Skriv eller välj nedan om det är något mer."
    )


async def test_who_comes_today_is_answered_with_todays_visits(chat: Chat, db: Database) -> None:
    reply = await chat.send("lisa", "vem kommer idag?")
    visits = await visits_of(db, LISA, TODAY)
    assert reply.startswith(f"Idag, {sv_day(TODAY)}\n\n")
    for visit in visits:
        assert f"<b>{hhmm(visit)}–{hhmm(visit, visit.duration_minutes)}</b>" in reply
    assert reply.count("Anna kommer") == len(visits)


async def test_who_comes_tomorrow_is_answered_with_tomorrows_visits(
    chat: Chat, db: Database
) -> None:
    reply = await chat.send("lisa", "när kommer ni i morgon?")
    lines = [
        f"{hhmm(v)}–{hhmm(v, v.duration_minutes)}" for v in await visits_of(db, LISA, TOMORROW)
    ]
    assert reply.startswith(f"<b>{sv_day(TOMORROW).capitalize()}</b>\n")
    assert [line.split(" · ")[0] for line in reply.splitlines()[1:]] == lines


# --- Samira writes Arabic, Aino Finnish ----------------------------------------------------


async def test_samira_moves_tomorrows_visit_in_arabic(
    chat: Chat, db: Database, backend_client: BackendClient
) -> None:
    """ "بكرة الساعة ١٠" (tomorrow at ten, Arabic-Indic digits): her one visit tomorrow is
    moved to 10:00, shown back in Arabic (before: not understood)."""
    await backend_client.update_me(Chat.user_id("samira"), locale="ar")
    [visit] = await visits_of(db, SAMIRA, TOMORROW)
    reply = await chat.send("samira", "بكرة الساعة ١٠", language_code="ar")
    old = visit.planned_start.astimezone(TZ)
    assert reply.startswith(
        "طلبت:\nنقل الزيارة يوم الثلاثاء، 24 نوفمبر الساعة "
        f"{old.hour}:{old.minute:02d} ص إلى يوم الثلاثاء، 24 نوفمبر الساعة 10:00 ص."
    ), reply
    assert chat.buttons("samira") == ["✅ إرسال", "⬅️ رجوع", "✖️ إلغاء"]


async def test_samira_is_greeted_in_arabic(chat: Chat, backend_client: BackendClient) -> None:
    await backend_client.update_me(Chat.user_id("samira"), locale="ar")
    reply = await chat.send("samira", "السلام عليكم", language_code="ar")
    assert reply == "مرحبًا Samira! اختر ما تريد فعله من الأزرار أدناه."


async def test_aino_cancels_in_finnish(
    chat: Chat, db: Database, backend_client: BackendClient
) -> None:
    await backend_client.update_me(Chat.user_id("aino"), locale="fi")
    [lunch] = await visits_of(db, AINO, FRIDAY)
    reply = await chat.send("aino", "peruuta perjantain käynti", language_code="fi")
    assert reply.startswith(
        f"Toiveesi:\nPeru käynti perjantai 27. marraskuuta klo {hhmm(lunch).replace(':', '.')}."
    ), reply


async def test_aino_writes_how_much_shorter_in_finnish(
    chat: Chat, db: Database, backend_client: BackendClient
) -> None:
    """A shortening as long as the visit is asked again, not offered to the assessor."""
    await backend_client.update_me(Chat.user_id("aino"), locale="fi")
    [lunch] = await visits_of(db, AINO, FRIDAY)
    reply = await chat.send("aino", "lyhyempi käynti perjantaina", language_code="fi")
    assert reply == "Kuinka paljon lyhyempi?"
    assert await chat.send("aino", "puoli tuntia", language_code="fi") == (
        "Kuinka paljon lyhyempi?"
    )  # the visit is 30 min: shorter by all of it is no visit
    reply = await chat.send("aino", "10 minuuttia", language_code="fi")
    assert reply.startswith(
        f"Toiveesi:\nMuuta käynti perjantai 27. marraskuuta klo "
        f"{hhmm(lunch).replace(':', '.')} kestämään {lunch.duration_minutes - 10} min."
    ), reply


# --- help promises speech only where a speech model is configured -------------------------


async def test_help_offers_voice_only_with_a_speech_model(
    chat: Chat, backend_client: BackendClient
) -> None:
    """No Finnish model: Aino's help says write, not say (before: "kirjoittaa tai sanoa")."""
    await backend_client.update_me(Chat.user_id("aino"), locale="fi")
    help_fi = await chat.send("aino", "/help", language_code="fi")
    assert "Voit myös vain kirjoittaa sen, esimerkiksi ”Voitteko tulla huomenna kymmeneltä?”." in (
        help_fi
    )
    assert "sanoa" not in help_fi
    help_sv = await chat.send("lisa", "/help")
    assert "Du kan också bara skriva det, till exempel" in help_sv
    assert "säga" not in help_sv
    chat.dispatcher["speech_languages"] = frozenset({"sv"})  # a Swedish model, as configured
    help_sv = await chat.send("lisa", "/help")
    assert "Du kan också bara skriva eller säga det, till exempel" in help_sv
    help_fi = await chat.send("aino", "/help", language_code="fi")
    assert "sanoa" not in help_fi
    # nor does the first question of a change
    asked = await chat.send("aino", "✏️ Toivo muutosta", language_code="fi")
    assert asked.endswith(
        "Voit myös kirjoittaa, mitä haluat, esimerkiksi ”huomenna klo 10 sen sijaan”."
    )
    asked = await chat.send("lisa", CHANGE)
    assert asked.endswith(
        "Du kan också skriva eller säga vad du vill, till exempel ”imorgon kl. 10 i stället”."
    )


# --- a visit moved to another day: "flytta duschen till torsdag" ----------------------------


@pytest.mark.parametrize(
    "said",
    [
        "flytta duschen till torsdag",
        "jag vill ha duschen på torsdag istället för onsdag",
        "flytta duschen en dag senare",
    ],
)
async def test_the_shower_moved_to_thursday_keeps_its_time(
    chat: Chat, db: Database, said: str
) -> None:
    """Before: "Skriv också tiden" (the day was read as the visit's own), "Jag förstod inte
    riktigt" (two days in one wish) and "Vilken ny tid?" (a day was not how much later). A
    visit moved to another day keeps its own time."""
    wednesday = TODAY + timedelta(days=2)
    shower = await the_visit(db, LISA, wednesday, "shower")
    reply = await chat.send("lisa", said)
    assert reply.startswith(
        f"Du bad om:\nFlytta besöket {sv_day(wednesday)} kl. {hhmm(shower)} till "
        f"{sv_day(wednesday + timedelta(days=1))} kl. {hhmm(shower)}.\n"
    ), reply
    assert chat.buttons("lisa") == [SEND, BACK, STOP]
    await chat.press("lisa", "Skicka")
    [request] = await db.all(select(ChangeRequest))
    assert (request.kind, request.visit_id) == ("move", shower.id)
    assert request.change.new_start == shower.planned_start + timedelta(days=1)
    assert request.note == said


async def test_cleaning_on_thursday_instead_moves_fridays_cleaning(
    chat: Chat, db: Database
) -> None:
    """Before: Thursday's visits were offered for a swap to cleaning; Lisa meant her
    Friday cleaning, on Thursday."""
    cleaning = await the_visit(db, LISA, FRIDAY, "cleaning")
    thursday = FRIDAY - timedelta(days=1)
    reply = await chat.send("lisa", "kan ni städa på torsdag i stället")
    assert reply.startswith(
        f"Du bad om:\nFlytta besöket {sv_day(FRIDAY)} kl. {hhmm(cleaning)} till "
        f"{sv_day(thursday)} kl. {hhmm(cleaning)}.\n"
    ), reply
    await chat.press("lisa", "Skicka")
    [request] = await db.all(select(ChangeRequest))
    assert (request.kind, request.visit_id) == ("move", cleaning.id)
    assert request.change.new_start == cleaning.planned_start - timedelta(days=1)


async def test_away_on_a_day_asks_which_of_its_visits(chat: Chat, db: Database) -> None:
    """ "jag är bortrest på onsdag": before, "Jag förstod inte riktigt"; now the day's
    visits to cancel, one of them chosen and sent."""
    wednesday = TODAY + timedelta(days=2)
    visits = await visits_of(db, LISA, wednesday)
    reply = await chat.send("lisa", "jag är bortrest på onsdag")
    assert reply.startswith("Vilket besök menar du?"), reply
    shown = [b.split(" · ")[0] for b in chat.buttons("lisa") if "·" in b]
    assert shown == [f"ons 25/11 {hhmm(v)}" for v in visits]
    reply = await chat.press("lisa", f"ons 25/11 {hhmm(visits[0])}")
    assert reply.startswith(
        f"Du bad om:\nStäll in besöket {sv_day(wednesday)} kl. {hhmm(visits[0])}."
    )


async def test_a_time_already_past_is_not_offered_to_the_assessor(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """ "flytta duschen till idag" at 12:10 puts Wednesday's 10:00 shower at 10:00 today,
    already past. Before: "Det här ryms inte i din beviljade tid", the month's figures and
    "Lämna vidare som ändrat behov", which stored it for the needs assessor."""
    clock.set_local(2026, 11, 23, 12, 10)
    wednesday = TODAY + timedelta(days=2)
    shower = await the_visit(db, LISA, wednesday, "shower")
    reply = await chat.send("lisa", "flytta duschen till idag")
    assert reply == (
        f"Du bad om:\nFlytta besöket {sv_day(wednesday)} kl. {hhmm(shower)} till "
        f"{sv_day(TODAY)} kl. {hhmm(shower)}.\n\n"
        "Så här går det inte att be om:\n• Den tiden har redan varit.\n\n"
        "Vill du be om något annat, tryck på ”Tillbaka”."
    ), reply
    assert chat.buttons("lisa") == [BACK, STOP]
    assert await db.count(ChangeRequest) == 0


async def test_a_button_an_hour_earlier_into_the_past_says_only_why(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """At 16:30, "1 timme tidigare" on the 17:00 visit makes 16:00. Before: "Det här ryms
    inte i din beviljade tid", with "Kort varsel" listed beside "Den tiden har redan varit",
    the figures, and the assessor's button."""
    clock.set_local(2026, 11, 23, 16, 30)
    [evening] = [v for v in await visits_of(db, LISA, TODAY) if hhmm(v) == "17:00"]
    await chat.send("lisa", CHANGE)
    await chat.press("lisa", "17:00")
    await chat.press("lisa", "En annan tid")
    reply = await chat.press("lisa", "1 timme tidigare")
    assert reply == (
        f"Du bad om:\nFlytta besöket {sv_day(TODAY)} kl. 17:00 till {sv_day(TODAY)} kl. "
        f"{hhmm(evening, -60)}.\n\nSå här går det inte att be om:\n• Den tiden har redan "
        "varit.\n\nVill du be om något annat, tryck på ”Tillbaka”."
    ), reply
    assert chat.buttons("lisa") == [BACK, STOP]


async def test_a_shower_moved_to_its_own_day_says_it_is_there_already(
    chat: Chat, db: Database
) -> None:
    """Before: "Jag hittade inget besök som det här kan gälla." Lisa's shower is on
    Wednesday: she is told so, and may choose a visit as before."""
    wednesday = TODAY + timedelta(days=2)
    shower = await the_visit(db, LISA, wednesday, "shower")
    reply = await chat.send("lisa", "flytta duschen till onsdag")
    assert reply.startswith(
        f"Dusch finns redan {sv_day(wednesday)} kl. {hhmm(shower)}.\nVilket besök gäller det?"
    ), reply
    assert "ons 25/11" in chat.buttons("lisa")

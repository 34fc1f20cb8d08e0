"""Typed visit notes are first-class, through the real dispatcher and backend: Anna writes
a note from the visit card, or just types it after a visit, or is asked to write it when her
voice note cannot be understood; she sees it read back, and it is saved exactly like a
dictated note (the same service, the same audit). Monday 23 November 2026, 08:40; Anna's
visits today are Lisa's at 08:00, 12:00 and 17:00."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from backend.models import AuditEvent, Staff, Visit, VisitNote
from contract import TZ
from tests.bot.conftest import Chat
from tests.conftest import Clock, Database
from tests.support.recording_session import voice_update

TODAY = date(2026, 11, 23)
MY_DAY = "🚶 Mina besök idag"
WRITE = "📝 Skriv en anteckning"
NOTE = "Lisa åt all gröt och drack en kopp kaffe."


async def annas_visits(db: Database) -> list[Visit]:
    [anna] = await db.all(select(Staff).where(Staff.first_name == "Anna"))
    return await db.all(
        select(Visit)
        .where(Visit.staff_id == anna.id, Visit.day == TODAY)
        .order_by(col(Visit.planned_start))
    )


def hhmm(visit: Visit) -> str:
    return visit.planned_start.astimezone(TZ).strftime("%H:%M")


def read_back(text: str, visit: Visit) -> str:
    return (
        f"Din anteckning:\n<i>{text}</i>\n\nGäller besöket kl. {hhmm(visit)} hos Lisa.\n"
        "Spara den, eller skriv den rättade texten."
    )


async def test_a_note_written_from_the_visit_card(chat: Chat, db: Database) -> None:
    """Before: the visit card had only "Checka in"; a note could only be dictated."""
    lunch = (await annas_visits(db))[1]
    await chat.send("anna", MY_DAY)
    assert chat.callback_on("anna", hhmm(lunch), WRITE)
    asked = await chat.press_on("anna", hhmm(lunch), WRITE)
    assert asked == (
        f"Skriv anteckningen för besöket kl. {hhmm(lunch)} hos Lisa som ett meddelande. "
        "Du ser den innan den sparas."
    )
    assert await chat.send("anna", NOTE) == read_back(NOTE, lunch)
    assert await db.count(VisitNote) == 0  # nothing is saved before she says so
    saved = await chat.press("anna", "Spara")
    assert saved == (
        f"Anteckningen är sparad för besöket kl. {hhmm(lunch)} hos Lisa.\n<i>{NOTE}</i>\nSparat."
    )
    [note] = await db.all(select(VisitNote))
    assert (note.visit_id, note.text, note.source, note.confidence) == (
        lunch.id,
        NOTE,
        "typed",
        None,
    )
    [audit] = await db.all(select(AuditEvent).where(AuditEvent.action == "note.add"))
    assert (audit.entity_id, audit.client_id, audit.details) == (
        note.id,
        lunch.client_id,
        {"source": "typed"},
    )
    assert NOTE not in str(audit.details)  # the audit holds no note text


async def test_just_typing_after_a_visit_offers_it_as_a_note(
    chat: Chat, db: Database, clock: Clock
) -> None:
    """Anna checks out of breakfast and just writes: offered for that visit (before:
    "Använd knapparna här nedanför, eller tryck på ”Hjälp”.")."""
    breakfast = (await annas_visits(db))[0]
    await chat.send("anna", MY_DAY)
    await chat.press_on("anna", hhmm(breakfast), "Checka in")
    clock.advance(minutes=20)
    await chat.press_on("anna", hhmm(breakfast), "Checka ut")
    assert await chat.send("anna", NOTE) == read_back(NOTE, breakfast)
    assert chat.buttons("anna") == ["✅ Spara anteckningen", "Ett annat besök", "✖️ Avbryt"]
    await chat.press("anna", "Spara")
    [note] = await db.all(select(VisitNote))
    assert (note.visit_id, note.text, note.source) == (breakfast.id, NOTE, "typed")


async def test_a_typed_note_can_be_moved_to_another_visit_and_stopped(
    chat: Chat, db: Database
) -> None:
    _breakfast, lunch, _dinner = await annas_visits(db)
    await chat.send("anna", NOTE)
    await chat.press("anna", "Ett annat besök")
    assert await chat.press("anna", f"{hhmm(lunch)} Lisa") == read_back(NOTE, lunch)
    await chat.press("anna", "Avbryt")
    assert await db.count(VisitNote) == 0


async def test_without_a_speech_model_the_note_is_asked_for_in_writing(
    chat: Chat, db: Database
) -> None:
    """Before: "Jag kan inte förstå tal på ditt språk än. Skriv i stället." and then a typed
    note was not taken."""
    breakfast = (await annas_visits(db))[0]  # the nearest to 08:40
    chat.session.add_file("voice-1", b"OggS" + b"\x00" * 200)
    chat._new()
    await chat.dispatcher.feed_update(chat.bot, voice_update(Chat.user_id("anna"), "voice-1"))
    assert chat.replies() == (
        "Jag kan inte förstå tal på ditt språk än.\n"
        f"Skriv anteckningen för besöket kl. {hhmm(breakfast)} hos Lisa som ett meddelande. "
        "Du ser den innan den sparas."
    )
    assert await chat.send("anna", "Gick bra.") == read_back("Gick bra.", breakfast)
    await chat.press("anna", "Spara")
    [note] = await db.all(select(VisitNote))
    assert (note.visit_id, note.text, note.source) == (breakfast.id, "Gick bra.", "typed")


async def test_an_empty_or_too_long_note_is_asked_for_again(chat: Chat, db: Database) -> None:
    lunch = (await annas_visits(db))[1]
    await chat.send("anna", MY_DAY)
    await chat.press_on("anna", hhmm(lunch), WRITE)
    assert await chat.send("anna", "x" * 4001) == (
        "Skriv anteckningen som text, högst 4000 tecken."
    )
    assert await chat.send("anna", "Kort.") == read_back("Kort.", lunch)
    assert await db.count(VisitNote) == 0


async def test_the_menu_still_works_while_a_note_is_asked_for(chat: Chat, db: Database) -> None:
    """A menu button is not taken for the note (before this branch, "🚶 Mina besök idag"
    pressed while a dictated note was shown was read back as the corrected note)."""
    lunch = (await annas_visits(db))[1]
    await chat.send("anna", MY_DAY)
    await chat.press_on("anna", hhmm(lunch), WRITE)
    assert (await chat.send("anna", MY_DAY)).startswith("Dina besök idag:")
    assert await chat.send("anna", NOTE) == read_back(NOTE, lunch)


async def test_staff_hello_and_help(chat: Chat) -> None:
    """A greeting is greeted back (not offered as a note); help offers writing, and voice
    only where a speech model is configured."""
    assert await chat.send("anna", "hej") == (
        "Hej Anna! Välj vad du vill göra med knapparna här nedanför."
    )
    assert (
        await chat.send("anna", "ok") == "Använd knapparna här nedanför, eller tryck på ”Hjälp”."
    )
    help_text = await chat.send("anna", "/help")
    assert (
        "• Anteckningar: tryck på ”📝 Skriv en anteckning” vid ett besök, eller skriv bara "
        "anteckningen här efter besöket. Du ser den innan den sparas." in help_text
    )
    assert "röstmeddelande" not in help_text
    chat.dispatcher["speech_languages"] = frozenset({"sv"})
    help_text = await chat.send("anna", "/help")
    assert "• Du kan också skicka ett röstmeddelande och läsa in anteckningen." in help_text

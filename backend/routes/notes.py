"""Visit notes and speech-to-text for dictating them (and for spoken wishes)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from backend.errors import InvalidInput
from backend.models import NoteSource, VisitNote
from backend.routes.deps import ActorDep, Now, SessionDep
from backend.services import access, notes
from backend.speech import SpeechError, Transcriber

router = APIRouter(tags=["notes"])
MAX_AUDIO_BYTES = 20 * 1024 * 1024


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=notes.MAX_NOTE)
    source: NoteSource = NoteSource.TYPED
    confidence: float | None = Field(default=None, ge=0, le=1)
    event_time: AwareDatetime | None = None


class CorrectionIn(BaseModel):
    text: str = Field(min_length=1, max_length=notes.MAX_NOTE)


class NotePublic(BaseModel):
    id: int
    visit_id: int
    visit_start: datetime | None = None
    author_first_name: str | None = None
    text: str
    source: NoteSource
    confidence: float | None
    event_time: datetime
    entry_time: datetime
    marked_wrong: bool
    corrects_note_id: int | None

    @classmethod
    def of(
        cls, note: VisitNote, author: str | None = None, start: datetime | None = None
    ) -> "NotePublic":
        assert note.id is not None
        return cls(
            id=note.id,
            visit_id=note.visit_id,
            visit_start=start,
            author_first_name=author,
            text=note.text,
            source=note.source,
            confidence=note.confidence,
            event_time=note.event_time,
            entry_time=note.entry_time,
            marked_wrong=note.marked_wrong_at is not None,
            corrects_note_id=note.corrects_note_id,
        )


class WordPublic(BaseModel):
    word: str
    start_s: float
    end_s: float
    confidence: float


class TranscriptPublic(BaseModel):
    text: str
    confidence: float
    duration_s: float
    language: str
    words: list[WordPublic]


@router.post("/staff/visits/{visit_id}/notes", response_model=NotePublic, status_code=201)
async def add_note(
    visit_id: int, body: NoteIn, session: SessionDep, actor: ActorDep, now: Now
) -> NotePublic:
    """Save a note (typed, or dictated and confirmed); the author and times are recorded."""
    staff = access.require_staff(actor)
    note = await notes.add_note(
        session,
        staff=staff,
        visit_id=visit_id,
        text=body.text,
        source=body.source,
        confidence=body.confidence,
        event_time=body.event_time,
        now=now,
    )
    return NotePublic.of(note, staff.first_name)


@router.post("/staff/notes/{note_id}/wrong", response_model=NotePublic)
async def mark_wrong(note_id: int, session: SessionDep, actor: ActorDep, now: Now) -> NotePublic:
    """Mark a note as wrong; it is kept, never deleted."""
    note = await notes.mark_wrong(
        session, staff=access.require_staff(actor), note_id=note_id, now=now
    )
    return NotePublic.of(note)


@router.post("/staff/notes/{note_id}/correct", response_model=NotePublic, status_code=201)
async def correct(
    note_id: int, body: CorrectionIn, session: SessionDep, actor: ActorDep, now: Now
) -> NotePublic:
    staff = access.require_staff(actor)
    note = await notes.correct(session, staff=staff, note_id=note_id, text=body.text, now=now)
    return NotePublic.of(note, staff.first_name)


@router.get("/clients/{client_id}/notes", response_model=list[NotePublic])
async def client_notes(client_id: int, session: SessionDep, actor: ActorDep) -> list[NotePublic]:
    """Notes about the client's visits, newest first."""
    views = await notes.notes_for_client(session, actor=actor, client_id=client_id)
    return [NotePublic.of(v.note, v.author_first_name, v.visit_start) for v in views]


@router.post("/speech/transcribe", response_model=TranscriptPublic)
async def transcribe(
    request: Request,
    actor: ActorDep,
    language: Annotated[str, Query(min_length=2, max_length=8)],
) -> TranscriptPublic:
    """Transcribe a voice note (Ogg/Opus body). The audio is never stored."""
    del actor  # any linked account may dictate or speak a wish
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_AUDIO_BYTES:
            raise InvalidInput("audio_too_large", max_bytes=MAX_AUDIO_BYTES)
    transcriber: Transcriber = request.app.state.transcriber
    try:
        result = await transcriber.transcribe(bytes(body), language=language)
    except SpeechError as exc:
        raise InvalidInput(exc.code) from None
    finally:
        body.clear()
    return TranscriptPublic(
        text=result.text,
        confidence=result.confidence,
        duration_s=result.duration_s,
        language=result.language,
        words=[
            WordPublic(word=w.word, start_s=w.start_s, end_s=w.end_s, confidence=w.confidence)
            for w in result.words
        ],
    )

"""Visit notes and speech-to-text for dictating them (and for spoken wishes)."""

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request

from backend.errors import Forbidden, InvalidInput
from backend.prometheus import REGISTRY
from backend.routes.deps import ActorDep, Now, PathId, SessionDep
from backend.schemas import note_public
from backend.services import access, consent, notes
from backend.speech import SpeechError, Transcriber
from contract import (
    CorrectionIn,
    ErrorCode,
    NoteIn,
    NotePublic,
    Scope,
    TranscriptPublic,
    WordPublic,
    metrics,
)

router = APIRouter(tags=["notes"])
MAX_AUDIO_BYTES = 20 * 1024 * 1024


@router.post("/staff/visits/{visit_id}/notes", response_model=NotePublic, status_code=201)
async def add_note(
    visit_id: PathId, body: NoteIn, session: SessionDep, actor: ActorDep, now: Now
) -> NotePublic:
    """Save a note (typed, or dictated and confirmed); the author and times are recorded."""
    note = await notes.add_note(
        session,
        actor=actor,
        visit_id=visit_id,
        text=body.text,
        source=body.source,
        confidence=body.confidence,
        event_time=body.event_time,
        now=now,
    )
    return note_public(note, access.require_staff(actor).first_name)


@router.post("/staff/notes/{note_id}/wrong", response_model=NotePublic)
async def mark_wrong(
    note_id: PathId, session: SessionDep, actor: ActorDep, now: Now
) -> NotePublic:
    """Mark a note as wrong; it is kept, never deleted."""
    note = await notes.mark_wrong(session, actor=actor, note_id=note_id, now=now)
    return note_public(note)


@router.post("/staff/notes/{note_id}/correct", response_model=NotePublic, status_code=201)
async def correct(
    note_id: PathId, body: CorrectionIn, session: SessionDep, actor: ActorDep, now: Now
) -> NotePublic:
    note = await notes.correct(session, actor=actor, note_id=note_id, text=body.text, now=now)
    return note_public(note, access.require_staff(actor).first_name)


@router.get("/clients/{client_id}/notes", response_model=list[NotePublic])
async def client_notes(
    client_id: PathId, session: SessionDep, actor: ActorDep
) -> list[NotePublic]:
    """Notes about the client's visits, newest first."""
    views = await notes.notes_for_client(session, actor=actor, client_id=client_id)
    return [note_public(v.note, v.author_first_name, v.visit_start) for v in views]


@router.post("/speech/transcribe", response_model=TranscriptPublic)
async def transcribe(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    language: Annotated[str, Query(pattern=r"^[a-z]{2,3}$")],
) -> TranscriptPublic:
    """Transcribe a voice note (Ogg/Opus body). The audio is never stored. Staff dictate
    notes; a client, or a relative who may ask for changes, speaks a wish."""
    if actor.staff is not None:
        access.require_staff(actor)  # an assessor dictates nothing
    elif not any(
        Scope.REQUESTS in scopes
        for _client, scopes in await consent.accessible_clients(session, actor)
    ):
        raise Forbidden(ErrorCode.NO_ACCESS)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_AUDIO_BYTES:
            raise InvalidInput(ErrorCode.AUDIO_TOO_LARGE, max_bytes=MAX_AUDIO_BYTES)
    transcriber: Transcriber = request.app.state.transcriber
    started = time.perf_counter()
    REGISTRY.inc(metrics.TRANSCRIPTIONS_RUNNING, by=1)
    try:
        result = await transcriber.transcribe(bytes(body), language=language)
    except SpeechError as exc:
        raise InvalidInput(ErrorCode(exc.code)) from None
    finally:
        body.clear()
        REGISTRY.inc(metrics.TRANSCRIPTIONS_RUNNING, by=-1)
        REGISTRY.observe(metrics.TRANSCRIPTION_DURATION, time.perf_counter() - started, language)
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

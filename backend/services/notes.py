"""Visit notes (social documentation): who wrote what, when it happened and when it was
written. Never deleted: a wrong note is marked wrong, and a correction is a new note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.models import NoteSource, Scope, Staff, StaffRole, Visit, VisitNote
from backend.services import access, audit
from backend.services.access import Actor
from backend.services.visits import visit_in_care_of, visit_in_unit
from contract import MAX_NOTE, ErrorCode


@dataclass(frozen=True)
class NoteView:
    note: VisitNote
    author_first_name: str
    visit_start: datetime


async def add_note(
    session: AsyncSession,
    *,
    actor: Actor,
    visit_id: int,
    text: str,
    source: NoteSource,
    confidence: float | None,
    now: datetime,
    event_time: datetime | None = None,
    corrects_note_id: int | None = None,
) -> VisitNote:
    """A note on a visit, by whoever did it, the client's contact person or deputy, or a
    planner or manager of the unit."""
    staff = access.require_staff(actor)
    text = text.strip()
    if not text:
        raise InvalidInput(ErrorCode.EMPTY_NOTE)
    if len(text) > MAX_NOTE:
        raise InvalidInput(ErrorCode.NOTE_TOO_LONG, max=MAX_NOTE)
    visit = (await visit_in_care_of(session, staff, visit_id))[0]
    note = VisitNote(
        visit_id=visit_id,
        author_staff_id=staff.id or 0,
        event_time=event_time or visit.actual_end or visit.planned_start,
        entry_time=now,
        source=source,
        confidence=confidence,
        text=text,
        corrects_note_id=corrects_note_id,
    )
    session.add(note)
    await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="note.add",
        entity="visit_note",
        entity_id=note.id,
        client_id=visit.client_id,
        source=source.value,
    )
    return note


async def mark_wrong(
    session: AsyncSession, *, actor: Actor, note_id: int, now: datetime
) -> VisitNote:
    """Only the author, a planner or a manager may mark a note as wrong; it stays readable."""
    staff = access.require_staff(actor)
    note = await session.get(VisitNote, note_id)
    if note is None:
        raise NotFound(ErrorCode.NOTE_NOT_FOUND)
    visit = (await visit_in_unit(session, staff, note.visit_id))[0]
    if note.author_staff_id != staff.id and staff.role is StaffRole.CARER:
        raise Forbidden(ErrorCode.NOT_YOUR_NOTE)
    if note.marked_wrong_at is not None:
        raise Conflict(ErrorCode.ALREADY_MARKED_WRONG)
    note.marked_wrong_at = now
    note.marked_wrong_by_staff_id = staff.id
    session.add(note)
    audit.record(
        session,
        actor=actor.label,
        action="note.mark_wrong",
        entity="visit_note",
        entity_id=note.id,
        client_id=visit.client_id,
    )
    return note


async def correct(
    session: AsyncSession, *, actor: Actor, note_id: int, text: str, now: datetime
) -> VisitNote:
    """Mark the note wrong and write the correction as a new note that points to it."""
    wrong = await mark_wrong(session, actor=actor, note_id=note_id, now=now)
    return await add_note(
        session,
        actor=actor,
        visit_id=wrong.visit_id,
        text=text,
        source=NoteSource.TYPED,
        confidence=None,
        now=now,
        event_time=wrong.event_time,
        corrects_note_id=wrong.id,
    )


async def notes_for_client(
    session: AsyncSession, *, actor: Actor, client_id: int, limit: int = 20
) -> list[NoteView]:
    """The latest notes about a client's visits: for the client, relatives the client let
    read them (the notes scope) and the unit's staff (each staff read is audited)."""
    await access.client_for(session, actor, client_id, scope=Scope.NOTES, read="notes")
    rows = await session.exec(
        select(VisitNote, Staff.first_name, Visit.planned_start)
        .join(Visit, col(Visit.id) == VisitNote.visit_id)
        .join(Staff, col(Staff.id) == VisitNote.author_staff_id)
        .where(Visit.client_id == client_id)
        .order_by(col(VisitNote.event_time).desc(), col(VisitNote.id).desc())
        .limit(limit)
    )
    return [NoteView(note, name, start) for note, name, start in rows.all()]

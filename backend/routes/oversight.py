"""What a unit's manager oversees: the audit (per client and per staff member), the
notifications that could not be delivered, and the client's rights over their data (export,
erasure). Managers of the unit only; every read of a client's data is itself audited."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from backend.errors import Forbidden, NotFound
from backend.models import Staff
from backend.routes.deps import ActorDep, Now, PathId, SessionDep
from backend.schemas import ErasureIn, ErasurePublic, person_kind
from backend.services import access, audit, outbox, personal_data
from contract import MAX_ID, AuditEntryPublic, DeadLetterPublic, ErrorCode

router = APIRouter(prefix="/staff", tags=["oversight"])

BeforeQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="the next page: entries older than this id")
]
LimitQuery = Annotated[int, Query(ge=1, le=audit.MAX_ENTRIES)]


def _entries(found: list[audit.Entry]) -> list[AuditEntryPublic]:
    return [
        AuditEntryPublic(
            id=e.event.id or 0,
            at=e.event.at,
            actor=e.event.actor,
            staff_id=e.event.staff_id,
            staff_first_name=e.staff_first_name,
            action=e.event.action,
            entity=e.event.entity,
            entity_id=e.event.entity_id,
            client_id=e.event.client_id,
            details=e.event.details,
        )
        for e in found
    ]


@router.get("/clients/{client_id}/audit", response_model=list[AuditEntryPublic])
async def client_audit(
    client_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    before: BeforeQuery = None,
    limit: LimitQuery = 100,
) -> list[AuditEntryPublic]:
    """Who read or changed what of this client's data, newest first."""
    await personal_data.client_of_unit(session, actor, client_id)  # erased ones too
    audit.record_read(session, actor=actor.label, client_id=client_id, what="audit")
    found = await audit.entries(session, client_id=client_id, before_id=before, limit=limit)
    return _entries(found)


@router.get("/members/{staff_id}/audit", response_model=list[AuditEntryPublic])
async def staff_audit(
    staff_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    before: BeforeQuery = None,
    limit: LimitQuery = 100,
) -> list[AuditEntryPublic]:
    """What one staff member of the unit read and changed, newest first."""
    manager = access.require_manager(actor)
    member = await session.get(Staff, staff_id)
    if member is None:
        raise NotFound(ErrorCode.STAFF_NOT_FOUND)
    if member.unit_id != manager.unit_id:
        raise Forbidden(ErrorCode.OTHER_UNIT)
    found = await audit.entries(
        session, staff_id=staff_id, unit_id=manager.unit_id, before_id=before, limit=limit
    )
    await audit.record_reads(
        session,
        actor=actor.label,
        client_ids=[e.event.client_id for e in found if e.event.client_id is not None],
        what="audit",
    )
    return _entries(found)


@router.get("/dead-letters", response_model=list[DeadLetterPublic])
async def dead_letters(session: SessionDep, actor: ActorDep) -> list[DeadLetterPublic]:
    """The unit's notifications Telegram refused on every attempt, newest first."""
    manager = access.require_manager(actor)
    rows = await outbox.dead_letters(session, unit_id=manager.unit_id)
    return [
        DeadLetterPublic(
            id=n.id or 0,
            kind=n.kind,
            recipient=person_kind(account),
            client_id=n.client_id,
            created_at=n.created_at,
            dead_at=n.dead_at or n.created_at,
            attempts=n.attempts,
            reason=n.failure,
        )
        for n, account in rows
    ]


@router.post("/dead-letters/{notification_id}/send-again", status_code=204)
async def send_again(
    notification_id: PathId, session: SessionDep, actor: ActorDep, now: Now
) -> None:
    """Send a dead letter again (Telegram is back)."""
    manager = access.require_manager(actor)
    notification = await outbox.send_again(
        session, unit_id=manager.unit_id, notification_id=notification_id, now=now
    )
    audit.record(
        session,
        actor=actor.label,
        action="notification.send_again",
        entity="notification",
        entity_id=notification.id,
        client_id=notification.client_id,
    )


@router.get("/clients/{client_id}/export")
async def export(
    client_id: PathId, session: SessionDep, actor: ActorDep, now: Now
) -> dict[str, Any]:
    """Everything held about the client, as JSON (GDPR art. 15 and 20), for the client."""
    return await personal_data.export(session, actor=actor, client_id=client_id, now=now)


def _erasure(client_id: int, summary: personal_data.Erasure, *, erased: bool) -> ErasurePublic:
    return ErasurePublic(client_id=client_id, erased=erased, **summary.as_details())


@router.get("/clients/{client_id}/erasure", response_model=ErasurePublic)
async def erasure_preview(
    client_id: PathId, session: SessionDep, actor: ActorDep, now: Now
) -> ErasurePublic:
    """What erasing the client would remove and what it would keep; nothing is changed."""
    summary = await personal_data.preview_erasure(
        session, actor=actor, client_id=client_id, now=now
    )
    return _erasure(client_id, summary, erased=False)


@router.post("/clients/{client_id}/erasure", response_model=ErasurePublic)
async def erase(
    client_id: PathId, body: ErasureIn, session: SessionDep, actor: ActorDep, now: Now
) -> ErasurePublic:
    """Erase the client on request: everything the law does not require is removed, the
    rest restricted (README, "Data subject rights"). Confirmed by the client's id again."""
    summary = await personal_data.erase(
        session,
        actor=actor,
        client_id=client_id,
        confirm_client_id=body.confirm_client_id,
        now=now,
    )
    return _erasure(client_id, summary, erased=True)

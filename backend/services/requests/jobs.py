"""What happens to requests nobody decided in time: run by the backend's housekeeping.

A pending request whose visit has begun can no longer be done and expires; one that waited
past the unit's limit goes to the planners.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.routing import escalation_limit_minutes
from backend.models import ChangeRequest, Client, Unit, Visit
from backend.services import audit, outbox
from backend.services.requests import deciders
from contract import (
    TZ,
    Assignee,
    NotificationKind,
    RequestExpired,
    RequestStatus,
    Scope,
    Urgency,
)


async def expire_passed(session: AsyncSession, *, now: datetime) -> int:
    """Pending requests whose visit has started can no longer be done: expire them."""
    # The visit as it is now (another request may have moved it), or the extra visit's start.
    starts = func.coalesce(col(Visit.planned_start), col(ChangeRequest.starts_at))
    rows = (
        await session.exec(
            select(ChangeRequest, Client)
            .join(Client, col(Client.id) == ChangeRequest.client_id)
            .join(Visit, col(Visit.id) == ChangeRequest.visit_id, isouter=True)
            .where(ChangeRequest.status == RequestStatus.PENDING)
            .where(starts <= now)
        )
    ).all()
    expired = 0
    for request, client in rows:
        result = await session.exec(
            update(ChangeRequest)
            .where(col(ChangeRequest.id) == request.id)
            .where(col(ChangeRequest.status) == RequestStatus.PENDING)
            .values(
                status=RequestStatus.EXPIRED, decided_at=now, version=ChangeRequest.version + 1
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        expired += 1
        assert request.id is not None and client.id is not None
        audit.record(
            session,
            actor="system",
            action="request.expire",
            entity="change_request",
            entity_id=request.id,
            client_id=client.id,
        )
        await outbox.notify_client(
            session,
            client_id=client.id,
            message=RequestExpired(
                request_id=request.id,
                client_first_name=client.first_name,
                change=request.change,
                before=request.before,
            ),
            urgency=Urgency.CHANGE,
            now=now,
            relatives=Scope.REQUESTS,
        )
    return expired


async def escalate_waiting(session: AsyncSession, *, now: datetime) -> int:
    """Requests waiting past the unit's limit go to the planners, who are told."""
    rows = (
        await session.exec(
            select(ChangeRequest, Client, Unit, Visit.planned_start)
            .join(Client, col(Client.id) == ChangeRequest.client_id)
            .join(Unit, col(Unit.id) == Client.unit_id)
            .join(Visit, col(Visit.id) == ChangeRequest.visit_id, isouter=True)
            .where(ChangeRequest.status == RequestStatus.PENDING)
            .where(col(ChangeRequest.escalated_at).is_(None))
        )
    ).all()
    today = now.astimezone(TZ).date()
    escalated = 0
    for request, client, unit, visit_start in rows:
        # The visit as it is now (it may have been moved), or the extra visit's start.
        start = visit_start or request.starts_at
        limit = escalation_limit_minutes(
            visit_day_offset=(start.astimezone(TZ).date() - today).days,
            near_minutes=unit.escalate_near_minutes,
            far_minutes=unit.escalate_far_minutes,
        )
        if now - request.created_at < timedelta(minutes=limit):
            continue
        result = await session.exec(
            update(ChangeRequest)
            .where(col(ChangeRequest.id) == request.id)
            .where(col(ChangeRequest.status) == RequestStatus.PENDING)
            .where(col(ChangeRequest.escalated_at).is_(None))
            .values(
                escalated_at=now, assignee=Assignee.PLANNERS, version=ChangeRequest.version + 1
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        escalated += 1
        audit.record(
            session,
            actor="system",
            action="request.escalate",
            entity="change_request",
            entity_id=request.id,
            client_id=client.id,
            waited_minutes=int((now - request.created_at).total_seconds() // 60),
        )
        await deciders.tell(
            session,
            request,
            client,
            NotificationKind.REQUEST_ESCALATED,
            now,
            urgency=Urgency.URGENT,
            to_planners=True,
        )
        # The client (and relatives) hear where their request went, as after a hand-over.
        await deciders.tell_client_passed_on(session, request, client, now, by_first_name=None)
    return escalated

"""Who decides a request and how they are told: the contact person, the deputy when they are
away, else the unit's planners (``backend.domain.routing``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.routing import route_request
from backend.models import ChangeRequest, Client, Staff, StaffRole
from backend.services import access, outbox
from contract import (
    TZ,
    Assignee,
    NotificationKind,
    RequestForStaff,
    RequestPassedOn,
    Scope,
    Urgency,
)

# What staff are told about a request (contract.RequestForStaff's kinds).
StaffNotice = Literal[
    NotificationKind.REQUEST_TO_DECIDE,
    NotificationKind.REQUEST_HANDED_OVER,
    NotificationKind.REQUEST_ESCALATED,
    NotificationKind.REQUEST_WITHDRAWN,
]


async def route(
    session: AsyncSession, client: Client, now: datetime
) -> tuple[Assignee, int | None]:
    ids = [i for i in (client.contact_person_id, client.deputy_id) if i is not None]
    absent = await access.absent_staff_ids(session, ids, now.astimezone(TZ).date())
    routed = route_request(
        contact_person_id=client.contact_person_id,
        deputy_id=client.deputy_id,
        absent_staff_ids=absent,
    )
    return routed.assignee, routed.staff_id


async def planner_ids(session: AsyncSession, unit_id: int) -> list[int]:
    rows = await session.exec(
        select(Staff.id)
        .where(Staff.unit_id == unit_id)
        .where(Staff.role == StaffRole.PLANNER)
        .where(col(Staff.active).is_(True))
    )
    return [i for i in rows.all() if i is not None]


async def tell_client_passed_on(
    session: AsyncSession,
    request: ChangeRequest,
    client: Client,
    now: datetime,
    *,
    by_first_name: str | None,
) -> None:
    """The client (and relatives who may follow her requests) hear that a request went to
    the unit's planners and who decides it now: handed on by ``by_first_name``, or on its
    own after waiting too long (None)."""
    assert request.id is not None and client.id is not None
    planners = await session.exec(
        select(Staff.first_name)
        .where(Staff.unit_id == client.unit_id)
        .where(Staff.role == StaffRole.PLANNER)
        .where(col(Staff.active).is_(True))
        .order_by(col(Staff.first_name))
    )
    await outbox.notify_client(
        session,
        client_id=client.id,
        message=RequestPassedOn(
            request_id=request.id,
            client_first_name=client.first_name,
            change=request.change,
            before=request.before,
            by_first_name=by_first_name,
            planner_first_names=list(planners.all()),
        ),
        urgency=Urgency.CHANGE,
        now=now,
        relatives=Scope.REQUESTS,
    )


async def tell(
    session: AsyncSession,
    request: ChangeRequest,
    client: Client,
    kind: StaffNotice,
    now: datetime,
    *,
    urgency: Urgency = Urgency.CHANGE,
    to_planners: bool = False,
    by_first_name: str | None = None,
) -> None:
    """Tell whoever decides the request now (its assignee, else the unit's planners); who did
    it (``by_first_name``) when it was not the client."""
    assert request.id is not None
    staff_ids = (
        [request.assigned_staff_id]
        if request.assigned_staff_id is not None and not to_planners
        else await planner_ids(session, client.unit_id)
    )
    await outbox.notify_staff(
        session,
        staff_ids=staff_ids,
        message=RequestForStaff(
            kind=kind,
            request_id=request.id,
            client_first_name=client.first_name,
            by_first_name=by_first_name,
        ),
        urgency=urgency,
        now=now,
        client_id=client.id,
        # "a new request from Lisa", "Lisa withdrew a request": once while unread, however
        # many a week away brings
        once=kind in (NotificationKind.REQUEST_TO_DECIDE, NotificationKind.REQUEST_WITHDRAWN),
    )

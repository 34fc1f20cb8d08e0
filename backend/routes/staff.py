"""Staff work: the queue and its decisions, the day's visits, check in/out, running late.

Called by staff tools with a staff token, and by the bot for a linked staff chat account.
"""

from fastapi import APIRouter

from backend.errors import InvalidInput
from backend.models import Unit
from backend.routes.deps import ActorDep, Now, SessionDep
from backend.schemas import (
    DecisionIn,
    DeviationIn,
    DeviationPublic,
    InvitationIn,
    InvitationPublic,
    LateIn,
    RejectIn,
    RequestPublic,
    VisitPublic,
)
from backend.services import access, accounts, followup, requests, visits
from contract import TZ

router = APIRouter(prefix="/staff", tags=["staff"])


@router.get("/queue", response_model=list[RequestPublic])
async def queue(session: SessionDep, actor: ActorDep, now: Now) -> list[RequestPublic]:
    """Pending requests this staff member may decide, oldest first."""
    staff = access.require_staff(actor)
    views = await requests.queue(session, staff=staff, today=now.astimezone(TZ).date())
    return [RequestPublic.of(v) for v in views]


@router.get("/requests/{request_id}", response_model=RequestPublic)
async def get_request(request_id: int, session: SessionDep, actor: ActorDep) -> RequestPublic:
    staff = access.require_staff(actor)
    view = await requests.request_view(session, request_id=request_id)
    await access.client_for(session, actor, view.request.client_id)
    del staff
    return RequestPublic.of(view)


@router.post("/requests/{request_id}/approve", response_model=RequestPublic)
async def approve(
    request_id: int,
    body: DecisionIn,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RequestPublic:
    """Re-runs the frame check on the current state and applies the change."""
    staff = access.require_staff(actor)
    await requests.approve(
        session, staff=staff, request_id=request_id, version=body.version, now=now
    )
    return RequestPublic.of(await requests.request_view(session, request_id=request_id))


@router.post("/requests/{request_id}/reject", response_model=RequestPublic)
async def reject(
    request_id: int,
    body: RejectIn,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RequestPublic:
    staff = access.require_staff(actor)
    await requests.reject(
        session,
        staff=staff,
        request_id=request_id,
        version=body.version,
        reason=body.reason,
        text=body.text,
        now=now,
    )
    return RequestPublic.of(await requests.request_view(session, request_id=request_id))


@router.post("/requests/{request_id}/hand-over", response_model=RequestPublic)
async def hand_over(
    request_id: int,
    body: DecisionIn,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RequestPublic:
    """Give the request to the unit's planners."""
    staff = access.require_staff(actor)
    await requests.hand_over(
        session, staff=staff, request_id=request_id, version=body.version, now=now
    )
    return RequestPublic.of(await requests.request_view(session, request_id=request_id))


@router.get("/day", response_model=list[VisitPublic])
async def my_day(session: SessionDep, actor: ActorDep, now: Now) -> list[VisitPublic]:
    """Today's visits of this staff member in time order."""
    staff = access.require_staff(actor)
    views = await visits.staff_day(session, staff=staff, day=now.astimezone(TZ).date())
    return [VisitPublic.of(v) for v in views]


@router.post("/visits/{visit_id}/check-in", response_model=VisitPublic)
async def check_in(visit_id: int, session: SessionDep, actor: ActorDep, now: Now) -> VisitPublic:
    staff = access.require_staff(actor)
    visit = await visits.check_in(session, staff=staff, visit_id=visit_id, now=now)
    return VisitPublic.of(visits.VisitView(visit, staff.first_name, False))


@router.post("/visits/{visit_id}/check-out", response_model=VisitPublic)
async def check_out(visit_id: int, session: SessionDep, actor: ActorDep, now: Now) -> VisitPublic:
    staff = access.require_staff(actor)
    visit = await visits.check_out(session, staff=staff, visit_id=visit_id, now=now)
    return VisitPublic.of(visits.VisitView(visit, staff.first_name, False))


@router.post("/visits/{visit_id}/deviation", response_model=DeviationPublic)
async def deviation(
    visit_id: int, body: DeviationIn, session: SessionDep, actor: ActorDep
) -> DeviationPublic:
    """Why a visit was cancelled or shortened (hospital stay, declined, ...), for follow-up."""
    staff = access.require_staff(actor)
    visit = await followup.set_deviation_reason(
        session, staff=staff, visit_id=visit_id, reason=body.reason
    )
    assert visit.id is not None
    return DeviationPublic(
        visit_id=visit.id,
        client_id=visit.client_id,
        status=visit.status,
        deviation_reason=visit.deviation_reason,
        version=visit.version,
    )


@router.post("/late", response_model=list[VisitPublic])
async def running_late(
    body: LateIn, session: SessionDep, actor: ActorDep, now: Now
) -> list[VisitPublic]:
    """Tell every client still waiting today that this staff member is late."""
    staff = access.require_staff(actor)
    unit = await session.get(Unit, staff.unit_id)
    assert unit is not None
    affected = await visits.report_late(
        session,
        staff=staff,
        minutes=body.minutes,
        now=now,
        window_minutes=unit.late_window_minutes,
    )
    return [VisitPublic.of(visits.VisitView(v, staff.first_name, False)) for v in affected]


@router.post("/visits/{visit_id}/assign/{staff_id}", response_model=VisitPublic)
async def assign(
    visit_id: int,
    staff_id: int,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> VisitPublic:
    """A planner gives a visit to someone else; the client is told if they are new."""
    planner = access.require_staff(actor)
    visit = await visits.assign_visit(
        session, planner=planner, visit_id=visit_id, staff_id=staff_id, now=now
    )
    return VisitPublic.of(visits.VisitView(visit, None, False))


@router.post("/invitations", response_model=InvitationPublic, status_code=201)
async def invite(
    body: InvitationIn, session: SessionDep, actor: ActorDep, now: Now
) -> InvitationPublic:
    """One-time codes to link a chat account: clients, relatives, or staff (managers)."""
    access.require_staff(actor)
    if body.kind.value == "relative" and body.scope is None:
        raise InvalidInput("missing_fields", fields=["scope"])
    invitation = await accounts.create_invitation(
        session,
        actor=actor,
        kind=body.kind,
        client_id=body.client_id,
        staff_id=body.staff_id,
        scope=body.scope,
        relative_first_name=body.relative_first_name,
        now=now,
    )
    return InvitationPublic(
        code=invitation.code, kind=invitation.kind, expires_at=invitation.expires_at
    )

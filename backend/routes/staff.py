"""Staff work: the queue and its decisions, the day's visits, check in/out, running late.

Called by staff tools with a staff token, and by the bot for a linked staff chat account.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from backend.errors import InvalidInput
from backend.models import Unit
from backend.routes.deps import ActorDep, Now, PathId, SessionDep
from backend.schemas import request_public, visit_public
from backend.services import access, accounts, audit, followup, requests, visits
from contract import (
    MAX_ID,
    TZ,
    CheckOutIn,
    Decision,
    DecisionIn,
    DeviationIn,
    DeviationPublic,
    ErrorCode,
    InvitationIn,
    InvitationKind,
    InvitationPublic,
    LateIn,
    PerformedIn,
    QueuePublic,
    RejectIn,
    RequestPublic,
    Scope,
    VisitPublic,
)

MAX_QUEUE_PAGE = 500  # the most requests one read of the queue returns when a limit is asked

router = APIRouter(prefix="/staff", tags=["staff"])


@router.get("/queue", response_model=QueuePublic)
async def queue(
    session: SessionDep,
    actor: ActorDep,
    now: Now,
    limit: Annotated[int | None, Query(ge=1, le=MAX_QUEUE_PAGE)] = None,
    after: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> QueuePublic:
    """Pending requests this staff member may decide, oldest first: how many there are, and
    the oldest ``limit`` of them (all without one), after the request ``after`` (the next
    page), with whether more wait after them. Only those shown count as read."""
    staff = access.require_staff(actor)
    today = now.astimezone(TZ).date()
    waiting = await requests.queue(session, staff=staff, today=today, limit=limit, after=after)
    await audit.record_reads(
        session,
        actor=actor.label,
        client_ids=[v.request.client_id for v in waiting.views],
        what="queue",
    )
    return QueuePublic(
        total=waiting.total,
        requests=[request_public(v) for v in waiting.views],
        more=waiting.more,
    )


@router.get("/requests/{request_id}", response_model=RequestPublic)
async def get_request(request_id: PathId, session: SessionDep, actor: ActorDep) -> RequestPublic:
    access.require_staff(actor)
    view = await requests.request_view(session, request_id=request_id)
    await access.client_for(
        session, actor, view.request.client_id, scope=Scope.REQUESTS, read="request"
    )
    return request_public(view)


@router.post("/requests/{request_id}/{decision}", response_model=RequestPublic)
async def decide(
    request_id: PathId,
    decision: Decision,
    body: RejectIn | DecisionIn,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RequestPublic:
    """Approve (the frame check runs again on the current state, then the change is made),
    reject with a reason, or hand over to the unit's planners. ``version`` is the one the
    decider saw: a decision on a request that changed since is refused."""
    decided = await requests.decide(
        session, actor=actor, request_id=request_id, decision=decision, body=body, now=now
    )
    return request_public(decided)


@router.get("/day", response_model=list[VisitPublic])
async def my_day(session: SessionDep, actor: ActorDep, now: Now) -> list[VisitPublic]:
    """Today's visits of this staff member in time order."""
    staff = access.require_staff(actor)
    views = await visits.staff_day(session, staff=staff, day=now.astimezone(TZ).date())
    await audit.record_reads(
        session, actor=actor.label, client_ids=[v.visit.client_id for v in views], what="day"
    )
    return [visit_public(v, now) for v in views]


@router.post("/visits/{visit_id}/check-in", response_model=VisitPublic)
async def check_in(
    visit_id: PathId, session: SessionDep, actor: ActorDep, now: Now
) -> VisitPublic:
    return visit_public(
        await visits.check_in(session, actor=actor, visit_id=visit_id, now=now), now
    )


@router.post("/visits/{visit_id}/check-out", response_model=VisitPublic)
async def check_out(
    visit_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
    body: CheckOutIn | None = None,
) -> VisitPublic:
    """Check out; a few minutes after the check-in it needs ``confirm`` (a double tap)."""
    confirm = body is not None and body.confirm
    visit = await visits.check_out(
        session, actor=actor, visit_id=visit_id, now=now, confirm=confirm
    )
    return visit_public(visit, now)


@router.post("/visits/{visit_id}/performed", response_model=VisitPublic)
async def correct_performed(
    visit_id: PathId, body: PerformedIn, session: SessionDep, actor: ActorDep, now: Now
) -> VisitPublic:
    """Correct a checked-out visit's performed time, with the reason (audited)."""
    visit = await visits.correct_performed(
        session, actor=actor, visit_id=visit_id, minutes=body.minutes, reason=body.reason, now=now
    )
    return visit_public(visits.VisitView(visit, None, False), now)


@router.post("/visits/{visit_id}/deviation", response_model=DeviationPublic)
async def deviation(
    visit_id: PathId, body: DeviationIn, session: SessionDep, actor: ActorDep
) -> DeviationPublic:
    """Why a visit was cancelled or shortened (hospital stay, declined, ...), for follow-up."""
    visit = await followup.set_deviation_reason(
        session, actor=actor, visit_id=visit_id, reason=body.reason
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
    """Late for one visit (``visit_id``, or the next one today): that visit and the later
    ones it pushes; their clients are told when to expect them."""
    staff = access.require_staff(actor)
    unit = await session.get(Unit, staff.unit_id)
    assert unit is not None
    affected = await visits.report_late(
        session,
        actor=actor,
        minutes=body.minutes,
        now=now,
        window_minutes=unit.late_window_minutes,
        visit_id=body.visit_id,
    )
    names = {
        v.visit.id: v
        for v in await visits.staff_day(session, staff=staff, day=now.astimezone(TZ).date())
    }
    return [
        visit_public(names.get(v.id) or visits.VisitView(v, staff.first_name, False), now)
        for v in affected
    ]


@router.post("/visits/{visit_id}/assign/{staff_id}", response_model=VisitPublic)
async def assign(
    visit_id: PathId,
    staff_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> VisitPublic:
    """A planner gives a visit to someone else; the client is told if they are new."""
    visit = await visits.assign_visit(
        session, actor=actor, visit_id=visit_id, staff_id=staff_id, now=now
    )
    return visit_public(visits.VisitView(visit, None, False), now)


@router.post("/invitations", response_model=InvitationPublic, status_code=201)
async def invite(
    body: InvitationIn, session: SessionDep, actor: ActorDep, now: Now
) -> InvitationPublic:
    """One-time codes to link a chat account: for a client or a relative (the client's
    contact person, deputy, or a planner or manager), or for staff (a manager)."""
    access.require_staff(actor)
    if body.kind is InvitationKind.RELATIVE and body.scopes is None:
        raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["scopes"])
    issued = await accounts.create_invitation(
        session,
        actor=actor,
        kind=body.kind,
        client_id=body.client_id,
        staff_id=body.staff_id,
        scopes=body.scopes,
        relative_first_name=body.relative_first_name,
        now=now,
    )
    return InvitationPublic(
        code=issued.code, kind=issued.invitation.kind, expires_at=issued.invitation.expires_at
    )

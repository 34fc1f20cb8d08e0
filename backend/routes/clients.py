"""Client-facing reads and requests, shared by the bot API and the staff API.

The bot calls them acting for a chat account; staff tools call them with their own token.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from backend.domain import frame_check as fc
from backend.errors import InvalidInput
from backend.routes.deps import ActorDep, Now, PathId, SessionDep
from backend.schemas import frame_public, request_public, visit_public
from backend.services import access, requests, visits
from contract import (
    TZ,
    Change,
    ChangeablePublic,
    ChangesTogether,
    Day,
    DayPublic,
    ErrorCode,
    FramePublic,
    RequestPublic,
    Scope,
    ServiceCode,
    Submission,
    Verdict,
)

MAX_RANGE_DAYS = 31


router = APIRouter(tags=["clients"])


@router.get("/clients/{client_id}/visits", response_model=DayPublic)
async def client_visits(
    client_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
    days: Annotated[int | None, Query(ge=1, le=MAX_RANGE_DAYS)] = None,
) -> DayPublic:
    """Visits on local days from..to (default: today, or ``days`` days from today), and the
    next visit after them."""
    today = now.astimezone(TZ).date()
    start = start or today
    end = end or (start + timedelta(days=days - 1) if days else start)
    if end < start or (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput(ErrorCode.BAD_DATE_RANGE, max_days=MAX_RANGE_DAYS)
    client = await access.client_for(session, actor, client_id, scope=Scope.VISITS, read="visits")
    shown = await visits.client_visits(session, client_id=client_id, start=start, end=end, now=now)
    return DayPublic(
        start=start,
        end=end,
        visits=[visit_public(v, now) for v in shown.visits],
        next_visit=None if shown.next_visit is None else visit_public(shown.next_visit, now),
        care_ended_on=client.care_ended_on,
    )


@router.get("/clients/{client_id}/changeable", response_model=ChangeablePublic)
async def changeable(
    client_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
    days: Annotated[int, Query(ge=1, le=MAX_RANGE_DAYS)] = 1,
    day: Day | None = None,
) -> ChangeablePublic:
    """What a change can be asked for: the visits still planned and not begun from today
    for ``days`` days (and on ``day``, a later day a wish names), and the services granted.
    Open to whoever may ask for a change (the requests scope for a relative): a relative
    who may ask but not see the visits learns when and what, not who comes or how."""
    await access.client_for(session, actor, client_id, scope=Scope.REQUESTS, read="changeable")
    start = now.astimezone(TZ).date()
    end = start + timedelta(days=days - 1)
    found, granted, waiting = await visits.changeable(
        session,
        client_id=client_id,
        start=start,
        end=end,
        named=day if day is not None and day > end else None,
        now=now,
    )
    return ChangeablePublic(
        visits=[
            visit_public(visits.VisitView(v, None, False), now).model_copy(update={"how": ""})
            for v in found
        ],
        granted=[ServiceCode(code) for code in granted],
        waiting=waiting,
    )


@router.get("/clients/{client_id}/frame", response_model=FramePublic)
async def frame(
    client_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
    day: Day | None = None,
) -> FramePublic:
    """This period's frame: granted, performed, planned and left minutes."""
    client = await access.client_for(session, actor, client_id, scope=Scope.VISITS, read="frame")
    day = day or now.astimezone(TZ).date()
    state = await visits.frame_state(session, client=client, days=[day], now=now)
    status = fc.frame_status(state.frame, state.visits, day, state.rules, state.pending)
    return frame_public(state.frame, status)


@router.post("/clients/{client_id}/requests/preview", response_model=Verdict)
async def preview(
    client_id: PathId,
    change: Change,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> Verdict:
    """The frame check for a change, without saving anything."""
    return await requests.preview(
        session, actor=actor, client_id=client_id, change=change, now=now
    )


@router.post("/clients/{client_id}/requests/preview-together", response_model=Verdict)
async def preview_together(
    client_id: PathId,
    changes: ChangesTogether,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> Verdict:
    """One frame check for changes asked for together, without saving anything; each is
    then sent as a request of its own."""
    return await requests.preview_together(
        session, actor=actor, client_id=client_id, changes=changes, now=now
    )


@router.post("/clients/{client_id}/requests", response_model=RequestPublic, status_code=201)
async def submit(
    client_id: PathId,
    body: Submission,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RequestPublic:
    """Submit a change; the same idempotency key always yields the same request."""
    request = await requests.submit(
        session,
        actor=actor,
        client_id=client_id,
        change=body.change,
        idempotency_key=body.idempotency_key,
        note=body.note,
        to_assessor=body.to_assessor,
        now=now,
    )
    assert request.id is not None
    return request_public(await requests.request_view(session, request_id=request.id))


@router.get("/clients/{client_id}/requests", response_model=list[RequestPublic])
async def list_requests(
    client_id: PathId,
    session: SessionDep,
    actor: ActorDep,
) -> list[RequestPublic]:
    """Pending requests first, then the latest decided ones."""
    views = await requests.client_requests(session, actor=actor, client_id=client_id)
    return [request_public(v) for v in views]


@router.post("/requests/{request_id}/withdraw", response_model=RequestPublic)
async def withdraw(
    request_id: PathId,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RequestPublic:
    return request_public(
        await requests.withdraw(session, actor=actor, request_id=request_id, now=now)
    )

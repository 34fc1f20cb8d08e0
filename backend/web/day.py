"""The day board: every visit of the unit today with its true status, who has it and whether
they are new to the client; planners assign or reassign, and a missed visit gets its reason.
The board refreshes itself (HTMX polling of ``/web/day/board``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.routes.deps import Now, SessionDep
from backend.services import day_board, followup, records, visits
from backend.web.auth import User
from backend.web.common import attempt, error_words, page, see_other
from backend.web.forms import Form as Fields
from backend.web.i18n import N_
from contract import TZ, DeviationReason, VisitStatus

router = APIRouter(prefix="/web")
POLL_SECONDS = 20

# Why a visit did not happen (the bot's staff offer the same choices, in the same words).
DEVIATION_REASONS = {
    DeviationReason.CLIENT_DECLINED: N_("The client declined"),
    DeviationReason.HOSPITAL_STAY: N_("The client was in hospital"),
    DeviationReason.CANCELLED_BY_PROVIDER: N_("No staff could come"),
    DeviationReason.TRAVEL: N_("The client was away"),
    DeviationReason.OTHER: N_("Another reason"),
}


async def _board(
    request: Request,
    user: User,
    session: SessionDep,
    now: Now,
    *,
    template: str = "day.html",
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    today = now.astimezone(TZ).date()
    rows = await day_board.unit_day(session, actor=user.actor, day=today, now=now)
    return page(
        request,
        user,
        template,
        status_code=status_code,
        today=today,
        rows=rows,
        staff=await records.unit_staff(session, actor=user.actor) if user.keeps_records else [],
        reasons=DEVIATION_REASONS,
        statuses=VisitStatus,
        poll=POLL_SECONDS,
        problem=error_words(user.words, problem) if problem else None,
    )


@router.get("/day")
async def day(request: Request, user: User, session: SessionDep, now: Now) -> Response:
    return await _board(request, user, session, now)


@router.get("/day/board")
async def board(request: Request, user: User, session: SessionDep, now: Now) -> Response:
    """The board alone, for the page's polling."""
    return await _board(request, user, session, now, template="_day_board.html")


@router.post("/day/visits/{visit_id}/assign")
async def assign(
    visit_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    """Give the visit to a staff member; they, the one it was taken from and (when someone
    new comes) the client are told through the outbox."""
    form = Fields(await request.form())
    staff_id = form.optional_id("staff_id")
    if not form.ok or staff_id is None:
        return await _board(
            request, user, session, now, problem="staff_not_found", status_code=422
        )
    async with attempt(session) as tried:
        await visits.assign_visit(
            session, actor=user.actor, visit_id=visit_id, staff_id=staff_id, now=now
        )
    if tried.problem:
        return await _board(request, user, session, now, problem=tried.problem, status_code=409)
    return see_other("/web/day")


@router.post("/day/visits/{visit_id}/deviation")
async def deviation(
    visit_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    """Why a missed visit did not happen (stored for follow-up)."""
    form = Fields(await request.form())
    reason = form.choice("reason", DeviationReason)
    if not form.ok:
        return await _board(
            request, user, session, now, problem="invalid_request", status_code=422
        )
    async with attempt(session) as tried:
        await followup.set_deviation_reason(
            session, actor=user.actor, visit_id=visit_id, reason=reason
        )
    if tried.problem:
        return await _board(request, user, session, now, problem=tried.problem, status_code=409)
    return see_other("/web/day")

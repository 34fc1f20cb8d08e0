"""Changed needs for the assessor, on one page and as CSV (``backend.services.needs``): read
only, their own orders' clients; planners and managers see their unit's."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from backend.domain import followup as fu
from backend.routes.deps import Now, SessionDep
from backend.services import needs
from backend.web.auth import User
from backend.web.common import page
from backend.web.i18n import N_
from backend.web.queue import KINDS, reason_words
from contract import TZ

router = APIRouter(prefix="/web")
MonthQuery = Annotated[str, Query(max_length=16)]

DIRECTIONS = {"over": N_("more than ordered"), "under": N_("less than ordered")}


def _month(text: str, today: date) -> tuple[date, bool]:
    """The month asked for (YYYY-MM), else this one; and whether the text was not a month."""
    if not text:
        return fu.month_start(today), False
    try:
        return fu.parse_month(text), False
    except ValueError:
        return fu.month_start(today), True


@router.get("/needs")
async def needs_page(
    request: Request, user: User, session: SessionDep, now: Now, month: MonthQuery = ""
) -> Response:
    today = now.astimezone(TZ).date()
    chosen, bad = _month(month, today)
    view = await needs.changed_needs(session, actor=user.actor, month=chosen, today=today)
    return page(
        request,
        user,
        "needs.html",
        status_code=422 if bad else 200,
        view=view,
        month_value=f"{chosen:%Y-%m}",
        bad_month=bad,
        kinds=KINDS,
        reason_words=reason_words,
        directions=DIRECTIONS,
    )


@router.get("/needs.csv")
async def needs_csv(user: User, session: SessionDep, now: Now, month: MonthQuery = "") -> Response:
    today = now.astimezone(TZ).date()
    chosen, _bad = _month(month, today)
    view = await needs.changed_needs(session, actor=user.actor, month=chosen, today=today)
    return Response(
        needs.needs_csv(view),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="changed-needs-{chosen:%Y-%m}.csv"'
        },
    )

"""The assessor's monthly follow-up: performed vs ordered time per client, as JSON or CSV.

Any staff member of the unit may read it; every read is audited per client.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from backend.domain import followup as fu
from backend.errors import InvalidInput
from backend.routes.deps import ActorDep, Now, SessionDep
from backend.schemas import FollowupPublic
from backend.services import access, followup
from contract import TZ, ErrorCode

router = APIRouter(prefix="/staff", tags=["followup"])

MonthQuery = Annotated[str | None, Query(max_length=16, description="YYYY-MM; default: now")]
UnitQuery = Annotated[int | None, Query(alias="unit", ge=1, description="default: your unit")]


def _month(text: str | None, today: date) -> date:
    if text is None:
        return fu.month_start(today)
    try:
        return fu.parse_month(text)
    except ValueError:
        raise InvalidInput(ErrorCode.INVALID_MONTH, month=text) from None


@router.get("/followup", response_model=FollowupPublic)
async def report(
    session: SessionDep,
    actor: ActorDep,
    now: Now,
    month: MonthQuery = None,
    unit: UnitQuery = None,
) -> FollowupPublic:
    """Ordered vs performed minutes per client for a month, with the ±10 % rule, plans not
    signed within 15 days, frames due for follow-up and clients who decline repeatedly."""
    staff = access.require_staff(actor)
    today = now.astimezone(TZ).date()
    unit_id = unit or staff.unit_id
    result = await followup.staff_report(
        session, actor=actor, unit_id=unit_id, month=_month(month, today), today=today
    )
    return FollowupPublic.of(result, unit_id=unit_id)


@router.get("/followup.csv", response_class=Response)
async def report_csv(
    session: SessionDep,
    actor: ActorDep,
    now: Now,
    month: MonthQuery = None,
    unit: UnitQuery = None,
) -> Response:
    """The same rows as CSV for Swedish Excel (semicolons, decimal comma)."""
    staff = access.require_staff(actor)
    today = now.astimezone(TZ).date()
    unit_id = unit or staff.unit_id
    result = await followup.staff_report(
        session, actor=actor, unit_id=unit_id, month=_month(month, today), today=today
    )
    filename = f"uppfoljning-{result.month.strftime('%Y-%m')}.csv"
    return Response(
        content=followup.report_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

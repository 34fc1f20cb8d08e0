"""The unit's day board: every visit of the unit on a day, with its true status, who has it,
and whether that person is new to the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import Client, Staff, Visit, as_utc
from backend.services import access, audit
from backend.services.access import Actor
from backend.services.visits import local_day_bounds, performed_minutes, status_now
from contract import VisitStatus


@dataclass(frozen=True)
class BoardRow:
    visit: Visit
    client: Client
    staff: Staff | None
    status: VisitStatus  # at the board's ``now``: missed once the window passed
    new_to_client: bool  # the assignee has not done a visit with this client before

    @property
    def end(self) -> datetime:
        return self.visit.planned_start + timedelta(minutes=self.visit.duration_minutes)

    @property
    def expected_arrival(self) -> datetime:
        return self.visit.planned_start + timedelta(minutes=self.visit.late_minutes)

    @property
    def performed_minutes(self) -> int | None:
        return performed_minutes(self.visit)


async def unit_day(
    session: AsyncSession, *, actor: Actor, day: date, now: datetime
) -> list[BoardRow]:
    """Every visit of the staff member's unit on local ``day``, in time order (3 queries).

    Any staff member of the unit may see the board (it is the unit's plan for the day); each
    client shown is recorded as read.
    """
    staff = access.require_staff(actor)
    first, last = local_day_bounds(day, day)
    rows = list(
        (
            await session.exec(
                select(Visit, Client)
                .join(Client, col(Client.id) == Visit.client_id)
                .where(Client.unit_id == staff.unit_id)
                .where(col(Client.erased_at).is_(None))
                .where(Visit.planned_start >= first)
                .where(Visit.planned_start < last)
                .order_by(col(Visit.planned_start), col(Client.first_name), col(Visit.id))
            )
        ).all()
    )
    people = {
        s.id: s
        for s in (await session.exec(select(Staff).where(Staff.unit_id == staff.unit_id))).all()
    }
    # When each staff member first did a visit with each of these clients.
    first_done = {
        (client_id, staff_id): start
        for client_id, staff_id, start in (
            await session.exec(
                select(Visit.client_id, Visit.staff_id, func.min(Visit.planned_start))
                .where(col(Visit.client_id).in_({v.client_id for v, _c in rows}))
                .where(Visit.status == VisitStatus.DONE)
                .where(col(Visit.staff_id).is_not(None))
                .group_by(col(Visit.client_id), col(Visit.staff_id))
            )
        ).all()
    }
    await audit.record_reads(
        session, actor=actor.label, client_ids=sorted({c.id or 0 for _v, c in rows}), what="board"
    )
    board = []
    for visit, client in rows:
        met = first_done.get((visit.client_id, visit.staff_id or 0))
        board.append(
            BoardRow(
                visit=visit,
                client=client,
                staff=people.get(visit.staff_id or 0),
                status=status_now(visit, now),
                new_to_client=visit.staff_id is not None
                and (met is None or as_utc(met) >= visit.planned_start),
            )
        )
    return board

"""Changed needs for the assessor: what clients sent on as a changed need (a wish outside the
frame), and what the monthly follow-up flags for them, on one page and as CSV.

An assessor reads only the clients of the orders they granted (``Order.assessor_staff_id``),
whatever unit gives the care; a planner or manager reads their own unit's clients. Nobody
changes anything here. Every read is audited, once per client shown.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain import followup as fu
from backend.errors import Forbidden
from backend.models import ChangeRequest, Client, Order, RequestStatus, Staff, StaffRole
from backend.services import audit, followup
from backend.services.access import Actor
from backend.services.visits import local_day_bounds
from contract import TZ, ErrorCode

READERS = (StaffRole.ASSESSOR, StaffRole.PLANNER, StaffRole.MANAGER)


@dataclass(frozen=True)
class NeedsView:
    """One month: the changed needs sent on, and the follow-up's flags, for the reader's
    clients only."""

    month: date
    clients: dict[int, Client]
    needs: list[ChangeRequest]  # oldest first
    deviations: list[fu.ClientMonth]  # outside ±10 %
    late_plans: list[fu.LatePlan]
    frames_due: list[fu.FrameDue]
    decliners: list[fu.Decliner]
    today: date

    @property
    def complete(self) -> bool:
        """The month is over: its performed time is all counted."""
        return self.today > fu.month_end(self.month)


def require_reader(actor: Actor) -> Staff:
    staff = actor.staff
    if staff is None:
        raise Forbidden(ErrorCode.STAFF_ONLY)
    if staff.role not in READERS:
        raise Forbidden(ErrorCode.PLANNER_ONLY)
    return staff


async def _clients(session: AsyncSession, staff: Staff) -> list[Client]:
    query = select(Client).where(col(Client.erased_at).is_(None))
    if staff.role is StaffRole.ASSESSOR:
        query = query.where(
            col(Client.id).in_(select(Order.client_id).where(Order.assessor_staff_id == staff.id))
        )
    else:
        query = query.where(Client.unit_id == staff.unit_id)
    return list((await session.exec(query.order_by(col(Client.last_name), col(Client.id)))).all())


async def changed_needs(
    session: AsyncSession, *, actor: Actor, month: date, today: date
) -> NeedsView:
    """The reader's clients' changed needs sent on in ``month`` and the follow-up's flags
    (``followup.monthly_report`` of each unit involved, kept to those clients)."""
    staff = require_reader(actor)
    clients = {c.id: c for c in await _clients(session, staff) if c.id is not None}
    month = fu.month_start(month)
    first, last = local_day_bounds(month, fu.month_end(month))
    needs = list(
        (
            await session.exec(
                select(ChangeRequest)
                .where(col(ChangeRequest.client_id).in_(list(clients)))
                .where(ChangeRequest.status == RequestStatus.TO_ASSESSOR)
                .where(col(ChangeRequest.created_at) >= first)
                .where(col(ChangeRequest.created_at) < last)
                .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id))
            )
        ).all()
    )
    view = NeedsView(month, clients, needs, [], [], [], [], today)
    for unit_id in sorted({c.unit_id for c in clients.values()}):
        report = await followup.monthly_report(session, unit_id=unit_id, month=month, today=today)
        view.deviations.extend(r for r in report.clients if r.flagged and r.client_id in clients)
        view.late_plans.extend(p for p in report.late_plans if p.client_id in clients)
        view.frames_due.extend(f for f in report.frames_to_follow_up if f.client_id in clients)
        view.decliners.extend(d for d in report.repeated_decliners if d.client_id in clients)
    shown = {n.client_id for n in needs}
    shown |= {row.client_id for row in view.deviations} | {p.client_id for p in view.late_plans}
    shown |= {f.client_id for f in view.frames_due} | {d.client_id for d in view.decliners}
    await audit.record_reads(
        session, actor=actor.label, client_ids=sorted(shown), what="needs", month=f"{month:%Y-%m}"
    )
    return view


CSV_COLUMNS = ("what", "client_id", "first_name", "last_name", "date", "kind", "figures")


def needs_csv(view: NeedsView) -> str:
    """One line per changed need and per flag, for Swedish Excel (semicolons, a UTF-8 BOM):
    codes and numbers, as the follow-up's own CSV."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)

    def line(what: str, client_id: int, day: date | None, kind: str, figures: str) -> None:
        client = view.clients[client_id]
        writer.writerow(
            [
                what,
                client_id,
                followup._cell_text(client.first_name),
                followup._cell_text(client.last_name),
                day.isoformat() if day else "",
                kind,
                figures,
            ]
        )

    for need in view.needs:
        figures = ", ".join(
            f"{r.code.value}" + "".join(f" {k}={v}" for k, v in sorted(r.numbers.items()))
            for r in need.reasons
        )
        line(
            "changed_need",
            need.client_id,
            need.created_at.astimezone(TZ).date(),
            need.kind.value,
            figures,
        )
    for row in view.deviations:
        percent = (
            ""
            if row.deviation_percent is None
            else followup.decimal_comma(row.deviation_percent, 1)
        )
        line(
            "deviation",
            row.client_id,
            row.month,
            "" if row.direction is None else row.direction.value,
            f"ordered={row.ordered_minutes} performed={row.performed_minutes} "
            f"percent={percent} months_in_a_row={row.consecutive_months}",
        )
    for plan in view.late_plans:
        line(
            "plan_not_signed",
            plan.client_id,
            plan.created_on,
            "draft" if plan.draft else "signed_late",
            f"days={plan.days}",
        )
    for frame in view.frames_due:
        line(
            "frame_follow_up",
            frame.client_id,
            frame.due_on,
            "overdue" if frame.overdue else "due",
            f"decided_on={frame.decided_on.isoformat()}",
        )
    for decliner in view.decliners:
        line(
            "repeated_declines",
            decliner.client_id,
            decliner.last_on,
            "declines",
            f"declines={decliner.declines} first_on={decliner.first_on.isoformat()}",
        )
    return out.getvalue()

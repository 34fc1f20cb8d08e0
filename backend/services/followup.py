"""The assessor's monthly follow-up of a unit, and the deviation reasons staff record on visits.

The report is loaded with a constant number of queries, whatever the number of clients, and
worked out by ``backend.domain.followup``. Every staff read is audited, once per client.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain import followup as fu
from backend.domain.frame_check import DECLINE_WINDOW_DAYS
from backend.errors import Forbidden, NotFound
from backend.models import (
    CarePlan,
    ChangeRequest,
    Client,
    DeviationReason,
    Order,
    PlanStatus,
    RequestStatus,
    StaffRole,
    Unit,
    Visit,
    as_utc,
)
from backend.services import access, audit
from backend.services.access import Actor
from backend.services.visits import local_day_bounds, visit_in_care_of
from contract import DECLINE_KINDS, TZ, ErrorCode, VisitStatus


async def monthly_report(
    session: AsyncSession, *, unit_id: int, month: date, today: date
) -> fu.FollowupReport:
    """Ordered vs performed time per client of the unit for ``month`` (any day in it), with
    the lists the assessor acts on. Eight queries, however many clients the unit has."""
    if await session.get(Unit, unit_id) is None:
        raise NotFound(ErrorCode.UNIT_NOT_FOUND)
    month = fu.month_start(month)
    clients = (
        await session.exec(
            select(Client.id, Client.first_name)
            .where(Client.unit_id == unit_id)
            .order_by(col(Client.id))
        )
    ).all()
    orders = (
        await session.exec(
            select(Order)
            .join(Client, col(Client.id) == Order.client_id)
            .where(Client.unit_id == unit_id)
        )
    ).all()
    # Performed time for the months-in-a-row look-back, and this month's reasons.
    first, last = local_day_bounds(
        fu.add_months(month, 1 - fu.LOOKBACK_MONTHS), fu.month_end(month)
    )
    visits = (
        await session.exec(
            select(Visit)
            .join(Client, col(Client.id) == Visit.client_id)
            .where(Client.unit_id == unit_id)
            .where(col(Visit.planned_start) >= first)
            .where(col(Visit.planned_start) < last)
            .where(
                (col(Visit.status) == VisitStatus.DONE) | col(Visit.deviation_reason).is_not(None)
            )
        )
    ).all()
    # Which months had any visit by today: a month without one (before the demo's history,
    # or still to come) is "no data", never "under".
    active = (
        await session.exec(
            select(col(Visit.client_id), col(Visit.day))
            .distinct()
            .join(Client, col(Client.id) == Visit.client_id)
            .where(Client.unit_id == unit_id)
            .where(col(Visit.planned_start) >= first)
            .where(col(Visit.planned_start) < last)
            .where(col(Visit.day) <= today)
        )
    ).all()
    plans = (
        await session.exec(
            select(CarePlan)
            .join(Client, col(Client.id) == CarePlan.client_id)
            .where(Client.unit_id == unit_id)
        )
    ).all()
    since, _ = local_day_bounds(today - timedelta(days=DECLINE_WINDOW_DAYS), today)
    declines = (
        await session.exec(
            select(ChangeRequest.client_id, ChangeRequest.created_at)
            .join(Client, col(Client.id) == ChangeRequest.client_id)
            .where(Client.unit_id == unit_id)
            .where(col(ChangeRequest.kind).in_(DECLINE_KINDS))
            .where(ChangeRequest.status == RequestStatus.APPROVED)
            .where(col(ChangeRequest.created_at) >= since)
        )
    ).all()
    month_first, month_last = local_day_bounds(month, fu.month_end(month))
    needs = (
        await session.exec(
            select(ChangeRequest)
            .join(Client, col(Client.id) == ChangeRequest.client_id)
            .where(Client.unit_id == unit_id)
            .where(ChangeRequest.status == RequestStatus.TO_ASSESSOR)
            .where(col(ChangeRequest.created_at) >= month_first)
            .where(col(ChangeRequest.created_at) < month_last)
        )
    ).all()
    return fu.build_report(
        month=month,
        today=today,
        clients=[fu.ClientFacts(id=cid, first_name=name) for cid, name in clients if cid],
        orders=[_order_facts(o) for o in orders],
        visits=[_visit_facts(v) for v in visits],
        plans=[
            fu.PlanFacts(
                id=p.id or 0,
                client_id=p.client_id,
                draft=p.status is PlanStatus.DRAFT,
                created_on=p.created_on,
                signed_on=p.signed_on,
            )
            for p in plans
        ],
        declines=[
            fu.DeclineFacts(client_id=cid, requested_on=as_utc(at).astimezone(TZ).date())
            for cid, at in declines
        ],
        months_with_visits=[(cid, day) for cid, day in active],
        changed_needs=[
            fu.ChangedNeed(
                request_id=n.id or 0,
                client_id=n.client_id,
                requested_on=n.created_at.astimezone(TZ).date(),
                kind=n.kind.value,
                reasons=tuple(reason.code.value for reason in n.reasons),
            )
            for n in needs
        ],
    )


async def staff_report(
    session: AsyncSession, *, actor: Actor, unit_id: int, month: date, today: date
) -> fu.FollowupReport:
    """The report for a staff member of the unit (any role), with its reads audited."""
    staff = access.require_staff(actor)
    if staff.unit_id != unit_id:
        raise Forbidden(ErrorCode.OTHER_UNIT)
    report = await monthly_report(session, unit_id=unit_id, month=month, today=today)
    await record_read(session, actor=actor.label, unit_id=unit_id, report=report)
    return report


async def responsible_report(
    session: AsyncSession,
    *,
    actor: Actor,
    month: date,
    today: date,
    client_id: int | None = None,
) -> fu.FollowupReport:
    """The follow-up a staff member answers for (the web's pages): planners and managers see
    their whole unit, a contact person (or deputy) only their own clients, other carers
    nothing; ``client_id`` narrows it to one client. Reads are audited per client shown."""
    staff = access.require_staff(actor)
    report = await monthly_report(session, unit_id=staff.unit_id, month=month, today=today)
    if staff.role not in (StaffRole.PLANNER, StaffRole.MANAGER):
        mine = set(
            (
                await session.exec(
                    select(Client.id)
                    .where(Client.unit_id == staff.unit_id)
                    .where(
                        (col(Client.contact_person_id) == staff.id)
                        | (col(Client.deputy_id) == staff.id)
                    )
                )
            ).all()
        )
        if not mine:
            raise Forbidden(ErrorCode.NOT_YOUR_CLIENT)
        report = only_clients(report, {cid for cid in mine if cid is not None})
    if client_id is not None:
        if client_id not in {row.client_id for row in report.clients}:
            exists = await session.get(Client, client_id)
            if exists is None:
                raise NotFound(ErrorCode.CLIENT_NOT_FOUND)
            if exists.unit_id != staff.unit_id:
                raise Forbidden(ErrorCode.OTHER_UNIT)
            raise Forbidden(ErrorCode.NOT_YOUR_CLIENT)
        report = only_clients(report, {client_id})
    await record_read(session, actor=actor.label, unit_id=staff.unit_id, report=report)
    return report


def only_clients(report: fu.FollowupReport, client_ids: set[int]) -> fu.FollowupReport:
    """The report with only these clients' rows and list entries."""
    return replace(
        report,
        clients=tuple(r for r in report.clients if r.client_id in client_ids),
        late_plans=tuple(p for p in report.late_plans if p.client_id in client_ids),
        frames_to_follow_up=tuple(
            f for f in report.frames_to_follow_up if f.client_id in client_ids
        ),
        repeated_decliners=tuple(
            d for d in report.repeated_decliners if d.client_id in client_ids
        ),
        changed_needs=tuple(n for n in report.changed_needs if n.client_id in client_ids),
    )


async def record_read(
    session: AsyncSession, *, actor: str, unit_id: int, report: fu.FollowupReport
) -> None:
    """Audit a read of the report: one event per client whose figures it shows (DESIGN 6).

    Written as one multi-row INSERT, so the audit costs one statement however many clients
    the unit has (the ORM would insert the rows one by one).
    """
    await audit.record_reads(
        session,
        actor=actor,
        client_ids=[row.client_id for row in report.clients],
        what="followup",
        action="followup.read",
        entity="unit",
        entity_id=unit_id,
        month=report.month.strftime("%Y-%m"),
    )


async def set_deviation_reason(
    session: AsyncSession, *, actor: Actor, visit_id: int, reason: DeviationReason | None
) -> Visit:
    """Record why a visit was cancelled or shortened (``None`` clears a mistaken reason).

    Whoever did the visit, the client's contact person or deputy, or a planner or manager
    of the unit may; setting the same reason twice is one effect.
    """
    visit, _client = await visit_in_care_of(session, access.require_staff(actor), visit_id)
    if visit.deviation_reason == reason:
        return visit
    previous = visit.deviation_reason
    visit.deviation_reason = reason
    visit.version += 1
    session.add(visit)
    audit.record(
        session,
        actor=actor.label,
        action="visit.deviation",
        entity="visit",
        entity_id=visit.id,
        client_id=visit.client_id,
        reason=None if reason is None else reason.value,
        previous=None if previous is None else previous.value,
    )
    return visit


# --- presentation for the assessor ---------------------------------------------------------

CSV_COLUMNS = (
    "client_id",
    "first_name",
    "month",
    "ordered_minutes",
    "performed_minutes",
    "ordered_hours",
    "performed_hours",
    "deviation_percent",
    "flagged",
    "direction",
    "consecutive_months",
    *fu.DEVIATION_REASONS,
    "per_service",
)


def report_csv(report: fu.FollowupReport) -> str:
    """One line per client for Swedish Excel: semicolons, decimal comma, a UTF-8 BOM."""
    out = io.StringIO()
    out.write("\ufeff")  # without it, Excel reads UTF-8 as Windows-1252 ("GÃ¶sta")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for row in report.clients:
        writer.writerow(
            [
                row.client_id,
                _cell_text(row.first_name),
                row.month.strftime("%Y-%m"),
                row.ordered_minutes,
                row.performed_minutes,
                decimal_comma(row.ordered_minutes / 60, 2),
                decimal_comma(row.performed_minutes / 60, 2),
                "" if row.deviation_percent is None else decimal_comma(row.deviation_percent, 1),
                1 if row.flagged else 0,
                "" if row.direction is None else row.direction.value,
                row.consecutive_months,
                *(row.deviation_reasons.get(code, 0) for code in fu.DEVIATION_REASONS),
                ", ".join(f"{s.service} {s.minutes}" for s in row.per_service),
            ]
        )
    return out.getvalue()


def report_table(report: fu.FollowupReport) -> str:
    """A readable table for the terminal, then the lists the assessor acts on."""
    names = {row.client_id: row.first_name for row in report.clients}
    state = "complete" if report.complete else f"so far, as of {report.today.isoformat()}"
    lines = [
        f"Follow-up {report.month.strftime('%Y-%m')} ({state})",
        "",
        f"{'Client':<20} {'Ordered':>8} {'Performed':>10} {'Deviation':>10} "
        f"{'Flag':<6} {'In a row':>8}",
    ]
    for row in report.clients:
        percent = "-" if row.deviation_percent is None else f"{row.deviation_percent:+.1f} %"
        if not row.has_data:
            percent = "no visits"
        flag = row.direction.value if row.flagged and row.direction is not None else ""
        lines.append(
            f"{f'{row.client_id} {row.first_name}'[:20]:<20} "
            f"{hours_minutes(row.ordered_minutes):>8} {hours_minutes(row.performed_minutes):>10} "
            f"{percent:>10} {flag:<6} {row.consecutive_months or '':>8}"
        )
    lines += ["", "Months with a frame but no visits recorded (no data, nothing claimed):"]
    lines += [
        f"  {row.first_name}: " + ", ".join(p.month.strftime("%Y-%m") for p in quiet)
        for row in report.clients
        if (quiet := [p for p in row.history if not p.has_data and p.ordered_minutes > 0])
    ] or ["  none"]
    lines += ["", "Plans not signed within 15 days:"]
    lines += [
        f"  {names.get(p.client_id, p.client_id)}: plan {p.plan_id} created "
        f"{p.created_on.isoformat()}, "
        + (f"draft for {p.days} days" if p.draft else f"signed after {p.days} days")
        for p in report.late_plans
    ] or ["  none"]
    lines += ["", "Frames due for their 3-month follow-up:"]
    lines += [
        f"  {names.get(f.client_id, f.client_id)}: order {f.order_id} decided "
        f"{f.decided_on.isoformat()}, due {f.due_on.isoformat()}"
        + (" (overdue)" if f.overdue else "")
        for f in report.frames_to_follow_up
    ] or ["  none"]
    lines += ["", "Declined granted help 3 times or more in 3 months:"]
    lines += [
        f"  {names.get(d.client_id, d.client_id)}: {d.declines} times, "
        f"{d.first_on.isoformat()} to {d.last_on.isoformat()}"
        for d in report.repeated_decliners
    ] or ["  none"]
    lines += ["", "Changed needs sent on by clients (wishes outside the frame):"]
    lines += [
        f"  {names.get(n.client_id, n.client_id)}: request {n.request_id} on "
        f"{n.requested_on.isoformat()}, {n.kind} ({', '.join(n.reasons) or '-'})"
        for n in report.changed_needs
    ] or ["  none"]
    return "\n".join(lines) + "\n"


def decimal_comma(value: float, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def hours_minutes(minutes: int) -> str:
    """2159 -> "35:59"."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def _cell_text(text: str) -> str:
    # A name starting like a formula would run as one in Excel (CSV injection).
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _order_facts(order: Order) -> fu.OrderFacts:
    return fu.OrderFacts(
        id=order.id or 0,
        client_id=order.client_id,
        period=order.period,
        frame_minutes=order.frame_minutes,
        valid_from=order.valid_from,
        decided_on=order.decided_on,
        valid_to=order.valid_to,
        followed_up_on=order.followed_up_on,
    )


def _visit_facts(visit: Visit) -> fu.VisitFacts:
    return fu.VisitFacts(
        id=visit.id or 0,
        client_id=visit.client_id,
        day=visit.planned_start.astimezone(TZ).date(),
        status=visit.status,
        duration_minutes=visit.duration_minutes,
        actual_start=visit.actual_start,
        actual_end=visit.actual_end,
        services=frozenset(visit.services),
        declined_services=frozenset(visit.declined_services),
        deviation_reason=None if visit.deviation_reason is None else str(visit.deviation_reason),
    )

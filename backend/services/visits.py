"""Visits: generated from signed plans, listed for clients and staff, checked in and out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    func,
    insert,
    null,
    or_,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain import frame_check as fc
from backend.domain import visit_status as vs
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.models import (
    CarePlan,
    ChangeRequest,
    Client,
    ContractJSON,
    GrantedService,
    Order,
    PlanSlot,
    PlanStatus,
    RequestStatus,
    Scope,
    Staff,
    StaffRole,
    Unit,
    Urgency,
    Visit,
    as_utc,
)
from backend.services import access, audit, outbox
from backend.services.access import Actor
from contract import (
    DECLINE_KINDS,
    TZ,
    Change,
    ChangeKind,
    DeviationReason,
    ErrorCode,
    NotificationKind,
    PerformedCorrection,
    ServiceCode,
    SomeoneNew,
    StaffLate,
    VisitBefore,
    VisitForStaff,
    VisitStatus,
)

# A check-out this soon after the check-in is most likely a double tap: it needs a confirm.
PLAUSIBLE_MINUTES = 5


def local_start(day: date, at: time) -> datetime:
    """Plan wall time in Stockholm as an aware UTC instant (DST-safe)."""
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC)


def local_day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants covering local days ``start``..``end`` inclusive."""
    return local_start(start, time(0)), local_start(end + timedelta(days=1), time(0))


def performed_minutes(visit: Visit) -> int | None:
    return fc.performed_minutes(visit.actual_start, visit.actual_end)


def status_now(visit: Visit, now: datetime | None) -> VisitStatus:
    """The visit's status at ``now``: missed once its window passed without a check-in."""
    return vs.visit_status(
        visit.status,
        planned_start=visit.planned_start,
        duration_minutes=visit.duration_minutes,
        late_minutes=visit.late_minutes,
        actual_start=visit.actual_start,
        now=now,
    )


def visit_before(visit: Visit) -> VisitBefore:
    """The visit as it is now: what a request made now changes *from*."""
    return VisitBefore(
        start=visit.planned_start,
        duration_minutes=visit.duration_minutes,
        services=tuple(ServiceCode(code) for code in visit.services),
        declined_services=tuple(ServiceCode(code) for code in visit.declined_services),
    )


def visit_state(visit: Visit, now: datetime | None = None) -> fc.VisitState:
    assert visit.id is not None
    return state_of(
        visit.id,
        visit.planned_start,
        visit.duration_minutes,
        visit.services,
        visit.status,
        visit.late_minutes,
        visit.actual_start,
        visit.actual_end,
        visit.declined_services,
        now=now,
    )


def state_of(
    visit_id: int,
    planned_start: datetime,
    duration_minutes: int,
    services: list[str],
    status: VisitStatus,
    late_minutes: int,
    actual_start: datetime | None,
    actual_end: datetime | None,
    declined_services: list[str],
    *,
    now: datetime | None,
) -> fc.VisitState:
    """A visit's frame state from its fields, in the order ``_VISITS_IN_RANGE`` reads them
    (a month of rows is unpacked straight into it: no ORM objects, no lookups by name)."""
    return fc.VisitState(
        id=visit_id,
        start=planned_start,
        duration_minutes=duration_minutes,
        services=frozenset(services),
        status=vs.visit_status(
            status,
            planned_start=planned_start,
            duration_minutes=duration_minutes,
            late_minutes=late_minutes,
            actual_start=actual_start,
            now=now,
        ),
        performed_minutes=fc.performed_minutes(actual_start, actual_end),
        declined_services=frozenset(declined_services),
    )


def apply_change(
    session: AsyncSession, change: Change, visit: Visit | None, client: Client
) -> Visit:
    """Make an approved change real: the frame check's own ``apply`` works out the visit
    after the change, and that state is stored on the row (a new row for an extra visit)."""
    if change.kind is ChangeKind.EXTRA:
        state = fc.extra_visit(change)
        visit = Visit(
            client_id=client.id or 0,
            day=state.start.astimezone(TZ).date(),
            planned_start=state.start,
            duration_minutes=state.duration_minutes,
            services=sorted(state.services),
            staff_id=client.contact_person_id,
        )
        session.add(visit)
        return visit
    assert visit is not None
    state = fc.apply(visit_state(visit), change)
    if state.status is VisitStatus.CANCELLED and visit.status is not VisitStatus.CANCELLED:
        visit.deviation_reason = DeviationReason.CLIENT_DECLINED  # declined at their request
    visit.planned_start = state.start
    visit.day = state.start.astimezone(TZ).date()
    visit.duration_minutes = state.duration_minutes
    visit.services = _in_plan_order(visit.services, state.services)
    visit.declined_services = _in_plan_order(visit.declined_services, state.declined_services)
    visit.status = state.status
    visit.version += 1
    session.add(visit)
    return visit


def _in_plan_order(current: list[str], after: frozenset[str]) -> list[str]:
    """``after`` in the order the visit lists its services now; new ones last, sorted."""
    return [code for code in current if code in after] + sorted(after - set(current))


# --- generation ---------------------------------------------------------------------------


async def generate_visits(
    session: AsyncSession, *, start: date, end: date, client_id: int | None = None
) -> int:
    """Create the visits of signed plans for local days ``start``..``end``; idempotent.

    From a plan's ``valid_from`` on, still-planned visits of the plan it replaces are removed
    (or cancelled, if a request refers to them); performed history is never touched.
    """
    plan_query = (
        select(CarePlan)
        .join(Client, col(Client.id) == CarePlan.client_id)
        .where(CarePlan.status == PlanStatus.SIGNED)
        .where(col(Client.erased_at).is_(None))  # an erased client's plans make no visits
    )
    if client_id is not None:
        plan_query = plan_query.where(CarePlan.client_id == client_id)
    plans = list((await session.exec(plan_query.order_by(col(CarePlan.valid_from)))).all())
    if not plans:
        return 0
    plan_ids = [p.id for p in plans]
    slots = list(
        (
            await session.exec(select(PlanSlot).where(col(PlanSlot.care_plan_id).in_(plan_ids)))
        ).all()
    )
    orders = {
        o.id: o
        for o in (
            await session.exec(select(Order).where(col(Order.id).in_({p.order_id for p in plans})))
        ).all()
    }
    client_ids = {p.client_id for p in plans}
    existing = list(
        (
            await session.exec(
                select(Visit)
                .where(col(Visit.client_id).in_(client_ids))
                .where(col(Visit.slot_day) >= start)
                .where(col(Visit.slot_day) <= end)
            )
        ).all()
    )
    have = {(v.plan_slot_id, v.slot_day) for v in existing}
    care_ended = dict(
        (
            await session.exec(
                select(col(Client.id), col(Client.care_ended_on)).where(
                    col(Client.id).in_(client_ids)
                )
            )
        ).all()
    )
    slots_by_plan: dict[int, list[PlanSlot]] = {}
    for slot in slots:
        slots_by_plan.setdefault(slot.care_plan_id, []).append(slot)
    plans_by_client: dict[int, list[CarePlan]] = {}
    for plan in plans:
        plans_by_client.setdefault(plan.client_id, []).append(plan)

    new_visits: list[dict[str, Any]] = []
    in_force_slot_ids: dict[tuple[int, date], set[int]] = {}
    day = start
    while day <= end:
        for cid, client_plans in plans_by_client.items():
            in_force = next((p for p in reversed(client_plans) if p.valid_from <= day), None)
            if in_force is None:
                continue
            ended = care_ended.get(cid)
            if ended is not None and day > ended:
                continue  # care has ended: no new visits
            order = orders[in_force.order_id]
            if day < order.valid_from or (order.valid_to is not None and day > order.valid_to):
                continue
            assert in_force.id is not None
            todays = [s for s in slots_by_plan.get(in_force.id, []) if s.weekday == day.weekday()]
            in_force_slot_ids[(cid, day)] = {s.id for s in todays if s.id is not None}
            for slot in todays:
                if (slot.id, day) in have:
                    continue
                new_visits.append(
                    {
                        "client_id": cid,
                        "plan_slot_id": slot.id,
                        "slot_day": day,
                        "day": day,
                        "planned_start": local_start(day, slot.start_local),
                        "duration_minutes": slot.duration_minutes,
                        "services": list(slot.services),
                        "declined_services": [],
                        "how": slot.how,
                        "staff_id": slot.staff_id,
                    }
                )
        day += timedelta(days=1)
    if new_visits:
        # Rows, not objects: nothing here reads them back, and a row object costs more to make
        # than to insert (the statement is sent in batches).
        await session.exec(insert(Visit), params=new_visits)

    stale = [
        v
        for v in existing
        if v.plan_slot_id is not None
        and v.slot_day is not None
        and v.status is VisitStatus.PLANNED
        and v.actual_start is None
        and (v.client_id, v.slot_day) in in_force_slot_ids
        and v.plan_slot_id not in in_force_slot_ids[(v.client_id, v.slot_day)]
    ]
    if stale:
        referenced = set(
            (
                await session.exec(
                    select(ChangeRequest.visit_id).where(
                        col(ChangeRequest.visit_id).in_([v.id for v in stale])
                    )
                )
            ).all()
        )
        for visit in stale:
            if visit.id in referenced:
                visit.status = VisitStatus.CANCELLED
                session.add(visit)
        await session.exec(
            delete(Visit).where(col(Visit.id).in_([v.id for v in stale if v.id not in referenced]))
        )
    await session.flush()
    return len(new_visits)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitView:
    visit: Visit
    staff_first_name: str | None
    staff_is_new: bool
    client_first_name: str | None = None
    address_area: str | None = None


def _has_visited(client_id: Any, staff_id: Any) -> Any:
    """Whether the staff member has already done a visit with the client (someone who has
    not is "new"): one probe of ``ix_visit_client_staff_status``, however long the client's
    history."""
    done = aliased(Visit)
    return (
        select(done.id)
        .where(done.client_id == client_id)
        .where(done.staff_id == staff_id)
        .where(done.status == VisitStatus.DONE)
        .exists()
    )


# The statement of a client's day ("today", the hot path), built once with bound parameters:
# building and keying a statement cost about as much as running it. The day's visits and the
# next visit after them come in one statement: two probes of the index on (client, start),
# the day's range and the first visit from ``after`` on, joined as the ids to read.
_DAY = aliased(Visit)
_NEXT = aliased(Visit)
_DAY_AND_NEXT = (
    select(Visit, Staff.first_name, _has_visited(Visit.client_id, Visit.staff_id).label("known"))
    .join(Staff, col(Staff.id) == Visit.staff_id, isouter=True)
    .where(
        col(Visit.id).in_(
            union_all(
                select(_DAY.id)
                .where(_DAY.client_id == bindparam("client_id"))
                .where(_DAY.planned_start >= bindparam("first"))
                .where(_DAY.planned_start < bindparam("last")),
                select(
                    select(_NEXT.id)
                    .where(_NEXT.client_id == bindparam("client_id"))
                    .where(_NEXT.planned_start >= bindparam("after"))
                    .where(_NEXT.status != VisitStatus.CANCELLED)
                    .order_by(col(_NEXT.planned_start), col(_NEXT.id))
                    .limit(1)
                    .scalar_subquery()
                ),
            )
        )
    )
    .order_by(col(Visit.planned_start), col(Visit.id))
)
_HAS_VISITED = select(_has_visited(bindparam("client_id"), bindparam("staff_id")))


async def has_visited(session: AsyncSession, *, client_id: int, staff_id: int) -> bool:
    """Whether this staff member has already done a visit with this client."""
    rows = await session.exec(_HAS_VISITED, params={"client_id": client_id, "staff_id": staff_id})
    return bool(rows.one())


@dataclass(frozen=True)
class ClientDays:
    """A client's visits on some days, and the next visit after them."""

    visits: list[VisitView]
    next_visit: VisitView | None


async def client_visits(
    session: AsyncSession, *, client_id: int, start: date, end: date, now: datetime
) -> ClientDays:
    """A client's visits on local days ``start``..``end``, in time order, and the next one
    after them (not cancelled, not before ``now``); 1 query."""
    first, last = local_day_bounds(start, end)
    rows = await session.exec(
        _DAY_AND_NEXT,
        params={"client_id": client_id, "first": first, "last": last, "after": max(last, now)},
    )
    shown: list[VisitView] = []
    upcoming: VisitView | None = None
    for v, name, known in rows.all():
        if v.planned_start < last:  # on the days asked for; the next visit is after them
            new = _new(v, known) and v.status is not VisitStatus.DONE
            shown.append(VisitView(visit=v, staff_first_name=name, staff_is_new=new))
        else:
            upcoming = VisitView(v, None, _new(v, known))
    return ClientDays(visits=shown, next_visit=upcoming)


# The visits a change can be asked for: planned, not begun, on the days of one range or of
# a second (a later day a wish names; empty when none), by the (client, start) index.
_ASKED_ABOUT = (
    select(ChangeRequest.id)
    .where(ChangeRequest.visit_id == Visit.id)
    .where(ChangeRequest.status == RequestStatus.PENDING)
    .exists()
)
_CHANGEABLE = (
    select(Visit, _ASKED_ABOUT.label("asked"))  # type: ignore[call-overload]
    .where(Visit.client_id == bindparam("client_id"))
    .where(Visit.status == VisitStatus.PLANNED)
    .where(col(Visit.planned_start) > bindparam("after"))
    .where(
        or_(
            and_(
                col(Visit.planned_start) >= bindparam("first"),
                col(Visit.planned_start) < bindparam("last"),
            ),
            and_(
                col(Visit.planned_start) >= bindparam("named_first"),
                col(Visit.planned_start) < bindparam("named_last"),
            ),
        )
    )
    .order_by(col(Visit.planned_start), col(Visit.id))
)


async def changeable(
    session: AsyncSession,
    *,
    client_id: int,
    start: date,
    end: date,
    named: date | None,
    now: datetime,
) -> tuple[list[Visit], list[str], list[int]]:
    """The visits a change can still be asked for on local days ``start``..``end`` (and on
    the day ``named``), the services granted today, and which of the visits a wish waits
    for an answer about: 2 queries."""
    first, last = local_day_bounds(start, end)
    named_first, named_last = local_day_bounds(named, named) if named else (first, first)
    rows = await session.exec(
        _CHANGEABLE,
        params={
            "client_id": client_id,
            "after": now,
            "first": first,
            "last": last,
            "named_first": named_first,
            "named_last": named_last,
        },
    )
    granted = await session.exec(
        _GRANTED_IN_FORCE, params={"client_id": client_id, "day": now.astimezone(TZ).date()}
    )
    found = rows.all()
    waiting = [visit.id for visit, asked in found if asked and visit.id is not None]
    return [visit for visit, _asked in found], [str(code) for code in granted.all()], waiting


def _new(visit: Visit, known: bool) -> bool:
    """Someone the client has not met: a staff member who has done no visit with them."""
    return visit.staff_id is not None and not known


# A staff member's visits of a local day, with the client's first name and area: by staff
# and day, the index made for it (``ix_visit_staff_id_day``). A range of start times read
# the whole city's day from the start-time index and kept the staff member's: 63 682 index
# entries for 51 visits at city size (built once, bound parameters).
_STAFF_DAY = (
    select(Visit, Client.first_name, Client.address_area)  # type: ignore[call-overload]
    .join(Client, col(Client.id) == Visit.client_id)
    .where(col(Client.erased_at).is_(None))
    .where(Visit.staff_id == bindparam("staff_id"))
    .where(Visit.day == bindparam("day"))
    .where(Visit.status != VisitStatus.CANCELLED)
    .order_by(col(Visit.planned_start), col(Visit.id))
)


async def staff_day(session: AsyncSession, *, staff: Staff, day: date) -> list[VisitView]:
    """A staff member's visits for a local day with client first name and area (1 query)."""
    rows = await session.exec(_STAFF_DAY, params={"staff_id": staff.id, "day": day})
    return [
        VisitView(
            visit=v,
            staff_first_name=staff.first_name,
            staff_is_new=False,
            client_first_name=name,
            address_area=area,
        )
        for v, name, area in rows.all()
    ]


# --- the frame ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameState:
    order: Order
    frame: fc.Frame
    rules: fc.Rules
    visits: list[fc.VisitState]
    pending: list[Change]  # waiting requests: not counted, shown as "if approved"
    declines: int  # approved declines in the window rule 8 counts


def unit_rules(unit: Unit) -> fc.Rules:
    return fc.Rules(
        notice_minutes=unit.notice_minutes,
        service_start=unit.service_start,
        service_end=unit.service_end,
    )


# The frame's statements, built once with bound parameters: a frame check runs them on every
# wish, preview and decision, and building them anew cost more than running them.
def _in_force(query: Any) -> Any:
    """``query`` narrowed to the client's order in force on the day (the latest begun)."""
    return (
        query.where(Order.client_id == bindparam("client_id"))
        .where(col(Order.valid_from) <= bindparam("day"))
        .where(or_(col(Order.valid_to).is_(None), col(Order.valid_to) >= bindparam("day")))
        .order_by(col(Order.valid_from).desc())
        .limit(1)
    )


_ORDER_IN_FORCE = _in_force(select(Order))
# The services the order in force on the day grants, in the order's order.
_GRANTED_IN_FORCE = (
    select(GrantedService.code)
    .where(
        GrantedService.order_id == _in_force(select(Order.id)).correlate(None).scalar_subquery()
    )
    .order_by(col(GrantedService.id))
)
# The order in force with the client's unit (its notice and service hours) and the order's
# granted services, one row per service, in one statement.
_ORDER_UNIT_AND_GRANTED = (
    select(Order, Unit, GrantedService)  # type: ignore[call-overload]
    .select_from(Order)
    .join(Unit, col(Unit.id) == bindparam("unit_id"))
    .outerjoin(GrantedService, col(GrantedService.order_id) == Order.id)
    .where(Order.id == _in_force(select(Order.id)).correlate(None).scalar_subquery())
    .order_by(col(GrantedService.id))
)
# Only what a visit's frame state needs, as plain rows in ``state_of``'s order: no ORM
# objects for a month of visits.
_VISITS_IN_RANGE = (
    select(  # type: ignore[call-overload]
        Visit.id,
        Visit.planned_start,
        Visit.duration_minutes,
        Visit.services,
        Visit.status,
        Visit.late_minutes,
        Visit.actual_start,
        Visit.actual_end,
        Visit.declined_services,
    )
    .where(Visit.client_id == bindparam("client_id"))
    .where(col(Visit.planned_start) >= bindparam("first"))
    .where(col(Visit.planned_start) < bindparam("last"))
)
# The client's waiting changes, oldest first, and when each of their approved declines since
# ``since`` was asked for (rule 8 counts the days), in one statement: a decline's row has no
# change.
_ASKED = union_all(
    select(  # type: ignore[call-overload]
        col(ChangeRequest.created_at),
        col(ChangeRequest.id),
        type_coerce(null(), ContractJSON(Change)).label("change"),
    )
    .where(ChangeRequest.client_id == bindparam("client_id"))
    .where(col(ChangeRequest.kind).in_(DECLINE_KINDS))
    .where(ChangeRequest.status == RequestStatus.APPROVED)
    .where(col(ChangeRequest.created_at) >= bindparam("since")),
    select(col(ChangeRequest.created_at), col(ChangeRequest.id), col(ChangeRequest.change))
    .where(ChangeRequest.client_id == bindparam("client_id"))
    .where(ChangeRequest.status == RequestStatus.PENDING),
).subquery("asked")
_WAITING_CHANGES_AND_DECLINES = select(_ASKED.c.created_at, _ASKED.c.change).order_by(
    _ASKED.c.created_at, _ASKED.c.id
)
_LAST_GENERATED = select(func.max(Visit.slot_day)).where(Visit.client_id == bindparam("client_id"))
# The signed plans with their slots, one row per slot, each row with the client's last
# generated day (the same on every row): what the projection needs, in one statement.
_SIGNED_PLANS_AND_SLOTS = (
    select(CarePlan, _LAST_GENERATED.scalar_subquery(), PlanSlot)  # type: ignore[call-overload]
    .outerjoin(PlanSlot, col(PlanSlot.care_plan_id) == CarePlan.id)
    .where(CarePlan.client_id == bindparam("client_id"))
    .where(CarePlan.status == PlanStatus.SIGNED)
    .order_by(col(CarePlan.valid_from), col(CarePlan.id), col(PlanSlot.id))
)


async def order_in_force(session: AsyncSession, client_id: int, day: date) -> Order | None:
    rows = await session.exec(_ORDER_IN_FORCE, params={"client_id": client_id, "day": day})
    order: Order | None = rows.first()
    return order


async def frame_state(
    session: AsyncSession, *, client: Client, days: list[date], now: datetime | None = None
) -> FrameState:
    """The order in force and every visit that can matter for a check touching ``days``;
    at ``now``, missed visits are no longer planned time."""
    found = (
        await session.exec(
            _ORDER_UNIT_AND_GRANTED,
            params={"client_id": client.id, "day": days[0], "unit_id": client.unit_id},
        )
    ).all()
    if not found:
        raise NotFound(ErrorCode.NO_ORDER)
    order, unit, _first = found[0]
    granted = [g for _, _, g in found if g is not None]  # an order may grant nothing yet
    frame = fc.Frame(
        period=order.period,
        frame_minutes=order.frame_minutes,
        services=tuple(fc.GrantedService(g.code, g.count, g.per) for g in granted),
        valid_from=order.valid_from,
        valid_to=order.valid_to,
    )
    # Whole periods plus a week either side, so frequency windows at the edges are complete.
    bounds = [fc.period_bounds(order.period, d) for d in days]
    start = min(b[0] for b in bounds) - timedelta(days=7)
    end = max(b[1] for b in bounds) + timedelta(days=7)
    first, last = local_day_bounds(start, end)
    rows = await session.exec(
        _VISITS_IN_RANGE, params={"client_id": client.id, "first": first, "last": last}
    )
    states = [state_of(*row, now=now) for row in rows.all()]
    states += await not_yet_generated(session, client=client, order=order, start=start, end=end)
    at_now = now or datetime.now(UTC)
    since = at_now - timedelta(days=fc.DECLINE_WINDOW_DAYS)
    rows = (
        await session.exec(
            _WAITING_CHANGES_AND_DECLINES, params={"client_id": client.id, "since": since}
        )
    ).all()
    pending: list[Change] = [change for _at, change in rows if change is not None]
    # Help declined on one day (every visit of a day away) is one occasion; today's is the
    # occasion a decline asked for now is.
    declined_on = {as_utc(at).astimezone(TZ).date() for at, change in rows if change is None}
    declines = len(declined_on - {at_now.astimezone(TZ).date()})
    return FrameState(order, frame, unit_rules(unit), states, pending, declines=declines)


def plan_slots(slots: list[PlanSlot]) -> list[fc.PlannedSlot]:
    return [
        fc.PlannedSlot(s.weekday, s.start_local, s.duration_minutes, frozenset(s.services))
        for s in slots
    ]


async def not_yet_generated(
    session: AsyncSession, *, client: Client, order: Order, start: date, end: date
) -> list[fc.VisitState]:
    """Rule 2: the signed plans projected over the days in ``start``..``end`` for which no
    visits have been generated yet (after the last generated day), within the order."""
    rows = (await session.exec(_SIGNED_PLANS_AND_SLOTS, params={"client_id": client.id})).all()
    if not rows:
        return []
    plans = list({plan.id: plan for plan, _last, _slot in rows}.values())
    slots = [slot for _plan, _last, slot in rows if slot is not None]
    last_generated = rows[0][1]
    first = start if last_generated is None else max(start, last_generated + timedelta(days=1))
    first = max(first, order.valid_from, plans[0].valid_from)
    last = end if order.valid_to is None else min(end, order.valid_to)
    if client.care_ended_on is not None:
        last = min(last, client.care_ended_on)
    if first > last:
        return []
    projected: list[fc.VisitState] = []
    for index, plan in enumerate(plans):
        until = plans[index + 1].valid_from - timedelta(days=1) if index + 1 < len(plans) else last
        begin, finish = max(first, plan.valid_from), min(last, until)
        if begin > finish:
            continue
        mine = plan_slots([s for s in slots if s.care_plan_id == plan.id])
        projected += fc.project_plan(mine, begin, finish, ids_after=len(projected))
    return projected


# --- staff actions ------------------------------------------------------------------------


async def visit_in_unit(
    session: AsyncSession, staff: Staff, visit_id: int
) -> tuple[Visit, Client]:
    """A visit of a client in the staff member's own unit (least privilege)."""
    row = (
        await session.exec(
            select(Visit, Client)
            .join(Client, col(Client.id) == Visit.client_id)
            .where(Visit.id == visit_id)
        )
    ).first()
    if row is None:
        raise NotFound(ErrorCode.VISIT_NOT_FOUND)
    visit, client = row
    if client.unit_id != staff.unit_id:
        raise Forbidden(ErrorCode.OTHER_UNIT)
    return visit, client


async def visit_in_care_of(
    session: AsyncSession, staff: Staff, visit_id: int
) -> tuple[Visit, Client]:
    """A visit the staff member may document (a note, a deviation reason): their own, one
    of a client they are contact person or deputy for, or any in the unit for planners and
    managers."""
    visit, client = await visit_in_unit(session, staff, visit_id)
    if (
        staff.id not in (visit.staff_id, client.contact_person_id, client.deputy_id)
        and staff.role is StaffRole.CARER
    ):
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)
    return visit, client


async def _own_visit(session: AsyncSession, staff: Staff, visit_id: int) -> tuple[Visit, Client]:
    """A visit the staff member may work on: their own, or any in the unit for planners."""
    visit, client = await visit_in_unit(session, staff, visit_id)
    if visit.staff_id != staff.id and staff.role is StaffRole.CARER:
        raise Forbidden(ErrorCode.NOT_YOUR_VISIT)
    return visit, client


def _in_the_day(visit: Visit, client: Client, staff: Staff) -> VisitView:
    """A visit as the staff member's day shows it: whose, and where."""
    return VisitView(visit, staff.first_name, False, client.first_name, client.address_area)


async def check_in(
    session: AsyncSession, *, actor: Actor, visit_id: int, now: datetime
) -> VisitView:
    """Check in; returns the visit as the staff member's day shows it, so the bot needs no
    second read of the day to show it."""
    staff = access.require_staff(actor)
    visit, client = await _own_visit(session, staff, visit_id)
    if visit.status is VisitStatus.CANCELLED:
        raise Conflict(ErrorCode.VISIT_CANCELLED)
    if visit.actual_start is not None:
        return _in_the_day(visit, client, staff)  # pressed twice: one effect
    if status_now(visit, now) is VisitStatus.MISSED:
        raise Conflict(ErrorCode.VISIT_MISSED)  # the window passed: a deviation reason instead
    if visit.planned_start - now > timedelta(hours=3):
        raise InvalidInput(ErrorCode.TOO_EARLY_TO_CHECK_IN)
    visit.actual_start = now
    visit.status = VisitStatus.IN_PROGRESS
    visit.staff_id = visit.staff_id or staff.id
    visit.version += 1
    session.add(visit)
    audit.record(
        session,
        actor=actor.label,
        action="visit.check_in",
        entity="visit",
        entity_id=visit.id,
        client_id=client.id,
    )
    return _in_the_day(visit, client, staff)


async def check_out(
    session: AsyncSession, *, actor: Actor, visit_id: int, now: datetime, confirm: bool = False
) -> VisitView:
    """Check out; a check-out under ``PLAUSIBLE_MINUTES`` after the check-in (a double tap on
    the button that turned from "check in" into "check out") is refused unless confirmed.
    Returns the visit as the staff member's day shows it."""
    staff = access.require_staff(actor)
    visit, client = await _own_visit(session, staff, visit_id)
    if visit.actual_start is None:
        raise Conflict(ErrorCode.NOT_CHECKED_IN)
    if visit.actual_end is not None:
        return _in_the_day(visit, client, staff)
    minutes = fc.performed_minutes(visit.actual_start, now) or 0
    if minutes < PLAUSIBLE_MINUTES and not confirm:
        raise Conflict(ErrorCode.CHECK_OUT_TOO_SOON, minutes=minutes)
    visit.actual_end = now
    visit.status = VisitStatus.DONE
    visit.version += 1
    session.add(visit)
    audit.record(
        session,
        actor=actor.label,
        action="visit.check_out",
        entity="visit",
        entity_id=visit.id,
        client_id=client.id,
        performed_minutes=performed_minutes(visit),
    )
    return _in_the_day(visit, client, staff)


async def correct_performed(
    session: AsyncSession,
    *,
    actor: Actor,
    visit_id: int,
    minutes: int,
    reason: PerformedCorrection,
    now: datetime,
) -> Visit:
    """Staff correct a checked-out visit's performed time (the check-in stays, the check-out
    moves); the reason and both figures are kept in the audit. The same figure twice is one
    effect."""
    visit, client = await visit_in_care_of(session, access.require_staff(actor), visit_id)
    if visit.actual_start is None or visit.actual_end is None:
        raise Conflict(ErrorCode.NOT_CHECKED_OUT)
    end = visit.actual_start + timedelta(minutes=minutes)
    if end > now:
        raise InvalidInput(
            ErrorCode.PERFORMED_OUT_OF_BOUNDS, min=0, max=_minutes_since(visit, now)
        )
    previous = performed_minutes(visit)
    if previous == minutes:
        return visit
    visit.actual_end = end
    visit.version += 1
    session.add(visit)
    audit.record(
        session,
        actor=actor.label,
        action="visit.performed_corrected",
        entity="visit",
        entity_id=visit.id,
        client_id=client.id,
        reason=reason.value,
        previous_minutes=previous,
        performed_minutes=minutes,
    )
    return visit


def _minutes_since(visit: Visit, now: datetime) -> int:
    assert visit.actual_start is not None
    return max(0, int((now - visit.actual_start).total_seconds() // 60))


async def _visit_for_late(
    session: AsyncSession, staff: Staff, visit_id: int | None, now: datetime
) -> Visit | None:
    """The visit a lateness is reported for: the one named (the staff member's own, not
    started, not missed), or else their next such visit today."""
    if visit_id is not None:
        visit, _client = await _own_visit(session, staff, visit_id)
        if visit.actual_start is not None or visit.status not in (
            VisitStatus.PLANNED,
            VisitStatus.ON_THE_WAY,
        ):
            raise Conflict(ErrorCode.VISIT_ALREADY_STARTED)
        if status_now(visit, now) is VisitStatus.MISSED:
            raise Conflict(ErrorCode.VISIT_MISSED)
        return visit
    waiting = await _waiting_today(session, staff, now)
    return waiting[0] if waiting else None


async def _waiting_today(session: AsyncSession, staff: Staff, now: datetime) -> list[Visit]:
    """The staff member's visits today not yet started and not missed, in time order."""
    rows = await session.exec(
        select(Visit)
        .where(Visit.staff_id == staff.id)
        .where(Visit.day == now.astimezone(TZ).date())
        .where(col(Visit.status).in_([VisitStatus.PLANNED, VisitStatus.ON_THE_WAY]))
        .where(col(Visit.actual_start).is_(None))
        .order_by(col(Visit.planned_start), col(Visit.id))
    )
    return [v for v in rows.all() if status_now(v, now) is not VisitStatus.MISSED]


def pushed_lateness(visit: Visit, minutes: int, later: list[Visit]) -> list[tuple[Visit, int]]:
    """Rule: lateness belongs to the visit it is reported for, and to the later visits of the
    same staff member that it actually pushes: each starts no earlier than the visit before
    it ends (expected start + length); a visit with enough slack is not late."""
    pushed = [(visit, minutes)]
    free_at = visit.planned_start + timedelta(minutes=minutes + visit.duration_minutes)
    for nxt in later:
        late = int((free_at - nxt.planned_start).total_seconds() // 60)
        if late <= 0:
            break
        pushed.append((nxt, late))
        free_at = nxt.planned_start + timedelta(minutes=late + nxt.duration_minutes)
    return pushed


async def report_late(
    session: AsyncSession,
    *,
    actor: Actor,
    minutes: int,
    now: datetime,
    window_minutes: int,
    visit_id: int | None = None,
) -> list[Visit]:
    """Dignity guarantee: tell the client of the visit the lateness is for, with the expected
    arrival, and the clients of the later visits it pushes. Other visits stay as they are."""
    staff = access.require_staff(actor)
    if not 1 <= minutes <= 240:
        raise InvalidInput(ErrorCode.LATE_MINUTES_OUT_OF_BOUNDS, min=1, max=240)
    visit = await _visit_for_late(session, staff, visit_id, now)
    if visit is None:
        return []
    later = [
        v
        for v in await _waiting_today(session, staff, now)
        if v.planned_start > visit.planned_start
    ]
    pushed = pushed_lateness(visit, minutes, later)
    # Relatives may follow several people: the message must say whose visit it is.
    names = dict(
        (
            await session.exec(
                select(Client.id, Client.first_name).where(
                    col(Client.id).in_({v.client_id for v, _late in pushed})
                )
            )
        ).all()
    )
    told: set[int] = set()
    affected = []
    for late_visit, late in pushed:
        affected.append(late_visit)
        if late_visit.late_minutes == late:
            continue  # the same report twice: one effect
        late_visit.late_minutes = late
        late_visit.version += 1
        session.add(late_visit)
        audit.record(
            session,
            actor=actor.label,
            action="visit.late",
            entity="visit",
            entity_id=late_visit.id,
            client_id=late_visit.client_id,
            late_minutes=late,
        )
        if late_visit.client_id in told:
            continue  # one message per client, about their next visit
        told.add(late_visit.client_id)
        assert late_visit.id is not None
        await outbox.notify_client(
            session,
            client_id=late_visit.client_id,
            message=StaffLate(
                visit_id=late_visit.id,
                visit_start=late_visit.planned_start,
                late_minutes=late,
                staff_first_name=staff.first_name,
                client_first_name=names[late_visit.client_id],
            ),
            urgency=Urgency.URGENT if late > window_minutes else Urgency.INFO,
            now=now,
            relatives=Scope.VISITS,  # visit news: for relatives who may see the visits
        )
    return affected


async def tell_assigned_of_change(
    session: AsyncSession,
    *,
    visit: Visit,
    client: Client,
    change: Change,
    before: VisitBefore | None,
    now: datetime,
) -> None:
    """Whoever is assigned to a visit is told at once when an approved request changes it."""
    if visit.staff_id is None or visit.id is None:
        return
    await outbox.notify_staff(
        session,
        staff_ids=[visit.staff_id],
        message=VisitForStaff(
            kind=NotificationKind.VISIT_CHANGED,
            visit_id=visit.id,
            visit_start=visit.planned_start,
            client_first_name=client.first_name,
            change=change,
            before=before,
        ),
        urgency=Urgency.CHANGE,
        now=now,
        client_id=client.id,
    )


async def assign_visit(
    session: AsyncSession, *, actor: Actor, visit_id: int, staff_id: int, now: datetime
) -> Visit:
    """Give a visit to another staff member: they and the one it was taken from are told,
    and the client when it is someone new."""
    planner = access.require_staff(actor)
    if planner.role not in (StaffRole.PLANNER, StaffRole.MANAGER):
        raise Forbidden(ErrorCode.PLANNER_ONLY)
    visit, client = await _own_visit(session, planner, visit_id)
    new_staff = await session.get(Staff, staff_id)
    if new_staff is None or new_staff.unit_id != planner.unit_id or not new_staff.active:
        raise NotFound(ErrorCode.STAFF_NOT_FOUND)
    if visit.staff_id == staff_id:
        return visit
    if visit.status in (VisitStatus.DONE, VisitStatus.CANCELLED) or visit.actual_start:
        raise Conflict(ErrorCode.VISIT_ALREADY_STARTED)
    previous = visit.staff_id
    visit.staff_id = staff_id
    visit.version += 1
    session.add(visit)
    audit.record(
        session,
        actor=actor.label,
        action="visit.assign",
        entity="visit",
        entity_id=visit.id,
        client_id=client.id,
        staff_id=staff_id,
        previous_staff_id=previous,
    )
    assert visit.id is not None
    await outbox.notify_staff(
        session,
        staff_ids=[staff_id],
        message=VisitForStaff(
            kind=NotificationKind.VISIT_ASSIGNED,
            visit_id=visit.id,
            visit_start=visit.planned_start,
            client_first_name=client.first_name,
        ),
        urgency=Urgency.CHANGE,
        now=now,
        client_id=client.id,
    )
    if previous is not None:
        await outbox.notify_staff(
            session,
            staff_ids=[previous],
            message=VisitForStaff(
                kind=NotificationKind.VISIT_UNASSIGNED,
                visit_id=visit.id,
                visit_start=visit.planned_start,
                client_first_name=client.first_name,
                other_staff_first_name=new_staff.first_name,
            ),
            urgency=Urgency.CHANGE,
            now=now,
            client_id=client.id,
        )
    if not await has_visited(session, client_id=visit.client_id, staff_id=staff_id):
        await outbox.notify_client(
            session,
            client_id=visit.client_id,
            message=SomeoneNew(
                visit_id=visit.id,
                visit_start=visit.planned_start,
                staff_first_name=new_staff.first_name,
                client_first_name=client.first_name,  # relatives need to know whose
            ),
            urgency=Urgency.CHANGE,
            now=now,
            relatives=Scope.VISITS,
        )
    return visit

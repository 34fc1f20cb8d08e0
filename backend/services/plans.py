"""Care plans (genomförandeplaner): the weekly schedule written with the client, its frame
budget (the frame check's own projection), versions, and signing, which makes the visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain import frame_check as fc
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.models import (
    CarePlan,
    Client,
    GrantedService,
    Order,
    PlanSlot,
    PlanStatus,
    Staff,
    Unit,
    Visit,
)
from backend.services import access, audit, visits
from backend.services.access import Actor
from contract import TZ, ErrorCode, Outcome, Period, ServiceCode

SIGN_WITHIN_DAYS = 15  # the plan is signed within 15 days (DESIGN section 3, follow-up)
GENERATE_DAYS = 14  # as housekeeping: two weeks of visits ahead
BUDGET_PERIODS = {Period.MONTH: 6, Period.WEEK: 6}


def require_planner_of(staff: Staff, client: Client) -> None:
    """The plan is the contact person's work with the client (or the deputy's, a planner's,
    a manager's): the same people who decide the client's requests."""
    if not access.may_decide(staff, client):
        raise Forbidden(ErrorCode.NOT_YOUR_CLIENT)


@dataclass(frozen=True)
class PlanContext:
    plan: CarePlan
    client: Client
    order: Order
    granted: list[GrantedService]
    slots: list[PlanSlot]
    unit: Unit


async def plan_context(session: AsyncSession, *, actor: Actor, plan_id: int) -> PlanContext:
    """A plan with all it is judged by, if ``actor`` may see the client."""
    plan = await session.get(CarePlan, plan_id)
    if plan is None:
        raise NotFound(ErrorCode.PLAN_NOT_FOUND)
    client = await access.client_record(session, actor, plan.client_id, read="plan")
    order = await session.get(Order, plan.order_id)
    unit = await session.get(Unit, client.unit_id)
    assert order is not None and unit is not None
    granted = list(
        (
            await session.exec(
                select(GrantedService)
                .where(GrantedService.order_id == order.id)
                .order_by(col(GrantedService.id))
            )
        ).all()
    )
    slots = list(
        (
            await session.exec(
                select(PlanSlot)
                .where(PlanSlot.care_plan_id == plan.id)
                .order_by(col(PlanSlot.weekday), col(PlanSlot.start_local), col(PlanSlot.id))
            )
        ).all()
    )
    return PlanContext(plan, client, order, granted, slots, unit)


def frame_of(order: Order, granted: list[GrantedService]) -> fc.Frame:
    return fc.Frame(
        period=order.period,
        frame_minutes=order.frame_minutes,
        services=tuple(fc.GrantedService(g.code, g.count, g.per) for g in granted),
        valid_from=order.valid_from,
        valid_to=order.valid_to,
    )


async def budget(
    session: AsyncSession, context: PlanContext, *, today: date | None = None
) -> fc.PlanBudget:
    """The plan's frame budget: each coming period of the order counts the visits that stay
    (done or planned before the plan starts, and extra visits) and the plan projected over
    its days; frequencies, overlaps and hours as the frame check sees them."""
    plan, order = context.plan, context.order
    start = plan.valid_from
    from_day = max(start, order.valid_from, today or start)
    first_period = fc.period_bounds(order.period, from_day)[0]
    first, last = visits.local_day_bounds(first_period, first_period + timedelta(days=400))
    rows = (
        await session.exec(
            select(Visit)
            .where(Visit.client_id == context.client.id)
            .where(Visit.planned_start >= first)
            .where(Visit.planned_start < last)
        )
    ).all()
    staying = tuple(visits.visit_state(v) for v in rows if v.day < start or v.plan_slot_id is None)
    return fc.plan_budget(
        frame_of(order, context.granted),
        visits.plan_slots(context.slots),
        start=start,
        periods=BUDGET_PERIODS[order.period],
        rules=visits.unit_rules(context.unit),
        staying=staying,
        from_day=from_day,
    )


def signing_due(plan: CarePlan) -> date:
    return plan.created_on + timedelta(days=SIGN_WITHIN_DAYS)


async def start_plan(
    session: AsyncSession, *, actor: Actor, client_id: int, valid_from: date, today: date
) -> CarePlan:
    """A new draft in force from ``valid_from``: a copy of the latest plan's schedule (the
    next version), or empty for a first plan. It is judged by the order in force then."""
    staff = access.require_staff(actor)
    client = await access.client_record(session, actor, client_id, read="plan")
    require_planner_of(staff, client)
    if client.care_ended_on is not None:
        raise Conflict(ErrorCode.CARE_ENDED)
    order = await visits.order_in_force(session, client_id, valid_from)
    if order is None:
        raise InvalidInput(ErrorCode.NO_ORDER, day=valid_from.isoformat())
    latest = (
        await session.exec(
            select(CarePlan)
            .where(CarePlan.client_id == client_id)
            .order_by(col(CarePlan.version).desc(), col(CarePlan.id).desc())
            .limit(1)
        )
    ).first()
    plan = CarePlan(
        client_id=client_id,
        order_id=order.id or 0,
        created_on=today,
        valid_from=valid_from,
        version=(latest.version + 1) if latest else 1,
        based_on_plan_id=latest.id if latest else None,
    )
    session.add(plan)
    await session.flush()
    if latest is not None:
        for slot in (
            await session.exec(select(PlanSlot).where(PlanSlot.care_plan_id == latest.id))
        ).all():
            session.add(
                PlanSlot(
                    care_plan_id=plan.id or 0,
                    weekday=slot.weekday,
                    start_local=slot.start_local,
                    duration_minutes=slot.duration_minutes,
                    services=list(slot.services),
                    how=slot.how,
                    staff_id=slot.staff_id,
                )
            )
        await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="plan.create",
        entity="care_plan",
        entity_id=plan.id,
        client_id=client_id,
        version=plan.version,
    )
    return plan


async def draft(session: AsyncSession, *, actor: Actor, plan_id: int) -> PlanContext:
    """A plan ``actor`` may edit: theirs to plan (403 otherwise) and still a draft (409)."""
    return await _draft(session, actor, plan_id)


async def _draft(session: AsyncSession, actor: Actor, plan_id: int) -> PlanContext:
    context = await plan_context(session, actor=actor, plan_id=plan_id)
    require_planner_of(access.require_staff(actor), context.client)
    if context.plan.status is not PlanStatus.DRAFT:
        raise Conflict(ErrorCode.PLAN_SIGNED)
    return context


@dataclass(frozen=True)
class SlotFields:
    weekday: int
    start: time
    duration_minutes: int
    services: tuple[ServiceCode, ...]
    how: str
    staff_id: int | None


async def _check_slot(session: AsyncSession, client: Client, fields: SlotFields) -> None:
    if not 0 <= fields.weekday <= 6:
        raise InvalidInput(ErrorCode.INVALID_REQUEST, fields=["weekday"])
    if not fc.Rules().min_duration <= fields.duration_minutes <= fc.Rules().max_duration:
        raise InvalidInput(ErrorCode.INVALID_REQUEST, fields=["duration_minutes"], min=5, max=180)
    if not fields.services:
        raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["services"])
    if fields.staff_id is not None:
        staff = await session.get(Staff, fields.staff_id)
        if staff is None or staff.unit_id != client.unit_id or not staff.active:
            raise InvalidInput(ErrorCode.STAFF_NOT_FOUND, fields=["staff_id"])


async def add_slots(
    session: AsyncSession,
    *,
    actor: Actor,
    plan_id: int,
    weekdays: list[int],
    fields: SlotFields,
) -> list[PlanSlot]:
    """The same visit on each of ``weekdays`` (one slot per day, each edited on its own)."""
    context = await _draft(session, actor, plan_id)
    if not weekdays:
        raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["weekdays"])
    added = []
    for weekday in sorted(set(weekdays)):
        one = SlotFields(
            weekday,
            fields.start,
            fields.duration_minutes,
            fields.services,
            fields.how,
            fields.staff_id,
        )
        await _check_slot(session, context.client, one)
        slot = PlanSlot(
            care_plan_id=plan_id,
            weekday=weekday,
            start_local=fields.start,
            duration_minutes=fields.duration_minutes,
            services=[s.value for s in fields.services],
            how=fields.how,
            staff_id=fields.staff_id,
        )
        session.add(slot)
        added.append(slot)
    await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="plan.slots_add",
        entity="care_plan",
        entity_id=plan_id,
        client_id=context.client.id,
        count=len(added),
    )
    return added


async def update_slot(
    session: AsyncSession, *, actor: Actor, plan_id: int, slot_id: int, fields: SlotFields
) -> PlanSlot:
    context = await _draft(session, actor, plan_id)
    slot = next((s for s in context.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound(ErrorCode.PLAN_NOT_FOUND)
    await _check_slot(session, context.client, fields)
    slot.weekday = fields.weekday
    slot.start_local = fields.start
    slot.duration_minutes = fields.duration_minutes
    slot.services = [s.value for s in fields.services]
    slot.how = fields.how
    slot.staff_id = fields.staff_id
    session.add(slot)
    audit.record(
        session,
        actor=actor.label,
        action="plan.slot_update",
        entity="care_plan",
        entity_id=plan_id,
        client_id=context.client.id,
    )
    return slot


async def delete_slot(session: AsyncSession, *, actor: Actor, plan_id: int, slot_id: int) -> None:
    context = await _draft(session, actor, plan_id)
    slot = next((s for s in context.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound(ErrorCode.PLAN_NOT_FOUND)
    await session.delete(slot)
    audit.record(
        session,
        actor=actor.label,
        action="plan.slot_delete",
        entity="care_plan",
        entity_id=plan_id,
        client_id=context.client.id,
    )


async def set_start(
    session: AsyncSession, *, actor: Actor, plan_id: int, valid_from: date
) -> CarePlan:
    context = await _draft(session, actor, plan_id)
    order = await visits.order_in_force(session, context.client.id or 0, valid_from)
    if order is None:
        raise InvalidInput(ErrorCode.NO_ORDER, day=valid_from.isoformat())
    context.plan.valid_from = valid_from
    context.plan.order_id = order.id or 0
    session.add(context.plan)
    return context.plan


async def sign(
    session: AsyncSession,
    *,
    actor: Actor,
    plan_id: int,
    signed_on: date,
    client_took_part: bool,
    now: datetime,
) -> int:
    """Sign the plan (who, when, whether the client took part) if its budget is not outside
    the frame (over a period's frame, a service not granted, overlaps); from its start the visits
    are made (two weeks ahead, as housekeeping keeps them): planned visits of the plan it
    replaces go, performed history stays. Returns how many visits were made."""
    staff = access.require_staff(actor)
    context = await _draft(session, actor, plan_id)
    if not context.slots:
        raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["slots"])
    today = now.astimezone(TZ).date()
    judged = await budget(session, context, today=today)
    if judged.outcome is Outcome.OUTSIDE:
        # The same rule as for a request: what cannot be done inside the frame is not
        # promised to the client.
        refusals = [r.code.value for r in judged.reasons if r.code in fc.OUTSIDE_CODES]
        raise Conflict(ErrorCode.OUTSIDE_FRAME, reasons=refusals)
    if signed_on > today:
        raise InvalidInput(ErrorCode.BAD_DATE_RANGE, fields=["signed_on"])
    plan = context.plan
    plan.status = PlanStatus.SIGNED
    plan.signed_on = signed_on
    plan.signed_by_staff_id = staff.id
    plan.client_took_part = client_took_part
    session.add(plan)
    await session.flush()
    start = max(plan.valid_from, today)
    made = await visits.generate_visits(
        session, start=start, end=today + timedelta(days=GENERATE_DAYS), client_id=plan.client_id
    )
    audit.record(
        session,
        actor=actor.label,
        action="plan.sign",
        entity="care_plan",
        entity_id=plan.id,
        client_id=plan.client_id,
        client_took_part=client_took_part,
        visits_made=made,
    )
    return made

"""The change-request lifecycle: preview, submit, route, approve/reject/hand over, withdraw,
expire and escalate. Every state change writes an audit event and an outbox notification in
the same transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain import frame_check as fc
from backend.domain.routing import Assignee, escalation_limit_minutes, route_request
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.models import (
    ChangeRequest,
    Client,
    RejectReason,
    RequestStatus,
    Staff,
    StaffRole,
    Unit,
    Urgency,
    Visit,
)
from backend.services import access, audit, outbox
from backend.services.access import Actor
from backend.services.visits import frame_state
from contract import DECLINE_KINDS, TZ


@dataclass(frozen=True)
class RequestView:
    request: ChangeRequest
    client_first_name: str
    visit: Visit | None
    assigned_first_name: str | None
    decided_by_first_name: str | None


def reasons_json(verdict: fc.Verdict) -> list[dict[str, Any]]:
    return [{"code": r.code.value, "numbers": dict(r.numbers)} for r in verdict.reasons]


def change_of(request: ChangeRequest) -> fc.Change:
    return fc.Change.model_validate(
        {
            "kind": request.kind,
            "visit_id": request.visit_id,
            "new_start": request.new_start,
            "new_duration": request.new_duration,
            "service": request.service,
            "new_service": request.new_service,
            "services": request.services,
        }
    )


def _validate(change: fc.Change) -> None:
    """Malformed changes are input errors (4xx), not frame verdicts."""
    needs: dict[fc.ChangeKind, tuple[str, ...]] = {
        fc.ChangeKind.MOVE: ("visit_id", "new_start"),
        fc.ChangeKind.RESIZE: ("visit_id", "new_duration"),
        fc.ChangeKind.SWAP: ("visit_id", "service", "new_service"),
        fc.ChangeKind.SKIP_SERVICE: ("visit_id", "service"),
        fc.ChangeKind.CANCEL: ("visit_id",),
        fc.ChangeKind.EXTRA: ("new_start", "new_duration", "services"),
    }
    # Only absent fields are missing: a duration of 0 is present, and out of bounds.
    missing = [name for name in needs[change.kind] if getattr(change, name) in (None, frozenset())]
    if missing:
        raise InvalidInput("missing_fields", fields=missing)
    if change.new_start is not None and change.new_start.tzinfo is None:
        raise InvalidInput("naive_datetime")


async def _target_visit(session: AsyncSession, client: Client, change: fc.Change) -> Visit | None:
    if change.visit_id is None:
        return None
    visit = await session.get(Visit, change.visit_id)
    if visit is None or visit.client_id != client.id:
        raise NotFound("visit_not_found")
    return visit


async def _declines_last_3_months(session: AsyncSession, client_id: int, now: datetime) -> int:
    rows = await session.exec(
        select(ChangeRequest.id)
        .where(ChangeRequest.client_id == client_id)
        .where(col(ChangeRequest.kind).in_(DECLINE_KINDS))
        .where(ChangeRequest.status == RequestStatus.APPROVED)
        .where(ChangeRequest.created_at >= now - timedelta(days=fc.DECLINE_WINDOW_DAYS))
    )
    return len(rows.all())


async def judge(
    session: AsyncSession, *, client: Client, change: fc.Change, now: datetime
) -> fc.Verdict:
    """Run the frame check against the current state of the client's visits."""
    _validate(change)
    visit = await _target_visit(session, client, change)
    days = [now.astimezone(TZ).date()]
    if visit is not None:
        days.insert(0, visit.day)
    if change.new_start is not None:
        days.insert(0, change.new_start.astimezone(TZ).date())
    state = await frame_state(session, client=client, days=days)
    return fc.check_change(
        state.frame,
        state.visits,
        change,
        now=now,
        rules=state.rules,
        declines_last_3_months=await _declines_last_3_months(session, client.id or 0, now),
    )


async def preview(
    session: AsyncSession, *, actor: Actor, client_id: int, change: fc.Change, now: datetime
) -> fc.Verdict:
    client = await access.client_for(session, actor, client_id, to_request=True)
    return await judge(session, client=client, change=change, now=now)


async def _route(
    session: AsyncSession, client: Client, now: datetime
) -> tuple[Assignee, int | None]:
    ids = [i for i in (client.contact_person_id, client.deputy_id) if i is not None]
    absent = await access.absent_staff_ids(session, ids, now.astimezone(TZ).date())
    route = route_request(
        contact_person_id=client.contact_person_id,
        deputy_id=client.deputy_id,
        absent_staff_ids=absent,
    )
    return route.assignee, route.staff_id


async def _planner_ids(session: AsyncSession, unit_id: int) -> list[int]:
    rows = await session.exec(
        select(Staff.id).where(Staff.unit_id == unit_id).where(Staff.role == StaffRole.PLANNER)
    )
    return [i for i in rows.all() if i is not None]


async def _notify_deciders(
    session: AsyncSession, request: ChangeRequest, client: Client, kind: str, now: datetime
) -> None:
    staff_ids = (
        [request.assigned_staff_id]
        if request.assigned_staff_id is not None
        else await _planner_ids(session, client.unit_id)
    )
    await outbox.notify_staff(
        session,
        staff_ids=staff_ids,
        kind=kind,
        urgency=Urgency.CHANGE,
        payload={"request_id": request.id, "client_first_name": client.first_name},
        now=now,
    )


async def find_by_key(session: AsyncSession, key: str) -> ChangeRequest | None:
    return (
        await session.exec(select(ChangeRequest).where(ChangeRequest.idempotency_key == key))
    ).first()


async def submit(
    session: AsyncSession,
    *,
    actor: Actor,
    client_id: int,
    change: fc.Change,
    idempotency_key: str,
    now: datetime,
    note: str = "",
    to_assessor: bool = False,
) -> ChangeRequest:
    """Store a request with its frame check and route it; the same key yields the same row."""
    existing = await find_by_key(session, idempotency_key)
    if existing is not None:
        if existing.client_id != client_id:
            raise Conflict("idempotency_key_reused")
        return existing
    client = await access.client_for(session, actor, client_id, to_request=True)
    verdict = await judge(session, client=client, change=change, now=now)
    request = ChangeRequest(
        idempotency_key=idempotency_key,
        client_id=client_id,
        visit_id=change.visit_id,
        kind=change.kind,
        new_start=change.new_start,
        new_duration=change.new_duration,
        service=change.service,
        new_service=change.new_service,
        services=sorted(change.services),
        note=note[:1000],
        requested_by_chat_account_id=actor.chat_account.id if actor.chat_account else None,
        created_at=now,
        outcome=verdict.outcome,
        reasons=reasons_json(verdict),
    )
    if verdict.outcome is fc.Outcome.OUTSIDE:
        if not to_assessor:
            raise InvalidInput("outside_frame", reasons=reasons_json(verdict))
        # A changed need goes to the assessor (providers must report it); not to the queue.
        request.status = RequestStatus.TO_ASSESSOR
        request.assignee = Assignee.PLANNERS
    else:
        request.assignee, request.assigned_staff_id = await _route(session, client, now)
    session.add(request)
    await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="request.submit",
        entity="change_request",
        entity_id=request.id,
        client_id=client_id,
        outcome=verdict.outcome.value,
        status=request.status.value,
    )
    if request.status is RequestStatus.PENDING:
        await _notify_deciders(session, request, client, "request_to_decide", now)
    return request


async def _load(session: AsyncSession, request_id: int) -> tuple[ChangeRequest, Client]:
    row = (
        await session.exec(
            select(ChangeRequest, Client)
            .join(Client, col(Client.id) == ChangeRequest.client_id)
            .where(ChangeRequest.id == request_id)
        )
    ).first()
    if row is None:
        raise NotFound("request_not_found")
    return row


async def _already_decided(session: AsyncSession, request: ChangeRequest) -> Conflict:
    await session.refresh(request)
    if request.status is RequestStatus.PENDING:
        return Conflict("request_changed", version=request.version)
    decider = (
        await session.get(Staff, request.decided_by_staff_id)
        if request.decided_by_staff_id
        else None
    )
    return Conflict(
        "already_decided",
        status=request.status.value,
        decided_by_first_name=decider.first_name if decider else None,
        decided_at=request.decided_at.isoformat() if request.decided_at else None,
    )


async def _claim_decision(
    session: AsyncSession,
    request: ChangeRequest,
    *,
    version: int | None,
    values: dict[str, Any],
) -> None:
    """The version check: exactly one of two concurrent decisions wins; the other conflicts."""
    conditions = [
        col(ChangeRequest.id) == request.id,
        col(ChangeRequest.status) == RequestStatus.PENDING,
    ]
    if version is not None:
        conditions.append(col(ChangeRequest.version) == version)
    result = await session.exec(
        update(ChangeRequest)
        .where(and_(*conditions))
        .values(version=ChangeRequest.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise await _already_decided(session, request)
    await session.refresh(request)


def _authorize_decision(staff: Staff, client: Client) -> None:
    if not access.may_decide(staff, client):
        raise Forbidden("not_your_client" if staff.unit_id == client.unit_id else "other_unit")


def _decision_payload(
    request: ChangeRequest, client: Client, visit: Visit | None, staff: Staff
) -> dict[str, Any]:
    return {
        "request_id": request.id,
        "client_id": client.id,
        "client_first_name": client.first_name,
        "kind": request.kind.value,
        "status": request.status.value,
        "visit_start": visit.planned_start.isoformat() if visit else None,
        "new_start": request.new_start.isoformat() if request.new_start else None,
        "new_duration": request.new_duration,
        "service": request.service,
        "new_service": request.new_service,
        "reject_reason": request.reject_reason.value if request.reject_reason else None,
        "reject_text": request.reject_text,
        "decided_by_first_name": staff.first_name,
    }


def _apply(
    session: AsyncSession, request: ChangeRequest, visit: Visit | None, client: Client
) -> Visit | None:
    """Make the approved change real on the visits (same transaction as the decision)."""
    kind = request.kind
    if kind is fc.ChangeKind.EXTRA:
        assert request.new_start is not None and request.new_duration is not None
        extra = Visit(
            client_id=client.id or 0,
            day=request.new_start.astimezone(TZ).date(),
            planned_start=request.new_start,
            duration_minutes=request.new_duration,
            services=list(request.services),
            staff_id=client.contact_person_id,
        )
        session.add(extra)
        return extra
    assert visit is not None
    if kind is fc.ChangeKind.MOVE:
        assert request.new_start is not None
        visit.planned_start = request.new_start
        visit.day = request.new_start.astimezone(TZ).date()
    elif kind is fc.ChangeKind.RESIZE:
        assert request.new_duration is not None
        visit.duration_minutes = request.new_duration
    elif kind is fc.ChangeKind.SWAP:
        assert request.new_service is not None
        new_service = request.new_service
        visit.services = [new_service if s == request.service else s for s in visit.services]
    elif kind is fc.ChangeKind.SKIP_SERVICE:
        visit.declined_services = sorted({*visit.declined_services, request.service or ""})
    elif kind is fc.ChangeKind.CANCEL:
        visit.status = fc.VisitStatus.CANCELLED
        visit.deviation_reason = "client_declined"  # type: ignore[assignment]
    visit.version += 1
    session.add(visit)
    return visit


async def approve(
    session: AsyncSession, *, staff: Staff, request_id: int, version: int | None, now: datetime
) -> ChangeRequest:
    """Re-check against the current state, then apply; a stale or second approval conflicts."""
    request, client = await _load(session, request_id)
    _authorize_decision(staff, client)
    await _claim_decision(
        session,
        request,
        version=version,
        values={
            "status": RequestStatus.APPROVED,
            "decided_by_staff_id": staff.id,
            "decided_at": now,
        },
    )
    verdict = await judge(session, client=client, change=change_of(request), now=now)
    if verdict.outcome is fc.Outcome.OUTSIDE:
        raise Conflict("no_longer_fits", reasons=reasons_json(verdict))
    visit = await session.get(Visit, request.visit_id) if request.visit_id else None
    payload = _decision_payload(request, client, visit, staff)  # the visit as it was
    changed = _apply(session, request, visit, client)
    await session.flush()
    audit.record(
        session,
        actor=f"staff:{staff.id}",
        action="request.approve",
        entity="change_request",
        entity_id=request.id,
        client_id=client.id,
        visit_id=changed.id if changed else None,
    )
    await outbox.notify_client(
        session,
        client_id=client.id or 0,
        kind="request_decided",
        urgency=Urgency.CHANGE,
        payload=payload,
        now=now,
    )
    return request


async def reject(
    session: AsyncSession,
    *,
    staff: Staff,
    request_id: int,
    version: int | None,
    reason: RejectReason,
    text: str | None,
    now: datetime,
) -> ChangeRequest:
    request, client = await _load(session, request_id)
    _authorize_decision(staff, client)
    if reason is RejectReason.OTHER and not (text and text.strip()):
        raise InvalidInput("reason_text_required")
    await _claim_decision(
        session,
        request,
        version=version,
        values={
            "status": RequestStatus.REJECTED,
            "decided_by_staff_id": staff.id,
            "decided_at": now,
            "reject_reason": reason,
            "reject_text": (text or "").strip()[:500] or None,
        },
    )
    visit = await session.get(Visit, request.visit_id) if request.visit_id else None
    audit.record(
        session,
        actor=f"staff:{staff.id}",
        action="request.reject",
        entity="change_request",
        entity_id=request.id,
        client_id=client.id,
        reason=reason.value,
    )
    await outbox.notify_client(
        session,
        client_id=client.id or 0,
        kind="request_decided",
        urgency=Urgency.CHANGE,
        payload=_decision_payload(request, client, visit, staff),
        now=now,
    )
    return request


async def hand_over(
    session: AsyncSession, *, staff: Staff, request_id: int, version: int | None, now: datetime
) -> ChangeRequest:
    """The contact person hands a request to the unit's planners."""
    request, client = await _load(session, request_id)
    _authorize_decision(staff, client)
    await _claim_decision(
        session,
        request,
        version=version,
        # Not ``escalated_at``: that means "waited too long", which the planners are told.
        values={"assignee": Assignee.PLANNERS, "assigned_staff_id": None},
    )
    audit.record(
        session,
        actor=f"staff:{staff.id}",
        action="request.hand_over",
        entity="change_request",
        entity_id=request.id,
        client_id=client.id,
    )
    await _notify_deciders(session, request, client, "request_handed_over", now)
    return request


async def withdraw(
    session: AsyncSession, *, actor: Actor, request_id: int, now: datetime
) -> ChangeRequest:
    request, client = await _load(session, request_id)
    await access.client_for(session, actor, client.id or 0, to_request=True)
    await _claim_decision(
        session,
        request,
        version=None,
        values={"status": RequestStatus.WITHDRAWN, "decided_at": now},
    )
    audit.record(
        session,
        actor=actor.label,
        action="request.withdraw",
        entity="change_request",
        entity_id=request.id,
        client_id=client.id,
    )
    await _notify_deciders(session, request, client, "request_withdrawn", now)
    return request


async def expire_passed(session: AsyncSession, *, now: datetime) -> int:
    """Pending requests whose visit has started can no longer be done: expire them."""
    rows = (
        await session.exec(
            select(ChangeRequest, Client, Visit)
            .join(Client, col(Client.id) == ChangeRequest.client_id)
            .join(Visit, col(Visit.id) == ChangeRequest.visit_id, isouter=True)
            .where(ChangeRequest.status == RequestStatus.PENDING)
            .where(
                or_(
                    and_(
                        col(ChangeRequest.visit_id).is_not(None), col(Visit.planned_start) <= now
                    ),
                    and_(
                        col(ChangeRequest.kind) == fc.ChangeKind.EXTRA,
                        col(ChangeRequest.new_start) <= now,
                    ),
                )
            )
        )
    ).all()
    expired = 0
    for request, client, visit in rows:
        result = await session.exec(
            update(ChangeRequest)
            .where(col(ChangeRequest.id) == request.id)
            .where(col(ChangeRequest.status) == RequestStatus.PENDING)
            .values(
                status=RequestStatus.EXPIRED, decided_at=now, version=ChangeRequest.version + 1
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        expired += 1
        audit.record(
            session,
            actor="system",
            action="request.expire",
            entity="change_request",
            entity_id=request.id,
            client_id=client.id,
        )
        await outbox.notify_client(
            session,
            client_id=client.id or 0,
            kind="request_expired",
            urgency=Urgency.CHANGE,
            payload={
                "request_id": request.id,
                "client_first_name": client.first_name,
                "kind": request.kind.value,
                "visit_start": visit.planned_start.isoformat() if visit else None,
            },
            now=now,
        )
    return expired


async def escalate_waiting(session: AsyncSession, *, now: datetime) -> int:
    """Requests waiting past the unit's limit go to the planners, who are told."""
    rows = (
        await session.exec(
            select(ChangeRequest, Client, Unit, Visit)
            .join(Client, col(Client.id) == ChangeRequest.client_id)
            .join(Unit, col(Unit.id) == Client.unit_id)
            .join(Visit, col(Visit.id) == ChangeRequest.visit_id, isouter=True)
            .where(ChangeRequest.status == RequestStatus.PENDING)
            .where(col(ChangeRequest.escalated_at).is_(None))
        )
    ).all()
    today = now.astimezone(TZ).date()
    escalated = 0
    for request, client, unit, visit in rows:
        start = visit.planned_start if visit else request.new_start
        offset = (start.astimezone(TZ).date() - today).days if start else None
        limit = escalation_limit_minutes(
            visit_day_offset=offset,
            near_minutes=unit.escalate_near_minutes,
            far_minutes=unit.escalate_far_minutes,
        )
        if now - request.created_at < timedelta(minutes=limit):
            continue
        result = await session.exec(
            update(ChangeRequest)
            .where(col(ChangeRequest.id) == request.id)
            .where(col(ChangeRequest.status) == RequestStatus.PENDING)
            .where(col(ChangeRequest.escalated_at).is_(None))
            .values(
                escalated_at=now, assignee=Assignee.PLANNERS, version=ChangeRequest.version + 1
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        escalated += 1
        audit.record(
            session,
            actor="system",
            action="request.escalate",
            entity="change_request",
            entity_id=request.id,
            client_id=client.id,
            waited_minutes=int((now - request.created_at).total_seconds() // 60),
        )
        await outbox.notify_staff(
            session,
            staff_ids=await _planner_ids(session, client.unit_id),
            kind="request_escalated",
            urgency=Urgency.URGENT,
            payload={"request_id": request.id, "client_first_name": client.first_name},
            now=now,
        )
    return escalated


def _views_query() -> Any:
    decider = Staff.__table__.alias("decider")  # type: ignore[attr-defined]
    assigned = Staff.__table__.alias("assigned")  # type: ignore[attr-defined]
    return (
        select(  # type: ignore[call-overload]
            ChangeRequest, Client.first_name, Visit, assigned.c.first_name, decider.c.first_name
        )
        .join(Client, col(Client.id) == ChangeRequest.client_id)
        .join(Visit, col(Visit.id) == ChangeRequest.visit_id, isouter=True)
        .join(assigned, assigned.c.id == ChangeRequest.assigned_staff_id, isouter=True)
        .join(decider, decider.c.id == ChangeRequest.decided_by_staff_id, isouter=True)
    )


def _views(rows: Any) -> list[RequestView]:
    return [RequestView(r, name, v, a, d) for r, name, v, a, d in rows]


async def client_requests(
    session: AsyncSession, *, actor: Actor, client_id: int, limit: int = 20
) -> list[RequestView]:
    """Pending first, then the latest decided (1 query after the access check)."""
    await access.client_for(session, actor, client_id)
    rows = await session.exec(
        _views_query()
        .where(ChangeRequest.client_id == client_id)
        .order_by(
            (col(ChangeRequest.status) == RequestStatus.PENDING).desc(),
            col(ChangeRequest.created_at).desc(),
        )
        .limit(limit)
    )
    return _views(rows.all())


async def queue(session: AsyncSession, *, staff: Staff, today: date) -> list[RequestView]:
    """A staff member's pending requests, oldest first (2 queries regardless of size).

    Their own (as contact person or deputy), those of clients whose contact person is away
    when they are the deputy, and for planners the unit's unassigned and escalated ones.
    """
    absent_contacts = select(Client.id).where(
        col(Client.deputy_id) == staff.id,
        col(Client.contact_person_id).in_(
            select(access.StaffAbsence.staff_id)
            .where(access.StaffAbsence.starts_on <= today)
            .where(access.StaffAbsence.ends_on >= today)
        ),
    )
    mine = or_(
        col(ChangeRequest.assigned_staff_id) == staff.id,
        col(ChangeRequest.client_id).in_(absent_contacts),
    )
    if staff.role in (StaffRole.PLANNER, StaffRole.MANAGER):
        mine = or_(
            mine,
            and_(
                col(Client.unit_id) == staff.unit_id,
                or_(
                    col(ChangeRequest.assignee) == Assignee.PLANNERS,
                    col(ChangeRequest.escalated_at).is_not(None),
                ),
            ),
        )
    rows = await session.exec(
        _views_query()
        .where(ChangeRequest.status == RequestStatus.PENDING)
        .where(Client.unit_id == staff.unit_id)
        .where(mine)
        .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id))
    )
    return _views(rows.all())


async def request_view(session: AsyncSession, *, request_id: int) -> RequestView:
    rows = _views((await session.exec(_views_query().where(ChangeRequest.id == request_id))).all())
    if not rows:
        raise NotFound("request_not_found")
    return rows[0]

"""What people do with a change request: preview it, submit it, decide on it (approve,
reject or hand it over) and withdraw it. Every state change writes an audit event and an
outbox notification in the same transaction; the caller commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain import frame_check as fc
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.models import ChangeRequest, Client, Staff, Visit
from backend.services import access, audit, outbox, visits
from backend.services.access import Actor
from backend.services.requests import deciders, queries
from contract import (
    TZ,
    ActedForClient,
    Assignee,
    Change,
    ChangesTogether,
    Decision,
    DecisionIn,
    ErrorCode,
    NotificationKind,
    OnBehalf,
    Outcome,
    PersonKind,
    RejectIn,
    RejectReason,
    RequestDecided,
    RequestStatus,
    Scope,
    Urgency,
    Verdict,
    a_changed_need,
)


async def _target_visit(session: AsyncSession, client: Client, change: Change) -> Visit | None:
    if change.visit_id is None:
        return None
    visit = await session.get(Visit, change.visit_id)
    if visit is None or visit.client_id != client.id:
        raise NotFound(ErrorCode.VISIT_NOT_FOUND)
    return visit


# Statements a wish and a decision run every time, built once with bound parameters.
_BY_KEY = select(ChangeRequest).where(ChangeRequest.idempotency_key == bindparam("key"))


async def _judge(
    session: AsyncSession, *, client: Client, change: Change, now: datetime, asking: bool
) -> tuple[Verdict, Visit | None]:
    """The frame check against the current state of the client's visits, and the visit the
    change is about (None for an extra visit); ``asking``: a new wish, not one waiting."""
    verdict, targets = await _judge_together(
        session, client=client, changes=[change], now=now, asking=asking
    )
    return verdict, targets[0]


async def _judge_together(
    session: AsyncSession,
    *,
    client: Client,
    changes: Sequence[Change],
    now: datetime,
    asking: bool = True,
) -> tuple[Verdict, list[Visit | None]]:
    """One frame check of changes asked for together, and the visit each is about. Asking
    anew about a visit a wish already waits for is refused (the waiting one is decided)."""
    targets = [await _target_visit(session, client, change) for change in changes]
    days = []
    for change, visit in zip(changes, targets, strict=True):
        if change.new_start is not None:
            days.append(change.new_start.astimezone(TZ).date())
        if visit is not None:
            days.append(visit.day)
    days.append(now.astimezone(TZ).date())
    state = await visits.frame_state(session, client=client, days=days, now=now)
    verdict = fc.check_changes(
        state.frame,
        state.visits,
        changes,
        now=now,
        rules=state.rules,
        declines_last_3_months=state.declines,
        pending=state.pending,
        waiting_visits=frozenset(c.visit_id for c in state.pending if c.visit_id and asking),
    )
    return verdict, targets


async def current_verdict(
    session: AsyncSession, *, client: Client, change: Change, now: datetime
) -> Verdict:
    """The frame check of a waiting request on the client's visits as they are now: what the
    decider sees before approving (the approval itself checks again)."""
    return (await _judge(session, client=client, change=change, now=now, asking=False))[0]


def _reasons(verdict: Verdict) -> list[dict[str, Any]]:
    return [reason.model_dump(mode="json") for reason in verdict.reasons]


async def preview(
    session: AsyncSession, *, actor: Actor, client_id: int, change: Change, now: datetime
) -> Verdict:
    client = await access.client_for(
        session, actor, client_id, scope=Scope.REQUESTS, read="preview"
    )
    return (await _judge(session, client=client, change=change, now=now, asking=True))[0]


async def preview_together(
    session: AsyncSession,
    *,
    actor: Actor,
    client_id: int,
    changes: ChangesTogether,
    now: datetime,
) -> Verdict:
    """One frame check of changes the client asks for together, each then sent on its own."""
    client = await access.client_for(
        session, actor, client_id, scope=Scope.REQUESTS, read="preview"
    )
    return (await _judge_together(session, client=client, changes=changes.changes, now=now))[0]


async def find_by_key(session: AsyncSession, key: str) -> ChangeRequest | None:
    return (await session.exec(_BY_KEY, params={"key": key})).first()


async def submit(
    session: AsyncSession,
    *,
    actor: Actor,
    client_id: int,
    change: Change,
    idempotency_key: str,
    now: datetime,
    note: str = "",
    to_assessor: bool = False,
) -> ChangeRequest:
    """Store a request with its frame check and route it; the same key yields the same row.

    The request keeps the visit as it is now (``before``): what it changes *from*. Asked by
    someone else (a relative, or staff responsible for the client), the client is told.
    """
    client = await access.acting_for(session, actor, client_id, scope=Scope.REQUESTS)
    existing = await find_by_key(session, idempotency_key)
    if existing is not None:
        if existing.client_id != client_id:
            raise Conflict(ErrorCode.IDEMPOTENCY_KEY_REUSED)
        return existing
    verdict, visit = await _judge(session, client=client, change=change, now=now, asking=True)
    request = ChangeRequest.asking(
        change,
        None if visit is None else visits.visit_before(visit),
        idempotency_key=idempotency_key,
        client_id=client_id,
        note=note[:1000],
        requested_by_chat_account_id=actor.chat_account.id if actor.chat_account else None,
        created_at=now,
        outcome=verdict.outcome,
        reasons=verdict.reasons,
    )
    if verdict.outcome is Outcome.OUTSIDE:
        if not to_assessor or not a_changed_need(verdict.reasons):
            # A time already past or an overlap is not a changed need: it is not sent at all.
            raise InvalidInput(ErrorCode.OUTSIDE_FRAME, reasons=_reasons(verdict))
        # A changed need goes to the assessor (providers must report it); not to the queue.
        request.status = RequestStatus.TO_ASSESSOR
        request.assignee = Assignee.PLANNERS
    else:
        request.assignee, request.assigned_staff_id = await deciders.route(session, client, now)
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
        await deciders.tell(session, request, client, NotificationKind.REQUEST_TO_DECIDE, now)
    await _tell_client_if_not_theirs(session, actor, request, OnBehalf.REQUEST_SUBMITTED, now)
    return request


async def _tell_client_if_not_theirs(
    session: AsyncSession,
    actor: Actor,
    request: ChangeRequest,
    action: OnBehalf,
    now: datetime,
) -> None:
    """The client is told when someone else acted on their request (DESIGN section 4)."""
    if actor.own_client_id == request.client_id:
        return
    assert request.id is not None
    await outbox.notify_client(
        session,
        client_id=request.client_id,
        message=ActedForClient(
            action=action,
            by=actor.kind,
            by_first_name=await access.first_name_of(session, actor),
            request_id=request.id,
            change=request.change,
            before=request.before,
        ),
        urgency=Urgency.CHANGE,
        now=now,
        relatives=None,
    )


async def _already_decided(session: AsyncSession, request: ChangeRequest) -> Conflict:
    await session.refresh(request)
    if request.status is RequestStatus.PENDING:
        return Conflict(ErrorCode.REQUEST_CHANGED, version=request.version)
    decider = (
        await session.get(Staff, request.decided_by_staff_id)
        if request.decided_by_staff_id
        else None
    )
    withdrawer = None  # who took it back, when it was not the client
    if request.status is RequestStatus.WITHDRAWN and request.id is not None:
        view, _client = await queries.view_and_client(session, request.id)
        if view.withdrawn_by is not PersonKind.CLIENT:
            withdrawer = view.withdrawn_by_first_name
    return Conflict(
        ErrorCode.ALREADY_DECIDED,
        status=request.status.value,
        decided_by_first_name=decider.first_name if decider else None,
        decided_at=request.decided_at.isoformat() if request.decided_at else None,
        withdrawn_by_first_name=withdrawer,
    )


async def _claim(
    session: AsyncSession, request: ChangeRequest, *, version: int | None, values: dict[str, Any]
) -> None:
    """The version check: exactly one of two concurrent decisions wins; the other conflicts."""
    conditions = [
        col(ChangeRequest.id) == request.id,
        col(ChangeRequest.status) == RequestStatus.PENDING,
    ]
    if version is not None:
        conditions.append(col(ChangeRequest.version) == version)
    # RETURNING brings the row as it now is into ``request`` (populate_existing): one
    # statement, where a refresh after the UPDATE was a second.
    claimed = (
        await session.exec(
            update(ChangeRequest)
            .where(and_(*conditions))
            .values(version=ChangeRequest.version + 1, **values)
            .returning(ChangeRequest)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
    ).scalar_one_or_none()
    if claimed is None:
        raise await _already_decided(session, request)
    assert claimed is request


# What a decision does once it has won, before it is recorded: the audit event's details.
Effect = Callable[[ChangeRequest, Client], Awaitable[dict[str, Any]]]


async def _decide(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    version: int | None,
    action: str,
    values: dict[str, Any],
    now: datetime,
    effect: Effect | None = None,
) -> queries.RequestView:
    """The one ending of approve, reject and hand over: authorise, win the version check,
    do the decision's effect, audit it, and tell whoever must know. Returns the request as
    it is shown after the decision."""
    staff = access.require_staff(actor)
    loaded, client = await queries.view_and_client(session, request_id)
    request = loaded.request
    if not access.may_decide(staff, client):
        same_unit = staff.unit_id == client.unit_id
        raise Forbidden(ErrorCode.NOT_YOUR_CLIENT if same_unit else ErrorCode.OTHER_UNIT)
    if action == "request.hand_over" and request.assignee is Assignee.PLANNERS:
        # Already the planners' to decide: a planner cannot pass it "to the planner" again.
        raise Conflict(ErrorCode.ALREADY_WITH_PLANNERS)
    await _claim(session, request, version=version, values=values)
    details = await effect(request, client) if effect is not None else {}
    audit.record(
        session,
        actor=actor.label,
        action=action,
        entity="change_request",
        entity_id=request.id,
        client_id=client.id,
        **details,
    )
    assert request.id is not None and client.id is not None
    view = queries.as_decided(loaded, staff)
    if request.status is RequestStatus.PENDING:  # handed over: the planners decide now
        await deciders.tell(session, request, client, NotificationKind.REQUEST_HANDED_OVER, now)
        await deciders.tell_client_passed_on(
            session, request, client, now, by_first_name=staff.first_name
        )
        return view
    assert request.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    await outbox.notify_client(
        session,
        client_id=client.id,
        message=RequestDecided(
            request_id=request.id,
            client_id=client.id,
            client_first_name=client.first_name,
            status=request.status,
            change=request.change,
            before=request.before,
            decided_by_first_name=staff.first_name,
            reject_reason=request.reject_reason,
            reject_text=request.reject_text,
            asked_by=view.asked_by,
            asked_by_first_name=view.asked_by_first_name,
            asked_by_chat_id=view.asked_by_chat_id,
        ),
        urgency=Urgency.CHANGE,
        now=now,
        relatives=Scope.REQUESTS,
    )
    return view


async def approve(
    session: AsyncSession, *, actor: Actor, request_id: int, version: int | None, now: datetime
) -> queries.RequestView:
    """Re-check against the current state, then apply; a stale or second approval conflicts."""

    async def apply(request: ChangeRequest, client: Client) -> dict[str, Any]:
        verdict, visit = await _judge(
            session, client=client, change=request.change, now=now, asking=False
        )
        if verdict.outcome is Outcome.OUTSIDE:
            raise Conflict(ErrorCode.NO_LONGER_FITS, reasons=_reasons(verdict))
        changed = visits.apply_change(session, request.change, visit, client)
        await session.flush()
        await visits.tell_assigned_of_change(
            session,
            visit=changed,
            client=client,
            change=request.change,
            before=request.before,
            now=now,
        )
        return {"visit_id": changed.id}

    return await _decide(
        session,
        actor=actor,
        request_id=request_id,
        version=version,
        action="request.approve",
        values={
            "status": RequestStatus.APPROVED,
            "decided_by_staff_id": access.require_staff(actor).id,
            "decided_at": now,
        },
        now=now,
        effect=apply,
    )


async def reject(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    version: int | None,
    reason: RejectReason,
    text: str | None,
    now: datetime,
) -> queries.RequestView:
    if reason is RejectReason.OTHER and not (text and text.strip()):
        raise InvalidInput(ErrorCode.REASON_TEXT_REQUIRED)

    async def record_reason(_request: ChangeRequest, _client: Client) -> dict[str, Any]:
        return {"reason": reason.value}

    return await _decide(
        session,
        actor=actor,
        request_id=request_id,
        version=version,
        action="request.reject",
        values={
            "status": RequestStatus.REJECTED,
            "decided_by_staff_id": access.require_staff(actor).id,
            "decided_at": now,
            "reject_reason": reason,
            "reject_text": (text or "").strip()[:500] or None,
        },
        now=now,
        effect=record_reason,
    )


async def hand_over(
    session: AsyncSession, *, actor: Actor, request_id: int, version: int | None, now: datetime
) -> queries.RequestView:
    """The contact person hands a request to the unit's planners."""
    return await _decide(
        session,
        actor=actor,
        request_id=request_id,
        version=version,
        action="request.hand_over",
        # Not ``escalated_at``: that means "waited too long", which the planners are told.
        values={"assignee": Assignee.PLANNERS, "assigned_staff_id": None},
        now=now,
    )


async def decide(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    decision: Decision,
    body: DecisionIn,
    now: datetime,
) -> queries.RequestView:
    """A decision as the API receives it: which one, and the version the decider saw."""
    version = body.version
    if decision is Decision.APPROVE:
        return await approve(session, actor=actor, request_id=request_id, version=version, now=now)
    if decision is Decision.HAND_OVER:
        return await hand_over(
            session, actor=actor, request_id=request_id, version=version, now=now
        )
    if not isinstance(body, RejectIn):
        raise InvalidInput(ErrorCode.INVALID_REQUEST, fields=["reason"])
    return await reject(
        session,
        actor=actor,
        request_id=request_id,
        version=version,
        reason=body.reason,
        text=body.text,
        now=now,
    )


async def withdraw(
    session: AsyncSession, *, actor: Actor, request_id: int, now: datetime
) -> queries.RequestView:
    """The client (or a relative with the requests scope, or staff responsible for the
    client) takes a pending request back; the decider is told, and the client too when it
    was not theirs. Returns the request as it is shown after."""
    view, client = await queries.view_and_client(session, request_id)
    request = view.request
    await access.acting_for(session, actor, client.id or 0, scope=Scope.REQUESTS)
    await _claim(
        session,
        request,
        version=None,
        values={
            "status": RequestStatus.WITHDRAWN,
            "decided_at": now,
            "withdrawn_by_chat_account_id": actor.chat_account.id if actor.chat_account else None,
        },
    )
    audit.record(
        session,
        actor=actor.label,
        action="request.withdraw",
        entity="change_request",
        entity_id=request.id,
        client_id=client.id,
    )
    name = await access.first_name_of(session, actor) or None
    theirs = actor.own_client_id == request.client_id
    await deciders.tell(
        session,
        request,
        client,
        NotificationKind.REQUEST_WITHDRAWN,
        now,
        by_first_name=None if theirs else name,
    )
    await _tell_client_if_not_theirs(session, actor, request, OnBehalf.REQUEST_WITHDRAWN, now)
    if actor.chat_account is None:
        return view
    # The answer says who withdrew it, as a read after it would.
    return replace(view, withdrawn_by=actor.kind, withdrawn_by_first_name=name)

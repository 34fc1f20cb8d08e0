"""Reading requests: a client's own, a staff member's queue (and its size), one request. Each
is one query (after the access check), however many requests there are."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import NotFound
from backend.models import (
    ChangeRequest,
    ChatAccount,
    Client,
    Relative,
    Staff,
    StaffAbsence,
    StaffRole,
)
from backend.services import access
from backend.services.access import Actor
from contract import Assignee, ErrorCode, PersonKind, RequestStatus, Scope


@dataclass(frozen=True)
class RequestView:
    """A request with the names it is shown with. What it changes from and to is the
    request's own (``request.before``, ``request.change``), not the visit as it is now."""

    request: ChangeRequest
    client_first_name: str
    assigned_first_name: str | None
    decided_by_first_name: str | None
    # Who asked: the client, a relative or staff on the client's behalf (None: not known).
    asked_by: PersonKind | None = None
    asked_by_first_name: str | None = None
    asked_by_chat_id: int | None = None  # the chat the request was asked in
    # Who withdrew it, when it was withdrawn in a chat (None: not withdrawn, or not known).
    withdrawn_by: PersonKind | None = None
    withdrawn_by_first_name: str | None = None


@cache
def _views_query() -> Any:
    """Requests with the names they are shown with. Built once: a statement is immutable
    (``where`` makes a new one), and building its aliases anew for every read cost more than
    running it."""
    decider = Staff.__table__.alias("decider")  # type: ignore[attr-defined]
    assigned = Staff.__table__.alias("assigned")  # type: ignore[attr-defined]
    asker = ChatAccount.__table__.alias("asker")  # type: ignore[attr-defined]
    asker_staff = Staff.__table__.alias("asker_staff")  # type: ignore[attr-defined]
    asker_relative = Relative.__table__.alias("asker_relative")  # type: ignore[attr-defined]
    withdrawer = ChatAccount.__table__.alias("withdrawer")  # type: ignore[attr-defined]
    withdrawer_staff = Staff.__table__.alias("withdrawer_staff")  # type: ignore[attr-defined]
    withdrawer_relative = Relative.__table__.alias("withdrawer_relative")  # type: ignore[attr-defined]
    return (
        select(  # type: ignore[call-overload]
            ChangeRequest,
            Client.first_name,
            assigned.c.first_name,
            decider.c.first_name,
            asker.c.client_id,
            asker.c.chat_id,
            asker_relative.c.first_name,
            asker_staff.c.first_name,
            withdrawer.c.client_id,
            withdrawer_relative.c.first_name,
            withdrawer_staff.c.first_name,
        )
        .join(Client, col(Client.id) == ChangeRequest.client_id)
        .join(assigned, assigned.c.id == ChangeRequest.assigned_staff_id, isouter=True)
        .join(decider, decider.c.id == ChangeRequest.decided_by_staff_id, isouter=True)
        .join(asker, asker.c.id == ChangeRequest.requested_by_chat_account_id, isouter=True)
        .join(asker_staff, asker_staff.c.id == asker.c.staff_id, isouter=True)
        .join(asker_relative, asker_relative.c.id == asker.c.relative_id, isouter=True)
        .join(
            withdrawer, withdrawer.c.id == ChangeRequest.withdrawn_by_chat_account_id, isouter=True
        )
        .join(withdrawer_staff, withdrawer_staff.c.id == withdrawer.c.staff_id, isouter=True)
        .join(
            withdrawer_relative,
            withdrawer_relative.c.id == withdrawer.c.relative_id,
            isouter=True,
        )
    )


def _person(
    request: ChangeRequest,
    client_name: str,
    own: int | None,
    relative: str | None,
    staff: str | None,
) -> tuple[PersonKind | None, str | None]:
    """Who a chat account is, from its joined rows: the client, a relative or staff."""
    if own is not None and own == request.client_id:
        return PersonKind.CLIENT, client_name
    if relative is not None:
        return PersonKind.RELATIVE, relative
    if staff is not None:
        return PersonKind.STAFF, staff
    return None, None


def _view(row: Any) -> RequestView:
    r, name, assigned, decider, own, chat, relative, staff, w_own, w_relative, w_staff = row
    asked_by, asker = _person(r, name, own, relative, staff)
    withdrawn_by, withdrawer = _person(r, name, w_own, w_relative, w_staff)
    return RequestView(r, name, assigned, decider, asked_by, asker, chat, withdrawn_by, withdrawer)


def _views(rows: Any) -> list[RequestView]:
    return [_view(row) for row in rows]


async def client_requests(
    session: AsyncSession, *, actor: Actor, client_id: int, limit: int = 20
) -> list[RequestView]:
    """Every pending request, then the latest ``limit`` decided (1 query after the access
    check): a week away's 23 waiting wishes are all there to count and withdraw."""
    await access.client_for(session, actor, client_id, scope=Scope.REQUESTS, read="requests")
    decided = (
        select(ChangeRequest.id)
        .where(ChangeRequest.client_id == client_id)
        .where(ChangeRequest.status != RequestStatus.PENDING)
        .order_by(col(ChangeRequest.created_at).desc())
        .limit(limit)
    )
    rows = await session.exec(
        _views_query()
        .where(ChangeRequest.client_id == client_id)
        .where(
            or_(
                col(ChangeRequest.status) == RequestStatus.PENDING,
                col(ChangeRequest.id).in_(decided),
            )
        )
        .order_by(
            (col(ChangeRequest.status) == RequestStatus.PENDING).desc(),
            col(ChangeRequest.created_at).desc(),
        )
    )
    return _views(rows.all())


@cache
def _queue_of(planners: bool) -> Any:
    """Which pending requests are a staff member's to decide: their own (as contact person or
    deputy), those of clients whose contact person is away when they are the deputy, and for
    planners and managers (``planners``) the unit's unassigned and escalated ones. Built once
    per kind, with the staff member, their unit and the day as bound parameters."""
    staff_id: Any = bindparam("staff_id")
    unit_id: Any = bindparam("unit_id")
    today: Any = bindparam("today")
    absent_contacts = select(Client.id).where(
        col(Client.deputy_id) == staff_id,
        col(Client.contact_person_id).in_(
            select(StaffAbsence.staff_id)
            .where(col(StaffAbsence.starts_on) <= today)
            .where(col(StaffAbsence.ends_on) >= today)
        ),
    )
    mine = or_(
        col(ChangeRequest.assigned_staff_id) == staff_id,
        col(ChangeRequest.client_id).in_(absent_contacts),
    )
    if planners:
        mine = or_(
            mine,
            col(ChangeRequest.assignee) == Assignee.PLANNERS,
            col(ChangeRequest.escalated_at).is_not(None),
        )
    return and_(
        col(ChangeRequest.status) == RequestStatus.PENDING,
        col(Client.unit_id) == unit_id,
        mine,
    )


def _queue_params(staff: Staff, today: date) -> tuple[bool, dict[str, Any]]:
    planners = staff.role in (StaffRole.PLANNER, StaffRole.MANAGER)
    return planners, {"staff_id": staff.id, "unit_id": staff.unit_id, "today": today}


@cache
def _queue_size_query(planners: bool) -> Any:
    return (
        select(func.count())
        .select_from(ChangeRequest)
        .join(Client, col(Client.id) == ChangeRequest.client_id)
        .where(_queue_of(planners))
    )


@cache
def _queue_query(planners: bool, limited: bool, after: bool = False) -> Any:
    which = [_queue_of(planners)]
    if after:
        # Those after the request ``after`` in the queue's order (the next page in the bot);
        # decided since is fine, but only a request of the staff member's own unit counts.
        cursor = ChangeRequest.__table__.alias("cursor")  # type: ignore[attr-defined]
        its_client = Client.__table__.alias("cursor_client")  # type: ignore[attr-defined]
        cursor_at = (
            select(cursor.c.created_at)
            .join(its_client, its_client.c.id == cursor.c.client_id)
            .where(cursor.c.id == bindparam("after"), its_client.c.unit_id == bindparam("unit_id"))
            .scalar_subquery()
        )
        which.append(
            or_(
                col(ChangeRequest.created_at) > cursor_at,
                and_(
                    col(ChangeRequest.created_at) == cursor_at,
                    col(ChangeRequest.id) > bindparam("after"),
                ),
            )
        )
    order = (col(ChangeRequest.created_at), col(ChangeRequest.id))
    if not limited:
        return _views_query().where(*which).order_by(*order)
    # The page's ids first, then the names for those only: the six joins run for the page,
    # not for every waiting request before the oldest are taken. The size rides along as an
    # uncorrelated subquery, counted once: one round trip.
    page = (
        select(ChangeRequest.id)
        .join(Client, col(Client.id) == ChangeRequest.client_id)
        .where(*which)
        .order_by(*order)
        .limit(bindparam("limit"))
        .correlate(None)
    )
    size = _queue_size_query(planners).scalar_subquery()
    return _views_query().where(col(ChangeRequest.id).in_(page)).order_by(*order).add_columns(size)


@dataclass(frozen=True)
class Queue:
    """The requests listed (oldest first) and how many wait in all."""

    views: list[RequestView]
    total: int
    more: bool = False  # whether others wait after those listed


async def queue(
    session: AsyncSession,
    *,
    staff: Staff,
    today: date,
    limit: int | None = None,
    after: int | None = None,
) -> Queue:
    """A staff member's pending requests, oldest first (the oldest ``limit`` of them, after
    the request ``after`` when given), how many wait in all, and whether more wait after
    those listed: one query regardless of size, two for a page past the end."""
    planners, params = _queue_params(staff, today)
    query = _queue_query(planners, limit is not None, after is not None)
    page = {**params, "after": after, "limit": None if limit is None else limit + 1}
    rows = (await session.exec(query, params=page)).all()
    if limit is None:
        views = _views(rows)
        total = len(views) if after is None else await _queue_size(session, planners, params)
        return Queue(views, total)
    # One more than listed was asked for: whether more wait after the page.
    total = rows[0][-1] if rows else await _queue_size(session, planners, params)
    return Queue(_views(row[:-1] for row in rows[:limit]), total, more=len(rows) > limit)


async def _queue_size(session: AsyncSession, planners: bool, params: dict[str, Any]) -> int:
    return int((await session.exec(_queue_size_query(planners), params=params)).one())


@cache
def _view_of_one() -> Any:
    return _views_query().where(ChangeRequest.id == bindparam("request_id"))


async def request_view(session: AsyncSession, *, request_id: int) -> RequestView:
    rows = _views((await session.exec(_view_of_one(), params={"request_id": request_id})).all())
    if not rows:
        raise NotFound(ErrorCode.REQUEST_NOT_FOUND)
    return rows[0]


@cache
def _view_and_client() -> Any:
    return _view_of_one().add_columns(Client)


async def view_and_client(session: AsyncSession, request_id: int) -> tuple[RequestView, Client]:
    """One request as it is shown, with its client: what a decision or a withdrawal starts
    from, in one statement."""
    row = (await session.exec(_view_and_client(), params={"request_id": request_id})).first()
    if row is None:
        raise NotFound(ErrorCode.REQUEST_NOT_FOUND)
    *shown, client = row
    return _views([shown])[0], client


def as_decided(view: RequestView, staff: Staff) -> RequestView:
    """The view of a request ``staff`` just decided or handed over, from the view it was
    loaded with (its ``request`` is the row as the decision left it): the decider is
    ``staff``, and a request handed to the planners is no longer anyone's in particular."""
    request = view.request
    return replace(
        view,
        decided_by_first_name=(
            staff.first_name
            if request.decided_by_staff_id == staff.id
            else view.decided_by_first_name
        ),
        assigned_first_name=None
        if request.assigned_staff_id is None
        else view.assigned_first_name,
    )

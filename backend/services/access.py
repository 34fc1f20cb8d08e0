"""Who is acting, and what their link allows them to see and do (DESIGN section 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Forbidden, NotFound, Unauthorized
from backend.models import (
    ChatAccount,
    Client,
    RelativeLink,
    Scope,
    SessionKind,
    Staff,
    StaffAbsence,
    StaffRole,
)
from backend.services import audit, sessions
from contract import ErrorCode


@dataclass(frozen=True)
class Actor:
    """A chat account (client, relative or staff) or a staff member using the staff API."""

    chat_account: ChatAccount | None = None
    staff: Staff | None = None

    @property
    def label(self) -> str:
        if self.staff is not None:
            return f"staff:{self.staff.id}"
        assert self.chat_account is not None
        return f"chat:{self.chat_account.id}"

    @property
    def own_client_id(self) -> int | None:
        return self.chat_account.client_id if self.chat_account else None

    @property
    def relative_id(self) -> int | None:
        return self.chat_account.relative_id if self.chat_account else None


async def actor_for_chat(session: AsyncSession, telegram_user_id: int) -> Actor:
    account = (
        await session.exec(
            select(ChatAccount).where(ChatAccount.telegram_user_id == telegram_user_id)
        )
    ).first()
    if account is None:
        raise Unauthorized(ErrorCode.NOT_LINKED)
    if account.blocked_at is not None:
        # They write to the bot again, so they have unblocked it: deliver to them again.
        account.blocked_at = None
        session.add(account)
    staff = await session.get(Staff, account.staff_id) if account.staff_id else None
    if staff is not None and not staff.active:
        raise Unauthorized(ErrorCode.NOT_LINKED)  # they have left: the bot no longer knows them
    return Actor(chat_account=account, staff=staff)


async def actor_for_staff_token(session: AsyncSession, token: str, now: datetime) -> Actor:
    """A staff tool's bearer token: live (not expired, not revoked) and its owner still here."""
    staff, _row = await sessions.staff_for_token(
        session, token=token, kind=SessionKind.API, now=now
    )
    return Actor(staff=staff)


def require_staff(actor: Actor) -> Staff:
    if actor.staff is None:
        raise Forbidden(ErrorCode.STAFF_ONLY)
    return actor.staff


async def client_for(
    session: AsyncSession, actor: Actor, client_id: int, *, to_request: bool = False
) -> Client:
    """The client, if ``actor`` may see them (and, with ``to_request``, ask on their behalf)."""
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(ErrorCode.CLIENT_NOT_FOUND)
    if actor.staff is not None:
        if actor.staff.unit_id != client.unit_id:
            raise Forbidden(ErrorCode.OTHER_UNIT)
        audit.record(
            session,
            actor=actor.label,
            action="client.read",
            entity="client",
            entity_id=client_id,
            client_id=client_id,
        )
        return client
    if actor.own_client_id == client_id:
        return client
    if actor.relative_id is not None:
        link = (
            await session.exec(
                select(RelativeLink)
                .where(RelativeLink.relative_id == actor.relative_id)
                .where(RelativeLink.client_id == client_id)
                .where(col(RelativeLink.revoked_at).is_(None))
            )
        ).first()
        if link is not None and (not to_request or link.scope is Scope.VIEW_REQUEST):
            return client
        if link is not None:
            raise Forbidden(ErrorCode.VIEW_ONLY)
    raise Forbidden(ErrorCode.NO_ACCESS)


async def absent_staff_ids(session: AsyncSession, staff_ids: list[int], day: date) -> set[int]:
    """Who of ``staff_ids`` is away on ``day``: absent, or no longer working here."""
    if not staff_ids:
        return set()
    rows = await session.exec(
        select(StaffAbsence.staff_id)
        .where(col(StaffAbsence.staff_id).in_(staff_ids))
        .where(StaffAbsence.starts_on <= day)
        .where(StaffAbsence.ends_on >= day)
    )
    left = await session.exec(
        select(Staff.id).where(col(Staff.id).in_(staff_ids)).where(col(Staff.active).is_(False))
    )
    return set(rows.all()) | {staff_id for staff_id in left.all() if staff_id is not None}


def may_decide(staff: Staff, client: Client) -> bool:
    """Contact person, deputy, or a planner/manager of the client's unit."""
    if staff.unit_id != client.unit_id:
        return False
    if staff.id in (client.contact_person_id, client.deputy_id):
        return True
    return staff.role in (StaffRole.PLANNER, StaffRole.MANAGER)

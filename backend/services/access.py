"""Who is acting, and what their link allows them to see and do (DESIGN section 6).

- A client sees and does everything about themselves.
- A relative sees and does only what the client consented to, scope by scope: the visits,
  requests on the client's behalf, the visit notes.
- Staff see the clients of their own unit (every such read is audited); they act on a
  client's behalf (a request, a withdrawal, ending a relative's access) only as the client's
  contact person or deputy, or as a planner or manager of the unit, and the client is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, union
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Forbidden, NotFound, Unauthorized
from backend.models import (
    ChatAccount,
    Client,
    Relative,
    RelativeLink,
    Scope,
    SessionKind,
    Staff,
    StaffAbsence,
    StaffRole,
)
from backend.services import audit, sessions
from contract import ErrorCode, PersonKind

# The demo's staff tokens (``demo-anna``) are published in the README: they are accepted only
# by an app running in demo mode, whatever the database holds.
DEMO_TOKEN_PREFIX = "demo-"  # noqa: S105 - a prefix that is refused, not a secret


@dataclass(frozen=True)
class Actor:
    """A chat account (client, relative or staff) or a staff member using the staff API."""

    chat_account: ChatAccount | None = None
    staff: Staff | None = None
    # A client's own row, read with their chat account (``actor_for_chat``).
    client: Client | None = None

    @property
    def label(self) -> str:
        if self.staff is not None:
            return audit.staff_label(self.staff.id)
        assert self.chat_account is not None
        return f"chat:{self.chat_account.id}"

    @property
    def own_client_id(self) -> int | None:
        return self.chat_account.client_id if self.chat_account else None

    @property
    def relative_id(self) -> int | None:
        return self.chat_account.relative_id if self.chat_account else None

    @property
    def kind(self) -> PersonKind:
        if self.staff is not None:
            return PersonKind.STAFF
        return PersonKind.CLIENT if self.own_client_id is not None else PersonKind.RELATIVE


# Every bot request starts here: built once, with the Telegram user id bound per call.
# The account and who it is, staff member or client: one statement on every request the bot
# makes. A client acting for themselves is not read a second time (``_client``).
_ACCOUNT_OF_TELEGRAM_USER = (
    select(ChatAccount, Staff, Client)
    .outerjoin(Staff, col(Staff.id) == ChatAccount.staff_id)
    .outerjoin(Client, col(Client.id) == ChatAccount.client_id)
    .where(ChatAccount.telegram_user_id == bindparam("telegram_user_id"))
)


async def actor_for_chat(session: AsyncSession, telegram_user_id: int) -> Actor:
    rows = await session.exec(
        _ACCOUNT_OF_TELEGRAM_USER, params={"telegram_user_id": telegram_user_id}
    )
    found = rows.first()
    if found is None:
        raise Unauthorized(ErrorCode.NOT_LINKED)
    account, staff, client = found
    if account.blocked_at is not None:
        # They write to the bot again, so they have unblocked it: deliver to them again.
        account.blocked_at = None
        session.add(account)
    if staff is not None and not staff.active:
        raise Unauthorized(ErrorCode.NOT_LINKED)  # they have left: the bot no longer knows them
    return Actor(chat_account=account, staff=staff, client=client)


async def actor_for_staff_token(
    session: AsyncSession, token: str, *, now: datetime, demo: bool
) -> Actor:
    """A staff tool's bearer token: live (not expired, not revoked), its owner still here, and
    a demo token only in demo mode."""
    if token.startswith(DEMO_TOKEN_PREFIX) and not demo:
        raise Unauthorized(ErrorCode.INVALID_TOKEN)
    staff, _row = await sessions.staff_for_token(
        session, token=token, kind=SessionKind.API, now=now
    )
    return Actor(staff=staff)


def require_staff(actor: Actor) -> Staff:
    """Staff of a unit. An assessor is refused: they read only the changed needs of their
    own orders' clients (``backend.services.needs``), never the unit's records."""
    if actor.staff is None:
        raise Forbidden(ErrorCode.STAFF_ONLY)
    if actor.staff.role is StaffRole.ASSESSOR:
        raise Forbidden(ErrorCode.READ_ONLY)
    return actor.staff


async def _client(session: AsyncSession, actor: Actor, client_id: int) -> Client:
    client = actor.client
    if client is None or client.id != client_id:  # not a client reading their own
        client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(ErrorCode.CLIENT_NOT_FOUND)
    if client.erased_at is not None:
        raise NotFound(ErrorCode.CLIENT_ERASED)
    return client


async def active_link(
    session: AsyncSession, *, relative_id: int, client_id: int
) -> RelativeLink | None:
    return (
        await session.exec(
            select(RelativeLink)
            .where(RelativeLink.relative_id == relative_id)
            .where(RelativeLink.client_id == client_id)
            .where(col(RelativeLink.revoked_at).is_(None))
        )
    ).first()


async def _relative_may(session: AsyncSession, actor: Actor, client_id: int, scope: Scope) -> None:
    """A relative's consented scope, or why not."""
    link = (
        await active_link(session, relative_id=actor.relative_id, client_id=client_id)
        if actor.relative_id is not None
        else None
    )
    if link is None:
        raise Forbidden(ErrorCode.NO_ACCESS)
    if scope not in link.scopes:
        if scope is Scope.REQUESTS:
            raise Forbidden(ErrorCode.VIEW_ONLY)
        raise Forbidden(ErrorCode.SCOPE_NOT_GRANTED, scope=scope.value)


async def client_for(
    session: AsyncSession, actor: Actor, client_id: int, *, scope: Scope, read: str
) -> Client:
    """The client, if ``actor`` may see what ``scope`` covers: the client themselves, a
    relative the client gave that scope, or staff of the client's unit (the read is
    audited as ``read``: what was looked at)."""
    client = await _client(session, actor, client_id)
    if actor.staff is not None:
        require_staff(actor)
        if actor.staff.unit_id != client.unit_id:
            raise Forbidden(ErrorCode.OTHER_UNIT)
        audit.record_read(session, actor=actor.label, client_id=client_id, what=read)
        return client
    if actor.own_client_id == client_id:
        return client
    if actor.relative_id is None:
        raise Forbidden(ErrorCode.NO_ACCESS)
    await _relative_may(session, actor, client_id, scope)
    return client


async def client_record(
    session: AsyncSession, actor: Actor, client_id: int, *, read: str
) -> Client:
    """The client's records, for staff of the client's unit only (the web's pages and the
    records services); the read is audited as ``read``."""
    require_staff(actor)
    return await client_for(session, actor, client_id, scope=Scope.VISITS, read=read)


async def acting_for(
    session: AsyncSession, actor: Actor, client_id: int, *, scope: Scope | None
) -> Client:
    """The client, if ``actor`` may act on their behalf: the client, a relative with
    ``scope`` (None: no relative may), or staff responsible for the client. The action is
    audited by the caller, and the client told when it was not theirs."""
    client = await _client(session, actor, client_id)
    if actor.staff is not None:
        require_responsible(actor.staff, client)
        return client
    if actor.own_client_id == client_id:
        return client
    if actor.relative_id is None:
        raise Forbidden(ErrorCode.NO_ACCESS)
    if scope is None:
        raise Forbidden(ErrorCode.CLIENT_ONLY)
    await _relative_may(session, actor, client_id, scope)
    return client


# Who is away on a day, in one statement: absent that day, or no longer working here.
_ABSENT_OR_LEFT = union(
    select(StaffAbsence.staff_id)
    .where(col(StaffAbsence.staff_id).in_(bindparam("staff_ids", expanding=True)))
    .where(StaffAbsence.starts_on <= bindparam("day"))
    .where(StaffAbsence.ends_on >= bindparam("day")),
    select(Staff.id)
    .where(col(Staff.id).in_(bindparam("staff_ids", expanding=True)))
    .where(col(Staff.active).is_(False)),
).subquery()
_AWAY = select(_ABSENT_OR_LEFT.c.staff_id)


async def absent_staff_ids(session: AsyncSession, staff_ids: list[int], day: date) -> set[int]:
    """Who of ``staff_ids`` is away on ``day``: absent, or no longer working here."""
    if not staff_ids:
        return set()
    rows = await session.exec(_AWAY, params={"staff_ids": staff_ids, "day": day})
    return {staff_id for staff_id in rows.all() if staff_id is not None}


def may_decide(staff: Staff, client: Client) -> bool:
    """Contact person, deputy, or a planner/manager of the client's unit: who decides the
    client's requests, and who may act on the client's behalf."""
    if staff.unit_id != client.unit_id or staff.role is StaffRole.ASSESSOR:
        return False
    if staff.id in (client.contact_person_id, client.deputy_id):
        return True
    return staff.role in (StaffRole.PLANNER, StaffRole.MANAGER)


def require_responsible(staff: Staff, client: Client) -> None:
    if not may_decide(staff, client):
        same_unit = staff.unit_id == client.unit_id
        raise Forbidden(ErrorCode.NOT_YOUR_CLIENT if same_unit else ErrorCode.OTHER_UNIT)


def require_manager(actor: Actor) -> Staff:
    staff = require_staff(actor)
    if staff.role is not StaffRole.MANAGER:
        raise Forbidden(ErrorCode.MANAGER_ONLY)
    return staff


async def first_name_of(session: AsyncSession, actor: Actor) -> str:
    """The acting person's first name (what the client is told: who acted for them)."""
    if actor.staff is not None:
        return actor.staff.first_name
    if actor.relative_id is not None:
        relative = await session.get(Relative, actor.relative_id)
        return relative.first_name if relative else ""
    if actor.own_client_id is not None:
        client = await session.get(Client, actor.own_client_id)
        return client.first_name if client else ""
    return ""

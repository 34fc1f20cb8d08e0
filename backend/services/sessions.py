"""Staff ways in: web sessions and API tokens that expire and can be revoked, one-time sign-in
links the bot hands out, sign-in at the municipality's identity provider, and a staff member
leaving (every way in closed at once)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from backend.models import (
    ChatAccount,
    Client,
    Notification,
    SessionKind,
    SignInTicket,
    Staff,
    StaffRole,
    StaffSession,
)
from backend.services import audit
from contract import ErrorCode

LINK_MINUTES = 10  # a sign-in link from the bot
OIDC_MINUTES = 10  # a sign-in at the identity provider under way
API_TOKEN_DAYS = 90
TOUCH_EVERY = timedelta(minutes=1)  # how often a used session's last use is written


def hash_token(token: str) -> str:
    """Tokens are random (256 bits), so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Lifetime:
    """How long a session lasts: at most ``absolute``, and ``idle`` minutes without use."""

    absolute: timedelta
    idle_minutes: int | None = None


async def open_session(
    session: AsyncSession,
    *,
    staff: Staff,
    kind: SessionKind,
    now: datetime,
    lifetime: Lifetime,
    label: str = "",
    token: str | None = None,
) -> tuple[StaffSession, str]:
    """A new way in for ``staff``; the token is returned once and only its hash is kept."""
    if not staff.active:
        raise Unauthorized(ErrorCode.STAFF_INACTIVE)
    token = token or new_token()
    row = StaffSession(
        staff_id=staff.id or 0,
        kind=kind,
        token_hash=hash_token(token),
        csrf_token=new_token() if kind is SessionKind.WEB else "",
        label=label,
        created_at=now,
        last_used_at=now,
        expires_at=now + lifetime.absolute,
        idle_minutes=lifetime.idle_minutes,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        actor=audit.staff_label(staff.id),
        action="session.open",
        entity="staff_session",
        entity_id=row.id,
        kind=kind.value,
    )
    return row, token


def is_live(row: StaffSession, now: datetime) -> bool:
    if row.revoked_at is not None or row.expires_at <= now:
        return False
    if row.idle_minutes is not None:
        return now - row.last_used_at < timedelta(minutes=row.idle_minutes)
    return True


async def staff_for_token(
    session: AsyncSession, *, token: str, kind: SessionKind, now: datetime
) -> tuple[Staff, StaffSession]:
    """Who a token belongs to, if it is live and its owner still works here; its use is
    recorded (at most once a minute), which keeps an idle timeout from running out."""
    row = (
        await session.exec(
            select(StaffSession)
            .where(StaffSession.token_hash == hash_token(token))
            .where(StaffSession.kind == kind)
        )
    ).first()
    if row is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN)
    if not is_live(row, now):
        raise Unauthorized(ErrorCode.SESSION_EXPIRED)
    staff = await session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        raise Unauthorized(ErrorCode.STAFF_INACTIVE)
    if now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        session.add(row)
    return staff, row


async def sessions_of(
    session: AsyncSession, *, staff_id: int, now: datetime
) -> list[StaffSession]:
    """A staff member's live sessions and tokens, newest first."""
    rows = await session.exec(
        select(StaffSession)
        .where(StaffSession.staff_id == staff_id)
        .where(col(StaffSession.revoked_at).is_(None))
        .where(StaffSession.expires_at > now)
        .order_by(col(StaffSession.created_at).desc())
    )
    return [row for row in rows.all() if is_live(row, now)]


async def revoke(
    session: AsyncSession, *, actor: Staff, session_id: int, now: datetime
) -> StaffSession:
    """Sign a session out or revoke a token: one's own, or (a manager) any in the unit."""
    row = await session.get(StaffSession, session_id)
    owner = await session.get(Staff, row.staff_id) if row is not None else None
    if row is None or owner is None or owner.unit_id != actor.unit_id:
        raise NotFound(ErrorCode.SESSION_NOT_FOUND)
    if owner.id != actor.id and actor.role is not StaffRole.MANAGER:
        raise Forbidden(ErrorCode.MANAGER_ONLY)
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        audit.record(
            session,
            actor=audit.staff_label(actor.id),
            action="session.revoke",
            entity="staff_session",
            entity_id=row.id,
        )
    return row


async def revoke_all(session: AsyncSession, *, staff_id: int, now: datetime) -> None:
    await session.exec(
        update(StaffSession)
        .where(col(StaffSession.staff_id) == staff_id)
        .where(col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )


# --- one-time sign-in links (sent by the bot to a linked staff member) -----------------------


async def create_signin_link(session: AsyncSession, *, staff: Staff, now: datetime) -> str:
    """A one-time token for ``/web/signin/link/<token>``, valid for 10 minutes."""
    if not staff.active:
        raise Unauthorized(ErrorCode.STAFF_INACTIVE)
    token = new_token()
    session.add(
        SignInTicket(
            token_hash=hash_token(token),
            purpose="link",
            staff_id=staff.id,
            created_at=now,
            expires_at=now + timedelta(minutes=LINK_MINUTES),
        )
    )
    audit.record(
        session, actor=audit.staff_label(staff.id), action="signin_link.create", entity="staff"
    )
    return token


async def _claim_ticket(
    session: AsyncSession, *, token: str, purpose: str, now: datetime
) -> SignInTicket:
    """Use a ticket once: claimed in one conditional update, so two uses at the same moment
    cannot both succeed."""
    ticket = (
        await session.exec(
            select(SignInTicket)
            .where(SignInTicket.token_hash == hash_token(token))
            .where(SignInTicket.purpose == purpose)
        )
    ).first()
    if ticket is None:
        raise InvalidInput(ErrorCode.INVALID_CODE)
    if ticket.expires_at <= now:
        raise InvalidInput(ErrorCode.CODE_EXPIRED)
    claimed = await session.exec(
        update(SignInTicket)
        .where(col(SignInTicket.id) == ticket.id)
        .where(col(SignInTicket.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise InvalidInput(ErrorCode.CODE_USED)
    await session.refresh(ticket)
    return ticket


async def peek_signin_link(session: AsyncSession, *, token: str, now: datetime) -> Staff:
    """Whom a sign-in link is for, without using it (a link preview must not use it up)."""
    ticket = (
        await session.exec(
            select(SignInTicket)
            .where(SignInTicket.token_hash == hash_token(token))
            .where(SignInTicket.purpose == "link")
        )
    ).first()
    if ticket is None:
        raise InvalidInput(ErrorCode.INVALID_CODE)
    if ticket.used_at is not None:
        raise InvalidInput(ErrorCode.CODE_USED)
    if ticket.expires_at <= now:
        raise InvalidInput(ErrorCode.CODE_EXPIRED)
    staff = await session.get(Staff, ticket.staff_id)
    if staff is None or not staff.active:
        raise Unauthorized(ErrorCode.STAFF_INACTIVE)
    return staff


async def redeem_signin_link(session: AsyncSession, *, token: str, now: datetime) -> Staff:
    ticket = await _claim_ticket(session, token=token, purpose="link", now=now)
    staff = await session.get(Staff, ticket.staff_id)
    if staff is None or not staff.active:
        raise Unauthorized(ErrorCode.STAFF_INACTIVE)
    return staff


# --- sign-in at the identity provider (OpenID Connect) -------------------------------------


@dataclass(frozen=True)
class OidcStart:
    state: str
    nonce: str
    code_verifier: str


async def start_oidc(session: AsyncSession, *, now: datetime) -> OidcStart:
    """Remember a sign-in under way: its state (also set in the browser's cookie), nonce and
    PKCE verifier, for 10 minutes."""
    start = OidcStart(state=new_token(), nonce=new_token(), code_verifier=new_token())
    session.add(
        SignInTicket(
            token_hash=hash_token(start.state),
            purpose="oidc",
            nonce=start.nonce,
            code_verifier=start.code_verifier,
            created_at=now,
            expires_at=now + timedelta(minutes=OIDC_MINUTES),
        )
    )
    return start


async def finish_oidc(session: AsyncSession, *, state: str, now: datetime) -> OidcStart:
    ticket = await _claim_ticket(session, token=state, purpose="oidc", now=now)
    return OidcStart(state=state, nonce=ticket.nonce, code_verifier=ticket.code_verifier)


async def staff_for_email(session: AsyncSession, email: str) -> Staff:
    staff = (
        await session.exec(select(Staff).where(col(Staff.email) == email.strip().lower()))
    ).first()
    if staff is None:
        raise Unauthorized(ErrorCode.STAFF_NOT_FOUND)
    if not staff.active:
        raise Unauthorized(ErrorCode.STAFF_INACTIVE)
    return staff


# --- leaving ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    staff: Staff
    sessions_revoked: bool
    chat_accounts: int
    clients_to_reassign: list[int]


async def deactivate(
    session: AsyncSession, *, actor: Staff, staff_id: int, now: datetime
) -> Departure:
    """A staff member leaves: every web session and API token ends, the bot no longer knows
    their chat account (its waiting messages are dropped), no request is routed to them, and
    their clients (as contact person or deputy) are flagged for a new one."""
    if actor.role is not StaffRole.MANAGER:
        raise Forbidden(ErrorCode.MANAGER_ONLY)
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.unit_id != actor.unit_id:
        raise NotFound(ErrorCode.STAFF_NOT_FOUND)
    if staff.id == actor.id:
        raise InvalidInput(ErrorCode.CANNOT_DEACTIVATE_SELF)
    staff.active = False
    staff.left_on = staff.left_on or now.date()
    session.add(staff)
    await revoke_all(session, staff_id=staff_id, now=now)
    accounts = list(
        (await session.exec(select(ChatAccount.id).where(ChatAccount.staff_id == staff_id))).all()
    )
    if accounts:
        await session.exec(
            update(Notification)
            .where(col(Notification.chat_account_id).in_(accounts))
            .where(col(Notification.delivered_at).is_(None))
            .where(col(Notification.dropped_reason).is_(None))
            .values(dropped_reason="staff_left")
        )
    await session.exec(
        update(SignInTicket)
        .where(col(SignInTicket.staff_id) == staff_id)
        .where(col(SignInTicket.used_at).is_(None))
        .values(used_at=now)
    )
    clients = list(
        (
            await session.exec(
                select(Client.id)
                .where(Client.unit_id == staff.unit_id)
                .where(
                    (col(Client.contact_person_id) == staff_id)
                    | (col(Client.deputy_id) == staff_id)
                )
            )
        ).all()
    )
    audit.record(
        session,
        actor=audit.staff_label(actor.id),
        action="staff.deactivate",
        entity="staff",
        entity_id=staff_id,
        clients_to_reassign=clients,
    )
    return Departure(staff, True, len(accounts), [c for c in clients if c is not None])

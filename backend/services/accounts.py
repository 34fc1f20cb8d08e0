"""Linking chat accounts with one-time invitation codes, relatives' consent, preferences."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts
from backend.models import (
    ChatAccount,
    Client,
    Invitation,
    InvitationKind,
    NotifyLevel,
    Relative,
    RelativeLink,
    Scope,
    Staff,
    StaffRole,
    Urgency,
)
from backend.services import access, audit, outbox
from backend.services.access import Actor
from contract import ErrorCode, RelativeLinked

# No 0/O, 1/I/L: codes are read aloud and typed by people with poor eyesight.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
INVITATION_DAYS = 7
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_WINDOW = timedelta(minutes=15)
LOCALES = ("sv", "fi", "ar", "en")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


async def create_invitation(
    session: AsyncSession,
    *,
    actor: Actor,
    kind: InvitationKind,
    now: datetime,
    client_id: int | None = None,
    staff_id: int | None = None,
    scope: Scope | None = None,
    relative_first_name: str | None = None,
) -> Invitation:
    """Clients invite relatives; staff invite clients and relatives; managers invite staff."""
    if kind is InvitationKind.STAFF:
        manager = access.require_staff(actor)
        target = await session.get(Staff, staff_id) if staff_id else None
        if manager.role is not StaffRole.MANAGER:
            raise Forbidden(ErrorCode.MANAGER_ONLY)
        if target is None or target.unit_id != manager.unit_id:
            raise NotFound(ErrorCode.STAFF_NOT_FOUND)
    else:
        if client_id is None:
            raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["client_id"])
        if actor.staff is None and actor.own_client_id != client_id:
            raise Forbidden(ErrorCode.CLIENT_ONLY)  # consent to relatives is the client's own
        await access.client_for(session, actor, client_id)
        if kind is InvitationKind.CLIENT and actor.staff is None:
            raise Forbidden(ErrorCode.STAFF_ONLY)
        if kind is InvitationKind.RELATIVE and scope is None:
            raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["scope"])
    invitation = Invitation(
        code=new_code(),
        kind=kind,
        client_id=client_id if kind is not InvitationKind.STAFF else None,
        staff_id=staff_id if kind is InvitationKind.STAFF else None,
        scope=scope if kind is InvitationKind.RELATIVE else None,
        relative_first_name=relative_first_name,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    await session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="invitation.create",
        entity="invitation",
        entity_id=invitation.id,
        client_id=client_id,
        kind=kind.value,
        scope=scope.value if scope else None,
    )
    return invitation


async def _failed_attempts(session: AsyncSession, telegram_user_id: int, now: datetime) -> int:
    return (
        await session.exec(
            select(func.count())
            .select_from(audit.AuditEvent)
            .where(audit.AuditEvent.action == "invitation.redeem_failed")
            .where(audit.AuditEvent.actor == f"telegram:{telegram_user_id}")
            .where(audit.AuditEvent.at >= now - ATTEMPT_WINDOW)
        )
    ).one()


@dataclass(frozen=True)
class RedeemFailure:
    code: ErrorCode


async def redeem(
    session: AsyncSession,
    *,
    code: str,
    telegram_user_id: int,
    chat_id: int,
    locale: str | None,
    first_name: str | None,
    now: datetime,
) -> ChatAccount | RedeemFailure:
    """Link a chat account with a one-time code. Failures are recorded (and slow down retries)
    and returned rather than raised, so the caller commits the record of the attempt."""
    if await _failed_attempts(session, telegram_user_id, now) >= MAX_FAILED_ATTEMPTS:
        retry_after = int(ATTEMPT_WINDOW.total_seconds())
        raise TooManyAttempts(ErrorCode.TOO_MANY_ATTEMPTS, retry_after=retry_after)
    invitation = (
        await session.exec(select(Invitation).where(Invitation.code == normalize_code(code)))
    ).first()
    failure = None
    if invitation is None:
        failure = ErrorCode.INVALID_CODE
    elif invitation.used_at is not None:
        failure = ErrorCode.CODE_USED
    elif invitation.expires_at < now:
        failure = ErrorCode.CODE_EXPIRED
    if failure is not None or invitation is None:
        audit.record(
            session,
            actor=f"telegram:{telegram_user_id}",
            action="invitation.redeem_failed",
            entity="invitation",
            at=now,  # the attempt window below is measured on the same clock
            reason=failure,
        )
        return RedeemFailure(failure or ErrorCode.INVALID_CODE)

    account = (
        await session.exec(
            select(ChatAccount).where(ChatAccount.telegram_user_id == telegram_user_id)
        )
    ).first()
    if account is None:
        account = ChatAccount(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            locale=locale if locale in LOCALES else "sv",
            linked_at=now,
        )
    elif invitation.kind is not InvitationKind.RELATIVE or account.relative_id is None:
        raise Conflict(ErrorCode.ALREADY_LINKED)
    account.blocked_at = None
    client: Client | None = None
    if invitation.kind is InvitationKind.CLIENT:
        client = await session.get(Client, invitation.client_id)
        account.client_id = invitation.client_id
        if client is not None and locale is None:
            account.locale = client.preferred_language
    elif invitation.kind is InvitationKind.STAFF:
        account.staff_id = invitation.staff_id
    else:
        if account.relative_id is None:
            relative = Relative(first_name=invitation.relative_first_name or first_name or "")
            session.add(relative)
            await session.flush()
            account.relative_id = relative.id
        assert invitation.client_id is not None and invitation.scope is not None
        session.add(
            RelativeLink(
                relative_id=account.relative_id or 0,
                client_id=invitation.client_id,
                scope=invitation.scope,
                granted_at=now,
            )
        )
    session.add(account)
    invitation.used_at = now
    await session.flush()
    invitation.used_by_chat_account_id = account.id
    session.add(invitation)
    audit.record(
        session,
        actor=Actor(chat_account=account).label,
        action="invitation.redeem",
        entity="invitation",
        entity_id=invitation.id,
        client_id=invitation.client_id,
        kind=invitation.kind.value,
    )
    if invitation.kind is InvitationKind.RELATIVE and invitation.client_id is not None:
        # The client always learns who was given access to their data.
        await outbox.notify_client(
            session,
            client_id=invitation.client_id,
            message=RelativeLinked(
                relative_first_name=invitation.relative_first_name or first_name or ""
            ),
            urgency=Urgency.CHANGE,
            now=now,
            include_relatives=False,  # who else has access is the client's to know
        )
    return account


@dataclass(frozen=True)
class LinkView:
    link: RelativeLink
    relative_first_name: str


async def relatives_of(session: AsyncSession, *, actor: Actor, client_id: int) -> list[LinkView]:
    if actor.staff is None and actor.own_client_id != client_id:
        raise Forbidden(ErrorCode.CLIENT_ONLY)
    await access.client_for(session, actor, client_id)
    rows = await session.exec(
        select(RelativeLink, Relative.first_name)
        .join(Relative, col(Relative.id) == RelativeLink.relative_id)
        .where(RelativeLink.client_id == client_id)
        .where(col(RelativeLink.revoked_at).is_(None))
        .order_by(col(RelativeLink.granted_at))
    )
    return [LinkView(link, name) for link, name in rows.all()]


async def revoke_relative(
    session: AsyncSession, *, actor: Actor, client_id: int, link_id: int, now: datetime
) -> RelativeLink:
    """Consent is revocable at once: the relative sees nothing more from now on."""
    if actor.staff is None and actor.own_client_id != client_id:
        raise Forbidden(ErrorCode.CLIENT_ONLY)
    link = await session.get(RelativeLink, link_id)
    if link is None or link.client_id != client_id:
        raise NotFound(ErrorCode.LINK_NOT_FOUND)
    if link.revoked_at is None:
        link.revoked_at = now
        session.add(link)
        audit.record(
            session,
            actor=actor.label,
            action="relative.revoke",
            entity="relative_link",
            entity_id=link.id,
            client_id=client_id,
        )
    return link


async def update_preferences(
    session: AsyncSession,
    *,
    actor: Actor,
    locale: str | None = None,
    notify_level: NotifyLevel | None = None,
) -> ChatAccount:
    account = actor.chat_account
    if account is None:
        raise Forbidden(ErrorCode.CHAT_ONLY)
    if locale is not None:
        if locale not in LOCALES:
            raise InvalidInput(ErrorCode.UNSUPPORTED_LOCALE, supported=",".join(LOCALES))
        account.locale = locale
    if notify_level is not None:
        account.notify_level = notify_level
    session.add(account)
    return account


async def accessible_clients(session: AsyncSession, actor: Actor) -> list[tuple[Client, Scope]]:
    """The clients a chat account may see: itself, or those who consented (with the scope)."""
    if actor.own_client_id is not None:
        client = await session.get(Client, actor.own_client_id)
        return [(client, Scope.VIEW_REQUEST)] if client else []
    if actor.relative_id is None:
        return []
    rows = await session.exec(
        select(Client, RelativeLink.scope)
        .join(RelativeLink, col(RelativeLink.client_id) == Client.id)
        .where(RelativeLink.relative_id == actor.relative_id)
        .where(col(RelativeLink.revoked_at).is_(None))
        .order_by(col(Client.first_name))
    )
    return [(client, Scope(scope)) for client, scope in rows.all()]

"""Linking chat accounts with one-time invitation codes, and their preferences.

A code has 13 characters from an alphabet without look-alikes (64 bits of randomness), is
shown in groups to be read aloud, stored only as its hash, expires after a week and is
claimed by one conditional UPDATE, so of any number of people racing with it exactly one is
linked. Wrong codes are throttled per Telegram account and for the whole service.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts
from backend.models import (
    AuditEvent,
    ChatAccount,
    Client,
    Invitation,
    InvitationKind,
    NotifyLevel,
    Relative,
    RelativeLink,
    Scope,
    Staff,
    Urgency,
)
from backend.services import access, audit, outbox
from backend.services.access import Actor
from contract import LANGUAGES, ErrorCode, RelativeLinked, in_scope_order

# No 0/O, 1/I/L: codes are read aloud and typed by people with poor eyesight.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 13  # 31**13 > 2**64
CODE_GROUPS = (4, 4, 5)  # shown as ABCD-EFGH-JKMNP
INVITATION_DAYS = 7
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILED_ATTEMPTS = 5  # per Telegram account in the window
MAX_FAILED_OVERALL = 200  # for the whole service in the window: a guessing crowd is stopped
LOCALES = LANGUAGES
REDEEM_FAILED = "invitation.redeem_failed"


def new_code() -> str:
    """A fresh code, grouped for reading aloud."""
    characters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    groups, start = [], 0
    for size in CODE_GROUPS:
        groups.append(characters[start : start + size])
        start += size
    return "-".join(groups)


def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def code_hash(text: str) -> str:
    """What is stored of a code: whoever reads the database cannot link with it."""
    return hashlib.sha256(normalize_code(text).encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A new invitation and its code, which exists only here, to be shown once."""

    invitation: Invitation
    code: str


async def create_invitation(
    session: AsyncSession,
    *,
    actor: Actor,
    kind: InvitationKind,
    now: datetime,
    client_id: int | None = None,
    staff_id: int | None = None,
    scopes: set[Scope] | None = None,
    relative_first_name: str | None = None,
) -> Issued:
    """A manager invites staff of the unit. A client invites relatives; the client's contact
    person, deputy, or a planner or manager of the unit invites the client or relatives."""
    if kind is InvitationKind.STAFF:
        manager = access.require_manager(actor)
        target = await session.get(Staff, staff_id) if staff_id else None
        if target is None or target.unit_id != manager.unit_id:
            raise NotFound(ErrorCode.STAFF_NOT_FOUND)
    else:
        if client_id is None:
            raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["client_id"])
        if kind is InvitationKind.CLIENT and actor.staff is None:
            raise Forbidden(ErrorCode.STAFF_ONLY)
        # Consent to relatives is the client's own (or given through the client's staff).
        await access.acting_for(session, actor, client_id, scope=None)
        if kind is InvitationKind.RELATIVE and not scopes:
            raise InvalidInput(ErrorCode.MISSING_FIELDS, fields=["scopes"])
    code = new_code()
    invitation = Invitation(
        code_hash=code_hash(code),
        kind=kind,
        client_id=client_id if kind is not InvitationKind.STAFF else None,
        staff_id=staff_id if kind is InvitationKind.STAFF else None,
        scopes=in_scope_order(scopes or ()) if kind is InvitationKind.RELATIVE else None,
        relative_first_name=relative_first_name if kind is InvitationKind.RELATIVE else None,
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
        scopes=[s.value for s in invitation.scopes or ()],
    )
    return Issued(invitation, code)


async def _failed_attempts(session: AsyncSession, now: datetime, actor: str | None) -> int:
    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == REDEEM_FAILED)
        .where(AuditEvent.at >= now - ATTEMPT_WINDOW)
    )
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    return (await session.exec(query)).one()


async def _throttle(session: AsyncSession, who: str, now: datetime) -> None:
    mine = await _failed_attempts(session, now, who)
    if mine >= MAX_FAILED_ATTEMPTS or await _failed_attempts(session, now, None) >= (
        MAX_FAILED_OVERALL
    ):
        retry_after = int(ATTEMPT_WINDOW.total_seconds())
        raise TooManyAttempts(ErrorCode.TOO_MANY_ATTEMPTS, retry_after=retry_after)


@dataclass(frozen=True)
class RedeemFailure:
    code: ErrorCode


async def _claim(session: AsyncSession, invitation: Invitation, now: datetime) -> bool:
    """Take the code for this redemption in one conditional UPDATE: of any number of
    redemptions racing, one changes the row, and the others see it used."""
    result = await session.exec(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id)
        .where(col(Invitation.used_at).is_(None))
        .where(col(Invitation.expires_at) > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


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
    who = f"telegram:{telegram_user_id}"
    await _throttle(session, who, now)
    invitation = (
        await session.exec(select(Invitation).where(Invitation.code_hash == code_hash(code)))
    ).first()
    account = (
        await session.exec(
            select(ChatAccount).where(ChatAccount.telegram_user_id == telegram_user_id)
        )
    ).first()
    failure = None
    if invitation is None:
        failure = ErrorCode.INVALID_CODE
    elif invitation.used_at is not None:
        failure = ErrorCode.CODE_USED
    elif invitation.expires_at <= now:
        failure = ErrorCode.CODE_EXPIRED
    elif account is not None and (
        invitation.kind is not InvitationKind.RELATIVE or account.relative_id is None
    ):
        raise Conflict(ErrorCode.ALREADY_LINKED)
    elif not await _claim(session, invitation, now):
        failure = ErrorCode.CODE_USED  # another redemption took it a moment ago
    if failure is not None or invitation is None:
        audit.record(
            session,
            actor=who,
            action=REDEEM_FAILED,
            entity="invitation",
            at=now,  # the attempt window is measured on the same clock
            reason=failure,
        )
        return RedeemFailure(failure or ErrorCode.INVALID_CODE)
    await session.refresh(invitation)

    if invitation.kind is InvitationKind.CLIENT:
        account = await _link_client(session, invitation, account, telegram_user_id, chat_id, now)
        client = await session.get(Client, invitation.client_id)
        if account.id is None:  # a new account: the chat's language, else the client's
            given = locale if locale in LOCALES else None
            account.locale = given or (client.preferred_language if client else "sv")
    if account is None:
        account = ChatAccount(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            locale=locale if locale in LOCALES else "sv",
            linked_at=now,
        )
    account.blocked_at = None
    if invitation.kind is InvitationKind.STAFF:
        account.staff_id = invitation.staff_id
    elif invitation.kind is InvitationKind.RELATIVE:
        await _link_relative(session, invitation, account, first_name, now)
    session.add(account)
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
            relatives=None,  # who else has access is the client's to know
        )
    return account


async def _link_client(
    session: AsyncSession,
    invitation: Invitation,
    account: ChatAccount | None,
    telegram_user_id: int,
    chat_id: int,
    now: datetime,
) -> ChatAccount:
    """A client has one chat account: a new code moves it to the new Telegram account (a new
    phone), and the old one sees nothing more. There is never a second "Lisa"."""
    assert account is None  # a linked account was refused before the code was claimed
    existing = (
        await session.exec(
            select(ChatAccount).where(ChatAccount.client_id == invitation.client_id)
        )
    ).first()
    if existing is None:
        return ChatAccount(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            client_id=invitation.client_id,
            linked_at=now,
        )
    audit.record(
        session,
        actor="system",
        action="chat.move",
        entity="chat_account",
        entity_id=existing.id,
        client_id=invitation.client_id,
    )
    existing.telegram_user_id = telegram_user_id
    existing.chat_id = chat_id
    existing.linked_at = now
    return existing


async def _link_relative(
    session: AsyncSession,
    invitation: Invitation,
    account: ChatAccount,
    first_name: str | None,
    now: datetime,
) -> None:
    assert invitation.client_id is not None and invitation.scopes
    if account.relative_id is None:
        relative = Relative(first_name=invitation.relative_first_name or first_name or "")
        session.add(relative)
        await session.flush()
        account.relative_id = relative.id
    link = await access.active_link(
        session, relative_id=account.relative_id or 0, client_id=invitation.client_id
    )
    if link is None:
        link = RelativeLink(
            relative_id=account.relative_id or 0, client_id=invitation.client_id, granted_at=now
        )
    link.scopes = in_scope_order(invitation.scopes)  # the client's latest word
    session.add(link)


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

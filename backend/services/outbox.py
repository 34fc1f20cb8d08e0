"""The notification outbox: written with the change that causes it, delivered at least once.

The bot's notifier claims rows with a lease, sends them within Telegram's limits and
acknowledges each right after Telegram answers, so a crash can only repeat the messages that
were in flight (at most one per chat). A notification Telegram refuses on every attempt
becomes a dead letter, which the managers of its unit see and can send again.

Relatives are told only what their consent covers: news of the visits with the visits scope,
of requests with the requests scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, union_all, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import NotFound
from backend.models import (
    ChatAccount,
    Client,
    Notification,
    NotifyLevel,
    RelativeLink,
    Scope,
    Staff,
    Urgency,
)
from contract import DeliveryFailure, ErrorCode, Message

LEVEL_ADMITS: dict[NotifyLevel, frozenset[Urgency]] = {
    NotifyLevel.ALL: frozenset(Urgency),
    NotifyLevel.CHANGES: frozenset({Urgency.CHANGE, Urgency.URGENT}),
    NotifyLevel.URGENT: frozenset({Urgency.URGENT}),
}
MAX_BACKOFF = timedelta(hours=1)
# Claims of one notification before it is a dead letter: with the backoff below, about three
# hours of Telegram refusing it (each claim itself retries a few times, see bot.delivery).
MAX_DELIVERY_ATTEMPTS = 10


def _enqueue(
    session: AsyncSession,
    accounts: Iterable[ChatAccount],
    message: Message,
    urgency: Urgency,
    now: datetime,
    *,
    client_id: int | None,
    unit_id: int | None,
) -> int:
    count = 0
    for account in accounts:
        if account.blocked_at is not None or urgency not in LEVEL_ADMITS[account.notify_level]:
            continue
        assert account.id is not None
        session.add(
            Notification(
                chat_account_id=account.id,
                client_id=client_id,
                unit_id=unit_id,
                kind=message.kind.value,
                urgency=urgency,
                message=message,
                created_at=now,
                available_at=now,
            )
        )
        count += 1
    if count:
        session.info["outbox_written"] = True  # wake the notifier after the commit
    return count


# The client's chat accounts and those of relatives with consent in force, each relative's
# with the scopes of that consent (None for the client's own): one statement, two index
# probes (built once, bound parameters).
_CLIENT_AND_RELATIVES_ACCOUNTS = (
    select(ChatAccount, RelativeLink.scopes)  # type: ignore[call-overload]
    .outerjoin(
        RelativeLink,
        and_(
            col(RelativeLink.relative_id) == ChatAccount.relative_id,
            col(RelativeLink.client_id) == bindparam("client_id"),
            col(RelativeLink.revoked_at).is_(None),
        ),
    )
    .where(
        col(ChatAccount.id).in_(
            union_all(
                select(ChatAccount.id).where(ChatAccount.client_id == bindparam("client_id")),
                select(ChatAccount.id)
                .join(RelativeLink, col(RelativeLink.relative_id) == ChatAccount.relative_id)
                .where(RelativeLink.client_id == bindparam("client_id"))
                .where(col(RelativeLink.revoked_at).is_(None)),
            )
        )
    )
    .order_by(col(ChatAccount.id))
)


async def notify_client(
    session: AsyncSession,
    *,
    client_id: int,
    message: Message,
    urgency: Urgency,
    now: datetime,
    relatives: Scope | None,
) -> int:
    """Queue ``message`` for the client and every relative whose consent includes the scope
    ``relatives`` (None: for the client alone)."""
    client = await session.get(Client, client_id)
    if client is None or client.erased_at is not None:
        return 0
    rows = await session.exec(_CLIENT_AND_RELATIVES_ACCOUNTS, params={"client_id": client_id})
    accounts = [
        account
        for account, consent in rows.all()
        if account.client_id == client_id or (relatives is not None and relatives in consent)
    ]
    return _enqueue(
        session,
        accounts,
        message,
        urgency,
        now,
        client_id=client_id,
        unit_id=client.unit_id,
    )


# The chat accounts of staff members, with their unit (built once, bound parameters).
_STAFF_ACCOUNTS = (
    select(ChatAccount, Staff.unit_id)
    .join(Staff, col(Staff.id) == ChatAccount.staff_id)
    .where(col(ChatAccount.staff_id).in_(bindparam("staff_ids", expanding=True)))
)


async def notify_staff(
    session: AsyncSession,
    *,
    staff_ids: Iterable[int],
    message: Message,
    urgency: Urgency,
    now: datetime,
    client_id: int | None = None,
    once: bool = False,
) -> int:
    """Queue ``message`` for the staff members' chat accounts. ``once``: not for an account
    that still waits for the same kind of message about the same client ("a new wish from
    Lisa is waiting" says it for all of a day away's requests)."""
    ids = list(staff_ids)
    if not ids:
        return 0
    accounts = (await session.exec(_STAFF_ACCOUNTS, params={"staff_ids": ids})).all()
    told = set()
    if once and client_id is not None and accounts:
        params = {
            "kind": message.kind.value,
            "client_id": client_id,
            "account_ids": [account.id for account, _unit_id in accounts],
        }
        told = set((await session.exec(_WAITING_ABOUT_CLIENT, params=params)).all())
    count = 0
    for account, unit_id in accounts:
        if account.id in told:
            continue
        count += _enqueue(
            session, [account], message, urgency, now, client_id=client_id, unit_id=unit_id
        )
    return count


def _waiting(notification: Any) -> Any:
    """Still to be delivered: not delivered, dropped or given up on (the partial index's
    condition, ``models.NOTIFICATION_WAITING``)."""
    return and_(
        col(notification.delivered_at).is_(None),
        col(notification.dropped_reason).is_(None),
        col(notification.dead_at).is_(None),
    )


# Of these chat accounts, those that still wait for a message of a kind about a client
# (built once).
_WAITING_ABOUT_CLIENT = (
    select(Notification.chat_account_id)
    .where(col(Notification.chat_account_id).in_(bindparam("account_ids", expanding=True)))
    .where(Notification.kind == bindparam("kind"))
    .where(Notification.client_id == bindparam("client_id"))
    .where(_waiting(Notification))
)


async def claim(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: int
) -> list[tuple[Notification, ChatAccount]]:
    """Lease up to ``limit`` due notifications to one notifier (others skip them).

    A chat's notifications are leased one at a time, oldest first: one is claimable only
    when nothing earlier waits for the same chat. So two notifiers never hold messages to one
    chat at once, and each chat reads them in the order they were written ("Anna is 20
    minutes late" never after "Anna has arrived"). A message waiting for a retry holds back
    the later ones to its chat until it is delivered or given up on."""
    earlier = aliased(Notification)
    earlier_waits = (
        select(earlier.id)
        .where(earlier.chat_account_id == Notification.chat_account_id)
        .where(col(earlier.id) < Notification.id)
        .where(_waiting(earlier))
        .exists()
    )
    query = (
        select(Notification, ChatAccount)
        .join(ChatAccount, col(ChatAccount.id) == Notification.chat_account_id)
        .where(_waiting(Notification))
        .where(Notification.available_at <= now)
        .where(
            or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now)
        )
        .where(~earlier_waits)
        .order_by(col(Notification.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Notification)  # type: ignore[arg-type]
    rows = list((await session.exec(query)).all())
    lease_end = now + timedelta(seconds=lease_seconds)
    for notification, _account in rows:
        notification.claimed_until = lease_end
        notification.attempts += 1
        session.add(notification)
    return rows


async def _get(session: AsyncSession, notification_id: int) -> Notification:
    notification = await session.get(Notification, notification_id)
    if notification is None:
        raise NotFound(ErrorCode.NOTIFICATION_NOT_FOUND)
    return notification


async def acknowledge(session: AsyncSession, *, notification_id: int, now: datetime) -> None:
    notification = await _get(session, notification_id)
    if notification.delivered_at is None:
        notification.delivered_at = now
        session.add(notification)


async def report_failure(
    session: AsyncSession,
    *,
    notification_id: int,
    now: datetime,
    retry_after: float | None = None,
    blocked: bool = False,
    reason: DeliveryFailure | None = None,
) -> None:
    """A failed delivery: retry later with a growing pause; after the last attempt (or at
    once when Telegram refused the message itself) a dead letter for the unit's managers.
    A blocked chat is marked and what waits for it dropped."""
    notification = await _get(session, notification_id)
    if notification.delivered_at is not None or notification.dead_at is not None:
        return  # a late report about a notification that has its ending already
    if blocked:
        account = await session.get(ChatAccount, notification.chat_account_id)
        assert account is not None
        account.blocked_at = now
        session.add(account)
        await session.exec(
            update(Notification)
            .where(col(Notification.chat_account_id) == account.id)
            .where(col(Notification.delivered_at).is_(None))
            .values(dropped_reason="blocked")
        )
        return
    notification.failure = reason
    notification.claimed_until = None
    if notification.attempts >= MAX_DELIVERY_ATTEMPTS or reason is DeliveryFailure.BAD_REQUEST:
        notification.dead_at = now
        session.add(notification)
        return
    backoff = (
        timedelta(seconds=retry_after)
        if retry_after is not None
        else min(MAX_BACKOFF, timedelta(seconds=5 * 2 ** min(notification.attempts, 10)))
    )
    notification.available_at = now + backoff
    session.add(notification)


async def dead_letters(
    session: AsyncSession, *, unit_id: int
) -> list[tuple[Notification, ChatAccount]]:
    """The unit's notifications that could not be delivered, newest first."""
    rows = await session.exec(
        select(Notification, ChatAccount)
        .join(ChatAccount, col(ChatAccount.id) == Notification.chat_account_id)
        .where(Notification.unit_id == unit_id)
        .where(col(Notification.dead_at).is_not(None))
        .order_by(col(Notification.dead_at).desc(), col(Notification.id).desc())
        .limit(500)
    )
    return list(rows.all())


async def send_again(
    session: AsyncSession, *, unit_id: int, notification_id: int, now: datetime
) -> Notification:
    """A manager sends a dead letter again (Telegram is back): it is due now, with a fresh
    count of attempts."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.unit_id != unit_id or notification.dead_at is None:
        raise NotFound(ErrorCode.NOTIFICATION_NOT_FOUND)
    notification.dead_at = None
    notification.failure = None
    notification.attempts = 0
    notification.available_at = now
    notification.claimed_until = None
    session.add(notification)
    session.info["outbox_written"] = True
    return notification

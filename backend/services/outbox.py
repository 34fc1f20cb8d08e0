"""The notification outbox: written with the change that causes it, delivered at least once.

The bot's notifier claims rows with a lease, sends them within Telegram's limits and
acknowledges each right after Telegram answers, so a crash can only repeat the one message
that was in flight.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import NotFound
from backend.models import ChatAccount, Notification, NotifyLevel, RelativeLink, Urgency
from contract import ErrorCode, Message

LEVEL_ADMITS: dict[NotifyLevel, frozenset[Urgency]] = {
    NotifyLevel.ALL: frozenset(Urgency),
    NotifyLevel.CHANGES: frozenset({Urgency.CHANGE, Urgency.URGENT}),
    NotifyLevel.URGENT: frozenset({Urgency.URGENT}),
}
MAX_BACKOFF = timedelta(hours=1)


def _enqueue(
    session: AsyncSession,
    accounts: Iterable[ChatAccount],
    message: Message,
    urgency: Urgency,
    now: datetime,
) -> int:
    count = 0
    for account in accounts:
        if account.blocked_at is not None or urgency not in LEVEL_ADMITS[account.notify_level]:
            continue
        assert account.id is not None
        session.add(
            Notification(
                chat_account_id=account.id,
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


async def notify_client(
    session: AsyncSession,
    *,
    client_id: int,
    message: Message,
    urgency: Urgency,
    now: datetime,
    include_relatives: bool = True,
) -> int:
    """Queue ``message`` for the client and (unless ``include_relatives`` is false) every
    relative the client has consented to."""
    recipients = col(ChatAccount.client_id) == client_id
    if include_relatives:
        relative_ids = (
            select(RelativeLink.relative_id)
            .where(RelativeLink.client_id == client_id)
            .where(col(RelativeLink.revoked_at).is_(None))
        )
        recipients = or_(recipients, col(ChatAccount.relative_id).in_(relative_ids))
    accounts = await session.exec(select(ChatAccount).where(recipients))
    return _enqueue(session, accounts.all(), message, urgency, now)


async def notify_staff(
    session: AsyncSession,
    *,
    staff_ids: Iterable[int],
    message: Message,
    urgency: Urgency,
    now: datetime,
) -> int:
    ids = list(staff_ids)
    if not ids:
        return 0
    accounts = await session.exec(select(ChatAccount).where(col(ChatAccount.staff_id).in_(ids)))
    return _enqueue(session, accounts.all(), message, urgency, now)


async def claim(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: int
) -> list[tuple[Notification, ChatAccount]]:
    """Lease up to ``limit`` due notifications to one notifier (others skip them)."""
    query = (
        select(Notification, ChatAccount)
        .join(ChatAccount, col(ChatAccount.id) == Notification.chat_account_id)
        .where(col(Notification.delivered_at).is_(None))
        .where(col(Notification.dropped_reason).is_(None))
        .where(Notification.available_at <= now)
        .where(
            or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now)
        )
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
) -> None:
    """A failed delivery: retry later, or mark the chat blocked and drop what waits for it."""
    notification = await _get(session, notification_id)
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
    backoff = (
        timedelta(seconds=retry_after)
        if retry_after is not None
        else min(MAX_BACKOFF, timedelta(seconds=5 * 2 ** min(notification.attempts, 10)))
    )
    notification.available_at = now + backoff
    notification.claimed_until = None
    session.add(notification)

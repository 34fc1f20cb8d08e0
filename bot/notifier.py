"""Delivers the backend's outbox to Telegram: at least once, in order per chat, within limits.

Each notification is acknowledged right after Telegram accepted it, so only a crash in that
instant can repeat one message; a blocked chat is reported and skipped from then on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot import texts
from bot.backend_client import BackendClient, BackendError, UnknownNotification
from bot.delivery import DeliveryFailed, RecipientBlocked, Sender
from contract import (
    ActedForClient,
    DeliveryFailure,
    Message,
    NotificationKind,
    NotificationPublic,
    OnBehalf,
    PersonKind,
    RejectReason,
    RelativeAccessChanged,
    RelativeLinked,
    RequestDecided,
    RequestExpired,
    RequestForStaff,
    RequestStatus,
    SomeoneNew,
    StaffLate,
)

log = logging.getLogger(__name__)
WAKE_CHANNEL = "ramtid:outbox"


def _about(name: str, recipient: PersonKind) -> str:
    """Relatives follow someone else: say whose visit it is."""
    if recipient is PersonKind.RELATIVE and name:
        return _("About {name}:").format(name=texts.escape(name)) + "\n"
    return ""


def render(notification: NotificationPublic | UnknownNotification) -> str:
    """The notification in the recipient's language (call inside ``i18n.use_locale``)."""
    if isinstance(notification, UnknownNotification):
        return _("There is news about your home care. Look at “Today”.")
    return render_message(notification.message, notification.recipient)


def render_message(m: Message, recipient: PersonKind) -> str:
    if isinstance(m, RequestDecided):
        # What was asked, from the visit as it was then: the visit itself may have moved.
        change = texts.change_text(m.change, m.before.start if m.before else None)
        about = _about(m.client_first_name, recipient)
        if m.status is RequestStatus.APPROVED:
            return about + _("Good news: {name} approved your request.\n{change}").format(
                name=texts.escape(m.decided_by_first_name), change=change
            )
        reason = texts.REJECT_REASONS.get(m.reject_reason or RejectReason.OTHER, "")
        text = about + _("Your request was not possible: {reason}.\n{change}").format(
            reason=reason, change=change
        )
        if m.reject_text:
            text += f"\n“{texts.escape(m.reject_text)}”"
        return text
    if isinstance(m, RequestExpired):
        start = m.before.start if m.before else m.change.new_start
        assert start is not None  # an extra visit has a new start
        return _about(m.client_first_name, recipient) + _(
            "The visit {day} at {time} has passed before your request was decided."
        ).format(day=texts.fmt_day(start), time=texts.fmt_time(start))
    if isinstance(m, StaffLate):
        return _about(m.client_first_name, recipient) + _(
            "{name} is running about {minutes} late for the visit at {time}."
        ).format(
            name=texts.escape(m.staff_first_name),
            minutes=texts.fmt_duration(m.late_minutes),
            time=texts.fmt_time(m.visit_start),
        )
    if isinstance(m, SomeoneNew):
        return _about(m.client_first_name, recipient) + _(
            "Someone new is coming: {name} will come on {day} at {time}."
        ).format(
            name=texts.escape(m.staff_first_name),
            day=texts.fmt_day(m.visit_start),
            time=texts.fmt_time(m.visit_start),
        )
    if isinstance(m, RelativeLinked):
        return _("{name} can now see your visits. You can change this in Settings.").format(
            name=texts.escape(m.relative_first_name)
        )
    if isinstance(m, ActedForClient):
        change = texts.change_text(m.change, m.before.start if m.before else None)
        done = (
            _("{name} asked for a change for you:\n{change}")
            if m.action is OnBehalf.REQUEST_SUBMITTED
            else _("{name} withdrew a request of yours:\n{change}")
        )
        return done.format(name=texts.escape(m.by_first_name), change=change)
    if isinstance(m, RelativeAccessChanged):
        name, by = texts.escape(m.relative_first_name), texts.escape(m.by_first_name)
        if not m.scopes:
            return _("{by} has ended {name}'s access to your data.").format(by=by, name=name)
        return _("{by} changed what {name} may do: {scopes}.").format(
            by=by, name=name, scopes=", ".join(texts.scope_text(s) for s in m.scopes)
        )
    assert isinstance(m, RequestForStaff)
    name = texts.escape(m.client_first_name)
    if m.kind is NotificationKind.REQUEST_TO_DECIDE:
        return _(
            "A new request from {name} is waiting for you. Open “Requests to decide”."
        ).format(name=name)
    if m.kind is NotificationKind.REQUEST_HANDED_OVER:
        return _("A request from {name} was passed to the planners.").format(name=name)
    if m.kind is NotificationKind.REQUEST_ESCALATED:
        return _("A request from {name} has waited too long and needs a decision.").format(
            name=name
        )
    return _("{name} withdrew a request.").format(name=name)


def failure_reason(exc: Exception) -> DeliveryFailure:
    """What Telegram said, for the manager's list of notifications it never took."""
    if isinstance(exc, TelegramBadRequest):
        return DeliveryFailure.BAD_REQUEST
    cause = exc.__cause__
    if isinstance(cause, TelegramRetryAfter):
        return DeliveryFailure.RATE_LIMITED
    if isinstance(cause, TelegramServerError):
        return DeliveryFailure.TELEGRAM_ERROR
    return DeliveryFailure.NETWORK


class Notifier:
    def __init__(
        self,
        backend: BackendClient,
        sender: Sender,
        i18n: I18n,
        *,
        batch: int = 50,
        lease_seconds: int = 120,
        idle_seconds: float = 2.0,
        redis: Redis | None = None,
    ) -> None:
        self.backend = backend
        self.sender = sender
        self.i18n = i18n
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.idle_seconds = idle_seconds
        self.redis = redis
        self.wake = asyncio.Event()

    async def deliver_once(self) -> int:
        """Claim one batch and deliver it; returns how many were claimed."""
        batch = await self.backend.claim(limit=self.batch, lease_seconds=self.lease_seconds)
        await asyncio.gather(*(self._deliver(n) for n in batch))
        return len(batch)

    async def _deliver(self, notification: NotificationPublic | UnknownNotification) -> None:
        nid = notification.id
        with self.i18n.context(), self.i18n.use_locale(notification.locale):
            text = render(notification)
        try:
            await self.sender.send(notification.chat_id, text)
        except RecipientBlocked:
            log.info("notification %s: chat blocked the bot; skipping it from now on", nid)
            await self.backend.fail(nid, blocked=True)
            return
        except (DeliveryFailed, TelegramBadRequest) as exc:
            reason = failure_reason(exc)
            log.warning("notification %s not delivered (%s)", nid, reason)
            await self.backend.fail(nid, reason=reason)
            return
        await self.backend.ack(nid)

    async def run(self) -> None:
        """Deliver until cancelled; sleep when idle unless woken through Redis."""
        listener = asyncio.create_task(self._listen()) if self.redis is not None else None
        try:
            while True:
                try:
                    claimed = await self.deliver_once()
                except BackendError as exc:
                    log.warning("outbox unavailable (%s); retrying", exc.code)
                    claimed = 0
                if claimed:
                    continue
                # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives
                # as its timeout fires, and this loop would then never end.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.idle_seconds):
                        await self.wake.wait()
                self.wake.clear()
        finally:
            if listener is not None:
                listener.cancel()

    async def _listen(self) -> None:
        assert self.redis is not None
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(WAKE_CHANNEL)
        try:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    self.wake.set()
        finally:
            await pubsub.aclose()

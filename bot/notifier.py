"""Delivers the backend's outbox to Telegram: at least once, in order per chat, within limits.

Each notification is acknowledged right after Telegram accepted it, so only a crash in that
instant can repeat one message; a blocked chat is reported and skipped from then on.
``stop()`` ends the delivery without that instant: the message already handed to Telegram is
finished and acknowledged, the ones still waiting go back to the outbox unsent.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis

from backend.prometheus import REGISTRY
from bot.backend_client import BackendClient, BackendError, UnknownNotification
from bot.delivery import DeliveryFailed, DeliveryStopped, RecipientBlocked, Sender
from bot.texts.notifications import render
from contract import DeliveryFailure, NotificationPublic, metrics

log = logging.getLogger(__name__)
WAKE_CHANNEL = "ramtid:outbox"


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
        self.stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the message in flight and its acknowledgement, send no other, and let
        ``run()`` return."""
        self.stopping.set()
        self.wake.set()

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
            await self.sender.send(notification.chat_id, text, stop=self.stopping)
        except DeliveryStopped:
            await self._release(nid)
            return
        except RecipientBlocked:
            log.info("notification %s: chat blocked the bot; skipping it from now on", nid)
            REGISTRY.inc(metrics.NOTIFICATIONS_SENT, "blocked")
            await self.backend.fail(nid, blocked=True)
            return
        except (DeliveryFailed, TelegramBadRequest) as exc:
            reason = failure_reason(exc)
            log.warning("notification %s not delivered (%s)", nid, reason)
            REGISTRY.inc(metrics.NOTIFICATIONS_SENT, "failed")
            await self.backend.fail(nid, reason=reason)
            return
        REGISTRY.inc(metrics.NOTIFICATIONS_SENT, "delivered")
        if isinstance(notification, NotificationPublic):
            lag = (datetime.now(UTC) - notification.created_at).total_seconds()
            REGISTRY.observe(metrics.OUTBOX_LAG, max(lag, 0.0), notification.urgency.value)
        await self.backend.ack(nid)

    async def _release(self, nid: int) -> None:
        """Give a claimed notification back to the outbox, due at once, for the next
        notifier (else it waits for its lease to end)."""
        try:
            await self.backend.fail(nid, retry_after=0)
        except BackendError as exc:
            log.warning("notification %s not released (%s); its lease will end", nid, exc.code)

    async def run(self) -> None:
        """Deliver until ``stop()`` (or cancelled); sleep when idle unless woken through
        Redis.

        Up to ``batch`` messages are on their way at once, and more are claimed as soon as
        half of them have left: a chat that must wait its second for a second message holds
        up only that message, not the next batch, so the pace Telegram allows is kept."""
        listener = asyncio.create_task(self._listen()) if self.redis is not None else None
        sending: set[asyncio.Task[None]] = set()
        try:
            while not self.stopping.is_set():
                if len(sending) <= self.batch // 2 and await self._claim_more(sending):
                    continue
                await self._until_something_happens(sending)
        finally:
            # Stopped: each message sees ``stopping`` (sent and acknowledged, or given back).
            # Cancelled: so are they.
            if not self.stopping.is_set():
                for task in sending:
                    task.cancel()
            if sending:
                await asyncio.wait(sending)
            if listener is not None:
                await _cancel_and_wait(listener)

    async def _claim_more(self, sending: set[asyncio.Task[None]]) -> int:
        """Claim what there is room for and start delivering it; returns how many."""
        try:
            batch = await self.backend.claim(
                limit=self.batch - len(sending), lease_seconds=self.lease_seconds
            )
        except BackendError as exc:
            log.warning("outbox unavailable (%s); retrying", exc.code)
            return 0
        # In claim order: a chat's messages queue for its turn in the order they were written.
        for notification in batch:
            task = asyncio.create_task(self._deliver_reported(notification))
            sending.add(task)
            task.add_done_callback(sending.discard)
        return len(batch)

    async def _until_something_happens(self, sending: set[asyncio.Task[None]]) -> None:
        """Wait until a message has left (room to claim more), the outbox is woken, or
        ``idle_seconds`` have passed."""
        woken = asyncio.create_task(self.wake.wait())
        try:
            await asyncio.wait(
                {woken, *sending},
                timeout=self.idle_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            woken.cancel()
        self.wake.clear()

    async def _deliver_reported(
        self, notification: NotificationPublic | UnknownNotification
    ) -> None:
        """``_deliver``, with the backend's failures reported, not raised: the lease ends
        and the notification is claimed again."""
        try:
            await self._deliver(notification)
        except BackendError as exc:
            log.warning("notification %s: outbox unavailable (%s)", notification.id, exc.code)

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


async def _cancel_and_wait(task: asyncio.Task[None]) -> None:
    """Cancel ``task`` and let it finish (the Redis listener closes its connection)."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        log.warning("the outbox listener ended with %s", type(task.exception()).__name__)

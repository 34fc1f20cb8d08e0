"""The outbox drained as a notifier drains it, for tests that read what people are sent."""

from __future__ import annotations

from bot.backend_client import BackendClient, UnknownNotification
from contract import NotificationPublic

Claimed = NotificationPublic | UnknownNotification


async def drain(backend: BackendClient, kind: str | None = None) -> list[Claimed]:
    """Claim and acknowledge until nothing is due (a chat's messages come one at a time,
    each once the one before it is delivered); what was claimed, in order, of ``kind``."""
    taken: list[Claimed] = []
    while batch := await backend.claim(limit=100):
        for notification in batch:
            await backend.ack(notification.id)
        taken += batch
    return [n for n in taken if kind is None or n.message.kind == kind]

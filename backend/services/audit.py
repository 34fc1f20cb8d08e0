"""The audit log: every staff read of client data and every change, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import AuditEvent


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    client_id: int | None = None,
    at: datetime | None = None,
    **details: Any,
) -> AuditEvent:
    """Record an event; ``at`` is the app's clock, needed when a rule reads the time back."""
    event = AuditEvent(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        client_id=client_id,
        details=details,
    )
    if at is not None:
        event.at = at
    session.add(event)
    return event

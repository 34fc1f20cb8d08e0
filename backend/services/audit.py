"""The audit log: every staff read of client data and every change, in the same transaction."""

from __future__ import annotations

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
    **details: Any,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        client_id=client_id,
        details=details,
    )
    session.add(event)
    return event

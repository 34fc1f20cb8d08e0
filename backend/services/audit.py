"""The audit log: every staff read of client data and every change, in the same transaction.

An event holds who (an actor label and, for staff, their id), what (an action on an entity),
which client, and codes and numbers: never a name or a text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, insert, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import AuditEvent, ChatAccount, Client, Relative, Staff, StaffRole, now_utc
from contract import TZ, PersonKind

# A staff member looked at a client's data (``details["what"]``: visits, notes, day, ...).
CLIENT_READ = "client.read"
READ_ACTIONS = (CLIENT_READ, "followup.read", "client.export")
STAFF_LABEL = "staff:"


def staff_label(staff_id: int | None) -> str:
    """The actor label of a staff member (``staff:7``): the one place that spells it."""
    return f"{STAFF_LABEL}{staff_id}"


def staff_id_of(actor: str) -> int | None:
    """The staff member behind an actor label (``staff:7``), or None."""
    number = actor.removeprefix(STAFF_LABEL)
    return int(number) if actor.startswith(STAFF_LABEL) and number.isdigit() else None


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
        staff_id=staff_id_of(actor),
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


def record_read(session: AsyncSession, *, actor: str, client_id: int, what: str) -> AuditEvent:
    """A staff member read this client's ``what`` (visits, frame, notes, requests, ...)."""
    return record(
        session,
        actor=actor,
        action=CLIENT_READ,
        entity="client",
        entity_id=client_id,
        client_id=client_id,
        what=what,
    )


async def record_reads(
    session: AsyncSession,
    *,
    actor: str,
    client_ids: Iterable[int],
    what: str,
    action: str = CLIENT_READ,
    entity: str = "client",
    entity_id: int | None = None,
    **details: Any,
) -> None:
    """One read event per client, written in one go (one prepared INSERT, its rows sent
    together): a list of many clients (the day, the queue, the follow-up) costs one round
    trip, however long it is."""
    ids = sorted(set(client_ids))
    if not ids:
        return
    at = now_utc()
    staff_id = staff_id_of(actor)
    await session.exec(
        _READ_EVENT,
        params=[
            {
                "at": at,
                "actor": actor,
                "staff_id": staff_id,
                "action": action,
                "entity": entity,
                "entity_id": client_id if entity_id is None else entity_id,
                "client_id": client_id,
                "details": {"what": what, **details},
            }
            for client_id in ids
        ],
    )


# The table's own INSERT (its columns' types, no ORM bookkeeping), built once.
_READ_EVENT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    staff_first_name: str | None
    # An event done in the bot by a client or a relative ("chat:12"): who, while the chat
    # account is linked (None once it is unlinked or erased).
    chat_person: PersonKind | None = None
    chat_first_name: str | None = None


MAX_ENTRIES = 500


async def entries(
    session: AsyncSession,
    *,
    client_id: int | None = None,
    staff_id: int | None = None,
    unit_id: int | None = None,
    before_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[Entry]:
    """The newest events about one client or by one staff member (or, with only ``unit_id``,
    the unit's), in [``since``, ``until``), before ``before_id`` (the next page), with the
    acting staff member's first name. With ``unit_id``, events about clients of other units,
    and those about no client by staff of other units, are left out (a staff member may have
    moved between units)."""
    query = select(AuditEvent, Staff.first_name).join(
        Staff, col(Staff.id) == AuditEvent.staff_id, isouter=True
    )
    if unit_id is not None:
        query = query.join(Client, col(Client.id) == AuditEvent.client_id, isouter=True).where(
            or_(
                col(Client.unit_id) == unit_id,
                and_(col(AuditEvent.client_id).is_(None), col(Staff.unit_id) == unit_id),
            )
        )
    if client_id is not None:
        query = query.where(AuditEvent.client_id == client_id)
    if staff_id is not None:
        query = query.where(AuditEvent.staff_id == staff_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    rows = (
        await session.exec(
            query.order_by(col(AuditEvent.id).desc()).limit(min(limit, MAX_ENTRIES))
        )
    ).all()
    chats = [_chat_id(event.actor) for event, _name in rows]
    people = await _chat_people(session, {chat for chat in chats if chat is not None})
    return [
        Entry(event, name, *people.get(chat, (None, None)))
        for (event, name), chat in zip(rows, chats, strict=True)
    ]


def _chat_id(actor: str) -> int | None:
    kind, _, number = actor.partition(":")
    return int(number) if kind == "chat" and number.isdigit() else None


# The person a chat account is linked to, by the account's id (None: no such account).
ChatPeople = dict[int | None, tuple[PersonKind | None, str | None]]


async def _chat_people(session: AsyncSession, ids: set[int]) -> ChatPeople:
    """The client or relative each chat account is linked to, by its id: one statement."""
    if not ids:
        return {}
    rows = await session.exec(
        select(ChatAccount.id, Client.first_name, Relative.first_name)
        .join(Client, col(Client.id) == ChatAccount.client_id, isouter=True)
        .join(Relative, col(Relative.id) == ChatAccount.relative_id, isouter=True)
        .where(col(ChatAccount.id).in_(ids))
    )
    people: ChatPeople = {}
    for chat, client_name, relative_name in rows.all():
        if relative_name is not None:
            people[chat] = (PersonKind.RELATIVE, relative_name)
        elif client_name is not None:
            people[chat] = (PersonKind.CLIENT, client_name)
    return people


@dataclass(frozen=True)
class StaffRead:
    """One staff member's reads of a client's data on one local day."""

    staff_first_name: str
    staff_role: StaffRole
    day: date
    last_at: datetime
    times: int


async def reads_of_client(
    session: AsyncSession, *, client_id: int, since: datetime
) -> list[StaffRead]:
    """Who on the staff looked at the client's data since ``since``: first name, role and
    day, newest first (what they looked at is not shown)."""
    rows = await session.exec(
        select(AuditEvent.at, Staff.id, Staff.first_name, Staff.role)
        .join(Staff, col(Staff.id) == AuditEvent.staff_id)
        .where(AuditEvent.client_id == client_id)
        .where(col(AuditEvent.action).in_(READ_ACTIONS))
        .where(AuditEvent.at >= since)
        .order_by(col(AuditEvent.at).desc())
    )
    grouped: dict[tuple[int, date], StaffRead] = {}
    for at, staff_id, first_name, role in rows.all():
        key = (staff_id or 0, at.astimezone(TZ).date())
        seen = grouped.get(key)
        if seen is None:
            grouped[key] = StaffRead(first_name, StaffRole(role), key[1], at, 1)
        else:
            grouped[key] = StaffRead(
                first_name, seen.staff_role, seen.day, seen.last_at, seen.times + 1
            )
    return sorted(grouped.values(), key=lambda read: read.last_at, reverse=True)

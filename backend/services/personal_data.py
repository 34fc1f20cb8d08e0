"""The client's rights over their data (GDPR articles 15, 17 and 20): everything held about a
client as JSON, and erasure on request of everything the law does not require us to keep.

What is kept, and why (also in the README, "Data subject rights"):

- The social documentation: visit notes (wrong ones too), the visits performed and their
  times, the orders and care plans, the decisions on requests. The Social Services Act
  requires it to be kept (SoL 12 kap. 1 §, 7 kap. 3 §; the archive rules of the municipality),
  so the right to erasure does not reach it (GDPR art. 17.3 b). It keeps the client's name and
  personal identity number, or it could not be found when the law asks for it. From the
  erasure on it is restricted: no chat, no relative, no staff view shows it; only a manager's
  export does.
- The audit log, including the erasure itself: it is how the unit answers for who saw and
  changed what. It holds no names and no text.

What goes: the chat links (Telegram accounts), relatives' consent and, for relatives who
follow nobody else, the relatives themselves and their chat links; invitation codes;
notifications; the client's own words in requests; the area of the address; visits planned
for the future (and their generation: no plan of an erased client makes visits any more);
requests still waiting are withdrawn.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Forbidden, InvalidInput, NotFound
from backend.models import (
    AuditEvent,
    CarePlan,
    ChangeRequest,
    ChatAccount,
    Client,
    GrantedService,
    Invitation,
    Notification,
    Order,
    PlanSlot,
    Relative,
    RelativeLink,
    RequestStatus,
    Staff,
    Unit,
    Visit,
    VisitNote,
    VisitStatus,
)
from backend.services import access, audit
from backend.services.access import Actor
from contract import ErrorCode

# Columns never exported: secrets, not data about the client.
NOT_EXPORTED = {"api_token_hash", "code_hash"}


def _row(row: SQLModel) -> dict[str, Any]:
    return {k: v for k, v in row.model_dump(mode="json").items() if k not in NOT_EXPORTED}


async def client_of_unit(session: AsyncSession, actor: Actor, client_id: int) -> Client:
    """A client of the manager's own unit, erased or not."""
    manager = access.require_manager(actor)
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(ErrorCode.CLIENT_NOT_FOUND)
    if client.unit_id != manager.unit_id:
        raise Forbidden(ErrorCode.OTHER_UNIT)
    return client


async def _all(session: AsyncSession, statement: Any) -> list[Any]:
    return list((await session.exec(statement)).all())


async def export(
    session: AsyncSession, *, actor: Actor, client_id: int, now: datetime
) -> dict[str, Any]:
    """Everything held about the client, as JSON-ready data (for a manager of the unit, or
    the command line). The export itself is audited."""
    client = await client_of_unit(session, actor, client_id)
    return await export_client(session, client=client, actor_label=actor.label, now=now)


async def export_client(
    session: AsyncSession, *, client: Client, actor_label: str, now: datetime
) -> dict[str, Any]:
    assert client.id is not None
    cid = client.id
    orders = await _all(
        session, select(Order).where(Order.client_id == cid).order_by(col(Order.id))
    )
    order_ids = [o.id for o in orders]
    granted = await _all(
        session, select(GrantedService).where(col(GrantedService.order_id).in_(order_ids))
    )
    plans = await _all(
        session, select(CarePlan).where(CarePlan.client_id == cid).order_by(col(CarePlan.id))
    )
    slots = await _all(
        session,
        select(PlanSlot).where(col(PlanSlot.care_plan_id).in_([p.id for p in plans])),
    )
    visits = await _all(
        session, select(Visit).where(Visit.client_id == cid).order_by(col(Visit.planned_start))
    )
    notes = await _all(
        session,
        select(VisitNote)
        .join(Visit, col(Visit.id) == VisitNote.visit_id)
        .where(Visit.client_id == cid)
        .order_by(col(VisitNote.id)),
    )
    requests = await _all(
        session,
        select(ChangeRequest)
        .where(ChangeRequest.client_id == cid)
        .order_by(col(ChangeRequest.id)),
    )
    links = await _all(
        session,
        select(RelativeLink, Relative)
        .join(Relative, col(Relative.id) == RelativeLink.relative_id)
        .where(RelativeLink.client_id == cid)
        .order_by(col(RelativeLink.id)),
    )
    accounts = await _all(session, select(ChatAccount).where(ChatAccount.client_id == cid))
    invitations = await _all(
        session, select(Invitation).where(Invitation.client_id == cid).order_by(col(Invitation.id))
    )
    notifications = await _all(
        session,
        select(Notification).where(Notification.client_id == cid).order_by(col(Notification.id)),
    )
    events = await _all(
        session, select(AuditEvent).where(AuditEvent.client_id == cid).order_by(col(AuditEvent.id))
    )
    staff_ids = {v.staff_id for v in visits} | {n.author_staff_id for n in notes}
    staff_ids |= {client.contact_person_id, client.deputy_id}
    staff = await _all(session, select(Staff).where(col(Staff.id).in_(staff_ids - {None})))
    unit = await session.get(Unit, client.unit_id)
    audit.record(
        session,
        actor=actor_label,
        action="client.export",
        entity="client",
        entity_id=cid,
        client_id=cid,
    )
    return {
        "exported_at": now.isoformat(),
        "client": _row(client),
        "unit": _row(unit) if unit else None,
        "staff": [
            {"id": s.id, "first_name": s.first_name, "last_name": s.last_name, "role": s.role}
            for s in staff
        ],
        "orders": [
            {**_row(o), "services": [_row(g) for g in granted if g.order_id == o.id]}
            for o in orders
        ],
        "care_plans": [
            {**_row(p), "slots": [_row(s) for s in slots if s.care_plan_id == p.id]} for p in plans
        ],
        "visits": [_row(v) for v in visits],
        "visit_notes": [_row(n) for n in notes],
        "requests": [_row(r) for r in requests],
        "relatives": [
            {**_row(link), "first_name": rel.first_name, "last_name": rel.last_name}
            for link, rel in links
        ],
        "chat_accounts": [_row(a) for a in accounts],
        "invitations": [_row(i) for i in invitations],
        "notifications": [_row(n) for n in notifications],
        "audit": [_row(e) for e in events],
    }


@dataclass(frozen=True)
class Erasure:
    """What an erasure removes (or removed), and what it keeps for the law, counted."""

    chat_accounts: int
    relatives: int
    relative_links: int
    invitations: int
    notifications: int
    requests_withdrawn: int
    request_texts: int
    future_visits: int
    kept_visits: int
    kept_notes: int
    kept_requests: int
    kept_audit_events: int

    def as_details(self) -> dict[str, int]:
        return asdict(self)


async def _plan(
    session: AsyncSession, client: Client, now: datetime
) -> tuple[Erasure, dict[str, Any]]:
    """Work out what an erasure of ``client`` would remove and keep (nothing is changed)."""
    cid = client.id
    accounts = await _all(session, select(ChatAccount.id).where(ChatAccount.client_id == cid))
    links = await _all(session, select(RelativeLink).where(RelativeLink.client_id == cid))
    relative_ids = {link.relative_id for link in links}
    others = set(
        await _all(
            session,
            select(RelativeLink.relative_id)
            .where(col(RelativeLink.relative_id).in_(relative_ids))
            .where(RelativeLink.client_id != cid),
        )
    )
    lone = relative_ids - others  # relatives who follow nobody else go with the client
    relative_accounts = await _all(
        session, select(ChatAccount.id).where(col(ChatAccount.relative_id).in_(lone))
    )
    account_ids = [*accounts, *relative_accounts]
    notifications = await _all(
        session,
        select(Notification.id).where(
            (col(Notification.client_id) == cid)
            | col(Notification.chat_account_id).in_(account_ids)
        ),
    )
    invitations = await _all(session, select(Invitation.id).where(Invitation.client_id == cid))
    requests = await _all(session, select(ChangeRequest).where(ChangeRequest.client_id == cid))
    referenced = {r.visit_id for r in requests if r.visit_id is not None}
    notes = await _all(
        session,
        select(VisitNote.id, VisitNote.visit_id)
        .join(Visit, col(Visit.id) == VisitNote.visit_id)
        .where(Visit.client_id == cid),
    )
    noted = {visit_id for _note_id, visit_id in notes}
    future = await _all(
        session,
        select(Visit.id)
        .where(Visit.client_id == cid)
        .where(Visit.planned_start > now)
        .where(Visit.status == VisitStatus.PLANNED)
        .where(col(Visit.actual_start).is_(None)),
    )
    removable = [v for v in future if v not in referenced and v not in noted]
    all_visits = await _all(session, select(Visit.id).where(Visit.client_id == cid))
    events = await _all(session, select(AuditEvent.id).where(AuditEvent.client_id == cid))
    summary = Erasure(
        chat_accounts=len(accounts),
        relatives=len(lone),
        relative_links=len(links),
        invitations=len(invitations),
        notifications=len(notifications),
        requests_withdrawn=sum(r.status is RequestStatus.PENDING for r in requests),
        request_texts=sum(bool(r.note) for r in requests),
        future_visits=len(removable),
        kept_visits=len(all_visits) - len(removable),
        kept_notes=len(notes),
        kept_requests=len(requests),
        kept_audit_events=len(events),
    )
    ids = {
        "accounts": account_ids,
        "lone": lone,
        "notifications": notifications,
        "invitations": invitations,
        "future": future,
        "removable": removable,
    }
    return summary, ids


async def erasure_summary(session: AsyncSession, *, client: Client, now: datetime) -> Erasure:
    """What erasing ``client`` would remove and keep; nothing is changed."""
    return (await _plan(session, client, now))[0]


async def preview_erasure(
    session: AsyncSession, *, actor: Actor, client_id: int, now: datetime
) -> Erasure:
    """What erasing the client would remove and keep; nothing is changed."""
    client = await client_of_unit(session, actor, client_id)
    if client.erased_at is not None:
        raise NotFound(ErrorCode.CLIENT_ERASED)
    return (await _plan(session, client, now))[0]


async def erase(
    session: AsyncSession, *, actor: Actor, client_id: int, confirm_client_id: int, now: datetime
) -> Erasure:
    """Erase the client on request (a manager of the unit), confirmed by naming the client's
    id a second time."""
    client = await client_of_unit(session, actor, client_id)
    if confirm_client_id != client_id:
        raise InvalidInput(ErrorCode.CONFIRMATION_REQUIRED, confirm_client_id=client_id)
    return await erase_client(session, client=client, actor_label=actor.label, now=now)


async def erase_client(
    session: AsyncSession, *, client: Client, actor_label: str, now: datetime
) -> Erasure:
    if client.erased_at is not None:
        raise NotFound(ErrorCode.CLIENT_ERASED)
    cid = client.id
    summary, ids = await _plan(session, client, now)
    accounts = ids["accounts"]
    await session.exec(delete(Notification).where(col(Notification.id).in_(ids["notifications"])))
    await session.exec(
        update(Invitation)
        .where(col(Invitation.used_by_chat_account_id).in_(accounts))
        .values(used_by_chat_account_id=None)
    )
    await session.exec(delete(Invitation).where(col(Invitation.id).in_(ids["invitations"])))
    for who in (
        ChangeRequest.requested_by_chat_account_id,
        ChangeRequest.withdrawn_by_chat_account_id,
    ):
        await session.exec(update(ChangeRequest).where(col(who).in_(accounts)).values({who: None}))
    await session.exec(delete(ChatAccount).where(col(ChatAccount.id).in_(accounts)))
    await session.exec(delete(RelativeLink).where(col(RelativeLink.client_id) == cid))
    await session.exec(delete(Relative).where(col(Relative.id).in_(ids["lone"])))
    await session.exec(
        update(ChangeRequest)
        .where(col(ChangeRequest.client_id) == cid)
        .where(col(ChangeRequest.status) == RequestStatus.PENDING)
        .values(status=RequestStatus.WITHDRAWN, decided_at=now, version=ChangeRequest.version + 1)
    )
    await session.exec(
        update(ChangeRequest).where(col(ChangeRequest.client_id) == cid).values(note="")
    )
    await session.exec(delete(Visit).where(col(Visit.id).in_(ids["removable"])))
    kept_future = [v for v in ids["future"] if v not in ids["removable"]]
    await session.exec(
        update(Visit).where(col(Visit.id).in_(kept_future)).values(status=VisitStatus.CANCELLED)
    )
    client.erased_at = now
    client.address_area = ""
    session.add(client)
    audit.record(
        session,
        actor=actor_label,
        action="client.erase",
        entity="client",
        entity_id=cid,
        client_id=cid,
        counts=summary.as_details(),
    )
    await session.flush()
    return summary

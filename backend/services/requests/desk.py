"""What a decider sees around each waiting request, on the web's queue: who asked (the client
or which relative), the frame check now in numbers (the bot's own check), the visit as it was
and as it would be, and the client's earlier requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import DomainError
from backend.models import ChangeRequest, ChatAccount, Client, Relative, Staff
from backend.services import audit
from backend.services.requests.queries import RequestView, _views, _views_query, queue
from backend.services.requests.use_cases import current_verdict
from contract import TZ, Change, ChangeKind, RequestStatus, Verdict, VisitBefore

HISTORY = 10  # the client's latest decided requests shown beside a waiting one


@dataclass(frozen=True)
class QueueItem:
    view: RequestView
    asked_by_relative: str | None  # the relative's first name; None: the client asked
    verdict: Verdict | None  # the frame check now; None when the visit is gone
    after: VisitBefore | None  # the visit once changed; None when it is cancelled
    history: list[RequestView]  # the client's other requests, newest first


def visit_after(change: Change, before: VisitBefore | None) -> VisitBefore | None:
    """The visit as the request would make it (the shape ``before`` has), None if cancelled."""
    if change.kind is ChangeKind.EXTRA or before is None:
        assert change.new_start is not None and change.new_duration is not None
        return VisitBefore(
            start=change.new_start, duration_minutes=change.new_duration, services=change.services
        )
    if change.kind is ChangeKind.CANCEL:
        return None
    if change.kind is ChangeKind.MOVE:
        assert change.new_start is not None
        return before.model_copy(update={"start": change.new_start})
    if change.kind is ChangeKind.RESIZE:
        return before.model_copy(update={"duration_minutes": change.new_duration})
    if change.kind is ChangeKind.SWAP:
        services = tuple(s for s in before.services if s != change.service)
        return before.model_copy(update={"services": (*services, change.new_service)})
    declined = (*before.declined_services, change.service)
    return before.model_copy(update={"declined_services": declined})


async def _asked_by(session: AsyncSession, account_ids: set[int]) -> dict[int, str]:
    """The relatives among the chat accounts that asked: account id -> first name."""
    if not account_ids:
        return {}
    rows = await session.exec(
        select(ChatAccount.id, Relative.first_name)
        .join(Relative, col(Relative.id) == ChatAccount.relative_id)
        .where(col(ChatAccount.id).in_(account_ids))
    )
    return {account_id: name for account_id, name in rows.all() if account_id is not None}


async def _histories(
    session: AsyncSession, client_ids: set[int], exclude: set[int]
) -> dict[int, list[RequestView]]:
    """Each client's latest decided or ended requests, newest first."""
    found: dict[int, list[RequestView]] = {client_id: [] for client_id in client_ids}
    if not client_ids:
        return found
    rows = await session.exec(
        _views_query()
        .where(col(ChangeRequest.client_id).in_(client_ids))
        .where(ChangeRequest.status != RequestStatus.PENDING)
        .order_by(col(ChangeRequest.created_at).desc(), col(ChangeRequest.id).desc())
        .limit(HISTORY * len(client_ids) * 4)
    )
    for view in _views(rows.all()):
        mine = found[view.request.client_id]
        if view.request.id not in exclude and len(mine) < HISTORY:
            mine.append(view)
    return found


async def queue_items(
    session: AsyncSession, *, staff: Staff, now: datetime, actor_label: str
) -> list[QueueItem]:
    """The staff member's queue (``requests.queue``: theirs, as deputy, and the planners'),
    each request with what the decider needs beside it. The reads are audited."""
    views = (await queue(session, staff=staff, today=now.astimezone(TZ).date())).views
    client_ids = {v.request.client_id for v in views}
    await audit.record_reads(session, actor=actor_label, client_ids=list(client_ids), what="queue")
    relatives = await _asked_by(
        session,
        {v.request.requested_by_chat_account_id for v in views} - {None},  # type: ignore[arg-type]
    )
    histories = await _histories(session, client_ids, {v.request.id or 0 for v in views})
    clients = {
        c.id: c
        for c in (await session.exec(select(Client).where(col(Client.id).in_(client_ids)))).all()
    }
    items = []
    for view in views:
        request = view.request
        try:
            verdict: Verdict | None = await current_verdict(
                session, client=clients[request.client_id], change=request.change, now=now
            )
        except DomainError:  # the visit is gone: the approval would say so too
            verdict = None
        items.append(
            QueueItem(
                view=view,
                asked_by_relative=relatives.get(request.requested_by_chat_account_id or 0),
                verdict=verdict,
                after=visit_after(request.change, request.before),
                history=histories[request.client_id],
            )
        )
    return items

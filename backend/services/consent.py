"""A client's consent to relatives (DESIGN section 4): who may do what, scope by scope.

The client grants and revokes each scope (see the visits, ask for changes on the client's
behalf, read the visit notes) on its own; a link with no scope left has ended. Staff
responsible for the client may end a relative's access on the client's word (never grant
one), and the client is told. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Forbidden, NotFound
from backend.models import Client, Relative, RelativeLink, Scope, Urgency
from backend.services import access, audit, outbox
from backend.services.access import Actor
from contract import ErrorCode, RelativeAccessChanged, in_scope_order


@dataclass(frozen=True)
class LinkView:
    link: RelativeLink
    relative_first_name: str


async def relatives_of(session: AsyncSession, *, actor: Actor, client_id: int) -> list[LinkView]:
    """The relatives the client has let in (for the client, or staff of the unit)."""
    if actor.staff is None and actor.own_client_id != client_id:
        raise Forbidden(ErrorCode.CLIENT_ONLY)
    await access.client_for(session, actor, client_id, scope=Scope.VISITS, read="relatives")
    rows = await session.exec(
        select(RelativeLink, Relative.first_name)
        .join(Relative, col(Relative.id) == RelativeLink.relative_id)
        .where(RelativeLink.client_id == client_id)
        .where(col(RelativeLink.revoked_at).is_(None))
        .order_by(col(RelativeLink.granted_at), col(RelativeLink.id))
    )
    return [LinkView(link, name) for link, name in rows.all()]


async def _link(session: AsyncSession, client_id: int, link_id: int) -> LinkView:
    row = (
        await session.exec(
            select(RelativeLink, Relative.first_name)
            .join(Relative, col(Relative.id) == RelativeLink.relative_id)
            .where(RelativeLink.id == link_id)
        )
    ).first()
    if row is None or row[0].client_id != client_id:
        raise NotFound(ErrorCode.LINK_NOT_FOUND)
    return LinkView(*row)


async def _set_scopes(
    session: AsyncSession,
    *,
    actor: Actor,
    client: Client,
    view: LinkView,
    scopes: list[Scope],
    now: datetime,
) -> None:
    """Give the link these scopes (none: the link ends), audit it, and tell the client when
    someone else did it."""
    link = view.link
    before = list(link.scopes)
    if link.revoked_at is not None or before == scopes:
        return
    link.scopes = scopes
    if not scopes:
        link.revoked_at = now
    session.add(link)
    audit.record(
        session,
        actor=actor.label,
        action="relative.revoke" if not scopes else "relative.scopes",
        entity="relative_link",
        entity_id=link.id,
        client_id=client.id,
        before=[s.value for s in before],
        after=[s.value for s in scopes],
    )
    if actor.own_client_id != client.id:
        assert client.id is not None
        await outbox.notify_client(
            session,
            client_id=client.id,
            message=RelativeAccessChanged(
                relative_first_name=view.relative_first_name,
                scopes=scopes,
                by_first_name=await access.first_name_of(session, actor),
            ),
            urgency=Urgency.CHANGE,
            now=now,
            relatives=None,
        )


async def revoke_relative(
    session: AsyncSession, *, actor: Actor, client_id: int, link_id: int, now: datetime
) -> LinkView:
    """Consent is revocable at once: the relative sees nothing more from now on."""
    client = await access.acting_for(session, actor, client_id, scope=None)
    view = await _link(session, client_id, link_id)
    await _set_scopes(session, actor=actor, client=client, view=view, scopes=[], now=now)
    return view


async def grant_scope(
    session: AsyncSession,
    *,
    actor: Actor,
    client_id: int,
    link_id: int,
    scope: Scope,
    now: datetime,
) -> LinkView:
    """The client lets a relative do one more thing. Only the client grants: staff may
    only take access away on the client's word."""
    if actor.own_client_id != client_id:
        raise Forbidden(ErrorCode.CLIENT_ONLY)
    client = await access.acting_for(session, actor, client_id, scope=None)
    view = await _link(session, client_id, link_id)
    if view.link.revoked_at is not None:
        raise NotFound(ErrorCode.LINK_NOT_FOUND)  # ended: the relative is invited again
    scopes = in_scope_order({*view.link.scopes, scope})
    await _set_scopes(session, actor=actor, client=client, view=view, scopes=scopes, now=now)
    return view


async def revoke_scope(
    session: AsyncSession,
    *,
    actor: Actor,
    client_id: int,
    link_id: int,
    scope: Scope,
    now: datetime,
) -> LinkView:
    """Take one scope back; the last one taken ends the link."""
    client = await access.acting_for(session, actor, client_id, scope=None)
    view = await _link(session, client_id, link_id)
    scopes = [s for s in view.link.scopes if s is not scope]
    await _set_scopes(session, actor=actor, client=client, view=view, scopes=scopes, now=now)
    return view


async def accessible_clients(
    session: AsyncSession, actor: Actor
) -> list[tuple[Client, list[Scope]]]:
    """The clients a chat account may follow, with what it may do: a client, everything
    about themselves; a relative, what each client consented to."""
    if actor.own_client_id is not None:
        client = await session.get(Client, actor.own_client_id)
        return [(client, list(Scope))] if client and client.erased_at is None else []
    if actor.relative_id is None:
        return []
    rows = await session.exec(
        select(Client, RelativeLink)
        .join(RelativeLink, col(RelativeLink.client_id) == Client.id)
        .where(RelativeLink.relative_id == actor.relative_id)
        .where(col(RelativeLink.revoked_at).is_(None))
        .where(col(Client.erased_at).is_(None))
        .order_by(col(Client.first_name))
    )
    return [(client, in_scope_order(link.scopes)) for client, link in rows.all() if link.scopes]

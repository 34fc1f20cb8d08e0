"""Routes only the bot uses: linking chat accounts, preferences, consent, the outbox."""

from datetime import timedelta

from fastapi import APIRouter, Depends
from sqlmodel import col, or_, select

from backend.errors import Forbidden, InvalidInput
from backend.models import Client, Relative, Staff, Unit
from backend.routes.deps import ActorDep, Now, PathId, SessionDep, require_service
from backend.schemas import notification_public
from backend.services import accounts, audit, consent, outbox
from backend.services.access import Actor
from contract import (
    ClaimIn,
    ClientAccess,
    ErrorCode,
    FailureIn,
    InvitationIn,
    InvitationKind,
    InvitationPublic,
    LinkIn,
    MePublic,
    NotificationPublic,
    PersonKind,
    PreferencesIn,
    RelativePublic,
    Scope,
    StaffReadPublic,
    in_scope_order,
)

router = APIRouter(prefix="/bot", tags=["bot"], dependencies=[Depends(require_service)])
READS_SHOWN = timedelta(days=90)


async def _me(session: SessionDep, actor: Actor) -> MePublic:
    account = actor.chat_account
    assert account is not None and account.id is not None
    clients = await consent.accessible_clients(session, actor)
    unit_id: int | None = clients[0][0].unit_id if clients else None
    contact_person = False
    if actor.staff is not None:
        kind, first_name = PersonKind.STAFF, actor.staff.first_name
        unit_id = actor.staff.unit_id
        # A contact person (or deputy) decides their clients' requests: their menu has the queue.
        contact_person = (
            await session.exec(
                select(Client.id)
                .where(
                    or_(
                        col(Client.contact_person_id) == actor.staff.id,
                        col(Client.deputy_id) == actor.staff.id,
                    )
                )
                .limit(1)
            )
        ).first() is not None
    elif account.client_id is not None:
        client = await session.get(Client, account.client_id)
        kind, first_name = PersonKind.CLIENT, client.first_name if client else ""
    else:
        relative = await session.get(Relative, account.relative_id)
        kind, first_name = PersonKind.RELATIVE, relative.first_name if relative else ""
    # Each client's unit, and the staff member's own: whom to call (a relative may follow
    # clients of two units).
    unit_ids = {c.unit_id for c, _ in clients} | ({unit_id} if unit_id is not None else set())
    phones: dict[int | None, str] = {}
    if unit_ids:
        rows = await session.exec(select(Unit.id, Unit.phone).where(col(Unit.id).in_(unit_ids)))
        phones = dict(rows.all())
    return MePublic(
        chat_account_id=account.id,
        kind=kind,
        first_name=first_name,
        locale=account.locale,
        notify_level=account.notify_level,
        clients=[
            ClientAccess(
                client_id=c.id or 0,
                first_name=c.first_name,
                scopes=scopes,
                unit_phone=phones.get(c.unit_id) or None,
            )
            for c, scopes in clients
        ],
        staff_id=actor.staff.id if actor.staff else None,
        staff_role=actor.staff.role if actor.staff else None,
        contact_person=contact_person,
        unit_phone=phones.get(unit_id) or None,
    )


@router.post("/link", response_model=MePublic)
async def link(body: LinkIn, session: SessionDep, now: Now) -> MePublic:
    """Redeem a one-time invitation code for this Telegram account."""
    result = await accounts.redeem(
        session,
        code=body.code,
        telegram_user_id=body.telegram_user_id,
        chat_id=body.chat_id,
        locale=body.locale,
        first_name=body.first_name,
        now=now,
    )
    if isinstance(result, accounts.RedeemFailure):
        await session.commit()  # keep the record of the failed attempt (it slows retries)
        raise InvalidInput(result.code)
    staff = await session.get(Staff, result.staff_id) if result.staff_id else None
    return await _me(session, Actor(chat_account=result, staff=staff))


@router.get("/me", response_model=MePublic)
async def me(session: SessionDep, actor: ActorDep) -> MePublic:
    return await _me(session, actor)


@router.patch("/me", response_model=MePublic)
async def preferences(body: PreferencesIn, session: SessionDep, actor: ActorDep) -> MePublic:
    """Language and how much to be told (everything, only changes, only urgent)."""
    await accounts.update_preferences(
        session, actor=actor, locale=body.locale, notify_level=body.notify_level
    )
    return await _me(session, actor)


@router.post("/invitations", response_model=InvitationPublic, status_code=201)
async def invite_relative(
    body: InvitationIn, session: SessionDep, actor: ActorDep, now: Now
) -> InvitationPublic:
    """A client invites a relative, choosing what they may do (the scopes)."""
    if body.kind is not InvitationKind.RELATIVE:
        raise InvalidInput(ErrorCode.RELATIVES_ONLY)
    if actor.staff is None and actor.own_client_id != body.client_id:
        raise Forbidden(ErrorCode.CLIENT_ONLY)  # consent to relatives is the client's own
    issued = await accounts.create_invitation(
        session,
        actor=actor,
        kind=body.kind,
        client_id=body.client_id,
        scopes=body.scopes,
        relative_first_name=body.relative_first_name,
        now=now,
    )
    return InvitationPublic(
        code=issued.code, kind=issued.invitation.kind, expires_at=issued.invitation.expires_at
    )


def _relative_public(view: consent.LinkView) -> RelativePublic:
    return RelativePublic(
        link_id=view.link.id or 0,
        first_name=view.relative_first_name,
        scopes=in_scope_order(view.link.scopes),
        granted_at=view.link.granted_at,
    )


@router.get("/clients/{client_id}/relatives", response_model=list[RelativePublic])
async def relatives(
    client_id: PathId, session: SessionDep, actor: ActorDep
) -> list[RelativePublic]:
    """The relatives the client has let in, and what each may do."""
    views = await consent.relatives_of(session, actor=actor, client_id=client_id)
    return [_relative_public(v) for v in views]


@router.delete("/clients/{client_id}/relatives/{link_id}", status_code=204)
async def revoke(
    client_id: PathId, link_id: PathId, session: SessionDep, actor: ActorDep, now: Now
) -> None:
    """End a relative's access at once (the client, or staff responsible for the client on
    the client's word: then the client is told)."""
    await consent.revoke_relative(
        session, actor=actor, client_id=client_id, link_id=link_id, now=now
    )


@router.put(
    "/clients/{client_id}/relatives/{link_id}/scopes/{scope}", response_model=RelativePublic
)
async def grant_scope(
    client_id: PathId,
    link_id: PathId,
    scope: Scope,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RelativePublic:
    """The client lets a relative do one more thing."""
    view = await consent.grant_scope(
        session, actor=actor, client_id=client_id, link_id=link_id, scope=scope, now=now
    )
    return _relative_public(view)


@router.delete(
    "/clients/{client_id}/relatives/{link_id}/scopes/{scope}", response_model=RelativePublic
)
async def revoke_scope(
    client_id: PathId,
    link_id: PathId,
    scope: Scope,
    session: SessionDep,
    actor: ActorDep,
    now: Now,
) -> RelativePublic:
    """Take one scope back; with none left the relative's access has ended."""
    view = await consent.revoke_scope(
        session, actor=actor, client_id=client_id, link_id=link_id, scope=scope, now=now
    )
    return _relative_public(view)


@router.get("/clients/{client_id}/reads", response_model=list[StaffReadPublic])
async def reads(
    client_id: PathId, session: SessionDep, actor: ActorDep, now: Now
) -> list[StaffReadPublic]:
    """For the client: who on the staff looked at her data in the last 90 days (first name,
    role and day; not what they looked at)."""
    if actor.own_client_id != client_id:
        raise Forbidden(ErrorCode.CLIENT_ONLY)
    found = await audit.reads_of_client(session, client_id=client_id, since=now - READS_SHOWN)
    return [
        StaffReadPublic(
            staff_first_name=r.staff_first_name,
            staff_role=r.staff_role,
            day=r.day,
            last_at=r.last_at,
            times=r.times,
        )
        for r in found
    ]


@router.post("/outbox/claim", response_model=list[NotificationPublic])
async def claim(body: ClaimIn, session: SessionDep, now: Now) -> list[NotificationPublic]:
    """Lease due notifications to this notifier; unacknowledged ones come back later."""
    rows = await outbox.claim(session, now=now, limit=body.limit, lease_seconds=body.lease_seconds)
    return [notification_public(n, account) for n, account in rows]


@router.post("/outbox/{notification_id}/ack", status_code=204)
async def ack(notification_id: PathId, session: SessionDep, now: Now) -> None:
    await outbox.acknowledge(session, notification_id=notification_id, now=now)


@router.post("/outbox/{notification_id}/fail", status_code=204)
async def fail(notification_id: PathId, body: FailureIn, session: SessionDep, now: Now) -> None:
    """A delivery failed: tried again later, or, after the last attempt, a dead letter the
    unit's managers see."""
    await outbox.report_failure(
        session,
        notification_id=notification_id,
        now=now,
        retry_after=body.retry_after,
        blocked=body.blocked,
        reason=body.reason,
    )

"""Routes only the bot uses: linking chat accounts, preferences, consent, the outbox."""

from fastapi import APIRouter, Depends

from backend.errors import InvalidInput
from backend.models import Client, Relative, Staff
from backend.routes.deps import ActorDep, Now, SessionDep, require_service
from backend.schemas import notification_public
from backend.services import accounts, outbox
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
)

router = APIRouter(prefix="/bot", tags=["bot"], dependencies=[Depends(require_service)])


async def _me(session: SessionDep, actor: Actor) -> MePublic:
    account = actor.chat_account
    assert account is not None and account.id is not None
    clients = await accounts.accessible_clients(session, actor)
    if actor.staff is not None:
        kind, first_name = PersonKind.STAFF, actor.staff.first_name
    elif account.client_id is not None:
        client = await session.get(Client, account.client_id)
        kind, first_name = PersonKind.CLIENT, client.first_name if client else ""
    else:
        relative = await session.get(Relative, account.relative_id)
        kind, first_name = PersonKind.RELATIVE, relative.first_name if relative else ""
    return MePublic(
        chat_account_id=account.id,
        kind=kind,
        first_name=first_name,
        locale=account.locale,
        notify_level=account.notify_level,
        clients=[
            ClientAccess(client_id=c.id or 0, first_name=c.first_name, scope=scope)
            for c, scope in clients
        ],
        staff_id=actor.staff.id if actor.staff else None,
        staff_role=actor.staff.role if actor.staff else None,
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
    """A client invites a relative, choosing whether they may only see or also request."""
    if body.kind is not InvitationKind.RELATIVE:
        raise InvalidInput(ErrorCode.RELATIVES_ONLY)
    invitation = await accounts.create_invitation(
        session,
        actor=actor,
        kind=body.kind,
        client_id=body.client_id,
        scope=body.scope,
        relative_first_name=body.relative_first_name,
        now=now,
    )
    return InvitationPublic(
        code=invitation.code, kind=invitation.kind, expires_at=invitation.expires_at
    )


@router.get("/clients/{client_id}/relatives", response_model=list[RelativePublic])
async def relatives(client_id: int, session: SessionDep, actor: ActorDep) -> list[RelativePublic]:
    links = await accounts.relatives_of(session, actor=actor, client_id=client_id)
    return [
        RelativePublic(
            link_id=v.link.id or 0,
            first_name=v.relative_first_name,
            scope=v.link.scope,
            granted_at=v.link.granted_at,
        )
        for v in links
    ]


@router.delete("/clients/{client_id}/relatives/{link_id}", status_code=204)
async def revoke(
    client_id: int, link_id: int, session: SessionDep, actor: ActorDep, now: Now
) -> None:
    await accounts.revoke_relative(
        session, actor=actor, client_id=client_id, link_id=link_id, now=now
    )


@router.post("/outbox/claim", response_model=list[NotificationPublic])
async def claim(body: ClaimIn, session: SessionDep, now: Now) -> list[NotificationPublic]:
    """Lease due notifications to this notifier; unacknowledged ones come back later."""
    rows = await outbox.claim(session, now=now, limit=body.limit, lease_seconds=body.lease_seconds)
    return [notification_public(n, account) for n, account in rows]


@router.post("/outbox/{notification_id}/ack", status_code=204)
async def ack(notification_id: int, session: SessionDep, now: Now) -> None:
    await outbox.acknowledge(session, notification_id=notification_id, now=now)


@router.post("/outbox/{notification_id}/fail", status_code=204)
async def fail(notification_id: int, body: FailureIn, session: SessionDep, now: Now) -> None:
    await outbox.report_failure(
        session,
        notification_id=notification_id,
        now=now,
        retry_after=body.retry_after,
        blocked=body.blocked,
    )

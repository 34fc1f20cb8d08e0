"""The bot asks for a one-time web sign-in link for a linked staff member."""

from fastapi import APIRouter, Depends, Request

from backend.config import Settings
from backend.errors import Forbidden
from backend.routes.deps import ActorDep, Now, SessionDep, require_service
from backend.services import sessions
from contract import ErrorCode, WebSignInPublic

router = APIRouter(prefix="/bot", tags=["bot"], dependencies=[Depends(require_service)])


@router.post("/web-signin", response_model=WebSignInPublic)
async def web_signin_link(
    request: Request, session: SessionDep, actor: ActorDep, now: Now
) -> WebSignInPublic:
    """A link that signs this staff member in on the web pages, once, within 10 minutes."""
    if actor.staff is None:
        raise Forbidden(ErrorCode.STAFF_ONLY)
    staff = actor.staff  # an assessor too: the web's changed needs are their page
    token = await sessions.create_signin_link(session, staff=staff, now=now)
    settings: Settings = request.app.state.settings
    return WebSignInPublic(
        url=f"{settings.public_url.rstrip('/')}/web/signin/link/{token}",
        minutes=sessions.LINK_MINUTES,
    )

"""Dependencies shared by the routes: the session (committed before the response is sent),
the clock, and who is acting."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import Unauthorized
from backend.services import access
from backend.services.access import Actor
from contract import ErrorCode


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        if session.info.pop("outbox_written", False):
            await request.app.state.wake_notifier()


# scope="function": the commit happens before the response leaves, so whatever the bot
# acknowledges to a user is already in the database.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


Now = Annotated[datetime, Depends(get_now)]


def require_service(request: Request, x_service_token: Annotated[str, Header()] = "") -> None:
    expected: str = request.app.state.settings.service_token
    if not secrets.compare_digest(x_service_token.encode(), expected.encode()):
        raise Unauthorized(ErrorCode.INVALID_SERVICE_TOKEN)


async def current_actor(
    request: Request,
    session: SessionDep,
    x_service_token: Annotated[str | None, Header()] = None,
    x_telegram_user_id: Annotated[int | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Actor:
    """The bot acts for a chat account (service token + Telegram user id); staff tools use
    their own bearer token."""
    if x_service_token is not None:
        require_service(request, x_service_token)
        if x_telegram_user_id is None:
            raise Unauthorized(ErrorCode.MISSING_CHAT_USER)
        return await access.actor_for_chat(session, x_telegram_user_id)
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(ErrorCode.MISSING_CREDENTIALS)
    return await access.actor_for_staff_token(session, token, get_now(request))


ActorDep = Annotated[Actor, Depends(current_actor)]

"""Dependencies shared by the routes: the session (committed before the response is sent),
the clock, who is acting, and bounded path ids.

Credentials come from security schemes, never from parameters: the bot sends the service
token (``X-Service-Token``) and the Telegram user it acts for (``X-Telegram-User-Id``); staff
tools send their own bearer token. They are not in any operation's parameters, so a fuzzer
fed the schema fuzzes the data and keeps the credentials it was given.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.config import Settings
from backend.db import IDENTITY_CHANGED
from backend.errors import Unauthorized
from backend.services import access
from backend.services.access import Actor
from contract import MAX_ID, TELEGRAM_ID_MAX, ErrorCode

# Requests that read (and at most append an audit row): no write lock on SQLite until they
# write (backend.db.read_session_factory), so they run beside the writer.
READ_ONLY_PREFIXES = ("/clients/", "/staff/", "/bot/me")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    state = request.app.state
    reads = request.method == "GET" and request.url.path.startswith(READ_ONLY_PREFIXES)
    async with (state.read_sessions if reads else state.sessions)() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        if session.info.pop(IDENTITY_CHANGED, False):
            await state.identity_changed()
        if session.info.pop("outbox_written", False):
            await state.wake_notifier()


# scope="function": the commit happens before the response leaves, so whatever the bot
# acknowledges to a user is already in the database.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


# The dependencies are ``async def`` even when they do not await: FastAPI runs a plain
# ``def`` dependency in a worker thread, a thread hop on every request.


async def get_now(request: Request) -> datetime:
    return _now(request)


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


Now = Annotated[datetime, Depends(get_now)]

# A row id in a path: PostgreSQL's integer is 32-bit, so anything past it is a 422, not a 500.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

service_token_scheme = APIKeyHeader(
    name="X-Service-Token",
    scheme_name="ServiceToken",
    description="The bot's shared secret (RAMTID_SERVICE_TOKEN).",
    auto_error=False,
)
chat_user_scheme = APIKeyHeader(
    name="X-Telegram-User-Id",
    scheme_name="ChatUser",
    description="With the service token: the Telegram user the bot acts for.",
    auto_error=False,
)
staff_token_scheme = HTTPBearer(
    scheme_name="StaffToken", description="A staff member's own token.", auto_error=False
)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def require_service(
    request: Request,
    service_token: Annotated[str | None, Security(service_token_scheme)] = None,
) -> None:
    """The caller is the bot: it holds the service token."""
    _check_service_token(request, service_token)


def _check_service_token(request: Request, service_token: str | None) -> None:
    expected = _settings(request).service_token.get_secret_value().encode()
    given = (service_token or "").encode()
    if not given or not secrets.compare_digest(given, expected):
        raise Unauthorized(ErrorCode.INVALID_SERVICE_TOKEN)


def _telegram_user_id(text: str | None) -> int:
    try:
        user_id = int(text or "")
    except ValueError:
        raise Unauthorized(ErrorCode.MISSING_CHAT_USER) from None
    if not -TELEGRAM_ID_MAX <= user_id <= TELEGRAM_ID_MAX:
        raise Unauthorized(ErrorCode.MISSING_CHAT_USER)
    return user_id


async def current_actor(
    request: Request,
    session: SessionDep,
    service_token: Annotated[str | None, Security(service_token_scheme)] = None,
    chat_user: Annotated[str | None, Security(chat_user_scheme)] = None,
    staff_token: Annotated[
        HTTPAuthorizationCredentials | None, Security(staff_token_scheme)
    ] = None,
) -> Actor:
    """The bot acts for a chat account (service token + Telegram user id); staff tools use
    their own bearer token."""
    if service_token is not None:
        _check_service_token(request, service_token)
        return await access.actor_for_chat(session, _telegram_user_id(chat_user))
    if staff_token is None or not staff_token.credentials:
        raise Unauthorized(ErrorCode.MISSING_CREDENTIALS)
    return await access.actor_for_staff_token(
        session, staff_token.credentials, now=_now(request), demo=_settings(request).demo
    )


ActorDep = Annotated[Actor, Depends(current_actor)]

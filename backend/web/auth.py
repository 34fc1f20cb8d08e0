"""Who is using the web pages: a staff session in a cookie (Secure, HttpOnly, SameSite=Lax;
stored server-side, so it expires and can be revoked), a CSRF token per session checked on
every unsafe request, and the ways to sign in: the identity provider (OpenID Connect), a
one-time link from the bot, or in demo mode one click."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.config import Settings
from backend.errors import DomainError, Forbidden
from backend.models import Client, SessionKind, Staff, StaffRole, StaffSession
from backend.routes.deps import Now, SessionDep
from backend.services import sessions
from backend.services.access import Actor
from backend.web.i18n import WEB_LOCALES, Words, negotiate
from contract import ErrorCode

COOKIE = "ramtid_session"
OIDC_COOKIE = "ramtid_signin"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(Exception):
    """No live session: the page sends the browser to the sign-in page."""


def secure_cookies(settings: Settings) -> bool:
    """Secure cookies, unless the pages are explicitly served over http on this machine."""
    url = urlsplit(settings.public_url)
    if url.scheme == "https":
        return True
    host = url.hostname or ""
    try:
        return not (host == "localhost" or ip_address(host).is_loopback)
    except ValueError:
        return True


def web_lifetime(settings: Settings) -> sessions.Lifetime:
    return sessions.Lifetime(
        absolute=timedelta(hours=settings.web_session_hours),
        idle_minutes=settings.web_idle_minutes,
    )


def words_for(request: Request, staff: Staff | None = None) -> Words:
    settings: Settings = request.app.state.settings
    locale = staff.web_locale if staff and staff.web_locale in WEB_LOCALES else None
    locale = locale or negotiate(request.headers.get("accept-language"))
    return Words(settings.locales_dir, locale)


@dataclass(frozen=True)
class WebUser:
    """The signed-in staff member, their session, and what the menu offers them."""

    staff: Staff
    session: StaffSession
    is_contact_person: bool
    words: Words

    @property
    def actor(self) -> Actor:
        return Actor(staff=self.staff)

    @property
    def csrf(self) -> str:
        return self.session.csrf_token

    @property
    def keeps_records(self) -> bool:
        return self.staff.role in (StaffRole.PLANNER, StaffRole.MANAGER)

    @property
    def is_manager(self) -> bool:
        return self.staff.role is StaffRole.MANAGER

    @property
    def is_assessor(self) -> bool:
        return self.staff.role is StaffRole.ASSESSOR


async def _csrf_sent(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def web_user(request: Request, session: SessionDep, now: Now) -> WebUser:
    """The page's staff member. Unsafe methods must carry the session's CSRF token."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired
    try:
        staff, row = await sessions.staff_for_token(
            session, token=token, kind=SessionKind.WEB, now=now
        )
    except DomainError:
        raise SignInRequired from None
    if request.method in UNSAFE and not secrets.compare_digest(
        (await _csrf_sent(request)).encode(), row.csrf_token.encode()
    ):
        raise Forbidden(ErrorCode.CSRF_FAILED)
    contact = (
        await session.exec(
            select(Client.id)
            .where(Client.unit_id == staff.unit_id)
            .where(
                (col(Client.contact_person_id) == staff.id) | (col(Client.deputy_id) == staff.id)
            )
            .limit(1)
        )
    ).first()
    return WebUser(staff, row, contact is not None, words_for(request, staff))


User = Annotated[WebUser, Depends(web_user)]


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //evil.example)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/web/"
    return target


def signin_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/web/signin?next=" + quote(here, safe="")


async def start_session(
    session: AsyncSession, *, request: Request, staff: Staff, now: datetime
) -> str:
    settings: Settings = request.app.state.settings
    _row, token = await sessions.open_session(
        session, staff=staff, kind=SessionKind.WEB, now=now, lifetime=web_lifetime(settings)
    )
    return token


def set_session_cookie(response: object, request: Request, token: str) -> None:
    settings: Settings = request.app.state.settings
    response.set_cookie(  # type: ignore[attr-defined]
        COOKIE,
        token,
        max_age=settings.web_session_hours * 3600,
        httponly=True,
        secure=secure_cookies(settings),
        samesite="lax",
        path="/",
    )

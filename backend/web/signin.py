"""Signing in and out: the identity provider, a one-time link from the bot, one click in demo
mode; and the page language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from backend.config import Settings
from backend.errors import DomainError, Forbidden
from backend.models import Staff
from backend.routes.deps import Now, SessionDep
from backend.services import sessions
from backend.web import oidc
from backend.web.auth import (
    COOKIE,
    OIDC_COOKIE,
    User,
    safe_next,
    secure_cookies,
    set_session_cookie,
    start_session,
    words_for,
)
from backend.web.common import error_words, see_other
from backend.web.i18n import WEB_LOCALES
from backend.web.templating import render
from contract import ErrorCode

router = APIRouter(prefix="/web")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/signin")
async def signin_page(
    request: Request,
    session: SessionDep,
    next: Annotated[str | None, Query(max_length=500)] = None,
    problem: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    settings = _settings(request)
    words = words_for(request)
    demo_staff: list[Staff] = []
    if settings.demo:
        demo_staff = list(
            (
                await session.exec(
                    select(Staff).where(col(Staff.active).is_(True)).order_by(col(Staff.id))
                )
            ).all()
        )
    return render(
        request,
        "signin.html",
        {
            "next": safe_next(next),
            "oidc": oidc.Provider(settings).configured,
            "demo_staff": demo_staff,
            "problem": error_words(words, problem) if problem else None,
        },
        words=words,
    )


@router.post("/signin/demo")
async def signin_demo(
    request: Request,
    session: SessionDep,
    now: Now,
    staff_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    next: Annotated[str, Form(max_length=500)] = "/web/",
) -> Response:
    """Demo mode only: the demo's staff sign in with one click."""
    if not _settings(request).demo:
        raise Forbidden(ErrorCode.NO_ACCESS)
    staff = await session.get(Staff, staff_id)
    if staff is None or not staff.active:
        return see_other("/web/signin?problem=staff_inactive")
    token = await start_session(session, request=request, staff=staff, now=now)
    response = see_other(safe_next(next))
    set_session_cookie(response, request, token)
    return response


@router.get("/signin/link/{token}")
async def signin_link_page(
    token: str, request: Request, session: SessionDep, now: Now
) -> Response:
    """A link from the bot shows who signs in and asks to continue: opening it (or a chat's
    link preview) does not use it up."""
    words = words_for(request)
    try:
        staff = await sessions.peek_signin_link(session, token=token[:100], now=now)
    except DomainError as exc:
        return render(
            request,
            "signin_link.html",
            {"problem": error_words(words, exc.code.value), "token": None},
            words=words,
            status_code=400,
        )
    return render(
        request,
        "signin_link.html",
        {"staff": staff, "token": token, "problem": None},
        words=words_for(request, staff),
    )


@router.post("/signin/link/{token}")
async def signin_link(token: str, request: Request, session: SessionDep, now: Now) -> Response:
    try:
        staff = await sessions.redeem_signin_link(session, token=token[:100], now=now)
    except DomainError as exc:
        await session.rollback()
        return see_other(f"/web/signin?problem={exc.code.value}")
    cookie = await start_session(session, request=request, staff=staff, now=now)
    response = see_other("/web/")
    set_session_cookie(response, request, cookie)
    return response


@router.get("/signin/oidc")
async def signin_oidc(request: Request, session: SessionDep, now: Now) -> Response:
    provider = oidc.Provider(_settings(request))
    if not provider.configured:
        return see_other("/web/signin")
    start = await sessions.start_oidc(session, now=now)
    try:
        url = await provider.authorization_url(
            state=start.state, nonce=start.nonce, code_verifier=start.code_verifier
        )
    except Exception:  # the provider is down or answers nonsense: say so on our page
        await session.rollback()
        return see_other("/web/signin?problem=idp_unavailable")
    response = see_other(url)
    response.set_cookie(
        OIDC_COOKIE,
        start.state,
        max_age=sessions.OIDC_MINUTES * 60,
        httponly=True,
        secure=secure_cookies(_settings(request)),
        samesite="lax",
        path="/web/signin/oidc",
    )
    return response


@router.get("/signin/oidc/callback")
async def signin_oidc_callback(
    request: Request,
    session: SessionDep,
    now: Now,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    """Back from the provider: the state must be this browser's (cookie), the ID token
    valid, and its e-mail a staff member's who is still here."""
    provider = oidc.Provider(_settings(request))
    if not provider.configured or not state or state != request.cookies.get(OIDC_COOKIE):
        return see_other("/web/signin?problem=invalid_code")
    try:
        started = await sessions.finish_oidc(session, state=state, now=now)
        email = await provider.email_of(
            code=code, nonce=started.nonce, code_verifier=started.code_verifier
        )
        staff = await sessions.staff_for_email(session, email)
    except DomainError as exc:
        await session.rollback()
        return see_other(f"/web/signin?problem={exc.code.value}")
    except oidc.SignInFailed:
        await session.commit()  # the state stays used
        return see_other("/web/signin?problem=invalid_code")
    token = await start_session(session, request=request, staff=staff, now=now)
    response = see_other("/web/")
    set_session_cookie(response, request, token)
    response.delete_cookie(OIDC_COOKIE, path="/web/signin/oidc")
    return response


@router.post("/signout")
async def signout(user: User, session: SessionDep, now: Now) -> Response:
    await sessions.revoke(session, actor=user.staff, session_id=user.session.id or 0, now=now)
    response = see_other("/web/signin")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/language")
async def language(
    user: User,
    session: SessionDep,
    locale: Annotated[str, Form(max_length=5)],
    back: Annotated[str, Form(max_length=500)] = "/web/",
) -> Response:
    if locale in WEB_LOCALES:
        user.staff.web_locale = locale
        session.add(user.staff)
    return see_other(safe_next(back))

"""Staff (roles, absences, leaving), the unit's settings, and one's own account (sessions,
API tokens, language)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from backend.models import InvitationKind, SessionKind
from backend.routes.deps import Now, SessionDep
from backend.services import accounts, records, sessions
from backend.web.auth import User
from backend.web.common import attempt, page, see_other
from backend.web.forms import Form as Fields
from contract import TZ, StaffRole

router = APIRouter(prefix="/web")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _staff_fields(form: Fields) -> records.StaffFields:
    email = form.text("email", max_length=200).lower() or None
    if email and not EMAIL.match(email):
        form.fail("email", "email")
    return records.StaffFields(
        first_name=form.text("first_name", required=True, max_length=100),
        last_name=form.text("last_name", required=True, max_length=100),
        role=form.choice("role", StaffRole),
        email=email,
    )


async def _staff_list(
    request: Request,
    user: User,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
) -> Response:
    records.require_keeper(user.actor)
    return page(
        request,
        user,
        "staff.html",
        status_code=422 if errors or problem else 200,
        people=await records.unit_staff(session, actor=user.actor, include_left=True),
        roles=list(StaffRole),
        values=values or {"role": "carer"},
        errors=errors or {},
        problem=problem,
    )


@router.get("/staff")
async def staff_list(request: Request, user: User, session: SessionDep) -> Response:
    return await _staff_list(request, user, session)


@router.post("/staff")
async def create_staff(request: Request, user: User, session: SessionDep) -> Response:
    form = Fields(await request.form())
    fields = _staff_fields(form)
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    if not form.ok:
        return await _staff_list(request, user, session, values=values, errors=form.errors)
    async with attempt(session) as tried:
        staff = await records.create_staff(session, actor=user.actor, fields=fields)
    if tried.problem:
        return await _staff_list(request, user, session, values=values, problem=tried.problem)
    return see_other(f"/web/staff/{staff.id}")


async def _member(
    request: Request,
    user: User,
    session: SessionDep,
    staff_id: int,
    now: Now,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    absence_errors: dict[str, str] | None = None,
    absence_values: dict[str, str] | None = None,
    staff_code: str | None = None,
    code_expires: object = None,
) -> Response:
    records.require_keeper(user.actor)
    member = await records.staff_in_unit(session, actor=user.actor, staff_id=staff_id)
    today = now.astimezone(TZ).date()
    rows = await records.unit_clients(session, actor=user.actor)
    return page(
        request,
        user,
        "staff_member.html",
        status_code=422 if errors or problem or absence_errors else 200,
        member=member,
        absence_errors=absence_errors or {},
        absence_values=absence_values or {},
        staff_code=staff_code,
        code_expires=code_expires,
        roles=list(StaffRole),
        values=values
        or {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "role": member.role.value,
            "email": member.email or "",
        },
        errors=errors or {},
        problem=problem,
        absences=await records.absences(session, actor=user.actor, staff_id=staff_id, today=today),
        clients=[r for r in rows if staff_id in (r.client.contact_person_id, r.client.deputy_id)],
        live_sessions=await sessions.sessions_of(session, staff_id=staff_id, now=now)
        if user.is_manager
        else [],
        today=today,
    )


@router.get("/staff/{staff_id}")
async def staff_member(
    staff_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    return await _member(request, user, session, staff_id, now)


@router.post("/staff/{staff_id}")
async def update_staff(
    staff_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    form = Fields(await request.form())
    fields = _staff_fields(form)
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    if not form.ok:
        return await _member(
            request, user, session, staff_id, now, values=values, errors=form.errors
        )
    async with attempt(session) as tried:
        await records.update_staff(session, actor=user.actor, staff_id=staff_id, fields=fields)
    if tried.problem:
        return await _member(
            request, user, session, staff_id, now, values=values, problem=tried.problem
        )
    return see_other(f"/web/staff/{staff_id}")


@router.post("/staff/{staff_id}/absences")
async def add_absence(
    staff_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    """Away from..to (inclusive): their clients' requests go to the deputy or the planners."""
    form = Fields(await request.form())
    today = now.astimezone(TZ).date()
    starts_on = form.date("starts_on", today)
    ends_on = form.date("ends_on", today)
    if form.ok and ends_on < starts_on:
        form.fail("ends_on", "ends_before_start")
    if not form.ok:
        values = {k: v for k, v in form.data.items() if isinstance(v, str)}
        return await _member(
            request,
            user,
            session,
            staff_id,
            now,
            absence_errors=form.errors,
            absence_values=values,
        )
    await records.add_absence(
        session, actor=user.actor, staff_id=staff_id, starts_on=starts_on, ends_on=ends_on
    )
    return see_other(f"/web/staff/{staff_id}")


@router.post("/staff/{staff_id}/absences/{absence_id}/delete")
async def remove_absence(
    staff_id: int, absence_id: int, user: User, session: SessionDep
) -> Response:
    await records.remove_absence(
        session, actor=user.actor, staff_id=staff_id, absence_id=absence_id
    )
    return see_other(f"/web/staff/{staff_id}")


@router.post("/staff/{staff_id}/invitation")
async def staff_invitation(
    staff_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    """A one-time code the staff member writes to the bot to link their Telegram (then the
    bot signs them in on the web)."""
    invitation = await accounts.create_invitation(
        session, actor=user.actor, kind=InvitationKind.STAFF, staff_id=staff_id, now=now
    )
    return await _member(
        request,
        user,
        session,
        staff_id,
        now,
        staff_code=invitation.code,
        code_expires=invitation.invitation.expires_at,
    )


@router.post("/staff/{staff_id}/deactivate")
async def deactivate(staff_id: int, user: User, session: SessionDep, now: Now) -> Response:
    """They have left: every way in closes at once; their clients need a new contact."""
    await sessions.deactivate(session, actor=user.staff, staff_id=staff_id, now=now)
    return see_other(f"/web/staff/{staff_id}")


@router.post("/sessions/{session_id}/revoke")
async def revoke_session(
    session_id: int,
    user: User,
    session: SessionDep,
    now: Now,
    back: Annotated[str, Form(max_length=200)] = "/web/account",
) -> Response:
    await sessions.revoke(session, actor=user.staff, session_id=session_id, now=now)
    return see_other(back if back.startswith("/web/") else "/web/account")


# --- the unit ----------------------------------------------------------------------------------


@router.get("/unit")
async def unit_page(request: Request, user: User, session: SessionDep) -> Response:
    records.require_manager(user.actor)
    unit = await records.own_unit(session, actor=user.actor)
    values = {
        "name": unit.name,
        "phone": unit.phone,
        "service_start": unit.service_start.strftime("%H:%M"),
        "service_end": unit.service_end.strftime("%H:%M"),
        "notice_minutes": str(unit.notice_minutes),
        "late_window_minutes": str(unit.late_window_minutes),
    }
    return page(request, user, "unit.html", values=values, errors={}, saved=False)


@router.post("/unit")
async def update_unit(request: Request, user: User, session: SessionDep) -> Response:
    form = Fields(await request.form())
    fields = records.UnitFields(
        name=form.text("name", required=True, max_length=200),
        phone=form.text("phone", required=True, max_length=40),
        service_start=form.time("service_start"),
        service_end=form.time("service_end"),
        notice_minutes=form.integer("notice_minutes", low=0, high=2880),
        late_window_minutes=form.integer("late_window_minutes", low=0, high=240),
    )
    if form.ok and fields.service_end <= fields.service_start:
        form.fail("service_end", "ends_before_start")
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    if form.ok:
        await records.update_unit(session, actor=user.actor, fields=fields)
        return page(request, user, "unit.html", values=values, errors={}, saved=True)
    records.require_manager(user.actor)
    return page(
        request, user, "unit.html", status_code=422, values=values, errors=form.errors, saved=False
    )


# --- my account ----------------------------------------------------------------------------------


@router.get("/account")
async def account(request: Request, user: User, session: SessionDep, now: Now) -> Response:
    return page(
        request,
        user,
        "account.html",
        live_sessions=await sessions.sessions_of(session, staff_id=user.staff.id or 0, now=now),
        new_token=None,
    )


@router.post("/account/tokens")
async def create_token(
    request: Request,
    user: User,
    session: SessionDep,
    now: Now,
    label: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """An API token for a staff tool, shown once; it expires and can be revoked here."""
    settings = request.app.state.settings
    _row, token = await sessions.open_session(
        session,
        staff=user.staff,
        kind=SessionKind.API,
        now=now,
        lifetime=sessions.Lifetime(absolute=timedelta(days=settings.api_token_days)),
        label=label.strip()[:100],
    )
    return page(
        request,
        user,
        "account.html",
        live_sessions=await sessions.sessions_of(session, staff_id=user.staff.id or 0, now=now),
        new_token=token,
    )

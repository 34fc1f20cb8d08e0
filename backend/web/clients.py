"""Clients, their orders (entered or imported) and the invitation letter to print."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import segno
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.config import Settings
from backend.models import InvitationKind, Unit
from backend.routes.deps import Now, SessionDep
from backend.services import access, accounts, order_import, plans, records, visits
from backend.web.auth import User
from backend.web.common import attempt, error_words, page, see_other
from backend.web.forms import Form as Fields
from backend.web.i18n import LETTER_LOCALES, N_, Words
from backend.web.templating import render
from contract import TZ, FrequencyUnit, Period, ServiceCode, StaffRole

router = APIRouter(prefix="/web")
# The letter's own links are in the staff member's language (the letter is the client's).
LETTER_LINKS = (N_("Letter"), N_("Back to the client"), N_("Print"))


@router.get("/")
async def home(request: Request, user: User, session: SessionDep, now: Now) -> Response:
    if user.is_assessor:  # their one page
        return see_other("/web/needs")
    today = now.astimezone(TZ).date()
    rows = await records.unit_clients(session, actor=user.actor)
    mine = [r for r in rows if user.staff.id in (r.client.contact_person_id, r.client.deputy_id)]
    waiting = []
    if user.keeps_records or user.is_contact_person:
        for row in rows if user.keeps_records else mine:
            for plan in await records.plans_of(session, client_id=row.client.id or 0):
                if plan.status == "draft":
                    waiting.append((row.client, plan, (plans.signing_due(plan) - today).days))
    day = await visits.staff_day(session, staff=user.staff, day=today)
    return page(
        request,
        user,
        "home.html",
        today=today,
        mine=mine,
        waiting=sorted(waiting, key=lambda item: item[2]),
        reassign=[r for r in rows if r.needs_new_contact] if user.keeps_records else [],
        day=day,
    )


@router.get("/clients")
async def client_list(
    request: Request, user: User, session: SessionDep, ended: bool = False, mine: bool = False
) -> Response:
    rows = await records.unit_clients(session, actor=user.actor, include_ended=ended)
    if mine:
        rows = [
            r for r in rows if user.staff.id in (r.client.contact_person_id, r.client.deputy_id)
        ]
    return page(
        request, user, "clients.html", rows=rows, ended=ended, mine=mine, masked=records.masked
    )


def _client_fields(form: Fields) -> records.ClientFields:
    number = form.text("personal_number", max_length=20)
    normalized = None
    if number:
        try:
            normalized = records.normalize_personal_number(number)
        except ValueError:
            form.fail("personal_number", "personal_number")
    language = form.raw("preferred_language")
    if language not in LETTER_LOCALES:
        form.fail("preferred_language", "not_a_choice")
    return records.ClientFields(
        first_name=form.text("first_name", required=True, max_length=100),
        last_name=form.text("last_name", required=True, max_length=100),
        personal_number=normalized,
        address_area=form.text("address_area", max_length=100),
        preferred_language=language,
        contact_person_id=form.optional_id("contact_person_id"),
        deputy_id=form.optional_id("deputy_id"),
    )


async def _client_form(
    request: Request,
    user: User,
    session: SessionDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    client_id: int | None = None,
    problem: str | None = None,
) -> Response:
    staff = [
        s
        for s in await records.unit_staff(session, actor=user.actor)
        if s.role is not StaffRole.ASSESSOR  # never a contact person
    ]
    return page(
        request,
        user,
        "client_form.html",
        status_code=422 if errors or problem else 200,
        values=values,
        errors=errors,
        staff=staff,
        languages=LETTER_LOCALES,
        client_id=client_id,
        problem=problem,
    )


@router.get("/clients/new")
async def new_client(request: Request, user: User, session: SessionDep) -> Response:
    records.require_keeper(user.actor)
    return await _client_form(
        request, user, session, values={"preferred_language": "sv"}, errors={}
    )


@router.post("/clients/new")
async def create_client(request: Request, user: User, session: SessionDep) -> Response:
    form = Fields(await request.form())
    fields = _client_fields(form)
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    if not form.ok:
        return await _client_form(request, user, session, values=values, errors=form.errors)
    async with attempt(session) as tried:
        client = await records.create_client(session, actor=user.actor, fields=fields)
    if tried.problem:
        return await _client_form(
            request, user, session, values=values, errors={}, problem=tried.problem
        )
    return see_other(f"/web/clients/{client.id}")


@router.get("/clients/{client_id}")
async def client_page(
    client_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    client = await access.client_record(session, user.actor, client_id, read="client")
    people = {
        s.id: s for s in await records.unit_staff(session, actor=user.actor, include_left=True)
    }
    today = now.astimezone(TZ).date()
    return page(
        request,
        user,
        "client.html",
        client=client,
        people=people,
        orders=await records.client_orders(session, client_id=client_id),
        plans=await records.plans_of(session, client_id=client_id),
        linked=await records.linked_people(session, client=client),
        may_plan=access.may_decide(user.staff, client),
        today=today,
        due=plans.signing_due,
        tomorrow=today + timedelta(days=1),
    )


@router.get("/clients/{client_id}/edit")
async def edit_client(
    client_id: int, request: Request, user: User, session: SessionDep
) -> Response:
    records.require_keeper(user.actor)
    client = await access.client_record(session, user.actor, client_id, read="client")
    values = {
        "first_name": client.first_name,
        "last_name": client.last_name,
        "personal_number": client.personal_number or "",
        "address_area": client.address_area,
        "preferred_language": client.preferred_language,
        "contact_person_id": str(client.contact_person_id or ""),
        "deputy_id": str(client.deputy_id or ""),
    }
    return await _client_form(
        request, user, session, values=values, errors={}, client_id=client_id
    )


@router.post("/clients/{client_id}/edit")
async def update_client(
    client_id: int, request: Request, user: User, session: SessionDep
) -> Response:
    form = Fields(await request.form())
    fields = _client_fields(form)
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    if not form.ok:
        return await _client_form(
            request, user, session, values=values, errors=form.errors, client_id=client_id
        )
    async with attempt(session) as tried:
        await records.update_client(session, actor=user.actor, client_id=client_id, fields=fields)
    if tried.problem:
        return await _client_form(
            request,
            user,
            session,
            values=values,
            errors={},
            client_id=client_id,
            problem=tried.problem,
        )
    return see_other(f"/web/clients/{client_id}")


@router.post("/clients/{client_id}/end-care")
async def end_care(
    client_id: int,
    user: User,
    session: SessionDep,
    last_day: Annotated[str, Form(max_length=10)],
) -> Response:
    """Care ends after ``last_day``: no visits after it; history stays."""
    try:
        day = date.fromisoformat(last_day)
    except ValueError:
        return see_other(f"/web/clients/{client_id}?problem=bad_date_range")
    await records.end_care(session, actor=user.actor, client_id=client_id, last_day=day)
    return see_other(f"/web/clients/{client_id}")


@router.post("/clients/{client_id}/resume-care")
async def resume_care(client_id: int, user: User, session: SessionDep) -> Response:
    await records.resume_care(session, actor=user.actor, client_id=client_id)
    return see_other(f"/web/clients/{client_id}")


# --- orders -----------------------------------------------------------------------------------


def _order_fields(form: Fields, today: date) -> records.OrderFields:
    period = form.choice("period", Period)
    hours_text = form.raw("frame_hours").replace(",", ".")
    minutes = 0
    try:
        hours = float(hours_text)
        minutes = round(hours * 60)
        if not 0 < minutes <= 744 * 60:
            form.fail("frame_hours", "out_of_range")
    except ValueError:
        form.fail("frame_hours", "required" if not hours_text else "not_a_number")
    valid_from = form.optional_date("valid_from")
    if valid_from is None and not form.raw("valid_from"):
        form.fail("valid_from", "required")
    valid_to = form.optional_date("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        form.fail("valid_to", "ends_before_start")
    decided_on = form.optional_date("decided_on")
    if decided_on is None and not form.raw("decided_on"):
        form.fail("decided_on", "required")
    services = []
    for code in ServiceCode:
        if not form.raw(f"count_{code.value}"):
            continue
        count = form.integer(f"count_{code.value}", low=1, high=50)
        per = form.choice(f"per_{code.value}", FrequencyUnit)
        services.append(records.GrantedFields(code, count, per))
    if not services:
        form.fail("services", "required")
    return records.OrderFields(
        needs=form.text("needs", max_length=4000),
        purpose=form.text("purpose", max_length=4000),
        period=period,
        frame_minutes=minutes,
        valid_from=valid_from or today,
        valid_to=valid_to,
        decided_on=decided_on or today,
        services=tuple(services),
        assessor_staff_id=form.optional_id("assessor_staff_id"),
    )


async def _order_form(
    request: Request,
    user: User,
    session: SessionDep,
    client_id: int,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    problem: str | None = None,
) -> Response:
    client = await access.client_record(session, user.actor, client_id, read="client")
    return page(
        request,
        user,
        "order_form.html",
        status_code=422 if errors or problem else 200,
        client=client,
        values=values,
        errors=errors,
        problem=problem,
        service_codes=list(ServiceCode),
        units=list(FrequencyUnit),
        assessors=[
            s
            for s in await records.unit_staff(session, actor=user.actor)
            if s.role is StaffRole.ASSESSOR
        ],
    )


@router.get("/clients/{client_id}/orders/new")
async def new_order(
    client_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    records.require_keeper(user.actor)
    today = now.astimezone(TZ).date().isoformat()
    values = {"period": "month", "valid_from": today, "decided_on": today}
    return await _order_form(request, user, session, client_id, values=values, errors={})


@router.post("/clients/{client_id}/orders/new")
async def create_order(
    client_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    form = Fields(await request.form())
    fields = _order_fields(form, now.astimezone(TZ).date())
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    if not form.ok:
        return await _order_form(
            request, user, session, client_id, values=values, errors=form.errors
        )
    async with attempt(session) as tried:
        await records.add_order(session, actor=user.actor, client_id=client_id, fields=fields)
    if tried.problem:
        return await _order_form(
            request, user, session, client_id, values=values, errors={}, problem=tried.problem
        )
    return see_other(f"/web/clients/{client_id}")


@router.get("/orders/import")
async def import_page(request: Request, user: User) -> Response:
    records.require_keeper(user.actor)
    return page(request, user, "import.html", result=None, content="", filename="")


@router.post("/orders/import")
async def import_orders(
    request: Request,
    user: User,
    session: SessionDep,
    file: Annotated[UploadFile | None, File()] = None,
    content: Annotated[str, Form(max_length=order_import.MAX_BYTES)] = "",
    filename: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Upload: check every row and show a preview. Confirm: check again and write all."""
    if file is not None and file.filename:
        data = await file.read(order_import.MAX_BYTES + 1)
        filename = file.filename
    else:
        data = content.encode()
    if confirm:
        result = await order_import.run(session, actor=user.actor, content=data, filename=filename)
        if result.ok:
            return page(request, user, "import.html", result=result, written=True)
    else:
        result = await order_import.check(
            session, actor=user.actor, content=data, filename=filename
        )
    text = data.decode("utf-8-sig", errors="replace") if result.ok else ""
    return page(
        request,
        user,
        "import.html",
        status_code=200 if result.ok else 422,
        result=result,
        content=text,
        filename=filename,
        written=False,
    )


# --- the invitation letter ----------------------------------------------------------------------


@router.post("/clients/{client_id}/invitation")
async def invitation_letter(
    client_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    """A new one-time code for the client, printed as a letter in the client's language with
    the code, a QR code of the bot's deep link, and the unit's phone number."""
    client = await access.client_record(session, user.actor, client_id, read="client")
    plans.require_planner_of(user.staff, client)
    invitation = await accounts.create_invitation(
        session, actor=user.actor, kind=InvitationKind.CLIENT, client_id=client_id, now=now
    )
    settings: Settings = request.app.state.settings
    link = f"https://t.me/{settings.bot_username}?start={invitation.code}"
    qr = segno.make(link, error="m").svg_inline(scale=6, title=link)
    unit = await session.get(Unit, client.unit_id)
    words = Words(settings.locales_dir, client.preferred_language)
    return render(
        request,
        "letter.html",
        {
            "client": client,
            "unit": unit,
            "code": invitation.code,
            "link": link,
            "qr": qr,
            "expires": invitation.invitation.expires_at,
            "bot_username": settings.bot_username,
            "back": f"/web/clients/{client_id}",
            "page_words": user.words,
            "problem": None,
            "error_words": error_words,
        },
        words=words,
    )

"""The care plan page: the weekly schedule edited in place, and beside it the frame budget
(the frame check's own projection), updated with HTMX on every change; versions; signing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from backend.domain import frame_check as fc
from backend.models import PlanStatus
from backend.routes.deps import Now, SessionDep
from backend.services import access, plans, records, visits
from backend.web.auth import User
from backend.web.common import attempt, is_htmx, page, see_other
from backend.web.forms import Form as Fields
from backend.web.reasons import budget_view
from contract import TZ, ServiceCode

router = APIRouter(prefix="/web")


@router.post("/clients/{client_id}/plans")
async def start_plan(
    client_id: int,
    user: User,
    session: SessionDep,
    now: Now,
    valid_from: Annotated[str, Form(max_length=10)],
) -> Response:
    """A new version (a copy of the latest, to edit) or a first plan."""
    try:
        start = date.fromisoformat(valid_from)
    except ValueError:
        return see_other(f"/web/clients/{client_id}?problem=bad_date_range")
    async with attempt(session) as tried:
        plan = await plans.start_plan(
            session,
            actor=user.actor,
            client_id=client_id,
            valid_from=start,
            today=now.astimezone(TZ).date(),
        )
    if tried.problem:
        return see_other(f"/web/clients/{client_id}?problem={tried.problem}")
    return see_other(f"/web/plans/{plan.id}")


def _slot_fields(form: Fields, prefix: str = "") -> plans.SlotFields:
    services = form.choices(prefix + "services", ServiceCode)
    if not services:
        form.fail(prefix + "services", "required")
    return plans.SlotFields(
        weekday=form.integer(prefix + "weekday", low=0, high=6) if prefix else 0,
        start=form.time(prefix + "start"),
        duration_minutes=form.integer(prefix + "duration", low=5, high=180),
        services=tuple(services),
        how=form.text(prefix + "how", max_length=500),
        staff_id=form.optional_id(prefix + "staff_id"),
    )


async def _editor_context(
    session: SessionDep, user: User, plan_id: int, now: Any
) -> dict[str, Any]:
    context = await plans.plan_context(session, actor=user.actor, plan_id=plan_id)
    today = now.astimezone(TZ).date()
    budget = await plans.budget(session, context, today=today)
    return {
        "plan": context.plan,
        "client": context.client,
        "order": context.order,
        "granted": context.granted,
        "slots": context.slots,
        "unit": context.unit,
        "budget": budget_view(
            budget,
            context.order,
            user.words,
            weekly=fc.weekly_minutes(visits.plan_slots(context.slots)),
        ),
        "staff": await records.unit_staff(session, actor=user.actor),
        "editable": context.plan.status is PlanStatus.DRAFT
        and access.may_decide(user.staff, context.client),
        "due": plans.signing_due(context.plan),
        "days_left": (plans.signing_due(context.plan) - today).days,
        "today": today,
        "versions": await records.plans_of(session, client_id=context.client.id or 0),
        "service_codes": list(ServiceCode),
    }


@router.get("/plans/{plan_id}")
async def plan_page(
    plan_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    context = await _editor_context(session, user, plan_id, now)
    return page(request, user, "plan.html", **context, add_errors={}, add_values={})


@router.get("/plans/{plan_id}/budget")
async def budget_partial(
    plan_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    context = await _editor_context(session, user, plan_id, now)
    return page(request, user, "_budget.html", **context)


@router.post("/plans/{plan_id}/slots")
async def add_slots(
    plan_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    """Add the same visit on the chosen weekdays; the editor (schedule and budget) is
    rendered again, with the reasons beside the fields if something is wrong."""
    await plans.draft(session, actor=user.actor, plan_id=plan_id)  # theirs, and a draft
    form = Fields(await request.form())
    weekdays = []
    for value in form.data.getlist("weekdays"):
        text = str(value)
        if text.isdigit() and 0 <= int(text) <= 6:
            weekdays.append(int(text))
    if not weekdays:
        form.fail("weekdays", "required")
    fields = _slot_fields(form)
    problem = None
    if form.ok:
        async with attempt(session) as tried:
            await plans.add_slots(
                session, actor=user.actor, plan_id=plan_id, weekdays=weekdays, fields=fields
            )
        problem = tried.problem
    context = await _editor_context(session, user, plan_id, now)
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    values["weekdays"] = ",".join(str(d) for d in weekdays)
    values["services"] = ",".join(str(s) for s in form.data.getlist("services"))
    ok = form.ok and problem is None
    template = "_editor.html" if is_htmx(request) else "plan.html"
    return page(
        request,
        user,
        template,
        status_code=200 if ok or is_htmx(request) else 422,
        **context,
        add_errors=form.errors,
        add_values={} if ok else values,
        add_problem=problem,
        added=ok,
    )


@router.post("/plans/{plan_id}/slots/{slot_id}")
async def update_slot(
    plan_id: int, slot_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    """Save one row of the schedule as it is edited; answer with the budget (and the row's
    reasons, if the row is refused) so the row being typed in keeps its focus."""
    await plans.draft(session, actor=user.actor, plan_id=plan_id)
    form = Fields(await request.form())
    fields = _slot_fields(form, prefix=f"s{slot_id}_")
    problem = None
    if form.ok:
        async with attempt(session) as tried:
            await plans.update_slot(
                session, actor=user.actor, plan_id=plan_id, slot_id=slot_id, fields=fields
            )
        problem = tried.problem
    context = await _editor_context(session, user, plan_id, now)
    if not is_htmx(request):
        if form.ok and problem is None:
            return see_other(f"/web/plans/{plan_id}")
        return page(
            request,
            user,
            "plan.html",
            status_code=422,
            **context,
            add_errors={},
            add_values={},
            row_errors={slot_id: form.errors},
            add_problem=problem,
        )
    return page(
        request,
        user,
        "_budget.html",
        **context,
        oob_row_errors={"id": slot_id, "errors": form.errors, "problem": problem},
    )


@router.post("/plans/{plan_id}/slots/{slot_id}/delete")
async def delete_slot(
    plan_id: int, slot_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    await plans.draft(session, actor=user.actor, plan_id=plan_id)
    await plans.delete_slot(session, actor=user.actor, plan_id=plan_id, slot_id=slot_id)
    if not is_htmx(request):
        return see_other(f"/web/plans/{plan_id}")
    context = await _editor_context(session, user, plan_id, now)
    return page(request, user, "_editor.html", **context, add_errors={}, add_values={})


@router.post("/plans/{plan_id}/start")
async def set_start(
    plan_id: int,
    user: User,
    session: SessionDep,
    valid_from: Annotated[str, Form(max_length=10)],
) -> Response:
    await plans.draft(session, actor=user.actor, plan_id=plan_id)
    try:
        start = date.fromisoformat(valid_from)
    except ValueError:
        return see_other(f"/web/plans/{plan_id}?problem=bad_date_range")
    async with attempt(session) as tried:
        await plans.set_start(session, actor=user.actor, plan_id=plan_id, valid_from=start)
    if tried.problem:
        return see_other(f"/web/plans/{plan_id}?problem={tried.problem}")
    return see_other(f"/web/plans/{plan_id}")


@router.post("/plans/{plan_id}/sign")
async def sign(
    plan_id: int, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    await plans.draft(session, actor=user.actor, plan_id=plan_id)
    form = Fields(await request.form())
    signed_on = form.optional_date("signed_on")
    if signed_on is None:
        return see_other(f"/web/plans/{plan_id}?problem=bad_date_range")
    made = 0
    async with attempt(session) as tried:
        made = await plans.sign(
            session,
            actor=user.actor,
            plan_id=plan_id,
            signed_on=signed_on,
            client_took_part=form.checked("client_took_part"),
            now=now,
        )
    if tried.problem:
        return see_other(f"/web/plans/{plan_id}?problem={tried.problem}")
    return see_other(f"/web/plans/{plan_id}?made={made}")

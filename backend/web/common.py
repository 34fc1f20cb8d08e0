"""What every page shares: the menu per role, rendering with the signed-in user, error
words, and turning a refused form into the same page with the reasons beside the fields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.errors import DomainError
from backend.web.auth import WebUser
from backend.web.i18n import N_, Words
from backend.web.templating import render
from contract import ErrorCode


@dataclass(frozen=True)
class MenuItem:
    path: str
    label: str


def menu(user: WebUser) -> list[MenuItem]:
    """Each role's own work; an assessor's is read-only: their clients' changed needs."""
    if user.is_assessor:
        return [
            MenuItem("/web/needs", N_("Changed needs")),
            MenuItem("/web/account", N_("My account")),
        ]
    items = [
        MenuItem("/web/", N_("Overview")),
        MenuItem("/web/day", N_("Today's visits")),
        MenuItem("/web/clients", N_("Clients")),
    ]
    if user.is_contact_person or user.keeps_records:
        items.append(MenuItem("/web/queue", N_("Queue")))
        items.append(MenuItem("/web/followup", N_("Follow-up")))
    if user.keeps_records:
        items.append(MenuItem("/web/orders/import", N_("Import orders")))
        items.append(MenuItem("/web/staff", N_("Staff")))
        items.append(MenuItem("/web/needs", N_("Changed needs")))
    if user.is_manager:
        items.append(MenuItem("/web/unit", N_("Unit")))
        items.append(MenuItem("/web/audit", N_("Audit")))
    items.append(MenuItem("/web/account", N_("My account")))
    return items


def page(
    request: Request,
    user: WebUser,
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        template,
        {"user": user, "menu": menu(user), "csrf": user.csrf, **context},
        words=user.words,
        status_code=status_code,
    )


def see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@dataclass
class Attempt:
    """What became of an action tried on a form: ``problem`` is the refusal's error code."""

    problem: str | None = None


@asynccontextmanager
async def attempt(session: AsyncSession) -> AsyncIterator[Attempt]:
    """Try an action in a savepoint: refused (bad input, a conflict), what it wrote so far is
    undone and the form is shown again with the reason; not allowed or not there (401, 403,
    404) is passed on to the error page. The rest of the request's work stays, and so do the
    objects it has loaded (a savepoint leaves them as they are)."""
    outcome = Attempt()
    try:
        async with session.begin_nested():
            yield outcome
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        outcome.problem = exc.code.value


# What a page says for a refusal by the services (codes from contract.ErrorCode).
ERRORS = {
    ErrorCode.STAFF_ONLY: N_("Only staff can do this."),
    ErrorCode.PLANNER_ONLY: N_("Only planners and managers can do this."),
    ErrorCode.MANAGER_ONLY: N_("Only managers can do this."),
    ErrorCode.ALREADY_WITH_PLANNERS: N_("This request is already with the planners."),
    ErrorCode.READ_ONLY: N_("Your role can only read the changed needs of your clients."),
    ErrorCode.OTHER_UNIT: N_("This belongs to another unit."),
    ErrorCode.NOT_YOUR_CLIENT: N_(
        "Only the client's contact person, deputy, a planner or a manager can do this."
    ),
    ErrorCode.CLIENT_NOT_FOUND: N_("There is no such client."),
    ErrorCode.STAFF_NOT_FOUND: N_("There is no such staff member in the unit."),
    ErrorCode.PLAN_NOT_FOUND: N_("There is no such plan."),
    ErrorCode.NO_ORDER: N_("There is no order in force on that date. Enter the order first."),
    ErrorCode.BAD_DATE_RANGE: N_("The dates do not fit: check the start and end."),
    ErrorCode.CARE_ENDED: N_("Care has ended for this client: nothing new can be planned."),
    ErrorCode.PLAN_SIGNED: N_("This plan is signed. Make a new version to change it."),
    ErrorCode.OUTSIDE_FRAME: N_(
        "The plan cannot be signed: fix what the frame budget says must be fixed first."
    ),
    ErrorCode.MISSING_FIELDS: N_("Something required is missing."),
    ErrorCode.INVALID_REQUEST: N_("Some of what was entered is not valid."),
    ErrorCode.EMAIL_TAKEN: N_("Another staff member already has this e-mail address."),
    ErrorCode.CANNOT_DEACTIVATE_SELF: N_("You cannot mark yourself as having left."),
    ErrorCode.CSRF_FAILED: N_("The form had expired. Go back, reload the page and try again."),
    ErrorCode.SESSION_NOT_FOUND: N_("There is no such session."),
    ErrorCode.UNSUPPORTED_LOCALE: N_("Choose one of the languages offered."),
    ErrorCode.INVALID_CODE: N_("This sign-in link is not valid. Ask the bot for a new one."),
    ErrorCode.CODE_USED: N_("This sign-in link has already been used. Ask the bot for a new one."),
    ErrorCode.CODE_EXPIRED: N_("This sign-in link has expired. Ask the bot for a new one."),
    ErrorCode.STAFF_INACTIVE: N_("This account is no longer active."),
    ErrorCode.VISIT_ALREADY_STARTED: N_("This visit has already started or is over."),
    ErrorCode.NOT_YOUR_VISIT: N_(
        "Only the visit's staff, the contact person or a planner can do this."
    ),
    ErrorCode.VISIT_NOT_FOUND: N_("There is no such visit."),
}


def error_words(words: Words, code: str) -> str:
    try:
        message = ERRORS.get(ErrorCode(code))
    except ValueError:
        message = None
    return words.gettext(message or N_("That could not be done."))


# Why an imported row's field is refused (backend.services.order_import.ImportProblem).
IMPORT_PROBLEMS = {
    "missing": N_("Missing."),
    "not_a_date": N_("“{value}” is not a date (YYYY-MM-DD)."),
    "not_hours": N_("“{value}” is not a number of hours."),
    "unknown_period": N_("“{value}” is not a period: write month or week."),
    "bad_services": N_("“{value}” is not a service with a frequency, like meal:3/day."),
    "unknown_service": N_("“{value}” is not a known service."),
    "unknown_client": N_("No client of the unit has this personal identity number."),
    "care_ended": N_("Care has ended for this client."),
    "ends_before_start": N_("Ends before it starts."),
    "not_after_current": N_("Must start after the current order (from {value})."),
    "twice_in_file": N_("The same client is in the file twice."),
    "unreadable": N_("The file cannot be read as CSV or JSON (UTF-8)."),
    "too_large": N_("The file is too large."),
    "unknown_column": N_("Unknown column."),
}

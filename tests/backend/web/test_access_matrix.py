"""Who may open each web page and send each web form: every route of the web's route table
(``backend.web.routes()``) crossed with each kind of staff caller, the answer written down
per cell. A new route without a row fails. Same shape as the API's matrix: route -> caller ->
status.

Callers: nobody signed in; a carer of another unit; a carer of the demo unit who is nobody's
contact person; Anna, Lisa's contact person (a carer); Erik, a planner; Karin, the manager.
Targets: Lisa (client 1), her plan (1) and its first slot, Anna (staff 1), Anna's API token.
The callers try each route in that order, with a valid form where the route takes one, so a
refusal comes from the rules and not from a missing field; ``303`` for nobody is the way to
the sign-in page.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from backend import web
from backend.models import (
    Order,
    PlanSlot,
    Staff,
    StaffAbsence,
    StaffRole,
    StaffSession,
    Unit,
    Visit,
)
from tests.backend.helpers import update_row
from tests.conftest import Database, as_chat, staff_web_session

CALLERS = ("none", "other_unit", "carer", "contact_person", "planner", "manager", "assessor")
OK, SEE_OTHER, BAD, FORBIDDEN, NOT_FOUND, CONFLICT, INVALID = 200, 303, 400, 403, 404, 409, 422


def row(
    none: int, other: int, carer: int, contact: int, planner: int, manager: int, assessor: int
) -> dict:
    answers = (none, other, carer, contact, planner, manager, assessor)
    return dict(zip(CALLERS, answers, strict=True))


# The assessor (last) reads only the changed needs of their orders' clients: every other
# page refuses them, except their own account and the way in and out.
EVERYONE = row(SEE_OTHER, OK, OK, OK, OK, OK, FORBIDDEN)
EVERYONE_ACTS = row(*[SEE_OTHER] * 7)
KEEPERS = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN)
KEEPERS_ACT = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER, SEE_OTHER, FORBIDDEN)
MANAGER = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)
MANAGER_ACTS = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER, FORBIDDEN)
UNIT_READS = row(SEE_OTHER, FORBIDDEN, OK, OK, OK, OK, FORBIDDEN)  # any staff of Lisa's unit
LISAS_PLANNERS = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, OK, OK, OK, FORBIDDEN)
LISAS_PLANNERS_ACT = row(
    SEE_OTHER, FORBIDDEN, FORBIDDEN, SEE_OTHER, SEE_OTHER, SEE_OTHER, FORBIDDEN
)
# A signed plan is not edited: the plan's people are refused for that reason (409), the
# others because it is not theirs (403).
SIGNED_PLAN = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, 409, 409, 409, FORBIDDEN)
PUBLIC = row(*[OK] * 7)
OWN = row(SEE_OTHER, OK, OK, OK, OK, OK, OK)  # one's own account
# Lisa's waiting request (version 1): Anna decides it; the planner and the manager, who
# come after her with the same page, are refused as stale (409); the others are not hers.
LISAS_REQUEST = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, SEE_OTHER, CONFLICT, CONFLICT, FORBIDDEN)
# The changed needs: the assessor of Lisa's order, and the unit's planners and managers.
NEEDS = row(SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK)

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/web/signin"): PUBLIC,
    ("POST", "/web/signin/demo"): row(*[FORBIDDEN] * 7),  # demo mode only
    ("GET", "/web/signin/link/{token}"): row(*[BAD] * 7),  # an unknown link
    ("POST", "/web/signin/link/{token}"): row(*[SEE_OTHER] * 7),  # back to sign-in, refused
    ("GET", "/web/signin/oidc"): row(*[SEE_OTHER] * 7),  # no provider configured
    ("GET", "/web/signin/oidc/callback"): row(*[SEE_OTHER] * 7),
    ("POST", "/web/signout"): EVERYONE_ACTS,
    ("POST", "/web/language"): EVERYONE_ACTS,
    # The assessor is sent on to their one page, the changed needs.
    ("GET", "/web/"): row(SEE_OTHER, OK, OK, OK, OK, OK, SEE_OTHER),
    ("GET", "/web/clients"): EVERYONE,
    ("GET", "/web/clients/new"): KEEPERS,
    ("POST", "/web/clients/new"): KEEPERS_ACT,
    ("GET", "/web/clients/{client_id}"): UNIT_READS,
    ("GET", "/web/clients/{client_id}/edit"): KEEPERS,
    ("POST", "/web/clients/{client_id}/edit"): KEEPERS_ACT,
    ("POST", "/web/clients/{client_id}/end-care"): KEEPERS_ACT,
    ("POST", "/web/clients/{client_id}/resume-care"): KEEPERS_ACT,
    ("GET", "/web/clients/{client_id}/orders/new"): KEEPERS,
    # The manager's order is the second from the same day, after the planner's: a form problem.
    ("POST", "/web/clients/{client_id}/orders/new"): row(
        SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER, INVALID, FORBIDDEN
    ),
    ("GET", "/web/orders/import"): KEEPERS,
    # An empty file: keepers are told it holds no orders.
    ("POST", "/web/orders/import"): row(
        SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, 422, 422, FORBIDDEN
    ),
    ("POST", "/web/clients/{client_id}/invitation"): LISAS_PLANNERS,
    ("POST", "/web/clients/{client_id}/plans"): LISAS_PLANNERS_ACT,
    ("GET", "/web/plans/{plan_id}"): UNIT_READS,
    ("GET", "/web/plans/{plan_id}/budget"): UNIT_READS,
    ("POST", "/web/plans/{plan_id}/slots"): SIGNED_PLAN,
    ("POST", "/web/plans/{plan_id}/slots/{slot_id}"): SIGNED_PLAN,
    ("POST", "/web/plans/{plan_id}/slots/{slot_id}/delete"): SIGNED_PLAN,
    ("POST", "/web/plans/{plan_id}/start"): SIGNED_PLAN,
    ("POST", "/web/plans/{plan_id}/sign"): SIGNED_PLAN,
    ("GET", "/web/staff"): KEEPERS,
    ("POST", "/web/staff"): MANAGER_ACTS,
    ("GET", "/web/staff/{staff_id}"): KEEPERS,
    ("POST", "/web/staff/{staff_id}"): MANAGER_ACTS,
    ("POST", "/web/staff/{staff_id}/absences"): KEEPERS_ACT,
    ("POST", "/web/staff/{staff_id}/absences/{absence_id}/delete"): KEEPERS_ACT,
    ("POST", "/web/staff/{staff_id}/deactivate"): MANAGER_ACTS,
    # Managers invite staff (accounts.create_invitation); a planner may see the page but not this.
    ("POST", "/web/staff/{staff_id}/invitation"): MANAGER,
    # Anna's own token: Anna and the manager may sign it out; for others it is not theirs.
    ("POST", "/web/sessions/{session_id}/revoke"): row(
        SEE_OTHER, NOT_FOUND, FORBIDDEN, SEE_OTHER, FORBIDDEN, SEE_OTHER, FORBIDDEN
    ),
    ("GET", "/web/unit"): MANAGER,
    ("POST", "/web/unit"): row(
        SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN
    ),
    ("GET", "/web/account"): OWN,
    ("POST", "/web/account/tokens"): OWN,
    # Everyone of the unit has a queue (maybe empty); only Lisa's people may decide hers.
    ("GET", "/web/queue"): EVERYONE,
    ("GET", "/web/queue/news"): EVERYONE,
    ("POST", "/web/queue/{request_id}/approve"): LISAS_REQUEST,
    ("POST", "/web/queue/{request_id}/reject"): LISAS_REQUEST,
    ("POST", "/web/queue/{request_id}/hand-over"): LISAS_REQUEST,
    ("GET", "/web/audit"): MANAGER,
    ("GET", "/web/needs"): NEEDS,
    ("GET", "/web/needs.csv"): NEEDS,
    # Follow-up: planners and managers of the unit; a contact person for their own clients.
    ("GET", "/web/followup"): LISAS_PLANNERS,
    ("GET", "/web/followup.csv"): LISAS_PLANNERS,
    ("GET", "/web/clients/{client_id}/followup"): LISAS_PLANNERS,
    # The day board shows the caller's own unit (another unit's staff see theirs, empty).
    ("GET", "/web/day"): EVERYONE,
    ("GET", "/web/day/board"): EVERYONE,
    # Lisa's 17:00 visit today: planners assign it; her carers and planners give a reason.
    ("POST", "/web/day/visits/{visit_id}/assign"): KEEPERS_ACT,
    ("POST", "/web/day/visits/{visit_id}/deviation"): LISAS_PLANNERS_ACT,
}

FORMS: dict[str, dict[str, Any]] = {
    "/web/signin/demo": {"staff_id": "1"},
    "/web/language": {"locale": "en"},
    "/web/clients/new": {
        "first_name": "Britt",
        "last_name": "Ek",
        "preferred_language": "sv",
    },
    "/web/clients/{client_id}/edit": {
        "first_name": "Lisa",
        "last_name": "Andersson",
        "preferred_language": "sv",
        "contact_person_id": "1",
        "deputy_id": "2",
    },
    "/web/clients/{client_id}/end-care": {"last_day": "2026-12-31"},
    "/web/clients/{client_id}/orders/new": {
        "period": "month",
        "frame_hours": "40",
        "valid_from": "2027-01-01",
        "decided_on": "2026-11-20",
        "count_meal": "3",
        "per_meal": "day",
    },
    "/web/orders/import": {"content": "[]", "filename": "orders.json"},
    "/web/clients/{client_id}/plans": {"valid_from": "2026-12-01"},
    "/web/plans/{plan_id}/slots": {"weekdays": "1", "start": "09:00", "duration": "30"},
    "/web/plans/{plan_id}/slots/{slot_id}": {},
    "/web/plans/{plan_id}/start": {"valid_from": "2026-12-01"},
    "/web/plans/{plan_id}/sign": {"signed_on": "2026-11-23"},
    "/web/staff": {"first_name": "Nils", "last_name": "Ek", "role": "carer"},
    "/web/staff/{staff_id}": {"first_name": "Anna", "last_name": "Lindqvist", "role": "carer"},
    "/web/staff/{staff_id}/absences": {"starts_on": "2026-12-01", "ends_on": "2026-12-02"},
    "/web/day/visits/{visit_id}/assign": {"staff_id": "2"},
    "/web/day/visits/{visit_id}/deviation": {"reason": "other"},
    "/web/queue/{request_id}/approve": {"version": "1"},
    "/web/queue/{request_id}/reject": {"version": "1", "reason": "no_staff"},
    "/web/queue/{request_id}/hand-over": {"version": "1"},
    "/web/unit": {
        "name": "Hemtjänst Södermalm",
        "phone": "08-508 123 00",
        "service_start": "07:00",
        "service_end": "22:00",
        "notice_minutes": "180",
        "late_window_minutes": "30",
    },
}


def test_every_web_route_has_a_row() -> None:
    assert sorted(web.routes()) == sorted(EXPECTED)


async def _assessor_of_lisa(db: Database) -> Staff:
    astrid = Staff(unit_id=1, first_name="Astrid", last_name="Holm", role=StaffRole.ASSESSOR)
    await db.add(astrid)
    for order in await db.all(select(Order).where(Order.client_id == 1)):
        await update_row(db, Order, order.id, assessor_staff_id=astrid.id)
    return astrid


async def _callers(db: Database) -> dict[str, Any]:
    kista = Unit(name="Hemtjänst Kista", municipality="Stockholm")
    await db.add(kista)
    olof = Staff(unit_id=kista.id, first_name="Olof", last_name="Ek", role=StaffRole.CARER)
    olle = Staff(unit_id=1, first_name="Olle", last_name="Berg", role=StaffRole.CARER)
    await db.add(olof, olle)
    people = {
        "other_unit": olof,
        "carer": olle,
        "contact_person": await db.get(Staff, 1),  # Anna
        "planner": await db.get(Staff, 3),  # Erik
        "manager": await db.get(Staff, 4),  # Karin
        "assessor": await _assessor_of_lisa(db),
    }
    return {name: await staff_web_session(db, staff) for name, staff in people.items()}


async def _lisas_request(api: httpx.AsyncClient) -> int:
    """Lisa asks for a longer lunch tomorrow (version 1, in Anna's queue)."""
    day = date(2026, 11, 24).isoformat()
    visits = await api.get("/clients/1/visits", params={"from": day}, headers=as_chat("lisa"))
    lunch = next(v for v in visits.json()["visits"] if v["start"].endswith("T11:00:00Z"))
    asked = await api.post(
        "/clients/1/requests",
        json={
            "idempotency_key": "web-matrix-request",
            "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35},
        },
        headers=as_chat("lisa"),
    )
    assert asked.status_code == 201, asked.text
    return int(asked.json()["id"])


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
async def test_the_web_route_answers_each_caller_as_written(
    method: str, path: str, app: Any, api: httpx.AsyncClient, demo: None, db: Database
) -> None:
    credentials = await _callers(db)
    request_id = await _lisas_request(api) if "{request_id}" in path else 0
    spare = Staff(unit_id=1, first_name="Ville", last_name="Vik", role=StaffRole.CARER)
    await db.add(spare)
    await db.add(StaffAbsence(staff_id=1, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 1)))
    slot = await db.first(select(PlanSlot).where(PlanSlot.care_plan_id == 1))
    token = await db.first(select(StaffSession).where(col(StaffSession.staff_id) == 1))
    absence = await db.first(select(StaffAbsence))
    dinner = await db.first(
        select(Visit)
        .where(Visit.client_id == 1)
        .where(Visit.day == date(2026, 11, 23))
        .order_by(col(Visit.planned_start).desc())
    )
    ids = {
        "visit_id": dinner.id,
        "client_id": 1,
        "plan_id": 1,
        "slot_id": slot.id,
        "staff_id": spare.id if path.endswith("deactivate") else 1,
        "session_id": token.id,
        "absence_id": absence.id,
        "request_id": request_id,
        "token": "not-a-link",
    }
    url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
    form = dict(FORMS.get(path, {}))
    if path.endswith("/slots/{slot_id}"):
        form = {
            f"s{slot.id}_weekday": "0",
            f"s{slot.id}_start": "08:00",
            f"s{slot.id}_duration": "25",
        }
    answers = {}
    transport = httpx.ASGITransport(app=app)
    for caller in CALLERS:
        who = credentials.get(caller)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=who.cookies if who else None
        ) as browser:
            if method == "GET":
                response = await browser.get(url)
            else:
                data = {**form, "csrf": who.csrf} if who else form
                response = await browser.post(url, data=data)
        answers[caller] = response.status_code
    assert answers == EXPECTED[(method, path)]

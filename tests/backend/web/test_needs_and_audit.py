"""The assessor's changed needs (only the clients of their own orders, read-only, also as CSV)
and the manager's audit page (who read or changed what, filtered by client, staff and days)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from backend.models import AuditEvent, ChangeRequest, Client, Order, Staff, StaffRole
from contract import TZ, RequestStatus
from tests.backend.helpers import GOSTA, LISA, tighten_frame, update_row, visit_at
from tests.backend.web.test_queue import browser, text_of
from tests.conftest import as_chat, as_staff, staff_web_session

TOMORROW = date(2026, 11, 24)
ANNA, KARIN = 1, 4


async def astrid_of(db: Any, *client_ids: int) -> Staff:
    """An assessor, who granted the orders of ``client_ids``."""
    astrid = Staff(unit_id=1, first_name="Astrid", last_name="Holm", role=StaffRole.ASSESSOR)
    await db.add(astrid)
    for order in await db.all(select(Order)):
        if order.client_id in client_ids:
            await update_row(db, Order, order.id, assessor_staff_id=astrid.id)
    return astrid


async def send_on(api: httpx.AsyncClient, who: str, client_id: int) -> dict[str, Any]:
    """A wish outside the frame (an extra three hours at lunch), sent on as a changed need."""
    hour = 12 if client_id == LISA else 9  # lunch; Gösta's morning wash
    lunch = await visit_at(api, TOMORROW, hour, who=who, client_id=client_id)
    r = await api.post(
        f"/clients/{client_id}/requests",
        json={
            "idempotency_key": uuid.uuid4().hex,
            "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 180},
            "to_assessor": True,
            "note": "Jag behöver mer hjälp nu",
        },
        headers=as_chat(who),
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == RequestStatus.TO_ASSESSOR
    return r.json()


async def test_the_assessor_sees_only_their_clients_changed_needs(api, app, demo, db) -> None:
    await tighten_frame(db, LISA, 40)
    await tighten_frame(db, GOSTA, 10)  # over his frame (and over his next visit)
    lisas = await send_on(api, "lisa", LISA)
    await send_on(api, "gosta", GOSTA)
    astrid = await astrid_of(db, LISA)
    who = await staff_web_session(db, astrid)
    async with browser(app, who) as web:
        home = await web.get("/web/")
        assert (home.status_code, home.headers["location"]) == (303, "/web/needs")
        page = await web.get("/web/needs?month=2026-11")
        exported = await web.get("/web/needs.csv?month=2026-11")
        refused = [
            (await web.get(path)).status_code
            for path in ("/web/clients", f"/web/clients/{LISA}", "/web/queue", "/web/audit")
        ]
    assert page.status_code == 200
    text = text_of(page.text)
    lisa = await db.get(Client, LISA)
    gosta = await db.get(Client, GOSTA)
    assert f"{lisa.first_name} {lisa.last_name}" in text
    assert gosta.last_name not in text
    assert "Ändra längden" in text and "“Jag behöver mer hjälp nu”" in text
    request = await db.get(ChangeRequest, lisas["id"])
    over = next(r for r in request.reasons if r.code == "over_frame")
    order = await db.first(select(Order).where(Order.client_id == LISA))
    assert over.numbers["frame_minutes"] == order.frame_minutes
    assert over.numbers["over_by"] == over.numbers["total_after"] - order.frame_minutes
    assert refused == [403, 403, 403, 403]
    # The menu offers their page and their account, nothing else.
    assert 'href="/web/clients"' not in page.text and 'href="/web/needs"' in page.text

    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert exported.headers["content-type"].startswith("text/csv")
    assert rows[0][:5] == ["what", "client_id", "first_name", "last_name", "date"]
    needs = [r for r in rows[1:] if r[0] == "changed_need"]
    assert [(r[1], r[2], r[4], r[5]) for r in needs] == [
        (str(LISA), lisa.first_name, "2026-11-23", "resize")
    ]
    assert f"over_by={over.numbers['over_by']}" in needs[0][6]
    assert {r[1] for r in rows[1:]} == {str(LISA)}
    # Each read is audited, as the assessor's, about Lisa only.
    reads = await db.all(select(AuditEvent).where(AuditEvent.staff_id == astrid.id))
    assert {(e.client_id, e.details["what"]) for e in reads} == {(LISA, "needs")}


async def test_an_assessor_cannot_use_the_staff_api(api, app, demo, db) -> None:
    from tests.conftest import staff_headers

    astrid = await astrid_of(db, LISA)
    headers = await staff_headers(db, astrid)
    for path in ("/staff/queue", "/staff/day", f"/staff/clients/{LISA}/audit", "/staff/followup"):
        r = await api.get(path, headers=headers)
        assert (r.status_code, r.json()["code"]) == (403, "read_only"), path


async def test_the_manager_filters_the_audit_by_client_staff_and_days(api, app, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    asked = await api.post(
        f"/clients/{LISA}/requests",
        json={
            "idempotency_key": uuid.uuid4().hex,
            "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35},
        },
        headers=as_chat("lisa"),
    )
    approved = await api.post(
        f"/staff/requests/{asked.json()['id']}/approve",
        json={"version": 1},
        headers=as_staff("anna"),
    )
    assert approved.status_code == 200, approved.text
    events = await db.all(
        select(AuditEvent).where(AuditEvent.client_id == LISA).where(AuditEvent.staff_id == ANNA)
    )
    day = events[0].at.astimezone(TZ).date()  # the day the events were recorded
    karin = await staff_web_session(db, await db.get(Staff, KARIN))
    async with browser(app, karin) as web:
        annas = await web.get(f"/web/audit?client={LISA}&staff={ANNA}&from={day}&to={day}")
        before = await web.get(f"/web/audit?client={LISA}&to={day - timedelta(days=1)}")
        wrong = await web.get(f"/web/audit?from={day}&to={day - timedelta(days=1)}")
        other = await web.get("/web/audit?client=99999")
    text = text_of(annas.text)
    assert annas.status_code == 200
    n = len(events)
    assert f"{n} {'händelse' if n == 1 else 'händelser'}, senaste först" in text
    assert "Anna godkände ett önskemål Lisa Andersson" in text
    reads = [e for e in events if e.action == "client.read"]
    assert text.count("Anna läste") == len(reads)
    assert "Inget har loggats för det här valet." in text_of(before.text)
    assert wrong.status_code == 422 and "Slutet får inte vara före starten." in text_of(wrong.text)
    assert other.status_code == 422
    # Karin's look at Lisa's events is itself recorded.
    karins = await db.all(select(AuditEvent).where(AuditEvent.staff_id == KARIN))
    assert any(e.client_id == LISA and e.details.get("what") == "audit" for e in karins)
    anna = await staff_web_session(db, await db.get(Staff, ANNA))
    async with browser(app, anna) as web:
        assert (await web.get("/web/audit")).status_code == 403


async def test_the_planner_names_the_orders_assessor(api, app, demo, db) -> None:
    astrid = Staff(unit_id=1, first_name="Astrid", last_name="Holm", role=StaffRole.ASSESSOR)
    await db.add(astrid)
    erik = await staff_web_session(db, await db.get(Staff, 3))
    form = {
        "csrf": erik.csrf,
        "period": "month",
        "frame_hours": "40",
        "valid_from": "2027-01-01",
        "decided_on": "2026-11-20",
        "count_meal": "3",
        "per_meal": "day",
    }
    async with browser(app, erik) as web:
        shown = await web.get(f"/web/clients/{LISA}/orders/new")
        assert "Biståndshandläggare" in text_of(shown.text) and "Astrid Holm" in shown.text
        carer = await web.post(
            f"/web/clients/{LISA}/orders/new", data={**form, "assessor_staff_id": str(ANNA)}
        )
        assert carer.status_code == 422  # Anna is no assessor: nothing is saved
        saved = await web.post(
            f"/web/clients/{LISA}/orders/new", data={**form, "assessor_staff_id": str(astrid.id)}
        )
    assert saved.status_code == 303
    orders = await db.all(select(Order).where(Order.client_id == LISA))
    newest = max(orders, key=lambda o: o.valid_from)
    assert (newest.valid_from, newest.assessor_staff_id) == (date(2027, 1, 1), astrid.id)
    assert len([o for o in orders if o.valid_from == date(2027, 1, 1)]) == 1


async def test_an_assessor_is_never_a_contact_person(api, app, demo, db) -> None:
    astrid = await astrid_of(db, LISA)
    erik = await staff_web_session(db, await db.get(Staff, 3))
    async with browser(app, erik) as web:
        form = await web.get(f"/web/clients/{LISA}/edit")
        refused = await web.post(
            f"/web/clients/{LISA}/edit",
            data={
                "csrf": erik.csrf,
                "first_name": "Lisa",
                "last_name": "Andersson",
                "preferred_language": "sv",
                "contact_person_id": str(astrid.id),
                "deputy_id": "2",
            },
        )
    assert "Astrid" not in form.text
    assert refused.status_code == 422
    assert (await db.get(Client, LISA)).contact_person_id == ANNA


async def test_a_month_in_progress_is_said_to_be_so(app, demo, db) -> None:
    """On 23 November, November's performed time is counted to that day: the assessor reads
    so above the ±10 % list, as the manager does on the follow-up page; October is over."""
    astrid = await astrid_of(db, LISA)
    who = await staff_web_session(db, astrid)
    async with browser(app, who) as web:
        november = text_of((await web.get("/web/needs?month=2026-11")).text)
        october = text_of((await web.get("/web/needs?month=2026-10")).text)
    hint = "Månaden är inte slut: utförd tid är räknad till och med"
    assert hint in november and "23 nov. 2026" in november.split(hint)[1][:40]
    assert hint not in october


async def test_the_audit_names_who_in_the_bot(api, app, demo, db) -> None:
    """Before: every event done in the bot read "i boten (omsorgstagare eller anhörig)", so
    Karin could not tell Lisa's own requests from Eva's."""
    for who, hour in (("lisa", 12), ("eva", 17)):
        visit = await visit_at(api, TOMORROW, hour)
        asked = await api.post(
            f"/clients/{LISA}/requests",
            json={
                "idempotency_key": uuid.uuid4().hex,
                "change": {"kind": "resize", "visit_id": visit["id"], "new_duration": 35},
            },
            headers=as_chat(who),
        )
        assert asked.status_code == 201, asked.text
    events = await db.all(
        select(AuditEvent).where(
            AuditEvent.client_id == LISA, col(AuditEvent.actor).startswith("chat:")
        )
    )
    assert len({e.actor for e in events}) == 2  # Lisa's chat account and Eva's
    karin = await staff_web_session(db, await db.get(Staff, KARIN))
    async with browser(app, karin) as web:
        page = await web.get(f"/web/audit?client={LISA}")
    text = text_of(page.text)
    assert "Lisa (omsorgstagaren) skickade ett önskemål" in text, text
    assert "Eva (anhörig) skickade ett önskemål" in text
    assert "i boten (omsorgstagare eller anhörig)" not in text

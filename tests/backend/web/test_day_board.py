"""The day board on the web: every visit of the unit today with its true status (the figures
computed here from the rows), who has it and whether they are new to the client; a planner
reassigns a visit (both carers and the client are told); a missed visit gets its reason."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from backend.models import (
    Client,
    Notification,
    SessionKind,
    Staff,
    StaffSession,
    Visit,
)
from backend.services.sessions import hash_token, new_token
from contract import TZ
from tests.backend.helpers import LISA, visit_at
from tests.conftest import Clock, Database, WebCredentials, as_staff

TODAY = date(2026, 11, 23)
ERIK, MARIA = 3, 2
TOLERANCE = timedelta(minutes=30)  # a window closes 30 min after the planned end (+ lateness)
ROW = re.compile(r'<tr id="visit-(\d+)" data-status="(\w+)">(.*?)</tr>', re.S)


async def signed_in(db: Database, staff_id: int, now: datetime) -> WebCredentials:
    token, csrf = new_token(), new_token()
    await db.add(
        StaffSession(
            staff_id=staff_id,
            kind=SessionKind.WEB,
            token_hash=hash_token(token),
            csrf_token=csrf,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(hours=10),
            idle_minutes=30,
        )
    )
    return WebCredentials({"ramtid_session": token}, csrf)


def browser(app: Any, who: WebCredentials) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        cookies=who.cookies,
        headers={"accept-language": "sv"},
    )


def hhmm(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def rows_of(page: str) -> dict[int, tuple[str, str]]:
    return {int(vid): (status, text_of(body)) for vid, status, body in ROW.findall(page)}


def expected_status(visit: Visit, now: datetime) -> tuple[str, str]:
    """What the board must say, worked out from the row itself."""
    if visit.status == "done":
        minutes = round((visit.actual_end - visit.actual_start).total_seconds() / 60)
        return "done", f"Klart, {minutes} min utförd tid"
    window = visit.planned_start + timedelta(minutes=visit.duration_minutes + visit.late_minutes)
    if visit.actual_start is None and window + TOLERANCE <= now:
        return "missed", "Blev inte av"
    if visit.late_minutes:
        arrival = visit.planned_start + timedelta(minutes=visit.late_minutes)
        return "planned", f"{visit.late_minutes} min försenat, kommer ca {hhmm(arrival)}"
    return "planned", "Planerat"


async def test_the_board_shows_every_visit_of_the_unit_with_its_true_status(
    app, api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    # 08:40: Anna does Lisa's breakfast (22 minutes).
    breakfast = await visit_at(api, TODAY, 8)
    await api.post(f"/staff/visits/{breakfast['id']}/check-in", headers=as_staff("anna"))
    clock.advance(minutes=22)
    r = await api.post(f"/staff/visits/{breakfast['id']}/check-out", headers=as_staff("anna"))
    assert r.status_code == 200, r.text
    # 11:50: Anna will be 20 minutes late for Lisa's lunch.
    clock.set_local(2026, 11, 23, 11, 50)
    lunch = await visit_at(api, TODAY, 12)
    r = await api.post(
        "/staff/late", json={"minutes": 20, "visit_id": lunch["id"]}, headers=as_staff("anna")
    )
    assert r.status_code == 200, r.text

    clock.set_local(2026, 11, 23, 12, 5)
    erik = await signed_in(db, ERIK, clock.now)
    async with browser(app, erik) as web:
        r = await web.get("/web/day")
    assert r.status_code == 200, r.text
    assert 'href="/web/day" aria-current="page"' in r.text  # in the navigation

    visits = await db.all(
        select(Visit, Client, Staff)
        .join(Client, col(Client.id) == Visit.client_id)
        .join(Staff, col(Staff.id) == Visit.staff_id, isouter=True)
        .where(Visit.day == TODAY)
        .order_by(col(Visit.planned_start))
    )
    shown = rows_of(r.text)
    assert list(shown) == [v.id for v, _c, _s in visits]  # every visit, in time order
    for visit, client, staff in visits:
        status, text = shown[visit.id]
        want_status, want_words = expected_status(visit, clock.now)
        assert status == want_status, (hhmm(visit.planned_start), client.first_name)
        assert want_words in text, (text, want_words)
        assert f"{client.first_name} {client.last_name}" in text
        if staff is not None:
            assert f"{staff.first_name} {staff.last_name}" in text
    kinds = {status for status, _t in shown.values()}
    assert {"done", "missed", "planned"} <= kinds
    assert "20 min försenat, kommer ca 12:20" in shown[lunch["id"]][1]
    assert "Klart, 22 min utförd tid" in shown[breakfast["id"]][1]

    # The polled fragment is the same board without the page around it.
    async with browser(app, erik) as web:
        r = await web.get("/web/day/board", headers={"hx-request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    assert rows_of(r.text) == shown


async def test_a_planner_reassigns_a_visit_and_someone_new_is_marked_and_told(
    app, api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    dinner = await visit_at(api, TODAY, 17)
    # Has Maria ever done a visit at Lisa's? Then she is not new to her.
    known = await db.all(
        select(Visit.id)
        .where(Visit.client_id == LISA)
        .where(Visit.staff_id == MARIA)
        .where(Visit.status == "done")
    )
    erik = await signed_in(db, ERIK, clock.now)
    async with browser(app, erik) as web:
        r = await web.post(
            f"/web/day/visits/{dinner['id']}/assign",
            data={"staff_id": str(MARIA), "csrf": erik.csrf},
        )
        assert r.status_code == 303
        page = (await web.get("/web/day")).text
    assert (await db.get(Visit, dinner["id"])).staff_id == MARIA
    _status, text = rows_of(page)[dinner["id"]]
    assert "Maria" in text
    assert ("Ny för brukaren" in text) == (not known)
    kinds = [
        (n.kind, n.message.visit_id)
        for n in await db.all(select(Notification).order_by(col(Notification.id)))
    ]
    assert ("visit_assigned", dinner["id"]) in kinds
    assert ("visit_unassigned", dinner["id"]) in kinds
    assert (("someone_new", dinner["id"]) in kinds) == (not known)

    # A bad choice is refused in words, and nothing changes.
    async with browser(app, erik) as web:
        r = await web.post(
            f"/web/day/visits/{dinner['id']}/assign", data={"staff_id": "x", "csrf": erik.csrf}
        )
    assert r.status_code == 422
    assert "Det finns ingen sådan medarbetare i enheten." in r.text
    assert (await db.get(Visit, dinner["id"])).staff_id == MARIA


async def test_a_missed_visit_gets_its_reason_on_the_board(
    app, api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2026, 11, 23, 16, 55)
    lunch = await visit_at(api, TODAY, 12)
    assert lunch["status"] == "missed"
    anna = await signed_in(db, 1, clock.now)
    async with browser(app, anna) as web:
        page = (await web.get("/web/day")).text
        assert "Varför blev det inte av?" in rows_of(page)[lunch["id"]][1]
        r = await web.post(
            f"/web/day/visits/{lunch['id']}/deviation",
            data={"reason": "hospital_stay", "csrf": anna.csrf},
        )
        assert r.status_code == 303
        page = (await web.get("/web/day")).text
    assert (await db.get(Visit, lunch["id"])).deviation_reason == "hospital_stay"
    _status, text = rows_of(page)[lunch["id"]]
    assert "Skäl: Brukaren låg på sjukhus" in text
    assert "Varför blev det inte av?" not in text

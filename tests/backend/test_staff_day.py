"""A carer's day: the route, checking in and out (performed time), and who is coming."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import select

from backend.models import AuditEvent, ChatAccount, Notification, Visit
from contract import TZ
from tests.backend.helpers import GOSTA, LISA, lisa_asks_to_move, visit_at
from tests.conftest import Clock, Database, as_chat, as_staff

TODAY = date(2026, 11, 23)
TOMORROW = TODAY + timedelta(days=1)
ANNA, SANNA = 1, 6


def local_time(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(TZ).strftime("%H:%M")


async def frame(api: httpx.AsyncClient) -> dict[str, Any]:
    r = await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    return r.json()


async def staff_post(api: httpx.AsyncClient, url: str, who: str) -> httpx.Response:
    return await api.post(url, headers=as_staff(who))


async def audit_actions(db: Database, visit_id: int) -> list[str]:
    rows = await db.all(
        select(AuditEvent.action)
        .where(AuditEvent.entity == "visit")
        .where(AuditEvent.entity_id == visit_id)
        .order_by(AuditEvent.id)
    )
    return list(rows)


async def test_the_day_lists_my_visits_in_time_order_with_client_and_area(api, demo) -> None:
    gostas = await visit_at(api, TODAY, 9, who="gosta", client_id=GOSTA)
    r = await staff_post(api, f"/staff/visits/{gostas['id']}/assign/{ANNA}", "erik")
    assert r.status_code == 200, r.text

    r = await api.get("/staff/day", headers=as_staff("anna"))
    assert r.status_code == 200, r.text
    day = [(local_time(v["start"]), v["client_first_name"], v["address_area"]) for v in r.json()]
    assert day == [
        ("08:00", "Lisa", "Södermalm"),
        ("09:00", "Gösta", "Hornstull"),
        ("12:00", "Lisa", "Södermalm"),
        ("17:00", "Lisa", "Södermalm"),
    ]
    assert {v["day"] for v in r.json()} == {TODAY.isoformat()}


async def test_check_in_and_out_moves_minutes_from_planned_to_performed(
    api, demo, db, clock: Clock
) -> None:
    breakfast = await visit_at(api, TODAY, 8)
    assert breakfast["duration_minutes"] == 25
    before = await frame(api)

    r = await staff_post(api, f"/staff/visits/{breakfast['id']}/check-in", "anna")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress"
    checked_in_at = clock.now
    clock.advance(minutes=30)
    r = await staff_post(api, f"/staff/visits/{breakfast['id']}/check-out", "anna")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done"

    visit = await db.get(Visit, breakfast["id"])
    assert (visit.actual_start, visit.actual_end) == (checked_in_at, clock.now)
    after = await frame(api)
    assert after["performed_minutes"] == before["performed_minutes"] + 30
    assert after["planned_minutes"] == before["planned_minutes"] - 25
    assert after["left_minutes"] == before["left_minutes"] - 5
    assert await audit_actions(db, breakfast["id"]) == ["visit.check_in", "visit.check_out"]


async def test_pressing_check_in_or_out_twice_is_one_effect(api, demo, db, clock: Clock) -> None:
    breakfast = await visit_at(api, TODAY, 8)
    first = await staff_post(api, f"/staff/visits/{breakfast['id']}/check-in", "anna")
    clock.advance(minutes=2)
    again = await staff_post(api, f"/staff/visits/{breakfast['id']}/check-in", "anna")
    assert again.status_code == 200, again.text
    assert again.json()["actual_start"] == first.json()["actual_start"]
    assert again.json()["version"] == first.json()["version"]

    clock.advance(minutes=20)
    out = await staff_post(api, f"/staff/visits/{breakfast['id']}/check-out", "anna")
    clock.advance(minutes=5)
    out_again = await staff_post(api, f"/staff/visits/{breakfast['id']}/check-out", "anna")
    assert out_again.status_code == 200, out_again.text
    assert out_again.json()["actual_end"] == out.json()["actual_end"]
    assert await audit_actions(db, breakfast["id"]) == ["visit.check_in", "visit.check_out"]


async def test_a_carer_cannot_check_in_another_carers_visit(api, demo, db) -> None:
    lunch = await visit_at(api, TODAY, 12)  # Anna's
    for action in ("check-in", "check-out"):
        r = await staff_post(api, f"/staff/visits/{lunch['id']}/{action}", "maria")
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "not_your_visit"
    visit = await db.get(Visit, lunch["id"])
    assert (visit.status, visit.actual_start, visit.staff_id) == ("planned", None, ANNA)
    assert await audit_actions(db, lunch["id"]) == []


async def test_the_client_is_told_in_advance_when_someone_new_is_coming(api, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    r = await staff_post(api, f"/staff/visits/{lunch['id']}/assign/{SANNA}", "anna")
    assert r.status_code == 403 and r.json()["code"] == "planner_only"

    r = await staff_post(api, f"/staff/visits/{lunch['id']}/assign/{SANNA}", "erik")
    assert r.status_code == 200, r.text
    told = await db.all(
        select(Notification, ChatAccount)
        .join(ChatAccount)
        .where(Notification.kind == "someone_new")
    )
    assert sorted(account.telegram_user_id for _n, account in told) == [1001, 1002]
    message = told[0][0].message
    assert (message.visit_id, message.staff_first_name) == (lunch["id"], "Sanna")
    assert message.client_first_name == "Lisa"  # Eva's message says whose visit it is
    assert message.visit_start == datetime.fromisoformat(lunch["start"])
    listed = await visit_at(api, TOMORROW, 12)
    assert (listed["staff_first_name"], listed["staff_is_new"]) == ("Sanna", True)

    # Anna has been to Lisa many times: giving the visit back to her is no news.
    r = await staff_post(api, f"/staff/visits/{lunch['id']}/assign/{ANNA}", "erik")
    assert r.status_code == 200, r.text
    someone_new = await db.all(select(Notification).where(Notification.kind == "someone_new"))
    assert len(someone_new) == 2
    listed = await visit_at(api, TOMORROW, 12)
    assert (listed["staff_first_name"], listed["staff_is_new"]) == ("Anna", False)


async def test_a_visit_moved_to_another_day_is_on_that_days_list(api, demo, clock: Clock) -> None:
    # The carer's day is read by the visit's local day: a visit moved to another day must
    # leave the first day's list and join the other's, at its new time.
    lunch = await visit_at(api, TOMORROW, 12)
    day_after = TOMORROW + timedelta(days=1)
    new_start = datetime(day_after.year, day_after.month, day_after.day, 14, 30, tzinfo=TZ)
    request = await lisa_asks_to_move(api, lunch["id"], new_start)
    r = await api.post(
        f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("anna")
    )
    assert r.status_code == 200, r.text

    async def annas_day(*when: int) -> list[tuple[int, str]]:
        clock.set_local(*when)
        r = await api.get("/staff/day", headers=as_staff("anna"))
        assert r.status_code == 200, r.text
        return [(v["id"], local_time(v["start"])) for v in r.json()]

    tuesday = await annas_day(TOMORROW.year, TOMORROW.month, TOMORROW.day, 7)
    wednesday = await annas_day(day_after.year, day_after.month, day_after.day, 7)
    assert lunch["id"] not in [visit for visit, _ in tuesday]
    assert (lunch["id"], "14:30") in wednesday
    assert [at for _, at in wednesday] == sorted(at for _, at in wednesday)

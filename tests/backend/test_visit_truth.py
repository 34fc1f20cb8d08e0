"""Each visit's true status: a passed window without a check-in is missed (for the client, the
staff member and the frame's figures), lateness belongs to one visit, and whoever has a visit
is told when it changes or changes hands."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import col, select

from backend.models import AuditEvent, ChatAccount, GrantedService, Notification, Order, Visit
from tests.backend.helpers import LISA, lisa_asks_to_move, update_row, visit_at, visits_on
from tests.conftest import Clock, Database, as_chat, as_staff

TODAY = date(2026, 11, 23)
TOMORROW = TODAY + timedelta(days=1)
ANNA, MARIA = 1, 2
ANNAS_CHAT = 2001
TOLERANCE = timedelta(minutes=30)  # the agreed window: planned end + 30 min, + any lateness


async def frame(api) -> dict:  # type: ignore[no-untyped-def]
    r = await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def window_closed(visit: Visit, now: datetime) -> bool:
    end = visit.planned_start + timedelta(minutes=visit.duration_minutes + visit.late_minutes)
    return visit.actual_start is None and visit.status == "planned" and end + TOLERANCE <= now


async def lisas_visits_today(db: Database) -> list[Visit]:
    return list(
        await db.all(
            select(Visit)
            .where(Visit.client_id == LISA)
            .where(Visit.day == TODAY)
            .order_by(col(Visit.planned_start))
        )
    )


async def test_a_passed_window_is_missed_everywhere_and_stops_counting_as_planned(
    api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2026, 11, 23, 7, 0)
    morning = await frame(api)
    # Anna reports late for the 08:00 visit, then nobody checks in anywhere all day.
    r = await api.post("/staff/late", json={"minutes": 10}, headers=as_staff("anna"))
    assert r.status_code == 200, r.text

    clock.set_local(2026, 11, 23, 16, 55)
    rows = await lisas_visits_today(db)
    missed = {v.id for v in rows if window_closed(v, clock.now)}
    assert len(missed) == 2  # 08:00 and 12:00; 17:00 is still to come
    shown = {v["id"]: v for v in await visits_on(api, TODAY)}
    assert {vid for vid, v in shown.items() if v["status"] == "missed"} == missed
    assert [v["status"] for v in shown.values() if v["id"] not in missed] == ["planned"]

    # "Min tid": the missed visits' minutes are no longer planned time, nothing else moved.
    evening = await frame(api)
    gone = sum(v.duration_minutes for v in rows if v.id in missed)
    assert evening["planned_minutes"] == morning["planned_minutes"] - gone
    assert evening["performed_minutes"] == morning["performed_minutes"]
    assert evening["left_minutes"] == morning["left_minutes"] + gone

    # Staff are not let check in to a missed visit; they give the reason instead.
    breakfast = min(missed)
    r = await api.post(f"/staff/visits/{breakfast}/check-in", headers=as_staff("anna"))
    assert (r.status_code, r.json()["code"]) == (409, "visit_missed")
    assert (await db.get(Visit, breakfast)).actual_start is None
    r = await api.get("/staff/day", headers=as_staff("anna"))
    day = {v["id"]: v for v in r.json()}
    assert day[breakfast]["status"] == "missed"
    r = await api.post(
        f"/staff/visits/{breakfast}/deviation",
        json={"reason": "hospital_stay"},
        headers=as_staff("anna"),
    )
    assert r.status_code == 200, r.text
    assert (await db.get(Visit, breakfast)).deviation_reason == "hospital_stay"


async def test_lateness_reported_for_a_later_visit_leaves_the_earlier_one_alone(
    api, demo, db: Database
) -> None:  # type: ignore[no-untyped-def]
    dinner = await visit_at(api, TODAY, 17)
    r = await api.post(
        "/staff/late", json={"minutes": 15, "visit_id": dinner["id"]}, headers=as_staff("anna")
    )
    assert r.status_code == 200, r.text
    assert [(v["id"], v["late_minutes"]) for v in r.json()] == [(dinner["id"], 15)]
    late = {v.id: v.late_minutes for v in await lisas_visits_today(db)}
    assert late == {vid: (15 if vid == dinner["id"] else 0) for vid in late}
    shown = await visit_at(api, TODAY, 17)
    assert shown["late_minutes"] == 15


async def test_a_check_out_straight_after_the_check_in_needs_a_confirm(
    api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    breakfast = await visit_at(api, TODAY, 8)
    url = f"/staff/visits/{breakfast['id']}"
    r = await api.post(f"{url}/check-in", headers=as_staff("anna"))
    assert r.status_code == 200, r.text
    clock.advance(minutes=2)
    r = await api.post(f"{url}/check-out", headers=as_staff("anna"))
    assert (r.status_code, r.json()["code"]) == (409, "check_out_too_soon")
    assert r.json()["details"] == {"minutes": 2}
    assert (await db.get(Visit, breakfast["id"])).actual_end is None
    r = await api.post(f"{url}/check-out", json={"confirm": True}, headers=as_staff("anna"))
    assert r.status_code == 200, r.text
    assert r.json()["performed_minutes"] == 2

    # A correction needs a reason, stays within the time that has passed, and is audited.
    r = await api.post(f"{url}/performed", json={"minutes": 20}, headers=as_staff("anna"))
    assert r.status_code == 422
    r = await api.post(
        f"{url}/performed",
        json={"minutes": 200, "reason": "forgot_to_check_out"},
        headers=as_staff("anna"),
    )
    assert (r.status_code, r.json()["code"]) == (422, "performed_out_of_bounds")
    clock.advance(minutes=30)
    r = await api.post(
        f"{url}/performed",
        json={"minutes": 25, "reason": "double_tap"},
        headers=as_staff("anna"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["performed_minutes"] == 25
    row = await db.get(Visit, breakfast["id"])
    assert row.actual_end - row.actual_start == timedelta(minutes=25)
    [event] = await db.all(
        select(AuditEvent).where(AuditEvent.action == "visit.performed_corrected")
    )
    assert event.details == {
        "reason": "double_tap",
        "previous_minutes": 2,
        "performed_minutes": 25,
    }
    # Someone with no part in the visit may not correct it.
    r = await api.post(
        f"{url}/performed",
        json={"minutes": 20, "reason": "other"},
        headers=as_staff("ahmed"),
    )
    assert r.status_code == 403


async def staff_messages(db: Database, chat_id: int) -> list[dict]:  # type: ignore[type-arg]
    rows = await db.all(
        select(Notification.message)
        .join(ChatAccount, col(ChatAccount.id) == Notification.chat_account_id)
        .where(ChatAccount.chat_id == chat_id)
        .order_by(col(Notification.id))
    )
    return [m.model_dump(mode="json") for m in rows]


async def test_the_assigned_carer_is_told_at_once_when_an_approved_request_moves_the_visit(
    api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    # At 07:50 Erik approves moving Anna's 08:00 visit at Lisa's to 09:00.
    clock.set_local(2026, 11, 24, 7, 50)
    breakfast = await visit_at(api, TOMORROW, 8)
    new_start = datetime.fromisoformat(breakfast["start"]) + timedelta(hours=1)
    request = await lisa_asks_to_move(api, breakfast["id"], new_start)
    before = len(await staff_messages(db, ANNAS_CHAT))
    r = await api.post(
        f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("erik")
    )
    assert r.status_code == 200, r.text
    told = (await staff_messages(db, ANNAS_CHAT))[before:]
    [changed] = [m for m in told if m["kind"] == "visit_changed"]
    assert changed["visit_id"] == breakfast["id"]
    assert datetime.fromisoformat(changed["visit_start"]) == new_start
    assert datetime.fromisoformat(changed["before"]["start"]) == datetime.fromisoformat(
        breakfast["start"]
    )


async def test_reassigning_a_visit_tells_both_carers(api, demo, db: Database) -> None:  # type: ignore[no-untyped-def]
    lunch = await visit_at(api, TOMORROW, 12)
    r = await api.post(f"/staff/visits/{lunch['id']}/assign/{MARIA}", headers=as_staff("erik"))
    assert r.status_code == 200, r.text
    [to_anna] = [
        m for m in await staff_messages(db, ANNAS_CHAT) if m["kind"] == "visit_unassigned"
    ]
    assert (to_anna["visit_id"], to_anna["other_staff_first_name"]) == (lunch["id"], "Maria")
    assigned = await db.all(select(Notification).where(Notification.kind == "visit_assigned"))
    assert [n.message.visit_id for n in assigned] == [lunch["id"]]


async def test_the_next_visit_is_the_first_after_the_days_asked_for_that_is_not_cancelled(
    api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2026, 11, 23, 7, 0)
    tomorrow = list(
        await db.all(
            select(Visit)
            .where(Visit.client_id == LISA)
            .where(Visit.day == TOMORROW)
            .order_by(col(Visit.planned_start))
        )
    )
    tomorrow[0].status = "cancelled"  # type: ignore[assignment]
    await db.add(tomorrow[0])

    r = await api.get(f"/clients/{LISA}/visits", headers=as_chat("lisa"))
    assert r.status_code == 200, r.text
    day = r.json()
    today = await lisas_visits_today(db)
    assert [v["id"] for v in day["visits"]] == [v.id for v in today]
    # Tomorrow's first visit is cancelled: the next one is tomorrow's second.
    assert day["next_visit"]["id"] == tomorrow[1].id
    assert day["next_visit"]["id"] not in {v["id"] for v in day["visits"]}

    # A week asked for: the next visit is the first after the week, whatever came before.
    week_end = TODAY + timedelta(days=6)
    r = await api.get(
        f"/clients/{LISA}/visits",
        params={"from": TODAY.isoformat(), "to": week_end.isoformat()},
        headers=as_chat("lisa"),
    )
    assert r.status_code == 200, r.text
    after_week = await db.first(
        select(Visit)
        .where(Visit.client_id == LISA)
        .where(Visit.day > week_end)
        .where(Visit.status != "cancelled")
        .order_by(col(Visit.planned_start), col(Visit.id))
    )
    assert r.json()["next_visit"]["id"] == after_week.id


async def test_what_a_change_can_be_asked_for_is_the_planned_visits_not_begun_and_the_grant(
    api, demo, db: Database, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    # Monday 08:40. Tomorrow's lunch is cancelled and today's breakfast is done: neither can
    # be changed. The wish names a day five days ahead, past the two days asked for.
    named = TODAY + timedelta(days=5)
    lunch = await visit_at(api, TODAY + timedelta(days=1), 12)
    await update_row(db, Visit, lunch["id"], status="cancelled")
    breakfast = await visit_at(api, TODAY, 8)
    await update_row(db, Visit, breakfast["id"], status="done")

    r = await api.get(
        f"/clients/{LISA}/changeable",
        params={"days": 2, "day": named.isoformat()},
        headers=as_chat("eva"),
    )

    assert r.status_code == 200, r.text
    rows = await db.all(
        select(Visit)
        .where(Visit.client_id == LISA)
        .where(Visit.status == "planned")
        .where(col(Visit.planned_start) > clock.now)
        .where(col(Visit.day).in_([TODAY, TODAY + timedelta(days=1), named]))
        .order_by(col(Visit.planned_start))
    )
    shown = r.json()["visits"]
    assert [v["id"] for v in shown] == [v.id for v in rows]
    assert {v["day"] for v in shown} == {
        d.isoformat() for d in (TODAY, TODAY + timedelta(days=1), named)
    }
    assert lunch["id"] not in [v["id"] for v in shown] and breakfast["id"] not in [
        v["id"] for v in shown
    ]
    # When and what, not who comes or how it is done.
    assert {(v["staff_first_name"], v["how"]) for v in shown} == {(None, "")}
    order = await db.first(
        select(Order).where(Order.client_id == LISA).order_by(col(Order.valid_from).desc())
    )
    granted = await db.all(
        select(GrantedService.code)
        .where(GrantedService.order_id == order.id)
        .order_by(col(GrantedService.id))
    )
    assert r.json()["granted"] == list(granted) != []

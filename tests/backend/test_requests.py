"""The change-request lifecycle through the HTTP API, on the demo unit."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import col, select

from backend.models import (
    AuditEvent,
    ChangeRequest,
    ChatAccount,
    Notification,
    StaffAbsence,
    Visit,
)
from backend.services.visits import visit_before
from contract import Change, ChangeKind, Outcome, RequestStatus
from tests.backend.helpers import (
    LISA,
    lisa_asks_for_longer,
    local,
    tighten_frame,
    visit_at,
    visits_on,
)
from tests.conftest import Clock, as_chat, as_staff

TODAY = date(2026, 11, 23)
TOMORROW = TODAY + timedelta(days=1)


def key() -> str:
    return uuid.uuid4().hex


async def submit(
    api: httpx.AsyncClient,
    change: dict,
    who: str = "lisa",
    client_id: int = LISA,
    **submission: object,
):
    return await api.post(
        f"/clients/{client_id}/requests",
        json={"idempotency_key": key(), "change": change, **submission},
        headers=as_chat(who),
    )


async def test_preview_longer_lunch_is_within_with_numbers(api, demo) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    frame = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    r = await api.post(
        f"/clients/{LISA}/requests/preview",
        json={"kind": "resize", "visit_id": lunch["id"], "new_duration": 35},
        headers=as_chat("lisa"),
    )
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert verdict["outcome"] == "within"
    assert verdict["frame_minutes"] == 2700 == frame["frame_minutes"]  # the demo's 45 h
    assert verdict["delta_minutes"] == 15
    used = verdict["performed_minutes"] + verdict["planned_minutes"]
    assert used == frame["performed_minutes"] + frame["planned_minutes"]
    assert verdict["total_after"] == used + 15


async def test_submit_routes_to_contact_person_and_approval_changes_the_visit(
    api, demo, db
) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    r = await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    assert r.status_code == 201, r.text
    request = r.json()
    assert request["status"] == "pending"
    assert request["assignee"] == "contact_person"
    assert request["assigned_first_name"] == "Anna"

    queue = (await api.get("/staff/queue", headers=as_staff("anna"))).json()["requests"]
    assert [q["id"] for q in queue] == [request["id"]]

    r = await api.post(
        f"/staff/requests/{request['id']}/approve",
        json={"version": request["version"]},
        headers=as_staff("anna"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    assert r.json()["decided_by_first_name"] == "Anna"
    assert (await visit_at(api, TOMORROW, 12))["duration_minutes"] == 35

    # Lisa and her daughter Eva (who has consent) are told, through the outbox.
    rows = await db.all(
        select(Notification, ChatAccount)
        .join(ChatAccount)
        .where(Notification.kind == "request_decided")
    )
    assert sorted(a.telegram_user_id for _n, a in rows) == [1001, 1002]
    assert rows[0][0].message.status == "approved"
    actions = await db.all(select(AuditEvent.action))
    assert "request.submit" in actions and "request.approve" in actions


async def test_outside_the_frame_is_refused_with_reasons_and_nothing_is_written(
    api, demo, db
) -> None:
    await tighten_frame(db, LISA, 40)
    before = await db.count(ChangeRequest)
    r = await submit(
        api,
        {
            "kind": "extra",
            "new_start": local(TOMORROW, 14).isoformat(),
            "new_duration": 180,
            "services": ["meal"],
        },
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "outside_frame"
    over = [x for x in body["details"]["reasons"] if x["code"] == "over_frame"]
    assert over and over[0]["numbers"]["frame_minutes"] == 2400
    assert await db.count(ChangeRequest) == before


async def test_outside_request_can_go_to_the_assessor_as_a_changed_need(api, demo, db) -> None:
    await tighten_frame(db, LISA, 40)
    r = await submit(
        api,
        {
            "kind": "extra",
            "new_start": local(TOMORROW, 14).isoformat(),
            "new_duration": 180,
            "services": ["meal"],
        },
        to_assessor=True,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "to_assessor"
    assert r.json()["outcome"] == "outside"
    for page in ("", "?limit=20"):
        queue = (await api.get(f"/staff/queue{page}", headers=as_staff("anna"))).json()
        assert queue == {"total": 0, "requests": [], "more": False}


async def test_a_time_already_past_is_no_changed_need(api, demo, db, clock: Clock) -> None:
    """Before: a move to a time already past was stored for the needs assessor when the bot
    offered "Lämna vidare som ändrat behov" for it; no decision can make a past time fit."""
    lunch = await visit_at(api, TOMORROW, 12)
    before = await db.count(ChangeRequest)
    past = clock() - timedelta(hours=1)
    r = await submit(
        api,
        {"kind": "move", "visit_id": lunch["id"], "new_start": past.isoformat()},
        to_assessor=True,
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "outside_frame"
    assert "in_past" in [x["code"] for x in r.json()["details"]["reasons"]]
    assert await db.count(ChangeRequest) == before


async def test_submit_is_idempotent_on_the_client_key(api, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    body = {
        "idempotency_key": key(),
        "change": {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30},
    }
    first = await api.post(f"/clients/{LISA}/requests", json=body, headers=as_chat("lisa"))
    again = await api.post(f"/clients/{LISA}/requests", json=body, headers=as_chat("lisa"))
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert await db.count(ChangeRequest) == 1


async def test_routed_to_deputy_when_contact_person_is_away(api, demo, db) -> None:
    await db.add(StaffAbsence(staff_id=1, starts_on=TODAY, ends_on=TODAY + timedelta(days=7)))
    lunch = await visit_at(api, TOMORROW, 12)
    r = await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    assert r.json()["assignee"] == "deputy"
    assert r.json()["assigned_first_name"] == "Maria"
    assert [
        q["id"]
        for q in (await api.get("/staff/queue", headers=as_staff("maria"))).json()["requests"]
    ]


async def test_routed_to_planners_when_contact_and_deputy_are_away(api, demo, db) -> None:
    await db.add(*(StaffAbsence(staff_id=i, starts_on=TODAY, ends_on=TODAY) for i in (1, 2)))
    lunch = await visit_at(api, TOMORROW, 12)
    r = await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    assert r.json()["assignee"] == "planners"
    queue = (await api.get("/staff/queue", headers=as_staff("erik"))).json()["requests"]
    assert [q["id"] for q in queue] == [r.json()["id"]]
    assert (await api.get("/staff/queue", headers=as_staff("anna"))).json()["total"] == 0


async def test_the_queue_gives_its_size_and_the_oldest_asked_for(
    api, demo, db, clock: Clock
) -> None:
    asked = []
    for hour in (8, 12, 17):
        asked.append((await lisa_asks_for_longer(api, TOMORROW, hour))["id"])
        clock.advance(minutes=1)
    waiting = await db.all(
        select(ChangeRequest.id)
        .where(ChangeRequest.status == "PENDING")
        .where(ChangeRequest.assigned_staff_id == 1)
        .order_by(ChangeRequest.created_at)
    )
    assert waiting == asked
    queue_reads = select(AuditEvent.client_id).where(AuditEvent.action == "client.read")
    reads_before = len(await db.all(queue_reads))

    page = (await api.get("/staff/queue?limit=2", headers=as_staff("anna"))).json()
    assert page["total"] == len(waiting) == 3
    assert [r["id"] for r in page["requests"]] == waiting[:2]
    assert page["more"] is True
    # The next page: after the last one listed, with the same total.
    after = f"/staff/queue?limit=2&after={waiting[1]}"
    rest = (await api.get(after, headers=as_staff("anna"))).json()
    assert (rest["total"], [r["id"] for r in rest["requests"]], rest["more"]) == (
        3,
        waiting[2:],
        False,
    )
    past = await api.get(f"/staff/queue?limit=2&after={waiting[2]}", headers=as_staff("anna"))
    assert past.json() == {"total": 3, "requests": [], "more": False}
    whole = (await api.get("/staff/queue", headers=as_staff("anna"))).json()
    assert whole["total"] == 3 and [r["id"] for r in whole["requests"]] == waiting
    assert whole["more"] is False
    # Each read of the queue is recorded once per client shown: Lisa, three times (the
    # empty page past the end showed no one).
    assert (await db.all(queue_reads))[reads_before:] == [LISA, LISA, LISA]
    for bad in ("0", "501", "x"):
        r = await api.get(f"/staff/queue?limit={bad}", headers=as_staff("anna"))
        assert r.status_code == 422, r.text
        r = await api.get(f"/staff/queue?limit=2&after={bad}", headers=as_staff("anna"))
        assert r.status_code == (200 if bad == "501" else 422), r.text


async def test_two_approvals_racing_yield_exactly_one_decision(api, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()

    async def approve(who: str) -> httpx.Response:
        return await api.post(
            f"/staff/requests/{request['id']}/approve",
            json={"version": request["version"]},
            headers=as_staff(who),
        )

    results = await asyncio.gather(approve("anna"), approve("maria"))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409]
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] == "already_decided"
    assert loser["details"]["decided_by_first_name"] in ("Anna", "Maria")
    decided = await db.all(select(AuditEvent).where(AuditEvent.action == "request.approve"))
    assert len(decided) == 1
    notes = await db.all(select(Notification).where(Notification.kind == "request_decided"))
    assert len(notes) == 2  # Lisa and Eva, once each


async def test_a_carer_who_is_not_contact_deputy_or_planner_cannot_decide(api, demo) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    r = await api.post(
        f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("ahmed")
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_your_client"
    view = await api.get(f"/clients/{LISA}/requests", headers=as_chat("lisa"))
    assert view.json()[0]["status"] == "pending"


async def test_reject_with_reason_reaches_the_client(api, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    r = await api.post(
        f"/staff/requests/{request['id']}/reject",
        json={"reason": "no_staff", "text": "Ingen personal ledig då."},
        headers=as_staff("anna"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["reject_reason"] == "no_staff"
    assert (await visit_at(api, TOMORROW, 12))["duration_minutes"] == 20
    n = await db.first(select(Notification).where(Notification.kind == "request_decided"))
    assert n is not None and n.message.reject_reason == "no_staff"


async def test_other_reason_needs_text(api, demo) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    r = await api.post(
        f"/staff/requests/{request['id']}/reject",
        json={"reason": "other"},
        headers=as_staff("anna"),
    )
    assert r.status_code == 422 and r.json()["code"] == "reason_text_required"


async def test_withdraw_by_requester_then_a_stale_approval_conflicts(api, demo) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    r = await api.post(f"/requests/{request['id']}/withdraw", headers=as_chat("lisa"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = await api.post(
        f"/staff/requests/{request['id']}/approve",
        json={"version": request["version"]},
        headers=as_staff("anna"),
    )
    assert r.status_code == 409
    assert r.json()["details"]["status"] == "withdrawn"


async def test_relative_with_view_request_scope_can_submit_for_the_client(api, demo) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    r = await submit(
        api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30}, who="eva"
    )
    assert r.status_code == 201, r.text


async def test_a_client_cannot_see_or_request_for_another_client(api, demo) -> None:
    r = await api.get("/clients/2/visits", headers=as_chat("lisa"))
    assert r.status_code == 403 and r.json()["code"] == "no_access"


async def test_pending_request_expires_when_the_visit_has_passed(
    api, demo, app, clock: Clock
) -> None:
    from backend.services import requests as request_service

    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    clock.set_local(2026, 11, 24, 12, 5)
    async with app.state.sessions() as s:
        assert await request_service.expire_passed(s, now=clock.now) == 1
        await s.commit()
    listed = (await api.get(f"/clients/{LISA}/requests", headers=as_chat("lisa"))).json()
    assert listed[0]["id"] == request["id"] and listed[0]["status"] == "expired"
    async with app.state.sessions() as s:
        assert await request_service.expire_passed(s, now=clock.now) == 0


async def test_waiting_request_is_escalated_to_planners_after_the_limit(
    api, demo, app, clock: Clock, db
) -> None:
    from backend.services import requests as request_service

    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    clock.advance(minutes=119)
    async with app.state.sessions() as s:
        assert await request_service.escalate_waiting(s, now=clock.now) == 0
    clock.advance(minutes=2)
    async with app.state.sessions() as s:
        assert await request_service.escalate_waiting(s, now=clock.now) == 1
        await s.commit()
    queue = (await api.get("/staff/queue", headers=as_staff("erik"))).json()["requests"]
    assert [q["id"] for q in queue] == [request["id"]] and queue[0]["escalated"]
    planner_note = await db.all(
        select(Notification).where(Notification.kind == "request_escalated")
    )
    assert len(planner_note) == 1  # Erik, the unit's planner


async def test_approval_rechecks_against_the_current_state(api, demo, clock: Clock) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    clock.set_local(2026, 11, 24, 12, 10)  # the visit has started by the time Anna looks
    r = await api.post(
        f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("anna")
    )
    assert r.status_code == 409 and r.json()["code"] == "no_longer_fits"
    listed = (await api.get(f"/clients/{LISA}/requests", headers=as_chat("lisa"))).json()
    assert listed[0]["status"] == "pending"


async def test_move_is_applied_and_not_recreated_by_generation(api, demo, app, db) -> None:
    from backend.services.visits import generate_visits

    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(
            api,
            {
                "kind": "move",
                "visit_id": lunch["id"],
                "new_start": local(TOMORROW, 13).isoformat(),
            },
        )
    ).json()
    r = await api.post(
        f"/staff/requests/{request['id']}/approve", json={}, headers=as_staff("anna")
    )
    assert r.status_code == 200, r.text
    async with app.state.sessions() as s:
        assert await generate_visits(s, start=TODAY, end=TOMORROW + timedelta(days=7)) == 0
        await s.commit()
    moved = await db.get(Visit, lunch["id"])
    assert moved is not None
    assert moved.planned_start == local(TOMORROW, 13)


async def test_a_request_with_the_planners_cannot_be_handed_to_them_again(api, demo, db) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    request = (
        await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30})
    ).json()
    r = await api.post(
        f"/staff/requests/{request['id']}/hand-over",
        json={"version": request["version"]},
        headers=as_staff("anna"),
    )
    assert r.status_code == 200, r.text
    handed = r.json()
    assert handed["assignee"] == "planners"
    sent_before = len(await db.all(select(Notification.id)))

    # Erik, a planner, is offered no "to the planner" button; the API refuses it too.
    r = await api.post(
        f"/staff/requests/{request['id']}/hand-over",
        json={"version": handed["version"]},
        headers=as_staff("erik"),
    )
    assert r.status_code == 409
    assert r.json()["code"] == "already_with_planners"
    row = await db.get(ChangeRequest, request["id"])
    assert (row.assignee, row.version) == ("planners", handed["version"])
    assert len(await db.all(select(Notification.id))) == sent_before


@pytest.mark.parametrize(
    ("path", "body", "who"),
    [
        pytest.param("/staff/requests/{id}/approve", {}, as_staff("anna"), id="approve"),
        pytest.param(
            "/staff/requests/{id}/reject", {"reason": "no_staff"}, as_staff("anna"), id="reject"
        ),
        pytest.param("/staff/requests/{id}/hand-over", {}, as_staff("anna"), id="hand-over"),
        pytest.param("/requests/{id}/withdraw", None, as_chat("lisa"), id="withdraw"),
    ],
)
async def test_the_answer_to_a_decision_is_the_request_as_read_after_it(
    api, demo, path, body, who
) -> None:
    # The answer is built from the request as it was loaded: it must not differ from a
    # fresh read in any name, status or figure.
    request = await lisa_asks_for_longer(api, TOMORROW, 12)
    assert request["assigned_first_name"] == "Anna"
    r = await api.post(path.format(id=request["id"]), json=body, headers=who)
    assert r.status_code == 200, r.text
    read = await api.get(f"/staff/requests/{request['id']}", headers=as_staff("erik"))
    assert read.status_code == 200, read.text

    assert r.json() == read.json()
    assert r.json()["version"] == request["version"] + 1


async def test_a_day_of_cancellations_is_checked_as_one(api, demo) -> None:
    """All of tomorrow's visits cancelled (Lisa is away): one verdict, its figures the
    month's with every visit of the day freed; nothing is saved."""
    day = await visits_on(api, TOMORROW)
    day = [v for v in day if v["day"] == TOMORROW.isoformat()]
    assert len(day) >= 3
    frame = (await api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa"))).json()
    r = await api.post(
        f"/clients/{LISA}/requests/preview-together",
        json={"changes": [{"kind": "cancel", "visit_id": v["id"]} for v in day]},
        headers=as_chat("lisa"),
    )
    assert r.status_code == 200, r.text
    verdict = r.json()
    freed = sum(v["duration_minutes"] for v in day)
    used = frame["performed_minutes"] + frame["planned_minutes"]
    assert verdict["performed_minutes"] + verdict["planned_minutes"] == used
    assert verdict["delta_minutes"] == -freed
    assert verdict["total_after"] == used - freed
    assert "repeated_declines" not in {reason["code"] for reason in verdict["reasons"]}
    r = await api.get(f"/clients/{LISA}/requests", headers=as_chat("lisa"))
    assert r.json() == []


async def test_changes_together_of_one_visit_twice_are_refused(api, demo) -> None:
    lunch = await visit_at(api, TOMORROW, 12)
    cancel = {"kind": "cancel", "visit_id": lunch["id"]}
    r = await api.post(
        f"/clients/{LISA}/requests/preview-together",
        json={"changes": [cancel, cancel]},
        headers=as_chat("lisa"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_request"


async def test_changes_together_reach_only_the_clients_own_visits(api, demo) -> None:
    """A visit of another client among them: not found, as for one change."""
    lunch = await visit_at(api, TOMORROW, 12)
    theirs = (await visits_on(api, TOMORROW, who="gosta", client_id=2))[0]
    r = await api.post(
        f"/clients/{LISA}/requests/preview-together",
        json={"changes": [{"kind": "cancel", "visit_id": v["id"]} for v in (lunch, theirs)]},
        headers=as_chat("lisa"),
    )
    assert r.status_code == 404, r.text
    assert r.json()["code"] == "visit_not_found"


async def test_help_declined_for_a_day_away_counts_once_in_rule_8(api, demo, db, clock) -> None:
    """Three visits of a day away were cancelled, approved, three days ago. Cancelling
    another is the second time help is declined, not the fourth: before, "repeated
    declines" (4) and the wish flagged for the assessor. A third occasion is flagged (3)."""
    past = await db.all(
        select(Visit).where(Visit.client_id == LISA).order_by(col(Visit.planned_start))
    )

    def approved_cancel(visit: Visit, days_ago: int, seconds: int = 0) -> ChangeRequest:
        return ChangeRequest.asking(
            Change(kind=ChangeKind.CANCEL, visit_id=visit.id),
            visit_before(visit),
            idempotency_key=key(),
            client_id=LISA,
            status=RequestStatus.APPROVED,
            outcome=Outcome.NEEDS_REVIEW,
            created_at=clock.now - timedelta(days=days_ago, seconds=-seconds),
        )

    await db.add(*(approved_cancel(visit, 3, n) for n, visit in enumerate(past[:3])))
    lunch = await visit_at(api, TOMORROW, 12)

    async def declines_flagged() -> list[dict]:
        r = await api.post(
            f"/clients/{LISA}/requests/preview",
            json={"kind": "cancel", "visit_id": lunch["id"]},
            headers=as_chat("lisa"),
        )
        assert r.status_code == 200, r.text
        return [x["numbers"] for x in r.json()["reasons"] if x["code"] == "repeated_declines"]

    assert await declines_flagged() == []
    await db.add(approved_cancel(past[3], 40))
    assert await declines_flagged() == [{"declines": 3}]


async def test_a_second_wish_about_a_visit_waits_until_the_first_is_withdrawn(
    api, demo, db
) -> None:
    """Before: the same cancellation sent twice made two requests for Anna to decide, and a
    move then a cancellation of one visit left her to weigh one against the other."""
    lunch = await visit_at(api, TOMORROW, 12)
    first = await submit(api, {"kind": "resize", "visit_id": lunch["id"], "new_duration": 35})
    assert first.status_code == 201, first.text
    changeable = await api.get(
        f"/clients/{LISA}/changeable", params={"days": 2}, headers=as_chat("lisa")
    )
    assert changeable.json()["waiting"] == [lunch["id"]]
    assert lunch["id"] in [v["id"] for v in changeable.json()["visits"]]  # still offered

    cancel = {"kind": "cancel", "visit_id": lunch["id"]}
    for who in ("lisa", "eva"):  # the relative too: it is the visit that is asked about
        preview = await api.post(
            f"/clients/{LISA}/requests/preview", json=cancel, headers=as_chat(who)
        )
        assert preview.json()["outcome"] == "outside"
        assert "already_asked" in [r["code"] for r in preview.json()["reasons"]]
        again = await submit(api, cancel, who=who)
        assert again.status_code == 422, again.text
        assert {"code": "already_asked", "numbers": {}} in again.json()["details"]["reasons"]
    assert await db.count(ChangeRequest) == 1

    # Anna can still approve the one that waits: it is not a second wish to itself.
    request = first.json()
    withdrawn = await api.post(f"/requests/{request['id']}/withdraw", headers=as_chat("lisa"))
    assert withdrawn.json()["status"] == "withdrawn"
    again = await submit(api, cancel)
    assert again.status_code == 201, again.text
    approved = await api.post(
        f"/staff/requests/{again.json()['id']}/approve",
        json={"version": again.json()["version"]},
        headers=as_staff("anna"),
    )
    assert approved.status_code == 200, approved.text
    assert (await db.get(Visit, lunch["id"])).status == "cancelled"

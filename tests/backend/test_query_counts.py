"""Queries stay flat as data grows: the common reads issue as many SQL statements for a unit
with a handful of rows as for one with hundreds."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import httpx
from sqlmodel import select

from backend.models import ChangeRequest, Client, Visit
from backend.services.visits import visit_before
from contract import Assignee, Change, ChangeKind, Outcome, VisitStatus
from tests.backend.helpers import GOSTA, LISA, local
from tests.conftest import Database, StatementCounter, as_chat, as_staff

TODAY = date(2026, 11, 23)
TOMORROW = TODAY + timedelta(days=1)
ANNA = 1

Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]

READS: dict[str, Call] = {
    "client's day (client)": lambda api: api.get(
        f"/clients/{LISA}/visits", params={"from": TOMORROW.isoformat()}, headers=as_chat("lisa")
    ),
    "client's day (relative)": lambda api: api.get(
        f"/clients/{LISA}/visits", params={"from": TOMORROW.isoformat()}, headers=as_chat("eva")
    ),
    "client's week (staff)": lambda api: api.get(
        f"/clients/{LISA}/visits",
        params={"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=6)).isoformat()},
        headers=as_staff("anna"),
    ),
    "contact person's queue": lambda api: api.get("/staff/queue", headers=as_staff("anna")),
    "planner's queue": lambda api: api.get("/staff/queue", headers=as_staff("erik")),
    "the bot's page of the queue": lambda api: api.get(
        "/staff/queue", params={"limit": 2}, headers=as_staff("anna")
    ),
    "frame status": lambda api: api.get(f"/clients/{LISA}/frame", headers=as_chat("lisa")),
    "client's requests": lambda api: api.get(f"/clients/{LISA}/requests", headers=as_chat("lisa")),
    "carer's day": lambda api: api.get("/staff/day", headers=as_staff("anna")),
}


async def measure(api: httpx.AsyncClient, counter: StatementCounter) -> dict[str, tuple[int, int]]:
    """Statements issued by each read, and how much it saw (rows listed, minutes counted)."""
    result = {}
    for name, call in READS.items():
        counter.count = 0
        r = await call(api)
        assert r.status_code == 200, r.text
        body = r.json()
        if isinstance(body, list):
            size = len(body)
        elif "requests" in body:  # the queue: how many wait (a page lists at most its limit)
            size = body["total"]
        elif "visits" in body:
            size = len(body["visits"])
        else:  # the frame
            size = body["performed_minutes"] + body["planned_minutes"]
        result[name] = (counter.count, size)
    return result


def pending(client_id: int, visit: Visit, *, escalated: bool = False) -> ChangeRequest:
    return ChangeRequest.asking(
        Change(
            kind=ChangeKind.RESIZE, visit_id=visit.id, new_duration=visit.duration_minutes + 10
        ),
        visit_before(visit),
        idempotency_key=uuid.uuid4().hex,
        client_id=client_id,
        outcome=Outcome.WITHIN,
        assignee=Assignee.PLANNERS if escalated else Assignee.CONTACT_PERSON,
        assigned_staff_id=None if escalated else ANNA,
    )


async def upcoming_visits(db: Database, client_id: int, limit: int) -> list[Visit]:
    return await db.all(
        select(Visit)
        .where(Visit.client_id == client_id)
        .where(Visit.day > TODAY)
        .order_by(Visit.planned_start)
        .limit(limit)
    )


async def a_little(db: Database) -> None:
    """One pending request each for Lisa and Gösta, and one with the planners."""
    [lisas] = await upcoming_visits(db, LISA, 1)
    [gostas, gostas_next] = await upcoming_visits(db, GOSTA, 2)
    await db.add(
        pending(LISA, lisas), pending(GOSTA, gostas), pending(GOSTA, gostas_next, escalated=True)
    )


async def much_more(db: Database) -> None:
    # 200 more of Lisa's visits, a few tomorrow and the rest on other days: this month (done
    # or planned) and the next.
    extra: list[Visit] = []
    for i in range(200):
        day = TODAY + timedelta(days=[-20, -15, -10, -5, 1, 3, 5, 9, 20, 40][i % 10] + i // 50)
        start = local(day, 14, (i % 4) * 15)
        done = day < TODAY
        extra.append(
            Visit(
                client_id=LISA,
                day=day,
                planned_start=start,
                duration_minutes=10,
                services=["walk"],
                staff_id=[1, 2, 5, 6][i % 4],
                status=VisitStatus.DONE if done else VisitStatus.PLANNED,
                actual_start=start if done else None,
                actual_end=start + timedelta(minutes=12) if done else None,
            )
        )
    await db.add(*extra)
    # 50 more pending requests on Lisa's and Gösta's visits, some with the planners.
    lisas = await upcoming_visits(db, LISA, 25)
    gostas = await upcoming_visits(db, GOSTA, 25)
    await db.add(
        *(pending(LISA, v, escalated=i % 5 == 0) for i, v in enumerate(lisas)),
        *(pending(GOSTA, v, escalated=i % 5 == 0) for i, v in enumerate(gostas)),
    )
    # 30 more clients of Anna's, each with visits today and tomorrow and a request.
    clients = [
        Client(
            unit_id=1,
            first_name=f"Klient{i}",
            last_name="Test",
            address_area="Årsta",
            contact_person_id=ANNA,
            deputy_id=2,
        )
        for i in range(30)
    ]
    await db.add(*clients)
    visits = [
        Visit(
            client_id=c.id or 0,
            day=day,
            planned_start=local(day, 9 + n % 12, 5 * (n % 12)),
            duration_minutes=20,
            services=["meal"],
            staff_id=ANNA,
        )
        for n, c in enumerate(clients)
        for day in (TODAY, TOMORROW)
    ]
    await db.add(*visits)
    await db.add(*(pending(v.client_id, v) for v in visits if v.day == TOMORROW))


async def test_statements_do_not_grow_with_the_data(api, demo, db, count_statements) -> None:
    await a_little(db)
    little = await measure(api, count_statements)
    await much_more(db)
    much = await measure(api, count_statements)

    assert {name: much[name][0] for name in READS} == {name: little[name][0] for name in READS}
    for name in READS:
        assert much[name][1] > little[name][1] > 0, name  # each read did see more


async def test_a_clients_own_day_is_two_statements(api, demo, count_statements) -> None:
    # Who the chat account is (with the client's row), then the day's visits with the next
    # visit after them: the client is not read again to check they may see their own day.
    count_statements.count = 0
    r = await READS["client's day (client)"](api)

    assert r.status_code == 200, r.text
    assert [v["services"] for v in r.json()["visits"]]
    assert count_statements.count == 2

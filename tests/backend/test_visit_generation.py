"""Visits generated from signed plans: idempotent, replaced by a new plan, in Stockholm wall
time across the daylight-saving days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import httpx
from sqlmodel import select

from backend.models import (
    CarePlan,
    ChangeRequest,
    Client,
    GrantedService,
    Order,
    PlanSlot,
    PlanStatus,
    Staff,
    StaffRole,
    Unit,
    Visit,
)
from backend.services.visits import apply_change, generate_visits, visit_before
from contract import TZ, Change, ChangeKind, FrequencyUnit, Outcome, VisitStatus
from tests.conftest import Database, staff_headers

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
PLANNER = {"Authorization": "Bearer ida"}


@dataclass(frozen=True)
class Greta:
    client_id: int
    order_id: int


async def greta(db: Database, *, valid_from: date, valid_to: date | None = None) -> Greta:
    """A unit with one planner and one client whose order grants a meal a day."""
    unit = Unit(name="Hemtjänst Vasastan", municipality="Stockholm")
    await db.add(unit)
    assert unit.id is not None
    ida = Staff(
        unit_id=unit.id,
        first_name="Ida",
        last_name="Lund",
        role=StaffRole.PLANNER,
    )
    await db.add(ida)
    await staff_headers(db, ida, "ida")
    client = Client(
        unit_id=unit.id, first_name="Greta", last_name="Blom", contact_person_id=ida.id
    )
    await db.add(client)
    assert client.id is not None
    order = Order(
        client_id=client.id,
        frame_minutes=40 * 60,
        valid_from=valid_from,
        valid_to=valid_to,
        decided_on=valid_from,
    )
    await db.add(order)
    assert order.id is not None
    await db.add(GrantedService(order_id=order.id, code="meal", count=1, per=FrequencyUnit.DAY))
    return Greta(client.id, order.id)


async def plan(
    db: Database,
    who: Greta,
    *,
    valid_from: date,
    at: time | tuple[time, ...],
    minutes: int = 30,
    status: PlanStatus = PlanStatus.SIGNED,
) -> None:
    """A plan with a slot every day at each time in ``at`` (Stockholm wall time)."""
    times = at if isinstance(at, tuple) else (at,)
    care_plan = CarePlan(
        client_id=who.client_id,
        order_id=who.order_id,
        status=status,
        created_on=valid_from - timedelta(days=10),
        signed_on=valid_from - timedelta(days=3) if status is PlanStatus.SIGNED else None,
        valid_from=valid_from,
    )
    await db.add(care_plan)
    assert care_plan.id is not None
    await db.add(
        *(
            PlanSlot(
                care_plan_id=care_plan.id,
                weekday=weekday,
                start_local=start,
                duration_minutes=minutes,
                services=["meal"],
            )
            for weekday in EVERY_DAY
            for start in times
        )
    )


async def generate(app, start: date, end: date) -> int:  # type: ignore[no-untyped-def]
    async with app.state.sessions() as s:
        created = await generate_visits(s, start=start, end=end)
        await s.commit()
    return created


async def visits_by_day(db: Database, who: Greta) -> dict[date, list[Visit]]:
    rows = await db.all(
        select(Visit).where(Visit.client_id == who.client_id).order_by(Visit.planned_start)
    )
    days: dict[date, list[Visit]] = {}
    for visit in rows:
        days.setdefault(visit.day, []).append(visit)
    return days


def utc(visit: Visit) -> datetime:
    return visit.planned_start.astimezone(UTC).replace(tzinfo=None)


def wall(visit: Visit) -> time:
    return visit.planned_start.astimezone(TZ).time()


async def listed(api: httpx.AsyncClient, who: Greta, day: date) -> list[dict]:
    r = await api.get(
        f"/clients/{who.client_id}/visits", params={"from": day.isoformat()}, headers=PLANNER
    )
    assert r.status_code == 200, r.text
    return r.json()["visits"]


MARCH_2 = date(2026, 3, 2)  # a Monday


async def test_generation_is_idempotent(app, db) -> None:
    who = await greta(db, valid_from=MARCH_2)
    await plan(db, who, valid_from=MARCH_2, at=time(8))
    assert await generate(app, MARCH_2, MARCH_2 + timedelta(days=13)) == 14
    assert await generate(app, MARCH_2, MARCH_2 + timedelta(days=13)) == 0
    assert await db.count(Visit) == 14
    # An overlapping range only adds the days that were missing.
    assert await generate(app, MARCH_2 + timedelta(days=10), MARCH_2 + timedelta(days=20)) == 7
    assert await db.count(Visit) == 21


async def test_no_visits_outside_the_orders_validity(app, db) -> None:
    who = await greta(db, valid_from=MARCH_2, valid_to=MARCH_2 + timedelta(days=3))
    await plan(db, who, valid_from=MARCH_2 - timedelta(days=7), at=time(8))
    assert await generate(app, MARCH_2 - timedelta(days=7), MARCH_2 + timedelta(days=10)) == 4
    assert sorted(await visits_by_day(db, who)) == [MARCH_2 + timedelta(days=i) for i in range(4)]


async def test_a_draft_plan_generates_nothing_and_replaces_nothing(app, db) -> None:
    who = await greta(db, valid_from=MARCH_2)
    await plan(db, who, valid_from=MARCH_2, at=time(10), status=PlanStatus.DRAFT)
    assert await generate(app, MARCH_2, MARCH_2 + timedelta(days=6)) == 0
    assert await db.count(Visit) == 0

    await plan(db, who, valid_from=MARCH_2 - timedelta(days=7), at=time(8))
    assert await generate(app, MARCH_2, MARCH_2 + timedelta(days=6)) == 7
    days = await visits_by_day(db, who)
    assert {wall(v) for visits in days.values() for v in visits} == {time(8)}


async def test_a_new_signed_plan_replaces_planned_visits_from_its_first_day(app, db) -> None:
    who = await greta(db, valid_from=MARCH_2)
    await plan(db, who, valid_from=MARCH_2, at=time(8))
    first, last = MARCH_2, MARCH_2 + timedelta(days=13)
    assert await generate(app, first, last) == 14
    old = await visits_by_day(db, who)

    switch = MARCH_2 + timedelta(days=7)  # the new plan's valid_from
    [performed] = old[switch + timedelta(days=1)]
    performed.status = VisitStatus.DONE
    performed.actual_start = performed.planned_start + timedelta(minutes=4)
    performed.actual_end = performed.actual_start + timedelta(minutes=28)
    [asked_about] = old[switch + timedelta(days=2)]
    await db.add(
        performed,
        ChangeRequest.asking(
            Change(kind=ChangeKind.RESIZE, visit_id=asked_about.id, new_duration=40),
            visit_before(asked_about),
            idempotency_key="greta-resize-1",
            client_id=who.client_id,
            outcome=Outcome.WITHIN,
        ),
    )

    await plan(db, who, valid_from=switch, at=time(10), minutes=45)
    assert await generate(app, first, last) == 7
    assert await generate(app, first, last) == 0
    new = await visits_by_day(db, who)

    for day in (first + timedelta(days=i) for i in range(7)):  # before the switch: untouched
        assert [(v.id, wall(v), v.status) for v in new[day]] == [
            (old[day][0].id, time(8), VisitStatus.PLANNED)
        ]
    for day in (switch + timedelta(days=i) for i in range(7)):
        planned = [v for v in new[day] if v.status is VisitStatus.PLANNED]
        assert [(wall(v), v.duration_minutes) for v in planned] == [(time(10), 45)]
    kept = {v.id: v for visits in new.values() for v in visits}
    # Performed history is never touched; a visit a request refers to is cancelled, not lost.
    assert kept[performed.id].status is VisitStatus.DONE
    assert kept[performed.id].actual_end == performed.actual_end
    assert kept[asked_about.id].status is VisitStatus.CANCELLED
    assert await db.count(Visit) == 7 + 7 + 2


async def test_visits_keep_stockholm_wall_time_across_daylight_saving(app, db) -> None:
    who = await greta(db, valid_from=date(2026, 3, 1))
    await plan(db, who, valid_from=date(2026, 3, 1), at=time(8))
    await generate(app, date(2026, 3, 28), date(2026, 3, 30))
    await generate(app, date(2026, 10, 24), date(2026, 10, 26))
    days = await visits_by_day(db, who)
    assert {day: [utc(v) for v in visits] for day, visits in days.items()} == {
        # Summer time starts on Sunday 29 March: CET (UTC+1) becomes CEST (UTC+2).
        date(2026, 3, 28): [datetime(2026, 3, 28, 7, 0)],
        date(2026, 3, 29): [datetime(2026, 3, 29, 6, 0)],
        date(2026, 3, 30): [datetime(2026, 3, 30, 6, 0)],
        # It ends on Sunday 25 October: CEST becomes CET again.
        date(2026, 10, 24): [datetime(2026, 10, 24, 6, 0)],
        date(2026, 10, 25): [datetime(2026, 10, 25, 7, 0)],
        date(2026, 10, 26): [datetime(2026, 10, 26, 7, 0)],
    }
    assert {wall(v) for visits in days.values() for v in visits} == {time(8)}


async def test_a_day_lists_its_visits_from_just_after_midnight_to_late_evening(
    api, app, db
) -> None:
    who = await greta(db, valid_from=date(2026, 10, 1))
    await plan(db, who, valid_from=date(2026, 10, 1), at=(time(0, 30), time(23, 30)), minutes=20)
    await generate(app, date(2026, 10, 24), date(2026, 10, 26))
    await generate(app, date(2026, 11, 23), date(2026, 11, 24))

    for day in (date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26), date(2026, 11, 24)):
        visits = await listed(api, who, day)
        starts = [datetime.fromisoformat(v["start"]) for v in visits]
        assert [s.astimezone(TZ).strftime("%H:%M") for s in starts] == ["00:30", "23:30"]
        assert {v["day"] for v in visits} == {day.isoformat()}
    # 00:30 on 24 November is still 23 November in UTC, but it belongs to the 24th.
    [early, _late] = await listed(api, who, date(2026, 11, 24))
    assert datetime.fromisoformat(early["start"]).astimezone(UTC).date() == date(2026, 11, 23)


async def test_a_visit_moved_to_another_day_is_not_generated_again(app, db) -> None:
    """A wish may now move a visit to another day ("flytta duschen till torsdag"): the visit
    is listed on its new day, and the day it left is not filled again by the plan."""
    who = await greta(db, valid_from=MARCH_2)
    await plan(db, who, valid_from=MARCH_2, at=time(8))
    assert await generate(app, MARCH_2, MARCH_2 + timedelta(days=13)) == 14
    tuesday, wednesday = MARCH_2 + timedelta(days=1), MARCH_2 + timedelta(days=2)
    [moved] = (await visits_by_day(db, who))[tuesday]
    new_start = datetime.combine(wednesday, time(14), tzinfo=TZ)
    async with app.state.sessions() as s:
        visit = await s.get(Visit, moved.id)
        client = await s.get(Client, who.client_id)
        change = Change(kind=ChangeKind.MOVE, visit_id=moved.id, new_start=new_start)
        apply_change(s, change, visit, client)
        await s.commit()

    assert await generate(app, MARCH_2, MARCH_2 + timedelta(days=13)) == 0
    days = await visits_by_day(db, who)
    assert tuesday not in days
    assert [(v.id, wall(v)) for v in days[wednesday]] == [
        (days[wednesday][0].id, time(8)),
        (moved.id, time(14)),
    ]

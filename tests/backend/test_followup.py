"""The assessor's monthly follow-up through the HTTP API and the CLI, on the demo unit."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import date, datetime, time, timedelta

import httpx
import pytest
from sqlmodel import col, select

from backend.config import Settings
from backend.db import create_engine, session_factory
from backend.demo import seed
from backend.domain.followup import DEVIATION_REASONS
from backend.models import (
    AuditEvent,
    CarePlan,
    ChangeRequest,
    Client,
    DeviationReason,
    Order,
    PlanStatus,
    RequestStatus,
    Staff,
    StaffRole,
    Unit,
    Visit,
)
from backend.services.followup import CSV_COLUMNS
from backend.services.visits import local_start, visit_before
from contract import TZ, Change, ChangeKind, Outcome, Period, VisitStatus
from ramtid.cli import main as cli_main
from tests.backend.helpers import GOSTA, LISA, tighten_frame
from tests.conftest import (
    DEFAULT_NOW,
    Clock,
    Database,
    StatementCounter,
    as_chat,
    as_staff,
    staff_headers,
)

NOVEMBER = "2026-11"
TODAY = date(2026, 11, 23)


async def report(api: httpx.AsyncClient, who: str = "anna", **params: str) -> dict:
    r = await api.get(
        "/staff/followup", params={"month": NOVEMBER, **params}, headers=as_staff(who)
    )
    assert r.status_code == 200, r.text
    return r.json()


def row_of(body: dict, client_id: int) -> dict:
    return next(row for row in body["clients"] if row["client_id"] == client_id)


def in_november(visit: Visit) -> bool:
    return visit.planned_start.astimezone(TZ).strftime("%Y-%m") == NOVEMBER


async def other_unit_staff(db: Database, role: StaffRole = StaffRole.CARER) -> dict[str, str]:
    kista = Unit(name="Hemtjänst Kista", municipality="Stockholm")
    await db.add(kista)
    assert kista.id is not None
    olof = Staff(unit_id=kista.id, first_name="Olof", last_name="Ek", role=role)
    await db.add(olof)
    return await staff_headers(db, olof)


async def test_lisas_november_matches_the_visits_counted_by_hand(api, demo, db) -> None:
    body = await report(api)
    lisa = row_of(body, LISA)

    # Ordered: Lisa's one order is a monthly frame of 45 h, valid from 2 September with no
    # end, so all of November's 30 days count: 45 × 60 = 2700 minutes.
    (order,) = await db.all(select(Order).where(Order.client_id == LISA))
    assert (order.period, order.frame_minutes, order.valid_to) == (Period.MONTH, 2700, None)
    assert order.valid_from <= date(2026, 11, 1)
    ordered = order.frame_minutes

    # Performed: the demo marks every visit that started more than an hour before the clock
    # (Mon 23 Nov 08:40) as done, a few as declined. For Lisa that is 1-22 November:
    # 3 visits a day × 22 + 3 showers + 3 cleanings = 72, of which 2 declined = 70 done,
    # planned 1710 min, performed Σ(actual_end - actual_start) = 1657 min.
    visits = await db.all(select(Visit).where(Visit.client_id == LISA))
    done = [v for v in visits if v.status is VisitStatus.DONE and in_november(v)]
    performed = sum(round((v.actual_end - v.actual_start).total_seconds() / 60) for v in done)
    declined = [v for v in visits if v.deviation_reason is DeviationReason.CLIENT_DECLINED]
    assert len(done) == 70 and len(declined) == 2
    assert performed == 1657

    # (1657 - 2700) / 2700 × 100 = -38.63 % -> -38.6 %, more than 10 % under.
    assert lisa["ordered_minutes"] == ordered == 2700
    assert lisa["performed_minutes"] == performed
    assert lisa["deviation_percent"] == round((performed - ordered) / ordered * 100, 1) == -38.6
    assert lisa["flagged"] is True
    assert lisa["direction"] == "under"
    # September (2610 = 2700 × 29/30 ordered) and October (2700) have no visits at all in
    # the demo: no data, so nothing is claimed about them and November stands alone.
    september_october = [v for v in visits if v.day < date(2026, 11, 1)]
    assert september_october == []
    assert lisa["consecutive_months"] == 1
    assert lisa["months_without_data"] == ["2026-09", "2026-10"]
    assert lisa["has_data"] is True
    assert sum(s["performed_minutes"] for s in lisa["per_service"]) == performed
    assert [s["service"] for s in lisa["per_service"]] == sorted(
        {s for v in done for s in v.services}
    )
    assert lisa["deviation_reasons"] == {
        **dict.fromkeys(DEVIATION_REASONS, 0),
        "client_declined": 2,
    }
    assert [row["client_id"] for row in body["clients"]] == [1, 2, 3, 4]
    assert (body["month"], body["start"], body["end"], body["complete"]) == (
        NOVEMBER,
        "2026-11-01",
        "2026-11-30",
        False,
    )


async def test_gostas_unsigned_plan_and_frame_without_follow_up_are_listed(
    api, demo, clock: Clock
) -> None:
    body = await report(api, who="karin")
    # His revised plan has waited 20 days for a signature (created 3 November).
    assert body["late_plans"] == [
        {
            "plan_id": body["late_plans"][0]["plan_id"],
            "client_id": GOSTA,
            "first_name": "Gösta",
            "status": "draft",
            "created_on": "2026-11-03",
            "signed_on": None,
            "days": 20,
        }
    ]
    # His frame, decided 31 August, was never followed up: due 92 days on, 1 December,
    # before the next monthly report, so it is listed now; the others were followed up.
    (frame,) = body["frames_to_follow_up"]
    assert (frame["client_id"], frame["first_name"], frame["followed_up_on"]) == (
        GOSTA,
        "Gösta",
        None,
    )
    assert (frame["decided_on"], frame["due_on"], frame["overdue"]) == (
        "2026-08-31",
        "2026-12-01",
        False,
    )
    assert body["repeated_decliners"] == []

    # Read in December, the November report shows it overdue and the month complete.
    clock.advance(days=10)
    later = await report(api, who="karin")
    assert later["complete"] is True
    assert [(f["client_id"], f["overdue"]) for f in later["frames_to_follow_up"]] == [
        (GOSTA, True)
    ]


async def test_a_client_who_declined_three_times_in_three_months_is_listed(
    api, demo, db, clock: Clock
) -> None:
    visit = await db.first(select(Visit).where(Visit.client_id == LISA).order_by(Visit.id))

    def decline(days_ago: int, status: RequestStatus = RequestStatus.APPROVED) -> ChangeRequest:
        return ChangeRequest.asking(
            Change(kind=ChangeKind.CANCEL, visit_id=visit.id),
            visit_before(visit),
            idempotency_key=uuid.uuid4().hex,
            client_id=LISA,
            status=status,
            outcome=Outcome.NEEDS_REVIEW,
            created_at=clock.now - timedelta(days=days_ago),
        )

    await db.add(decline(80), decline(30), decline(2, RequestStatus.REJECTED))
    assert (await report(api))["repeated_decliners"] == []
    await db.add(decline(1))
    (decliner,) = (await report(api))["repeated_decliners"]
    assert (decliner["client_id"], decliner["first_name"], decliner["declines"]) == (
        LISA,
        "Lisa",
        3,
    )


async def test_a_weekend_away_is_one_time_help_was_declined(api, demo, db, clock: Clock) -> None:
    """Six visits cancelled at once for a weekend away, approved: before, "6 times" and Lisa
    shown to the assessor for re-assessment."""
    visits = await db.all(select(Visit).where(Visit.client_id == LISA).order_by(Visit.id))
    asked_at = clock.now - timedelta(days=3)
    weekend = [
        ChangeRequest.asking(
            Change(kind=ChangeKind.CANCEL, visit_id=visit.id),
            visit_before(visit),
            idempotency_key=uuid.uuid4().hex,
            client_id=LISA,
            status=RequestStatus.APPROVED,
            outcome=Outcome.NEEDS_REVIEW,
            created_at=asked_at + timedelta(seconds=n),
        )
        for n, visit in enumerate(visits[:6])
    ]
    await db.add(*weekend)
    assert (await report(api))["repeated_decliners"] == []


async def test_a_wish_sent_on_as_a_changed_need_reaches_the_assessors_report(
    api, demo, db
) -> None:
    await tighten_frame(db, LISA, 40)
    assert (await report(api))["changed_needs"] == []
    tomorrow_14 = datetime.combine(date(2026, 11, 24), time(14), tzinfo=TZ)
    body = {
        "idempotency_key": uuid.uuid4().hex,
        "change": {
            "kind": "extra",
            "new_start": tomorrow_14.isoformat(),
            "new_duration": 180,
            "services": ["meal"],
        },
        "to_assessor": True,
    }
    r = await api.post(f"/clients/{LISA}/requests", json=body, headers=as_chat("lisa"))
    assert r.status_code == 201, r.text
    (need,) = (await report(api))["changed_needs"]
    assert (need["request_id"], need["first_name"], need["kind"]) == (
        r.json()["id"],
        "Lisa",
        "extra",
    )
    assert "over_frame" in need["reasons"]


async def test_the_csv_has_a_header_and_one_line_per_client(api, demo) -> None:
    r = await api.get("/staff/followup.csv", params={"month": NOVEMBER}, headers=as_staff("erik"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="uppfoljning-2026-11.csv"' in r.headers["content-disposition"]
    # Swedish Excel: a BOM so that "Gösta" survives, semicolons, a decimal comma.
    assert r.text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(r.text.removeprefix("\ufeff")), delimiter=";"))
    assert lines[0] == list(CSV_COLUMNS)
    rows = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    assert [row["first_name"] for row in rows] == ["Lisa", "Gösta", "Aino", "Samira"]
    lisa = rows[0]
    assert (lisa["ordered_minutes"], lisa["performed_minutes"]) == ("2700", "1657")
    assert (lisa["ordered_hours"], lisa["performed_hours"]) == ("45,00", "27,62")
    assert (lisa["deviation_percent"], lisa["flagged"], lisa["direction"]) == (
        "-38,6",
        "1",
        "under",
    )
    assert lisa["client_declined"] == "2"
    # Samira's Gothenburg-style weekly frame of 12 h over 30 days: 720 × 30 / 7 = 3086.
    assert rows[3]["ordered_minutes"] == "3086"


async def test_staff_of_another_unit_get_403_and_their_own_empty_unit(api, demo, db) -> None:
    other = await other_unit_staff(db)
    for path in ("/staff/followup", "/staff/followup.csv"):
        r = await api.get(path, params={"month": NOVEMBER, "unit": "1"}, headers=other)
        assert r.status_code == 403
        assert r.json()["code"] == "other_unit"
    r = await api.get("/staff/followup", params={"month": NOVEMBER}, headers=other)
    assert r.status_code == 200
    assert r.json()["clients"] == []
    reads = await db.all(select(AuditEvent).where(AuditEvent.action == "followup.read"))
    assert reads == []


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "november", "2026-11-01", ""])
async def test_an_invalid_month_is_422(api, demo, month: str) -> None:
    for path in ("/staff/followup", "/staff/followup.csv"):
        r = await api.get(path, params={"month": month}, headers=as_staff("anna"))
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "invalid_month"


async def test_without_a_month_the_report_is_for_this_month(api, demo) -> None:
    r = await api.get("/staff/followup", headers=as_staff("anna"))
    assert r.status_code == 200
    assert r.json()["month"] == NOVEMBER


async def test_every_read_is_audited_once_per_client(api, demo, db) -> None:
    await report(api, who="maria")
    reads = await db.all(select(AuditEvent).where(AuditEvent.action == "followup.read"))
    assert sorted(e.client_id for e in reads) == [1, 2, 3, 4]
    assert {(e.actor, e.entity, e.entity_id) for e in reads} == {("staff:2", "unit", 1)}
    assert all(e.details == {"what": "followup", "month": NOVEMBER} for e in reads)
    assert {e.staff_id for e in reads} == {2}


async def test_recording_a_deviation_reason_changes_the_report(api, demo, db) -> None:
    before = row_of(await report(api), LISA)["deviation_reasons"]
    assert before["hospital_stay"] == 0
    visits = await db.all(
        select(Visit)
        .where(Visit.client_id == LISA)
        .where(Visit.status == VisitStatus.DONE)
        .order_by(col(Visit.planned_start).desc())
    )
    visit = visits[0]

    for _ in range(2):  # pressed twice: one effect
        r = await api.post(
            f"/staff/visits/{visit.id}/deviation",
            json={"reason": "hospital_stay"},
            headers=as_staff("maria"),  # Lisa's deputy, not the visit's carer
        )
        assert r.status_code == 200, r.text
    assert r.json()["deviation_reason"] == "hospital_stay"
    assert r.json()["version"] == visit.version + 1

    after = row_of(await report(api), LISA)["deviation_reasons"]
    assert after == {**before, "hospital_stay": 1}
    stored = await db.get(Visit, visit.id)
    assert stored.deviation_reason is DeviationReason.HOSPITAL_STAY
    events = await db.all(select(AuditEvent).where(AuditEvent.action == "visit.deviation"))
    assert [(e.actor, e.client_id, e.entity_id) for e in events] == [("staff:2", LISA, visit.id)]
    assert events[0].details == {"reason": "hospital_stay", "previous": None}

    # A mistaken reason can be cleared.
    r = await api.post(
        f"/staff/visits/{visit.id}/deviation", json={"reason": None}, headers=as_staff("maria")
    )
    assert r.status_code == 200
    assert row_of(await report(api), LISA)["deviation_reasons"] == before


async def test_a_deviation_on_an_unknown_visit_or_another_units_visit_is_refused(
    api, demo, db
) -> None:
    r = await api.post(
        "/staff/visits/999999/deviation", json={"reason": "travel"}, headers=as_staff("anna")
    )
    assert (r.status_code, r.json()["code"]) == (404, "visit_not_found")

    visit = await db.first(select(Visit).where(Visit.client_id == LISA))
    other = await other_unit_staff(db)
    r = await api.post(
        f"/staff/visits/{visit.id}/deviation", json={"reason": "travel"}, headers=other
    )
    assert (r.status_code, r.json()["code"]) == (403, "other_unit")

    r = await api.post(
        f"/staff/visits/{visit.id}/deviation", json={"reason": "holiday"}, headers=as_staff("anna")
    )
    assert r.status_code == 422
    assert (await db.get(Visit, visit.id)).deviation_reason == visit.deviation_reason
    assert await db.all(select(AuditEvent).where(AuditEvent.action == "visit.deviation")) == []


def test_the_domain_knows_every_deviation_reason_of_the_tables() -> None:
    assert set(DEVIATION_REASONS) == {reason.value for reason in DeviationReason}


async def add_clients(db: Database, count: int) -> None:
    """More clients in the unit, each with an order, a draft plan and a few done visits."""
    for n in range(count):
        client = Client(unit_id=1, first_name=f"Extra{n}", last_name="Test")
        await db.add(client)
        assert client.id is not None
        order = Order(
            client_id=client.id,
            frame_minutes=600,
            valid_from=date(2026, 6, 1),
            decided_on=date(2026, 5, 20),
        )
        await db.add(order)
        assert order.id is not None
        await db.add(
            CarePlan(
                client_id=client.id,
                order_id=order.id,
                status=PlanStatus.DRAFT,
                created_on=TODAY - timedelta(days=30),
                valid_from=TODAY,
            ),
            *(
                Visit(
                    client_id=client.id,
                    day=day,
                    planned_start=local_start(day, time(10, 0)),
                    duration_minutes=30,
                    services=["meal", "walk"],
                    status=VisitStatus.DONE,
                    actual_start=local_start(day, time(10, 0)),
                    actual_end=local_start(day, time(10, 0)) + timedelta(minutes=31),
                    deviation_reason=DeviationReason.OTHER if day.day == 2 else None,
                )
                for day in (date(2026, 10, 5), date(2026, 11, 2), date(2026, 11, 9))
            ),
        )


async def test_the_report_costs_the_same_statements_for_more_clients(
    api, demo, db, count_statements: StatementCounter
) -> None:
    count_statements.count = 0
    await report(api)
    with_four = count_statements.count

    await add_clients(db, 5)
    count_statements.count = 0
    body = await report(api)
    assert count_statements.count == with_four
    assert len(body["clients"]) == 9
    extra = row_of(body, 5)
    assert (extra["ordered_minutes"], extra["performed_minutes"]) == (600, 62)
    # Each 31-minute visit splits 16 + 15, the odd minute to "meal", first in sorted order.
    assert extra["per_service"] == [
        {"service": "meal", "performed_minutes": 32},
        {"service": "walk", "performed_minutes": 30},
    ]
    assert extra["deviation_reasons"]["other"] == 1
    assert len(body["late_plans"]) == 6  # Gösta's and the five new drafts
    assert len(body["frames_to_follow_up"]) == 6


def test_the_cli_prints_the_table_and_the_csv(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seeded() -> None:
        engine = create_engine(settings.database_url)
        async with session_factory(engine)() as session:
            await seed(session, now=DEFAULT_NOW)
            await session.commit()
        await engine.dispose()

    asyncio.run(seeded())
    url = {"RAMTID_DATABASE_URL": settings.database_url}
    with pytest.MonkeyPatch.context() as env:
        for name, value in url.items():
            env.setenv(name, value)
        assert cli_main(["followup", "--month", NOVEMBER]) == 0
        table = capsys.readouterr().out
        assert cli_main(["followup", "--month", NOVEMBER, "--unit", "1", "--csv"]) == 0
        lines = capsys.readouterr().out.removeprefix("\ufeff").splitlines()
        with pytest.raises(SystemExit):
            cli_main(["followup", "--month", "2026-13"])

    lisa = next(line for line in table.splitlines() if "Lisa" in line)
    # Ordered 45:00, performed 27:37 (1657 min), -38.6 %, under, 1 month in a row: the demo
    # has no visits in September and October, and the table says so instead of counting them.
    assert lisa.split() == ["1", "Lisa", "45:00", "27:37", "-38.6", "%", "under", "1"]
    assert "  Lisa: 2026-09, 2026-10" in table
    assert "Plans not signed within 15 days:" in table
    assert len(lines) == 5 and lines[0].startswith("client_id;first_name;")

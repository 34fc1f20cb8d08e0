"""The weekly plan projected over a period (rule 2), and the plan's budget: each period's
minutes against the frame with the month's actual weekdays, frequencies, overlaps, hours."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time

from backend.domain import frame_check as fc
from contract import TZ, FrequencyUnit, Period, ReasonCode, VisitStatus

W, D, M = FrequencyUnit.WEEK, FrequencyUnit.DAY, FrequencyUnit.MONTH


def slot(weekday: int, at: str, minutes: int, *services: str) -> fc.PlannedSlot:
    return fc.PlannedSlot(weekday, time.fromisoformat(at), minutes, frozenset(services))


def frame(minutes: int, period: Period = Period.MONTH, *granted: fc.GrantedService) -> fc.Frame:
    return fc.Frame(period, minutes, granted, valid_from=date(2026, 1, 1))


def weekdays_in(year: int, month: int, weekday: int) -> int:
    days = calendar.monthrange(year, month)[1]
    return sum(1 for d in range(1, days + 1) if date(year, month, d).weekday() == weekday)


def test_december_2026_has_five_tuesdays_and_the_budget_counts_them() -> None:
    tuesday_shower = [slot(1, "10:00", 60, "shower")]
    budget = fc.plan_budget(
        frame(240, Period.MONTH, fc.GrantedService("shower", 1, W)),
        tuesday_shower,
        start=date(2026, 12, 1),
        periods=2,
    )
    december, january = budget.periods
    assert weekdays_in(2026, 12, 1) == 5 and weekdays_in(2027, 1, 1) == 4
    assert december.planned_minutes == 5 * 60
    assert december.over_by == 60
    assert january.planned_minutes == 4 * 60 and january.over_by == 0
    over = [r for r in budget.reasons if r.code is ReasonCode.OVER_FRAME]
    assert [r.numbers["period_start"] for r in over] == ["2026-12-01"]


def test_projection_keeps_stockholm_wall_time_over_the_daylight_saving_change() -> None:
    visits = fc.project_plan(
        [slot(6, "08:00", 30, "meal")], date(2026, 10, 18), date(2026, 10, 25)
    )
    starts = [v.start.astimezone(TZ).time() for v in visits]
    assert starts == [time(8, 0), time(8, 0)]
    assert [v.start.astimezone(UTC).hour for v in visits] == [6, 7]  # CEST, then CET


def test_a_plan_starting_mid_month_counts_the_visits_before_it_and_its_own_after() -> None:
    done = fc.VisitState(
        id=1,
        start=datetime(2026, 12, 2, 9, 0, tzinfo=TZ),
        duration_minutes=45,
        services=frozenset({"meal"}),
        status=VisitStatus.DONE,
        performed_minutes=50,
    )
    budget = fc.plan_budget(
        frame(1000),
        [slot(0, "09:00", 30, "meal")],  # Mondays
        start=date(2026, 12, 15),
        periods=1,
        staying=(done,),
    )
    [december] = budget.periods
    mondays_from_15th = sum(1 for d in range(15, 32) if date(2026, 12, d).weekday() == 0)
    assert (december.performed_minutes, december.planned_minutes) == (50, mondays_from_15th * 30)


def test_weekly_frames_are_counted_per_iso_week() -> None:
    budget = fc.plan_budget(
        frame(300, Period.WEEK),
        [slot(d, "08:30", 45, "dressing") for d in range(7)],
        start=date(2026, 11, 25),  # a Wednesday: the first week counts five days
        periods=2,
    )
    first, second = budget.periods
    assert (first.period_start, first.period_end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert first.planned_minutes == 5 * 45 and first.over_by == 0
    assert second.planned_minutes == 7 * 45 and second.over_by == 7 * 45 - 300


def test_frequency_overlap_hours_and_grants_are_judged_per_slot() -> None:
    budget = fc.plan_budget(
        frame(
            10_000, Period.MONTH, fc.GrantedService("meal", 2, D), fc.GrantedService("walk", 1, W)
        ),
        [
            slot(0, "12:00", 30, "meal"),
            slot(0, "12:15", 20, "meal"),  # overlaps the first on Mondays
            slot(2, "06:30", 30, "meal"),  # before the unit's 07:00
            slot(3, "10:00", 60, "cleaning"),  # not granted
        ],
        start=date(2026, 12, 1),
        periods=1,
    )
    codes = sorted(r.code.value for r in budget.reasons)
    assert codes == [
        "below_frequency",  # meal: 2 a day granted, most days have none
        "below_frequency",  # walk: 1 a week granted, none planned
        "outside_service_hours",
        "overlap",
        "service_not_granted",
    ]
    meal = next(f for f in budget.frequencies if f.code == "meal")
    assert (meal.planned_least, meal.planned_most) == (0, 2)
    assert budget.outcome.value == "outside"

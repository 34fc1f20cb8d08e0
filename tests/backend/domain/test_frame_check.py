"""The frame check (DESIGN section 3), rule by rule, on Swedish home-care examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from pydantic import ValidationError

from backend.domain.frame_check import (
    OUTSIDE_CODES,
    Change,
    ChangeKind,
    Frame,
    FrequencyUnit,
    GrantedService,
    Outcome,
    Period,
    Reason,
    ReasonCode,
    Rules,
    Verdict,
    VisitState,
    VisitStatus,
    apply_change,
    check_change,
    check_changes,
    frame_status,
    visit_minutes,
)
from contract import TZ, a_changed_need


def at(day: str, hhmm: str) -> datetime:
    """Stockholm wall time ``day hhmm`` as the aware UTC datetime the check receives."""
    d = date.fromisoformat(day)
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def visit(
    visit_id: int,
    day: str,
    hhmm: str,
    minutes: int,
    *services: str,
    status: VisitStatus = VisitStatus.PLANNED,
    performed: int | None = None,
    declined: frozenset[str] = frozenset(),
) -> VisitState:
    return VisitState(
        id=visit_id,
        start=at(day, hhmm),
        duration_minutes=minutes,
        services=frozenset(services),
        status=status,
        performed_minutes=performed,
        declined_services=declined,
    )


GRANTED = (
    GrantedService("hygiene", 20, FrequencyUnit.MONTH),
    GrantedService("shower", 2, FrequencyUnit.WEEK),
    GrantedService("cleaning", 1, FrequencyUnit.WEEK),
    GrantedService("walk", 1, FrequencyUnit.WEEK),
    GrantedService("shopping", 1, FrequencyUnit.WEEK),
)

# Stockholm: 40 h per month.
MONTHLY = Frame(
    period=Period.MONTH,
    frame_minutes=2400,
    services=GRANTED,
    valid_from=date(2026, 1, 1),
    valid_to=date(2026, 12, 31),
)
# Gothenburg: hours per week.
WEEKLY = replace(MONTHLY, period=Period.WEEK, frame_minutes=500)

# Tuesday 10 November 2026, 07:00 in Stockholm.
NOW = at("2026-11-10", "07:00")


def november() -> list[VisitState]:
    """A morning visit (09:00, 1 h) every day of November 2026, days 1-9 already done,
    and a cleaning visit on Friday 20 November: 31 h 20 min (1880 min) in all."""
    visits = [
        visit(
            day,
            f"2026-11-{day:02d}",
            "09:00",
            60,
            "hygiene",
            status=VisitStatus.DONE if day < 10 else VisitStatus.PLANNED,
            performed=60 if day < 10 else None,
        )
        for day in range(1, 31)
    ]
    visits.append(visit(100, "2026-11-20", "13:00", 80, "cleaning"))
    return visits


def check(
    change: Change,
    visits: list[VisitState] | None = None,
    frame: Frame = MONTHLY,
    *,
    now: datetime = NOW,
    rules: Rules | None = None,
    declines: int = 0,
) -> Verdict:
    return check_change(
        frame,
        november() if visits is None else visits,
        change,
        now=now,
        rules=rules or Rules(),
        declines_last_3_months=declines,
    )


def codes(verdict: Verdict) -> list[ReasonCode]:
    return [reason.code for reason in verdict.reasons]


def resize(visit_id: int, minutes: int) -> Change:
    return Change(kind=ChangeKind.RESIZE, visit_id=visit_id, new_duration=minutes)


def move(visit_id: int, day: str, hhmm: str) -> Change:
    return Change(kind=ChangeKind.MOVE, visit_id=visit_id, new_start=at(day, hhmm))


def extra(day: str, hhmm: str, minutes: int, *services: str) -> Change:
    return Change(
        kind=ChangeKind.EXTRA,
        new_start=at(day, hhmm),
        new_duration=minutes,
        services=services,
    )


def cancel(visit_id: int) -> Change:
    return Change(kind=ChangeKind.CANCEL, visit_id=visit_id)


def swap(visit_id: int, service: str, new_service: str) -> Change:
    return Change(
        kind=ChangeKind.SWAP, visit_id=visit_id, service=service, new_service=new_service
    )


def skip(visit_id: int, service: str) -> Change:
    return Change(kind=ChangeKind.SKIP_SERVICE, visit_id=visit_id, service=service)


# --- visit_minutes and frame_status (rule 2 and 7) ---------------------------------------


def test_visit_minutes_counts_performed_time_of_done_visits() -> None:
    done = visit(1, "2026-11-02", "09:00", 60, status=VisitStatus.DONE, performed=45)
    assert visit_minutes(done) == 45


def test_visit_minutes_of_done_visit_without_performed_time_is_planned_time() -> None:
    assert visit_minutes(visit(1, "2026-11-02", "09:00", 60, status=VisitStatus.DONE)) == 60


def test_visit_minutes_of_cancelled_visit_is_zero() -> None:
    assert visit_minutes(visit(1, "2026-11-02", "09:00", 60, status=VisitStatus.CANCELLED)) == 0


@pytest.mark.parametrize(
    "status", [VisitStatus.PLANNED, VisitStatus.ON_THE_WAY, VisitStatus.IN_PROGRESS]
)
def test_visit_minutes_of_coming_visit_is_planned_time(status: VisitStatus) -> None:
    assert visit_minutes(visit(1, "2026-11-02", "09:00", 60, status=status, performed=10)) == 60


def test_frame_status_shows_40_hours_with_31_hours_20_minutes_used_or_planned() -> None:
    status = frame_status(MONTHLY, november(), date(2026, 11, 17), Rules())

    assert (status.period_start, status.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert status.frame_minutes == 2400
    assert status.performed_minutes == 9 * 60
    assert status.planned_minutes == 21 * 60 + 80
    assert status.performed_minutes + status.planned_minutes == 1880
    assert status.left_minutes == 520


def test_frame_status_ignores_cancelled_visits_and_other_months() -> None:
    visits = [
        *november(),
        visit(200, "2026-11-24", "15:00", 45, "walk", status=VisitStatus.CANCELLED),
        visit(201, "2026-12-01", "09:00", 60, "hygiene"),
        visit(202, "2026-10-31", "09:00", 60, "hygiene", status=VisitStatus.DONE),
    ]
    status = frame_status(MONTHLY, visits, date(2026, 11, 1), Rules())
    assert status.performed_minutes + status.planned_minutes == 1880


def test_weekly_frame_status_covers_monday_to_sunday() -> None:
    status = frame_status(WEEKLY, november(), date(2026, 11, 18), Rules())

    assert (status.period_start, status.period_end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert status.planned_minutes == 7 * 60 + 80
    assert status.performed_minutes == 0


def test_visit_just_before_midnight_utc_belongs_to_the_next_local_month() -> None:
    # 23:30 UTC on 30 November is 00:30 on 1 December in Stockholm.
    late = VisitState(
        id=300,
        start=datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
        duration_minutes=30,
        services=frozenset({"hygiene"}),
    )
    november_status = frame_status(MONTHLY, [late], date(2026, 11, 30), Rules())
    december_status = frame_status(MONTHLY, [late], date(2026, 12, 1), Rules())

    assert november_status.planned_minutes == 0
    assert december_status.planned_minutes == 30


@pytest.mark.parametrize(
    ("last_day", "first_day"),
    [("2026-11-30", "2026-12-01"), ("2026-03-31", "2026-04-01"), ("2026-10-31", "2026-11-01")],
)
def test_a_visit_at_local_midnight_opens_the_new_month(last_day: str, first_day: str) -> None:
    # Stockholm's wall clock on both sides of midnight, in winter and in summer time.
    before = visit(1, last_day, "23:59", 20, "hygiene")
    midnight = visit(2, first_day, "00:00", 30, "hygiene")
    ending = frame_status(MONTHLY, [before, midnight], date.fromisoformat(last_day), Rules())
    starting = frame_status(MONTHLY, [before, midnight], date.fromisoformat(first_day), Rules())

    assert (ending.period_end, ending.planned_minutes) == (date.fromisoformat(last_day), 20)
    assert (starting.period_start, starting.planned_minutes) == (date.fromisoformat(first_day), 30)


def test_visit_just_before_midnight_utc_on_sunday_belongs_to_the_next_local_week() -> None:
    late = VisitState(
        id=300,
        start=datetime(2026, 11, 29, 23, 30, tzinfo=UTC),
        duration_minutes=30,
        services=frozenset({"hygiene"}),
    )
    status = frame_status(WEEKLY, [late], date(2026, 11, 30), Rules())
    assert (status.period_start, status.planned_minutes) == (date(2026, 11, 30), 30)


def test_frame_status_refuses_naive_visit_start() -> None:
    naive = VisitState(
        id=1, start=datetime(2026, 11, 2, 9, 0), duration_minutes=60, services=frozenset()
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        frame_status(MONTHLY, [naive], date(2026, 11, 2), Rules())


# --- apply_change ------------------------------------------------------------------------


def test_apply_change_does_not_mutate_the_visits() -> None:
    visits = november()
    snapshot = list(visits)

    after = apply_change(visits, cancel(20))

    assert visits == snapshot
    assert after is not visits
    assert next(v for v in after if v.id == 20).status is VisitStatus.CANCELLED


def test_apply_change_of_each_kind() -> None:
    base = [visit(1, "2026-11-20", "09:00", 60, "hygiene", "shower")]

    moved = apply_change(base, move(1, "2026-11-20", "10:30"))
    assert moved[0].start == at("2026-11-20", "10:30")

    resized = apply_change(base, resize(1, 75))
    assert resized[0].duration_minutes == 75

    swapped = apply_change(base, swap(1, "shower", "walk"))
    assert swapped[0].services == {"hygiene", "walk"}

    skipped = apply_change(base, skip(1, "shower"))
    assert skipped[0].services == {"hygiene", "shower"}
    assert skipped[0].declined_services == {"shower"}

    added = apply_change(base, extra("2026-11-21", "14:00", 45, "walk"), new_visit_id=77)
    assert added[0] == base[0]
    assert added[1] == VisitState(
        id=77, start=at("2026-11-21", "14:00"), duration_minutes=45, services=frozenset({"walk"})
    )


# --- rule 2: period total, explained with numbers (rule 7) --------------------------------


def test_fifteen_more_minutes_in_a_40_hour_month_is_within() -> None:
    verdict = check(resize(20, 75))

    assert verdict.outcome is Outcome.WITHIN
    assert verdict.reasons == []
    assert (verdict.period_start, verdict.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert verdict.frame_minutes == 2400
    assert verdict.performed_minutes == 540
    assert verdict.performed_minutes + verdict.planned_minutes == 1880
    assert verdict.delta_minutes == 15
    assert verdict.total_after == 1895


def fuller_november(used: int) -> list[VisitState]:
    """November with afternoon company visits so that ``used`` minutes are used or planned."""
    visits = november()
    rest = used - 1880
    for index, day in enumerate((21, 22, 23, 24)):
        minutes = min(rest, 180)
        if minutes <= 0:
            break
        visits.append(visit(101 + index, f"2026-11-{day}", "15:00", minutes, "walk"))
        rest -= minutes
    return visits


def test_fifteen_more_minutes_with_2395_used_is_over_the_frame_by_10() -> None:
    verdict = check(resize(20, 75), fuller_november(2395))

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.OVER_FRAME,
            numbers={"frame_minutes": 2400, "total_after": 2410, "over_by": 10},
        )
    ]
    assert verdict.performed_minutes + verdict.planned_minutes == 2395
    assert verdict.delta_minutes == 15


def test_filling_the_frame_exactly_is_within() -> None:
    verdict = check(resize(20, 75), fuller_november(2385))
    assert verdict.outcome is Outcome.WITHIN
    assert verdict.total_after == 2400


def test_shortening_a_visit_in_a_month_already_over_is_not_refused_but_flagged() -> None:
    verdict = check(resize(20, 45), fuller_november(2500))

    # Not refused (it frees time), but not "within" either: the month stays over its frame.
    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.delta_minutes == -15
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.ALREADY_OVER_FRAME,
            numbers={"frame_minutes": 2400, "total_after": 2485, "over_by": 85, "freed": 15},
        )
    ]


def test_a_change_refused_for_another_reason_does_not_also_say_the_month_is_over() -> None:
    verdict = check(resize(20, 500), fuller_november(2500))  # too long for any visit

    assert verdict.outcome is Outcome.OUTSIDE
    assert ReasonCode.ALREADY_OVER_FRAME not in codes(verdict)


def test_cancelling_in_a_month_already_over_is_not_over_the_frame() -> None:
    verdict = check(cancel(25), fuller_november(2500))

    assert ReasonCode.OVER_FRAME not in codes(verdict)
    assert verdict.delta_minutes == -60
    [over] = [r for r in verdict.reasons if r.code is ReasonCode.ALREADY_OVER_FRAME]
    assert over.numbers["freed"] == 60  # told to the decider first


def test_a_move_in_a_month_already_over_frees_nothing() -> None:
    verdict = check(move(101, "2026-11-21", "16:00"), fuller_november(2500))

    assert verdict.delta_minutes == 0
    [over] = [r for r in verdict.reasons if r.code is ReasonCode.ALREADY_OVER_FRAME]
    assert "freed" not in over.numbers


def test_extra_walk_adds_its_minutes() -> None:
    verdict = check(extra("2026-11-18", "14:00", 60, "walk"))

    assert verdict.outcome is Outcome.WITHIN
    assert verdict.delta_minutes == 60
    assert verdict.total_after == 1940


def test_extra_visit_over_the_frame() -> None:
    verdict = check(extra("2026-11-18", "14:00", 60, "walk"), fuller_november(2380))

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.OVER_FRAME,
            numbers={"frame_minutes": 2400, "total_after": 2440, "over_by": 40},
        )
    ]


def test_gothenburg_long_week_is_fine_inside_the_weekly_frame() -> None:
    # The week 16-22 November has 7 h + 1 h 20 min cleaning = 500 min; frame 600 min/week.
    frame = replace(WEEKLY, frame_minutes=600)
    verdict = check(resize(20, 120), frame=frame)

    assert verdict.outcome is Outcome.WITHIN
    assert (verdict.period_start, verdict.period_end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert verdict.performed_minutes + verdict.planned_minutes == 500
    assert verdict.delta_minutes == 60


def test_gothenburg_long_week_over_the_weekly_frame() -> None:
    frame = replace(WEEKLY, frame_minutes=600)
    verdict = check(resize(20, 180), frame=frame)

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.OVER_FRAME,
            numbers={"frame_minutes": 600, "total_after": 620, "over_by": 20},
        )
    ]


def test_long_week_balanced_by_a_short_week_is_within_a_monthly_frame() -> None:
    # The month is full (1880 of 1880). Shorten Tuesday of week 48, then lengthen Friday of
    # week 47 by the same 30 minutes.
    full_month = replace(MONTHLY, frame_minutes=1880)
    short_week = apply_change(november(), resize(24, 30))

    monthly = check(resize(20, 90), short_week, full_month)
    assert monthly.outcome is Outcome.WITHIN
    assert monthly.total_after == 1880

    # The same two changes under Gothenburg's weekly frame (week 47 is full at 500 min).
    weekly = check(resize(20, 90), short_week, WEEKLY)
    assert weekly.outcome is Outcome.OUTSIDE
    assert weekly.reasons == [
        Reason(
            code=ReasonCode.OVER_FRAME,
            numbers={"frame_minutes": 500, "total_after": 530, "over_by": 30},
        )
    ]


def test_without_the_short_week_the_long_week_is_over_the_monthly_frame() -> None:
    verdict = check(resize(20, 90), frame=replace(MONTHLY, frame_minutes=1880))
    assert codes(verdict) == [ReasonCode.OVER_FRAME]


def test_move_into_a_full_next_month_is_over_that_month() -> None:
    december = [
        visit(400 + day, f"2026-12-{day:02d}", "09:00", 60, "hygiene") for day in range(1, 31)
    ]
    frame = replace(MONTHLY, frame_minutes=1800)
    verdict = check(move(30, "2026-12-31", "10:00"), [*november(), *december], frame)

    assert (verdict.period_start, verdict.period_end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert verdict.performed_minutes + verdict.planned_minutes == 1800
    assert verdict.delta_minutes == 60
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.OVER_FRAME,
            numbers={"frame_minutes": 1800, "total_after": 1860, "over_by": 60},
        )
    ]


def test_move_back_into_a_month_with_room_is_within() -> None:
    december = [visit(401, "2026-12-01", "09:00", 60, "shopping")]  # same ISO week
    verdict = check(move(401, "2026-11-30", "14:00"), [*november(), *december])

    assert verdict.outcome is Outcome.WITHIN
    assert verdict.period_start == date(2026, 11, 1)
    assert verdict.delta_minutes == 60
    assert verdict.total_after == 1940


def test_move_within_the_month_adds_nothing() -> None:
    verdict = check(move(20, "2026-11-20", "10:30"))

    assert verdict.outcome is Outcome.WITHIN
    assert verdict.delta_minutes == 0


def test_visit_near_midnight_utc_is_judged_in_its_local_month() -> None:
    late = VisitState(
        id=300,
        start=datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # 1 December, 00:30 in Stockholm
        duration_minutes=30,
        services=frozenset({"hygiene"}),
    )
    verdict = check(resize(300, 45), [*november(), late])

    assert (verdict.period_start, verdict.period_end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert verdict.performed_minutes + verdict.planned_minutes == 30
    assert verdict.delta_minutes == 15


# --- rule 1: granted services -------------------------------------------------------------


def test_swap_to_a_service_that_is_not_granted_is_outside() -> None:
    visits = [visit(1, "2026-11-20", "09:00", 60, "hygiene", "shopping")]
    verdict = check(swap(1, "shopping", "laundry"), visits)

    assert verdict.outcome is Outcome.OUTSIDE
    assert Reason(code=ReasonCode.SERVICE_NOT_GRANTED, numbers={"service": "laundry"}) in (
        verdict.reasons
    )


def test_extra_visit_with_a_service_that_is_not_granted_is_outside() -> None:
    verdict = check(extra("2026-11-18", "14:00", 60, "walk", "company"))

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [
        Reason(code=ReasonCode.SERVICE_NOT_GRANTED, numbers={"service": "company"})
    ]


def test_extra_visit_without_services_is_not_a_change() -> None:
    # What should be done is part of an extra visit: without it there is nothing to judge.
    with pytest.raises(ValueError, match="needs"):
        extra("2026-11-18", "14:00", 60)


def test_swap_between_granted_services_adds_no_minutes() -> None:
    visits = [
        visit(1, "2026-11-17", "10:00", 60, "cleaning"),
        visit(2, "2026-11-20", "10:00", 60, "cleaning"),
    ]
    verdict = check(swap(2, "cleaning", "walk"), visits)

    assert verdict.outcome is Outcome.WITHIN
    assert verdict.delta_minutes == 0


def test_walk_instead_of_the_only_cleaning_this_week_needs_review() -> None:
    verdict = check(swap(100, "cleaning", "walk"))

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.delta_minutes == 0
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.BELOW_FREQUENCY,
            numbers={"service": "cleaning", "granted": 1, "per": "week", "planned_after": 0},
        ),
    ]


def test_swap_of_a_service_the_visit_does_not_have_is_outside() -> None:
    verdict = check(swap(20, "shower", "walk"))
    assert verdict.reasons == [
        Reason(code=ReasonCode.SERVICE_NOT_IN_VISIT, numbers={"service": "shower"})
    ]


def test_skip_of_a_service_the_visit_does_not_have_is_outside() -> None:
    verdict = check(skip(20, "shopping"))

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [
        Reason(code=ReasonCode.SERVICE_NOT_IN_VISIT, numbers={"service": "shopping"})
    ]


def test_skip_of_a_service_already_declined_is_outside() -> None:
    visits = [
        visit(1, "2026-11-20", "09:00", 60, "shower", "hygiene", declined=frozenset({"shower"}))
    ]
    verdict = check(skip(1, "shower"), visits)
    assert codes(verdict) == [ReasonCode.SERVICE_NOT_IN_VISIT]


@pytest.mark.parametrize(
    "change",
    [
        swap(20, "hygiene", "hygiene"),
        move(20, "2026-11-20", "09:00"),
        resize(20, 60),
    ],
    ids=["swap", "move", "resize"],
)
def test_a_change_that_changes_nothing_is_outside(change: Change) -> None:
    verdict = check(change)

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [Reason(code=ReasonCode.NO_CHANGE)]


# --- rule 3: frequency -------------------------------------------------------------------


def shower_week(*extra_visits: VisitState) -> list[VisitState]:
    """Week 47 (16-22 November): shower on Tuesday and Friday, granted twice a week."""
    return [
        visit(1, "2026-11-17", "08:30", 45, "shower"),
        visit(2, "2026-11-20", "08:30", 45, "shower"),
        *extra_visits,
    ]


def test_cancelling_one_of_two_weekly_showers_needs_review() -> None:
    verdict = check(cancel(2), shower_week())

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.BELOW_FREQUENCY,
            numbers={"service": "shower", "granted": 2, "per": "week", "planned_after": 1},
        ),
    ]
    assert verdict.delta_minutes == -45


def test_skipping_the_shower_needs_review() -> None:
    verdict = check(skip(2, "shower"), shower_week())

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert codes(verdict) == [ReasonCode.BELOW_FREQUENCY]
    assert verdict.delta_minutes == 0


def test_cancelling_a_third_shower_keeps_the_frequency() -> None:
    verdict = check(cancel(3), shower_week(visit(3, "2026-11-22", "08:30", 45, "shower")))
    assert verdict.outcome is Outcome.WITHIN


def test_moving_a_shower_inside_its_week_keeps_the_frequency() -> None:
    verdict = check(move(2, "2026-11-21", "10:00"), shower_week())
    assert verdict.outcome is Outcome.WITHIN


def test_moving_a_shower_to_the_next_week_drops_this_week() -> None:
    verdict = check(move(2, "2026-11-23", "10:00"), shower_week())

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.BELOW_FREQUENCY,
            numbers={"service": "shower", "granted": 2, "per": "week", "planned_after": 1},
        ),
    ]


def test_a_week_already_below_the_frequency_is_not_flagged_again() -> None:
    one_shower = [visit(2, "2026-11-20", "08:30", 45, "shower")]
    verdict = check(move(2, "2026-11-19", "08:30"), one_shower)
    assert verdict.outcome is Outcome.WITHIN


def test_daily_frequency_counts_the_local_day() -> None:
    frame = replace(MONTHLY, services=(GrantedService("meal", 1, FrequencyUnit.DAY),))
    visits = [visit(1, "2026-11-20", "12:00", 30, "meal"), visit(2, "2026-11-21", "12:00", 30)]
    verdict = check(move(1, "2026-11-21", "17:00"), visits, frame)

    assert verdict.reasons == [
        Reason(
            code=ReasonCode.BELOW_FREQUENCY,
            numbers={"service": "meal", "granted": 1, "per": "day", "planned_after": 0},
        ),
    ]


def test_monthly_frequency_counts_the_calendar_month() -> None:
    frame = replace(MONTHLY, services=(GrantedService("shopping", 4, FrequencyUnit.MONTH),))
    visits = [
        visit(day, f"2026-11-{day:02d}", "14:00", 60, "shopping") for day in (11, 18, 25, 30)
    ]
    verdict = check(cancel(30), visits, frame)
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.BELOW_FREQUENCY,
            numbers={"service": "shopping", "granted": 4, "per": "month", "planned_after": 3},
        ),
    ]


# --- rule 4: notice, started and past visits ---------------------------------------------


def test_change_two_hours_before_the_visit_needs_review() -> None:
    verdict = check(resize(10, 45))  # 09:00 visit, now 07:00

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.reasons == [
        Reason(code=ReasonCode.SHORT_NOTICE, numbers={"notice_minutes": 180, "minutes_until": 120})
    ]


def test_change_exactly_at_the_notice_limit_is_within() -> None:
    verdict = check(resize(10, 45), now=at("2026-11-10", "06:00"))
    assert verdict.outcome is Outcome.WITHIN


def test_moving_a_visit_to_one_hour_from_now_needs_review() -> None:
    verdict = check(move(11, "2026-11-10", "08:00"))

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.reasons == [
        Reason(code=ReasonCode.SHORT_NOTICE, numbers={"notice_minutes": 180, "minutes_until": 60})
    ]


def test_short_notice_is_reported_once_with_the_nearest_time() -> None:
    verdict = check(move(10, "2026-11-10", "08:00"))
    assert verdict.reasons == [
        Reason(code=ReasonCode.SHORT_NOTICE, numbers={"notice_minutes": 180, "minutes_until": 60})
    ]


def test_unit_with_a_shorter_notice_period() -> None:
    verdict = check(resize(10, 45), rules=Rules(notice_minutes=60))
    assert verdict.outcome is Outcome.WITHIN


def test_moving_into_the_past_is_outside() -> None:
    verdict = check(move(20, "2026-11-09", "14:00"))

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [Reason(code=ReasonCode.IN_PAST)]


def test_extra_visit_in_the_past_is_outside() -> None:
    verdict = check(extra("2026-11-10", "07:00", 30, "walk"))
    assert ReasonCode.IN_PAST in codes(verdict)


def test_a_visit_that_is_done_cannot_be_changed() -> None:
    verdict = check(resize(5, 90))

    assert verdict.outcome is Outcome.OUTSIDE
    assert Reason(code=ReasonCode.VISIT_STARTED, numbers={"visit_id": 5}) in verdict.reasons


@pytest.mark.parametrize("status", [VisitStatus.ON_THE_WAY, VisitStatus.IN_PROGRESS])
def test_a_visit_staff_are_on_their_way_to_cannot_be_changed(status: VisitStatus) -> None:
    visits = [visit(1, "2026-11-10", "09:00", 60, "hygiene", status=status)]
    verdict = check(cancel(1), visits, now=at("2026-11-10", "08:50"))

    assert verdict.outcome is Outcome.OUTSIDE
    assert Reason(code=ReasonCode.VISIT_STARTED, numbers={"visit_id": 1}) in verdict.reasons


def test_a_planned_visit_whose_start_has_passed_cannot_be_changed() -> None:
    verdict = check(cancel(10), now=at("2026-11-10", "09:00"))
    assert verdict.outcome is Outcome.OUTSIDE
    assert codes(verdict) == [ReasonCode.VISIT_STARTED]


def test_unknown_visit_is_outside_with_the_current_period() -> None:
    verdict = check(cancel(999))

    assert verdict == Verdict(
        outcome=Outcome.OUTSIDE,
        reasons=[Reason(code=ReasonCode.VISIT_NOT_FOUND, numbers={"visit_id": 999})],
        period=Period.MONTH,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        frame_minutes=2400,
        performed_minutes=0,
        planned_minutes=0,
        delta_minutes=0,
        total_after=0,
    )


def test_cancelled_visit_cannot_be_changed() -> None:
    visits = [visit(1, "2026-11-20", "09:00", 60, "hygiene", status=VisitStatus.CANCELLED)]
    verdict = check(move(1, "2026-11-20", "10:00"), visits)

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [Reason(code=ReasonCode.VISIT_CANCELLED, numbers={"visit_id": 1})]


# --- rule 5: service hours ---------------------------------------------------------------


def test_moving_to_06_30_is_outside_service_hours() -> None:
    verdict = check(move(20, "2026-11-20", "06:30"))

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.reasons == [
        Reason(
            code=ReasonCode.OUTSIDE_SERVICE_HOURS,
            numbers={"service_start": "07:00", "service_end": "22:00"},
        ),
    ]


def test_extra_visit_at_21_45_for_30_minutes_ends_after_service_hours() -> None:
    verdict = check(extra("2026-11-18", "21:45", 30, "walk"))

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert codes(verdict) == [ReasonCode.OUTSIDE_SERVICE_HOURS]


@pytest.mark.parametrize(("hhmm", "minutes"), [("07:00", 30), ("21:30", 30)])
def test_visits_at_the_edges_of_service_hours_are_within(hhmm: str, minutes: int) -> None:
    verdict = check(extra("2026-11-18", hhmm, minutes, "walk"))
    assert verdict.outcome is Outcome.WITHIN


def test_lengthening_past_the_end_of_service_hours_needs_review() -> None:
    visits = [visit(1, "2026-11-20", "21:00", 30, "hygiene")]
    verdict = check(resize(1, 75), visits)
    assert codes(verdict) == [ReasonCode.OUTSIDE_SERVICE_HOURS]


def test_visit_ending_after_midnight_is_outside_service_hours() -> None:
    rules = Rules(service_start=time(0, 0), service_end=time(23, 59))
    verdict = check(extra("2026-11-18", "23:30", 60, "walk"), rules=rules)

    assert verdict.reasons == [
        Reason(
            code=ReasonCode.OUTSIDE_SERVICE_HOURS,
            numbers={"service_start": "00:00", "service_end": "23:59"},
        ),
    ]


def test_cancel_and_swap_are_not_judged_on_service_hours() -> None:
    visits = [visit(1, "2026-11-20", "06:30", 30, "hygiene", "walk")]
    for change in (cancel(1), swap(1, "walk", "shopping")):
        assert ReasonCode.OUTSIDE_SERVICE_HOURS not in codes(check(change, visits))


# --- rule 6: duration and overlap -----------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, 4, 181, 24 * 60])
def test_duration_out_of_bounds_is_outside(minutes: int) -> None:
    verdict = check(resize(20, minutes))

    assert verdict.outcome is Outcome.OUTSIDE
    assert Reason(
        code=ReasonCode.DURATION_OUT_OF_BOUNDS,
        numbers={"requested": minutes, "min": 5, "max": 180},
    ) in (verdict.reasons)


@pytest.mark.parametrize("minutes", [5, 180])
def test_duration_at_the_bounds_is_within(minutes: int) -> None:
    assert check(resize(20, minutes)).outcome is Outcome.WITHIN


def test_extra_visit_of_zero_minutes_is_outside() -> None:
    verdict = check(extra("2026-11-18", "14:00", 0, "walk"))
    assert codes(verdict) == [ReasonCode.DURATION_OUT_OF_BOUNDS]


def test_moving_onto_another_visit_is_outside() -> None:
    verdict = check(move(100, "2026-11-20", "09:30"))

    assert verdict.outcome is Outcome.OUTSIDE
    assert verdict.reasons == [
        Reason(code=ReasonCode.OVERLAP, numbers={"other_visit_id": 20, "other_start": "09:00"})
    ]


def test_lengthening_into_the_next_visit_is_outside() -> None:
    visits = [*november(), visit(101, "2026-11-20", "11:30", 30, "walk")]
    verdict = check(resize(20, 180), visits)

    assert verdict.reasons == [
        Reason(code=ReasonCode.OVERLAP, numbers={"other_visit_id": 101, "other_start": "11:30"})
    ]


def test_back_to_back_visits_do_not_overlap() -> None:
    assert check(move(100, "2026-11-20", "10:00")).outcome is Outcome.WITHIN


def test_extra_visit_may_not_overlap() -> None:
    verdict = check(extra("2026-11-20", "13:30", 30, "walk"))
    assert verdict.reasons == [
        Reason(code=ReasonCode.OVERLAP, numbers={"other_visit_id": 100, "other_start": "13:00"})
    ]


def test_a_cancelled_visit_does_not_block_the_slot() -> None:
    visits = [
        *november(),
        visit(101, "2026-11-20", "14:00", 60, "walk", status=VisitStatus.CANCELLED),
    ]
    assert check(resize(100, 120), visits).outcome is Outcome.WITHIN


# --- rule 8: repeated declines ---------------------------------------------------------------


def test_third_decline_in_three_months_is_shown_to_the_assessor() -> None:
    verdict = check(cancel(25), declines=2)

    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert verdict.reasons == [Reason(code=ReasonCode.REPEATED_DECLINES, numbers={"declines": 3})]


def test_second_decline_is_not_flagged() -> None:
    assert check(cancel(25), declines=1).outcome is Outcome.WITHIN


def test_skipping_a_service_counts_as_a_decline() -> None:
    visits = shower_week(visit(3, "2026-11-22", "08:30", 45, "shower"))
    verdict = check(skip(3, "shower"), visits, declines=5)
    assert verdict.reasons == [Reason(code=ReasonCode.REPEATED_DECLINES, numbers={"declines": 6})]


def test_a_move_is_not_a_decline() -> None:
    assert check(move(20, "2026-11-20", "10:30"), declines=7).outcome is Outcome.WITHIN


# --- order validity ------------------------------------------------------------------------------


def test_moving_past_the_end_of_the_order_is_outside() -> None:
    verdict = check(move(30, "2027-01-04", "09:00"))

    assert verdict.outcome is Outcome.OUTSIDE
    assert Reason(
        code=ReasonCode.OUTSIDE_ORDER_VALIDITY,
        numbers={"valid_from": "2026-01-01", "valid_to": "2026-12-31"},
    ) in (verdict.reasons)


def test_extra_visit_before_an_open_ended_order_starts_is_outside() -> None:
    frame = replace(MONTHLY, valid_from=date(2026, 12, 1), valid_to=None)
    verdict = check(extra("2026-11-18", "14:00", 60, "walk"), frame=frame)

    assert verdict.reasons == [
        Reason(
            code=ReasonCode.OUTSIDE_ORDER_VALIDITY,
            numbers={"valid_from": "2026-12-01", "valid_to": ""},
        )
    ]


# --- daylight-saving days in Stockholm ---------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])
def test_morning_visit_moved_to_21_on_a_dst_day_is_within(day: str) -> None:
    visits = [visit(1, day, "08:00", 30, "hygiene")]
    verdict = check(move(1, day, "21:00"), visits, now=at("2026-03-20", "10:00"))

    assert verdict.outcome is Outcome.WITHIN
    assert verdict.reasons == []


def test_dst_wall_times_map_to_the_right_utc() -> None:
    assert at("2026-03-29", "21:00") == datetime(2026, 3, 29, 19, 0, tzinfo=UTC)
    assert at("2026-10-25", "21:00") == datetime(2026, 10, 25, 20, 0, tzinfo=UTC)


def test_durations_are_real_minutes_across_the_spring_forward() -> None:
    # 01:30 + 60 real minutes is 03:30 on 29 March: it overlaps a 03:15 visit.
    visits = [visit(1, "2026-03-29", "03:15", 30, "hygiene")]
    verdict = check(
        extra("2026-03-29", "01:30", 60, "walk"), visits, now=at("2026-03-20", "10:00")
    )

    assert Reason(
        code=ReasonCode.OVERLAP, numbers={"other_visit_id": 1, "other_start": "03:15"}
    ) in (verdict.reasons)


def test_visit_on_the_fall_back_night_counts_its_real_minutes() -> None:
    # 01:30 CEST to 02:30 CET is two real hours on 25 October.
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    night = VisitState(id=1, start=start, duration_minutes=120, services=frozenset({"walk"}))
    status = frame_status(MONTHLY, [night], date(2026, 10, 25), Rules())

    assert night.end.astimezone(TZ).strftime("%H:%M") == "02:30"
    assert status.planned_minutes == 120


# --- the verdict as a whole --------------------------------------------------------------------


def test_all_reasons_are_listed_in_a_stable_order() -> None:
    visits = [
        *shower_week(),
        visit(3, "2026-11-20", "06:00", 30, "hygiene"),
    ]
    # Move Friday's shower to 06:15 on the same day: too early, overlaps visit 3.
    verdict = check(move(2, "2026-11-20", "06:15"), visits)

    assert codes(verdict) == [ReasonCode.OUTSIDE_SERVICE_HOURS, ReasonCode.OVERLAP]
    assert verdict.outcome is Outcome.OUTSIDE

    # A whole day (the longest a change can ask for) over two more visits that day.
    crowded = [
        *fuller_november(2395),
        visit(202, "2026-11-10", "18:00", 30, "walk"),
        visit(201, "2026-11-10", "13:00", 30, "walk"),
    ]
    many = check(resize(10, 24 * 60), crowded, declines=0)
    assert codes(many) == sorted(codes(many), key=lambda code: code.value)
    assert set(codes(many)) >= {
        ReasonCode.DURATION_OUT_OF_BOUNDS,
        ReasonCode.OVER_FRAME,
        ReasonCode.OVERLAP,
        ReasonCode.OUTSIDE_SERVICE_HOURS,
        ReasonCode.SHORT_NOTICE,
    }
    overlaps = [r.numbers["other_visit_id"] for r in many.reasons if r.code is ReasonCode.OVERLAP]
    assert overlaps == sorted(overlaps, key=lambda visit_id: repr(visit_id))


def test_outcome_follows_the_reasons() -> None:
    for verdict in (check(resize(20, 75)), check(cancel(10)), check(resize(20, 0))):
        outside = any(code in OUTSIDE_CODES for code in codes(verdict))
        if outside:
            assert verdict.outcome is Outcome.OUTSIDE
        elif verdict.reasons:
            assert verdict.outcome is Outcome.NEEDS_REVIEW
        else:
            assert verdict.outcome is Outcome.WITHIN


def test_the_verdict_does_not_depend_on_the_order_of_visits() -> None:
    visits = november()
    assert check(cancel(20), visits) == check(cancel(20), list(reversed(visits)))


def test_naive_datetime_in_a_change_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Change(kind=ChangeKind.MOVE, visit_id=20, new_start=datetime(2026, 11, 20, 10, 0))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check(resize(20, 75), now=datetime(2026, 11, 10, 7, 0))


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"kind": ChangeKind.MOVE, "visit_id": 20}, ["new_start"]),
        ({"kind": ChangeKind.RESIZE, "visit_id": 20}, ["new_duration"]),
        ({"kind": ChangeKind.SWAP, "visit_id": 20, "service": "walk"}, ["new_service"]),
        ({"kind": ChangeKind.SKIP_SERVICE, "visit_id": 20}, ["service"]),
        ({"kind": ChangeKind.CANCEL}, ["visit_id"]),
        (
            {"kind": ChangeKind.EXTRA, "new_start": at("2026-11-18", "14:00")},
            ["new_duration", "services"],
        ),
    ],
    ids=["move", "resize", "swap", "skip", "cancel", "extra"],
)
def test_a_change_missing_what_its_kind_needs_is_refused(
    fields: dict[str, object], missing: list[str]
) -> None:
    # The change itself refuses to exist: the check never sees a change without its fields.
    with pytest.raises(ValidationError) as refused:
        Change.model_validate(fields)
    [error] = refused.value.errors()
    assert error["type"] == "missing_fields"
    assert error["ctx"]["fields"] == missing


# --- waiting requests: not counted, but shown (rule 2) -------------------------------------


def test_waiting_wishes_are_not_counted_but_shown_as_the_total_if_approved() -> None:
    waiting = [resize(15, 90), extra("2026-11-21", "15:00", 45, "walk"), resize(1, 30)]
    # Visit 1 is on 1 November, done: its wish changes nothing in the total; 15 gets 30 min
    # longer and the extra walk adds 45: 1880 + 30 + 45 = 1955. All three touch November.
    status = frame_status(MONTHLY, november(), date(2026, 11, 17), Rules(), waiting)
    assert (status.performed_minutes, status.planned_minutes) == (9 * 60, 21 * 60 + 80)
    assert status.pending_count == 3
    assert status.total_if_pending == 1880 + 30 + 45

    verdict = check_change(
        MONTHLY, november(), resize(20, 75), now=NOW, rules=Rules(), pending=waiting
    )
    assert verdict.total_after == 1880 + 15
    assert (verdict.pending_count, verdict.total_if_pending) == (3, 1880 + 15 + 30 + 45)


def test_a_waiting_wish_for_another_period_is_not_shown_for_this_one() -> None:
    december = [extra("2026-12-02", "15:00", 45, "walk")]
    status = frame_status(MONTHLY, november(), date(2026, 11, 17), Rules(), december)
    assert (status.pending_count, status.total_if_pending) == (0, None)


# --- changes asked for together (a day away) -------------------------------------------------


def a_day_away() -> list[VisitState]:
    """November, and Friday 20 November's three visits: the 09:00 morning (60 min), the
    13:00 cleaning (80 min) and a 17:00 walk (30 min)."""
    return [*november(), visit(101, "2026-11-20", "17:00", 30, "walk")]


def test_a_day_away_frees_every_visit_of_it_in_one_verdict() -> None:
    visits = a_day_away()
    friday = [20, 100, 101]
    verdict = check_changes(MONTHLY, visits, [cancel(i) for i in friday], now=NOW)

    freed = sum(v.duration_minutes for v in visits if v.id in friday)
    done = sum(v.performed_minutes or 0 for v in visits if v.status is VisitStatus.DONE)
    planned = sum(v.duration_minutes for v in visits if v.status is VisitStatus.PLANNED)
    assert freed == 170
    assert (verdict.performed_minutes, verdict.planned_minutes) == (done, planned)
    assert verdict.delta_minutes == -freed
    assert verdict.total_after == done + planned - freed
    # The walk (granted once a week) and the cleaning fall below their frequency; the
    # morning's hygiene (20 a month) still has 20 other mornings.
    assert verdict.outcome is Outcome.NEEDS_REVIEW
    assert sorted(r.numbers["service"] for r in verdict.reasons) == ["cleaning", "walk"]


def test_days_away_tell_a_service_below_its_frequency_once_at_its_lowest() -> None:
    """Meals granted twice a day; Friday's two cancelled (none left), Saturday's two of
    three (one left). Before: two lines "granted meal 2 times a day", alike to the client."""
    frame = replace(MONTHLY, services=(GrantedService("meal", 2, FrequencyUnit.DAY),))
    days = [
        visit(201, "2026-11-20", "08:00", 20, "meal"),
        visit(202, "2026-11-20", "17:00", 20, "meal"),
        visit(203, "2026-11-21", "08:00", 20, "meal"),
        visit(204, "2026-11-21", "12:00", 20, "meal"),
        visit(205, "2026-11-21", "17:00", 20, "meal"),
    ]
    changes = [cancel(201), cancel(202), cancel(203), cancel(204)]
    verdict = check_changes(frame, days, changes, now=NOW)
    below = [r for r in verdict.reasons if r.code is ReasonCode.BELOW_FREQUENCY]
    assert [r.numbers for r in below] == [
        {"service": "meal", "granted": 2, "per": "day", "planned_after": 0}
    ]


def test_a_day_away_is_one_decline_not_three() -> None:
    """Two declines before: cancelling one visit is the third (flagged, 3); a day of
    three visits is the third too, as each request sent then is judged on its own."""
    changes = [cancel(20), cancel(100), cancel(101)]
    verdict = check_changes(MONTHLY, a_day_away(), changes, now=NOW, declines_last_3_months=2)
    assert Reason(code=ReasonCode.REPEATED_DECLINES, numbers={"declines": 3}) in verdict.reasons
    verdict = check_changes(MONTHLY, a_day_away(), changes, now=NOW, declines_last_3_months=1)
    assert ReasonCode.REPEATED_DECLINES not in codes(verdict)


def test_a_day_away_at_short_notice_says_the_soonest_visit_once() -> None:
    now = at("2026-11-20", "08:00")  # the 09:00 visit is an hour away
    verdict = check_changes(MONTHLY, a_day_away(), [cancel(20), cancel(100)], now=now)
    notices = [r for r in verdict.reasons if r.code is ReasonCode.SHORT_NOTICE]
    assert notices == [
        Reason(code=ReasonCode.SHORT_NOTICE, numbers={"notice_minutes": 180, "minutes_until": 60})
    ]


def test_one_change_asked_together_is_the_same_verdict_as_alone() -> None:
    for change in (cancel(25), resize(100, 120), move(100, "2026-11-21", "10:00")):
        assert check_changes(MONTHLY, november(), [change], now=NOW) == check(change)


def test_changes_together_are_each_of_a_visit_of_their_own() -> None:
    with pytest.raises(ValueError):
        check_changes(MONTHLY, november(), [cancel(25), resize(25, 30)], now=NOW)
    with pytest.raises(ValueError):
        check_changes(MONTHLY, november(), [], now=NOW)


def test_a_change_to_a_visit_a_wish_waits_about_cannot_be_asked() -> None:
    """Another wish about visit 20 waits: asking anew is refused (the waiting one is
    withdrawn first); about another visit, the waiting wish changes nothing."""
    verdict = check_change(
        MONTHLY, november(), cancel(20), now=NOW, waiting_visits=frozenset({20})
    )
    assert verdict.outcome is Outcome.OUTSIDE
    assert ReasonCode.ALREADY_ASKED in codes(verdict)
    assert not a_changed_need(verdict.reasons)  # not a matter for the assessor
    other = check_change(MONTHLY, november(), cancel(25), now=NOW, waiting_visits=frozenset({20}))
    assert other == check(cancel(25))


def test_a_change_into_another_month_gives_the_figures_of_both() -> None:
    """The cleaning (80 min, 20 November) moved to 1 December: December's figures, where it
    lands, and November's, which it leaves. Before, November's went unsaid."""
    verdict = check(move(100, "2026-12-01", "10:00"))
    assert (verdict.period_start, verdict.delta_minutes) == (date(2026, 12, 1), 80)
    assert (verdict.performed_minutes, verdict.planned_minutes) == (0, 0)
    [november_after] = verdict.other_periods
    assert (november_after.period_start, november_after.period_end) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert (november_after.performed_minutes, november_after.planned_minutes) == (
        9 * 60,
        1880 - 540,
    )
    assert (november_after.delta_minutes, november_after.total_after) == (-80, 1880 - 80)
    assert check(move(100, "2026-11-21", "10:00")).other_periods == []

"""The assessor's follow-up (DESIGN section 3, "Follow-up"), rule by rule, on plain numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from backend.domain.followup import (
    DEVIATION_REASONS,
    ClientFacts,
    DeclineFacts,
    Direction,
    OrderFacts,
    PlanFacts,
    ServiceMinutes,
    VisitFacts,
    add_months,
    build_report,
    client_month,
    consecutive_months,
    deviation_percent,
    direction_of,
    frames_to_follow_up,
    is_flagged,
    late_plans,
    minutes_by_service,
    ordered_minutes,
    parse_month,
    performed_minutes,
    reason_counts,
    repeated_decliners,
)
from contract import Period, VisitStatus

NOVEMBER = date(2026, 11, 1)
TODAY = date(2026, 11, 23)
LISA = ClientFacts(id=1, first_name="Lisa")


def order(
    frame_minutes: int = 2400,
    *,
    period: Period = Period.MONTH,
    valid_from: date = date(2026, 9, 1),
    valid_to: date | None = None,
    decided_on: date = date(2026, 8, 30),
    followed_up_on: date | None = None,
    order_id: int = 1,
    client_id: int = 1,
) -> OrderFacts:
    return OrderFacts(
        id=order_id,
        client_id=client_id,
        period=period,
        frame_minutes=frame_minutes,
        valid_from=valid_from,
        valid_to=valid_to,
        decided_on=decided_on,
        followed_up_on=followed_up_on,
    )


def done(
    day: date,
    minutes: int,
    *services: str,
    declined: frozenset[str] = frozenset(),
    seconds: int = 0,
    visit_id: int = 1,
    client_id: int = 1,
) -> VisitFacts:
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
    return VisitFacts(
        id=visit_id,
        client_id=client_id,
        day=day,
        status=VisitStatus.DONE,
        duration_minutes=minutes,
        actual_start=start,
        actual_end=start + timedelta(minutes=minutes, seconds=seconds),
        services=frozenset(services or ("meal",)),
        declined_services=declined,
    )


def month_of(month: date, performed: int, ordered: int = 2400) -> tuple[OrderFacts, VisitFacts]:
    """An order of ``ordered`` minutes valid all of ``month`` and one visit of ``performed``."""
    return (
        order(ordered, valid_from=month, valid_to=add_months(month, 1) - timedelta(days=1)),
        done(month.replace(day=10), performed),
    )


# --- the ±10 % rule -----------------------------------------------------------------------


def test_36_of_40_hours_is_minus_ten_per_cent_and_not_flagged() -> None:
    assert deviation_percent(2400, 36 * 60) == -10.0
    assert not is_flagged(2400, 36 * 60)
    assert direction_of(2400, 36 * 60) is Direction.UNDER


def test_35_hours_59_minutes_of_40_is_flagged_though_shown_as_minus_ten() -> None:
    # -241 / 2400 = -10.04 %: shown to one decimal as -10.0, but more than 10 % under.
    assert deviation_percent(2400, 35 * 60 + 59) == -10.0
    assert is_flagged(2400, 35 * 60 + 59)


def test_44_hours_is_plus_ten_not_flagged_and_44_hours_1_minute_is_flagged() -> None:
    assert deviation_percent(2400, 44 * 60) == 10.0
    assert not is_flagged(2400, 44 * 60)
    assert is_flagged(2400, 44 * 60 + 1)
    assert direction_of(2400, 44 * 60 + 1) is Direction.OVER


def test_deviation_rounds_half_away_from_zero_and_needs_a_frame() -> None:
    assert deviation_percent(2000, 2001) == 0.1  # +0.05 % -> 0.1
    assert deviation_percent(2000, 1999) == -0.1
    assert deviation_percent(2400, 2400) == 0.0
    assert direction_of(2400, 2400) is None
    assert deviation_percent(0, 120) is None
    assert not is_flagged(0, 120)


# --- ordered minutes ----------------------------------------------------------------------


def test_a_monthly_frame_valid_all_month_is_its_frame() -> None:
    assert ordered_minutes([order(2400)], NOVEMBER) == 2400


def test_a_monthly_frame_starting_mid_month_is_prorated_by_days() -> None:
    # Valid 16-30 November: 15 of 30 days of 2400 minutes.
    assert ordered_minutes([order(2400, valid_from=date(2026, 11, 16))], NOVEMBER) == 1200


def test_a_weekly_frame_is_prorated_over_the_days_of_the_month() -> None:
    weekly = order(12 * 60, period=Period.WEEK)
    # Gothenburg: 720 minutes a week × 30 days / 7 = 3085.71 -> 3086.
    assert ordered_minutes([weekly], NOVEMBER) == 3086
    # December has 31 days: 720 × 31 / 7 = 3188.57 -> 3189.
    assert ordered_minutes([weekly], date(2026, 12, 1)) == 3189
    # Valid only 1-14 November: exactly two weeks.
    ended = order(720, period=Period.WEEK, valid_to=date(2026, 11, 14))
    assert ordered_minutes([ended], NOVEMBER) == 1440


def test_a_new_frame_replaces_the_old_one_from_its_first_day() -> None:
    old = order(2400, order_id=1)
    new = order(3000, valid_from=date(2026, 11, 21), order_id=2)
    # 20 days of 2400/30 + 10 days of 3000/30 = 1600 + 1000.
    assert ordered_minutes([old, new], NOVEMBER) == 2600
    assert ordered_minutes([old], date(2026, 8, 1)) == 0  # before it was valid


# --- performed minutes and services -------------------------------------------------------


def test_performed_minutes_round_to_the_nearest_minute() -> None:
    assert performed_minutes(done(TODAY, 25, seconds=29)) == 25
    assert performed_minutes(done(TODAY, 25, seconds=31)) == 26
    cancelled = VisitFacts(
        id=2, client_id=1, day=TODAY, status=VisitStatus.CANCELLED, duration_minutes=25
    )
    assert performed_minutes(cancelled) == 0


def test_per_service_split_sums_exactly_with_the_remainder_to_the_first_service() -> None:
    visits = [
        done(TODAY, 25, "meal", "dressing", visit_id=1),  # 13 dressing + 12 meal
        done(TODAY, 20, "meal", "supervision", "walk", visit_id=2),  # 8 meal + 6 + 6
        done(TODAY, 60, "shower", "meal", declined=frozenset({"meal"}), visit_id=3),
    ]
    split = minutes_by_service(visits)
    assert split == (
        ServiceMinutes("dressing", 13),
        ServiceMinutes("meal", 20),
        ServiceMinutes("shower", 60),
        ServiceMinutes("supervision", 6),
        ServiceMinutes("walk", 6),
    )
    assert sum(s.minutes for s in split) == sum(performed_minutes(v) for v in visits) == 105


def test_deviation_reasons_are_counted_per_code_with_every_code_present() -> None:
    def cancelled(reason: str, visit_id: int) -> VisitFacts:
        return VisitFacts(
            id=visit_id,
            client_id=1,
            day=TODAY,
            status=VisitStatus.CANCELLED,
            duration_minutes=20,
            deviation_reason=reason,
        )

    counts = reason_counts(
        [
            cancelled("hospital_stay", 1),
            cancelled("hospital_stay", 2),
            cancelled("client_declined", 3),
            done(TODAY, 10),
        ]
    )
    assert counts == {
        "client_declined": 1,
        "hospital_stay": 2,
        "cancelled_by_provider": 0,
        "travel": 0,
        "other": 0,
    }
    assert tuple(counts) == DEVIATION_REASONS


# --- months in a row ----------------------------------------------------------------------


def test_three_flagged_months_under_in_a_row_count_three() -> None:
    history = [(2400, 2400), (2400, 2000), (2400, 1900), (2400, 2100)]
    assert consecutive_months(history) == 3


def test_a_flip_from_over_to_under_starts_again_at_one() -> None:
    history = [(2400, 2700), (2400, 2800), (2400, 2000)]
    assert consecutive_months(history) == 1


def test_a_month_within_ten_per_cent_counts_zero_and_at_most_twelve_months_count() -> None:
    assert consecutive_months([(2400, 2000), (2400, 2300)]) == 0
    assert consecutive_months([(2400, 1000)] * 20) == 12


def test_a_month_without_any_visit_is_no_data_and_ends_the_row() -> None:
    # September and October: a frame, but not one visit recorded (not 100 % under).
    assert consecutive_months([(2400, 0), (2400, 0), (2400, 2000)], [False, False, True]) == 1
    facts = [month_of(NOVEMBER, 2000)]
    earlier = [order(valid_from=add_months(NOVEMBER, -2), decided_on=add_months(NOVEMBER, -2))]
    row = client_month(LISA, earlier + [o for o, _ in facts], [v for _, v in facts], NOVEMBER)
    assert row.flagged and row.consecutive_months == 1
    assert [(p.month, p.has_data) for p in row.history[-3:]] == [
        (add_months(NOVEMBER, -2), False),
        (add_months(NOVEMBER, -1), False),
        (NOVEMBER, True),
    ]
    quiet = client_month(LISA, earlier, [], NOVEMBER)
    assert not quiet.has_data and not quiet.flagged and quiet.deviation_percent is None


def test_client_month_counts_months_in_a_row_from_the_visits_of_earlier_months() -> None:
    months = [add_months(NOVEMBER, -back) for back in (3, 2, 1, 0)]
    performed = [2400, 2000, 1900, 2100]  # within, then three months under
    facts = [month_of(m, p) for m, p in zip(months, performed, strict=True)]
    row = client_month(LISA, [o for o, _ in facts], [v for _, v in facts], NOVEMBER)
    assert (row.ordered_minutes, row.performed_minutes) == (2400, 2100)
    assert row.deviation_percent == -12.5
    assert row.flagged and row.direction is Direction.UNDER
    assert row.consecutive_months == 3
    assert row.per_service == (ServiceMinutes("meal", 2100),)


# --- lists for the assessor ---------------------------------------------------------------


def test_a_draft_plan_waiting_16_days_is_late_and_15_days_is_not() -> None:
    plans = [
        PlanFacts(id=1, client_id=1, draft=True, created_on=TODAY - timedelta(days=16)),
        PlanFacts(id=2, client_id=2, draft=True, created_on=TODAY - timedelta(days=15)),
    ]
    late = late_plans(plans, TODAY)
    assert [(p.plan_id, p.draft, p.days) for p in late] == [(1, True, 16)]


def test_a_plan_signed_16_days_after_it_was_created_is_late() -> None:
    created = date(2026, 9, 1)
    plans = [
        PlanFacts(1, 1, draft=False, created_on=created, signed_on=created + timedelta(16)),
        PlanFacts(2, 1, draft=False, created_on=created, signed_on=created + timedelta(15)),
    ]
    late = late_plans(plans, TODAY)
    assert [(p.plan_id, p.signed_on, p.days) for p in late] == [(1, date(2026, 9, 17), 16)]


def test_a_frame_older_than_92_days_without_follow_up_is_overdue() -> None:
    decided = TODAY - timedelta(days=93)
    due = frames_to_follow_up([order(decided_on=decided, valid_from=decided)], TODAY)
    assert len(due) == 1
    assert due[0].overdue
    assert due[0].due_on == decided + timedelta(days=92)


def test_a_frame_exactly_92_days_old_is_due_but_not_overdue() -> None:
    decided = TODAY - timedelta(days=92)
    due = frames_to_follow_up([order(decided_on=decided, valid_from=decided)], TODAY)
    assert [(d.due_on, d.overdue) for d in due] == [(TODAY, False)]


def test_a_frame_followed_up_recently_is_not_listed_and_one_followed_up_long_ago_is() -> None:
    decided = TODAY - timedelta(days=200)
    recent = order(decided_on=decided, valid_from=decided, followed_up_on=TODAY - timedelta(30))
    assert frames_to_follow_up([recent], TODAY) == ()
    old = order(decided_on=decided, valid_from=decided, followed_up_on=TODAY - timedelta(100))
    (due,) = frames_to_follow_up([old], TODAY)
    assert due.overdue and due.due_on == TODAY - timedelta(days=8)


def test_a_frame_due_before_the_next_monthly_report_is_listed_as_not_yet_overdue() -> None:
    # Decided 84 days ago: due in 8 days, before next month's report would show it.
    soon = order(decided_on=TODAY - timedelta(84), valid_from=TODAY - timedelta(84))
    assert [(d.overdue, d.due_on) for d in frames_to_follow_up([soon], TODAY)] == [
        (False, TODAY + timedelta(days=8))
    ]
    fresh = order(decided_on=TODAY - timedelta(30), valid_from=TODAY - timedelta(30))
    assert frames_to_follow_up([fresh], TODAY) == ()


def test_an_ended_or_replaced_frame_needs_no_follow_up() -> None:
    long_ago = TODAY - timedelta(days=300)
    ended = order(valid_from=long_ago, decided_on=long_ago, valid_to=TODAY - timedelta(1))
    assert frames_to_follow_up([ended], TODAY) == ()
    replaced = order(valid_from=long_ago, decided_on=long_ago, order_id=1)
    current = order(valid_from=TODAY - timedelta(10), decided_on=TODAY - timedelta(12), order_id=2)
    assert frames_to_follow_up([replaced, current], TODAY) == ()


def test_three_declines_in_three_months_are_shown_two_are_not() -> None:
    three = [DeclineFacts(1, TODAY - timedelta(days=d)) for d in (1, 40, 90)]
    two_and_an_old_one = [DeclineFacts(2, TODAY - timedelta(days=d)) for d in (1, 40, 92)]
    (decliner,) = repeated_decliners(three + two_and_an_old_one, TODAY)
    assert decliner.client_id == 1
    assert decliner.declines == 3
    assert (decliner.first_on, decliner.last_on) == (TODAY - timedelta(90), TODAY - timedelta(1))


def test_declines_asked_for_on_one_day_are_one_occasion() -> None:
    """A weekend away: six visits cancelled at once are one time help was declined."""
    weekend = [DeclineFacts(1, TODAY - timedelta(days=3)) for _ in range(6)]
    assert repeated_decliners(weekend, TODAY) == ()
    assert (
        repeated_decliners([*weekend, DeclineFacts(1, TODAY), DeclineFacts(1, TODAY)], TODAY) == ()
    )
    two_more = [DeclineFacts(1, TODAY - timedelta(days=d)) for d in (20, 1)]
    (decliner,) = repeated_decliners([*weekend, *two_more], TODAY)
    assert decliner.declines == 3


# --- the whole report ---------------------------------------------------------------------


def test_the_report_has_a_row_per_client_and_the_lists() -> None:
    gosta = ClientFacts(id=2, first_name="Gösta")
    report = build_report(
        month=date(2026, 11, 17),
        today=TODAY,
        clients=[gosta, LISA],
        orders=[order(2400), order(1800, client_id=2, order_id=2, decided_on=date(2026, 8, 1))],
        visits=[done(date(2026, 11, 2), 30), done(date(2026, 10, 31), 60, client_id=2)],
        plans=[PlanFacts(3, 2, draft=True, created_on=TODAY - timedelta(days=20))],
        declines=[DeclineFacts(1, TODAY - timedelta(days=d)) for d in (1, 2, 3)],
    )
    assert (report.month, report.month_end, report.complete) == (
        NOVEMBER,
        date(2026, 11, 30),
        False,
    )
    assert [(r.client_id, r.ordered_minutes, r.performed_minutes) for r in report.clients] == [
        (1, 2400, 30),
        (2, 1800, 0),  # October's visit is not November's
    ]
    assert [p.client_id for p in report.late_plans] == [2]
    assert [f.order_id for f in report.frames_to_follow_up] == [2, 1]
    assert [d.client_id for d in report.repeated_decliners] == [1]


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-11", "november", ""])
def test_a_month_is_yyyy_mm(text: str) -> None:
    with pytest.raises(ValueError):
        parse_month(text)


def test_parse_month_and_add_months() -> None:
    assert parse_month("2026-11") == NOVEMBER
    assert add_months(NOVEMBER, 2) == date(2027, 1, 1)
    assert add_months(NOVEMBER, -11) == date(2025, 12, 1)

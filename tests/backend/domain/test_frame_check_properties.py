"""Properties of the frame check that must hold for any plan and any change."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.frame_check import (
    OUTSIDE_CODES,
    Change,
    ChangeKind,
    Frame,
    FrequencyUnit,
    GrantedService,
    Outcome,
    Period,
    Rules,
    Verdict,
    VisitState,
    VisitStatus,
    apply_change,
    check_change,
    frame_status,
    local_date,
)

SERVICES = ("hygiene", "shower", "cleaning", "walk")
ALL_CODES = (*SERVICES, "company")
# Around month ends and both daylight-saving changes in Stockholm.
ANCHORS = (
    datetime(2026, 3, 26, tzinfo=UTC),
    datetime(2026, 10, 22, tzinfo=UTC),
    datetime(2026, 11, 26, tzinfo=UTC),
)
RULES = Rules()
# Mostly planned visits, so that many changes get past the "already started" rule.
STATUSES = (*[VisitStatus.PLANNED] * 6, *VisitStatus)

fast = settings(deadline=None, max_examples=100)


@dataclass(frozen=True)
class Scenario:
    frame: Frame
    visits: list[VisitState]
    change: Change
    now: datetime
    declines: int


def moments(anchor: datetime) -> st.SearchStrategy[datetime]:
    """Mostly quarter hours in the daytime over eight days; now and then any minute."""
    daytime = st.builds(
        lambda day, quarter: anchor + timedelta(days=day, minutes=15 * quarter),
        st.integers(0, 7),
        st.integers(5 * 4, 20 * 4),
    )
    anytime = st.integers(0, 8 * 24 * 60).map(lambda minute: anchor + timedelta(minutes=minute))
    return st.one_of(daytime, daytime, daytime, anytime)


@st.composite
def scenarios(draw: st.DrawFn, kinds: tuple[ChangeKind, ...] = tuple(ChangeKind)) -> Scenario:
    anchor = draw(st.sampled_from(ANCHORS))
    services = st.frozensets(st.sampled_from(SERVICES), max_size=3)
    declined = st.just(frozenset()) | st.frozensets(st.sampled_from(SERVICES), max_size=1)
    grants = draw(
        st.lists(
            st.builds(
                GrantedService,
                code=st.sampled_from(SERVICES),
                count=st.integers(1, 4),
                per=st.sampled_from(FrequencyUnit),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda grant: grant.code,
        )
    )
    granted = [grant.code for grant in grants]
    frame = Frame(
        period=draw(st.sampled_from(Period)),
        frame_minutes=draw(st.integers(0, 1500)),
        services=tuple(grants),
        valid_from=date(2026, 1, 1),
        valid_to=draw(st.sampled_from([None, None, date(2026, 11, 30), date(2026, 12, 31)])),
    )
    ids = draw(st.lists(st.integers(1, 60), min_size=1, max_size=10, unique=True))
    visits = [
        VisitState(
            id=visit_id,
            start=draw(moments(anchor)),
            duration_minutes=draw(st.sampled_from((15, 30, 45, 60, 90)) | st.integers(5, 180)),
            services=draw(services),
            status=draw(st.sampled_from(STATUSES)),
            performed_minutes=draw(st.none() | st.integers(0, 200)),
            declined_services=draw(declined),
        )
        for visit_id in ids
    ]
    visit_id = draw(st.sampled_from([*ids, *ids, *ids, 999]))
    target = next((visit for visit in visits if visit.id == visit_id), None)
    # Mostly a service the visit has, so that swaps and skips get past rule 1.
    in_visit = sorted(target.services - target.declined_services) if target else []
    change = Change(
        kind=draw(st.sampled_from(kinds)),
        visit_id=visit_id,
        new_start=draw(moments(anchor) | st.sampled_from([visit.start for visit in visits])),
        new_duration=draw(st.integers(5, 120) | st.integers(0, 300)),
        service=draw(
            st.sampled_from(in_visit) | st.sampled_from(SERVICES)
            if in_visit
            else st.sampled_from(SERVICES)
        ),
        new_service=draw(st.sampled_from(granted) | st.sampled_from(ALL_CODES)),
        services=draw(
            # An extra visit always says what is to be done (the contract requires it).
            st.frozensets(st.sampled_from(granted), min_size=1, max_size=2)
            | st.frozensets(st.sampled_from(ALL_CODES), min_size=1, max_size=2)
        ),
    )
    return Scenario(
        frame=frame,
        visits=visits,
        change=change,
        now=draw(
            st.integers(0, 36 * 60).map(lambda minute: anchor - timedelta(minutes=minute))
            | moments(anchor)
        ),
        declines=draw(st.integers(0, 4)),
    )


def judge(scenario: Scenario, visits: list[VisitState] | None = None) -> Verdict:
    return check_change(
        scenario.frame,
        scenario.visits if visits is None else visits,
        scenario.change,
        now=scenario.now,
        rules=RULES,
        declines_last_3_months=scenario.declines,
    )


def period_totals(frame: Frame, visits: list[VisitState], days: set[date]) -> dict[date, int]:
    totals = {}
    for day in days:
        status = frame_status(frame, visits, day, RULES)
        totals[status.period_start] = status.performed_minutes + status.planned_minutes
    return totals


def touched_days(*visit_lists: list[VisitState]) -> set[date]:
    return {local_date(visit.start, RULES.tz) for visits in visit_lists for visit in visits}


@fast
@given(scenarios())
def test_a_change_that_is_not_outside_never_pushes_a_period_over_its_frame(
    scenario: Scenario,
) -> None:
    verdict = judge(scenario)
    if verdict.outcome is Outcome.OUTSIDE:
        return
    after = apply_change(scenario.visits, scenario.change)
    days = touched_days(scenario.visits, after)
    before_totals = period_totals(scenario.frame, scenario.visits, days)
    after_totals = period_totals(scenario.frame, after, days)
    for period_start, total_after in after_totals.items():
        limit = max(scenario.frame.frame_minutes, before_totals[period_start])
        assert total_after <= limit, (period_start, total_after, limit)


@fast
@given(scenarios(kinds=(ChangeKind.SWAP,)))
def test_a_swap_never_changes_any_period_total(scenario: Scenario) -> None:
    after = apply_change(scenario.visits, scenario.change)
    days = touched_days(scenario.visits, after)

    assert period_totals(scenario.frame, after, days) == period_totals(
        scenario.frame, scenario.visits, days
    )
    assert judge(scenario).delta_minutes == 0


@fast
@given(scenarios(), st.data())
def test_the_verdict_does_not_depend_on_the_order_of_visits(
    scenario: Scenario, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(scenario.visits))
    assert judge(scenario, list(shuffled)) == judge(scenario)


@fast
@given(scenarios())
def test_the_check_is_deterministic(scenario: Scenario) -> None:
    first = judge(scenario)
    again = judge(scenario, copy.deepcopy(scenario.visits))

    assert first == again
    assert repr(first) == repr(again)


@fast
@given(scenarios())
def test_the_outcome_agrees_with_the_reasons(scenario: Scenario) -> None:
    verdict = judge(scenario)
    outside = [reason for reason in verdict.reasons if reason.code in OUTSIDE_CODES]

    if verdict.outcome is Outcome.OUTSIDE:
        assert outside
    elif verdict.outcome is Outcome.WITHIN:
        assert verdict.reasons == []
    else:
        assert verdict.reasons
        assert not outside


@fast
@given(scenarios())
def test_the_check_does_not_change_the_visits_it_is_given(scenario: Scenario) -> None:
    snapshot = copy.deepcopy(scenario.visits)
    judge(scenario)
    assert scenario.visits == snapshot

"""The frame check (DESIGN section 3): is a proposed change within the client's frame?

Pure and deterministic: no I/O, no clock reads (``now`` is passed in), no database.
It answers with an outcome and structured reasons (codes and numbers), never sentences;
the bot puts them into words in the client's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from backend.domain.visit_status import counts_as_planned
from contract import (
    DECLINE_KINDS,
    OUTSIDE_CODES,
    TZ,
    Change,
    ChangeKind,
    FrequencyUnit,
    Outcome,
    Period,
    PeriodFigures,
    Reason,
    ReasonCode,
    Verdict,
    VisitStatus,
)

__all__ = [
    "DECLINE_WINDOW_DAYS",
    "OUTSIDE_CODES",
    "REPEATED_DECLINES",
    "Change",
    "ChangeKind",
    "Frame",
    "FrameStatus",
    "FrequencyUnit",
    "GrantedService",
    "Outcome",
    "Period",
    "PeriodBudget",
    "PlanBudget",
    "PlannedSlot",
    "Reason",
    "ReasonCode",
    "Rules",
    "ServiceFrequency",
    "Verdict",
    "VisitState",
    "VisitStatus",
    "apply",
    "apply_change",
    "check_change",
    "extra_visit",
    "frame_status",
    "local_date",
    "pending_effect",
    "performed_minutes",
    "period_bounds",
    "plan_budget",
    "project_plan",
    "visit_minutes",
    "weekly_minutes",
]

# Rule 8 (Denmark's bytteret): declining granted help this many times in this many days is
# shown to the assessor; the frame check and the follow-up count the same way.
REPEATED_DECLINES = 3
DECLINE_WINDOW_DAYS = 91


@dataclass(frozen=True)
class Rules:
    """The unit's settings the check depends on (defaults from DESIGN section 3)."""

    notice_minutes: int = 180
    service_start: time = time(7, 0)
    service_end: time = time(22, 0)
    min_duration: int = 5
    max_duration: int = 180
    tz: ZoneInfo = TZ


@dataclass(frozen=True)
class GrantedService:
    code: str  # e.g. "shower", "meal", "cleaning"
    count: int  # granted frequency: `count` times per `per`
    per: FrequencyUnit


@dataclass(frozen=True)
class Frame:
    """The order: frame minutes per period and the granted services."""

    period: Period
    frame_minutes: int
    services: tuple[GrantedService, ...]
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True)
class VisitState:
    id: int
    start: datetime  # timezone-aware (UTC)
    duration_minutes: int
    services: frozenset[str]
    status: VisitStatus = VisitStatus.PLANNED
    performed_minutes: int | None = None  # set when status is DONE
    declined_services: frozenset[str] = frozenset()

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class FrameStatus:
    period_start: date
    period_end: date
    frame_minutes: int
    performed_minutes: int
    planned_minutes: int
    pending_count: int = 0
    total_if_pending: int | None = None

    @property
    def left_minutes(self) -> int:
        return self.frame_minutes - self.performed_minutes - self.planned_minutes


def period_bounds(period: Period, day: date) -> tuple[date, date]:
    """Rule 2: the frame period containing ``day`` (calendar month or ISO week), inclusive."""
    if period is Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    next_month = (start + timedelta(days=32)).replace(day=1)
    return start, next_month - timedelta(days=1)


@lru_cache(maxsize=1 << 16)  # a check asks for the same visits' days once per rule and service
def local_date(moment: datetime, tz: ZoneInfo = TZ) -> date:
    return moment.astimezone(tz).date()


@lru_cache(maxsize=1 << 12)
def local_days(first: date, last: date, tz: ZoneInfo = TZ) -> tuple[datetime, datetime]:
    """The local days ``first``..``last`` (inclusive) as UTC instants: from the first
    midnight up to, not including, the midnight after the last. A visit is on those days
    exactly when its start is in that range, so a period's visits are found by comparing
    instants, without working out each visit's local date (DST-safe: Stockholm's midnights
    always exist)."""
    begins = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return begins, ends


def performed_minutes(actual_start: datetime | None, actual_end: datetime | None) -> int | None:
    """Rule 2: performed time, checked out minus checked in, in whole minutes (None until
    both are known). The frame, the follow-up and the visit the client sees all use this."""
    if actual_start is None or actual_end is None:
        return None
    return max(0, round((actual_end - actual_start).total_seconds() / 60))


def visit_minutes(visit: VisitState) -> int:
    """Rule 2: minutes a visit counts towards the frame (performed if done, else planned)."""
    if visit.status in (VisitStatus.CANCELLED, VisitStatus.MISSED):
        return 0
    if visit.status is VisitStatus.DONE and visit.performed_minutes is not None:
        return visit.performed_minutes
    return visit.duration_minutes


def frame_status(
    frame: Frame,
    visits: list[VisitState],
    day: date,
    rules: Rules,
    pending: Sequence[Change] = (),
) -> FrameStatus:
    """Rule 2/7: frame, performed and planned minutes for the period containing ``day``;
    waiting requests (``pending``) are not counted but shown, as the total if approved."""
    for visit in visits:
        _require_aware(visit.start, f"visit {visit.id} start")
    bounds = period_bounds(frame.period, day)
    performed, planned = _period_minutes(visits, bounds, rules.tz)
    count, if_pending = pending_effect(visits, pending, bounds, rules.tz)
    return FrameStatus(
        period_start=bounds[0],
        period_end=bounds[1],
        frame_minutes=frame.frame_minutes,
        performed_minutes=performed,
        planned_minutes=planned,
        pending_count=count,
        total_if_pending=if_pending,
    )


def pending_effect(
    visits: list[VisitState],
    pending: Sequence[Change],
    bounds: tuple[date, date],
    tz: ZoneInfo = TZ,
) -> tuple[int, int | None]:
    """Rule 2: waiting requests are not counted, but shown ("if your waiting wishes are
    approved: ..."): how many touch the period, and its total with all of them applied."""
    touching = []
    for change in pending:
        days = [local_date(change.new_start, tz)] if change.new_start is not None else []
        target = next((v for v in visits if v.id == change.visit_id), None)
        if target is not None:
            days.append(local_date(target.start, tz))
        if any(bounds[0] <= day <= bounds[1] for day in days):
            touching.append(change)
    if not touching:
        return 0, None
    after = list(visits)
    lowest = min((visit.id for visit in after), default=0)
    for index, change in enumerate(touching):
        after = apply_change(after, change, new_visit_id=min(0, lowest) - 1001 - index)
    return len(touching), sum(_period_minutes(after, bounds, tz))


def apply(visit: VisitState, change: Change) -> VisitState:
    """The visit as it is once ``change`` is made (no checks). The one place a change is
    applied: the frame check judges the result and an approval stores it."""
    kind = change.kind
    if kind is ChangeKind.MOVE:
        return replace(visit, start=_new_start(change))
    if kind is ChangeKind.RESIZE:
        return replace(visit, duration_minutes=_new_duration(change))
    if kind is ChangeKind.SWAP:
        services = (visit.services - {_service(change)}) | {_new_service(change)}
        return replace(visit, services=services)
    if kind is ChangeKind.SKIP_SERVICE:
        return replace(visit, declined_services=visit.declined_services | {_service(change)})
    if kind is ChangeKind.CANCEL:
        return replace(visit, status=VisitStatus.CANCELLED)
    return visit


def extra_visit(change: Change, visit_id: int = -1) -> VisitState:
    """The new visit an ``extra`` change asks for (no checks)."""
    return VisitState(
        id=visit_id,
        start=_new_start(change),
        duration_minutes=_new_duration(change),
        services=frozenset(change.services),
    )


def apply_change(
    visits: list[VisitState], change: Change, new_visit_id: int = -1
) -> list[VisitState]:
    """The visits as they would be after ``change`` (no checks)."""
    if change.kind is ChangeKind.EXTRA:
        return [*visits, extra_visit(change, new_visit_id)]
    return [apply(visit, change) if visit.id == change.visit_id else visit for visit in visits]


def check_change(
    frame: Frame, visits: list[VisitState], change: Change, **options: Any
) -> Verdict:
    """Rules 1-8: judge ``change`` against the frame, explained with codes and numbers:
    ``check_changes`` of the one change, with its options (``now``, the rules, waiting
    requests and the recent declines).

    Raises ValueError for a naive ``now`` or visit start (the change validates itself).
    """
    return check_changes(frame, visits, [change], **options)


def check_changes(
    frame: Frame,
    visits: list[VisitState],
    changes: Sequence[Change],
    *,
    now: datetime,
    rules: Rules = Rules(),
    declines_last_3_months: int = 0,
    pending: Sequence[Change] = (),
    waiting_visits: frozenset[int] = frozenset(),
) -> Verdict:
    """Rules 1-8 for changes asked for together (all of a day's visits cancelled when the
    client is away), each to a visit of its own: one verdict on them all made, its figures
    those of the period of the first. One change is ``check_change``. A change to one of
    ``waiting_visits`` (a wish about it waits for an answer) is refused: the client withdraws
    that wish first, so the contact person never has two to weigh against each other.
    Waiting requests (``pending``) are not counted, only shown with the total if approved.

    Raises ValueError for a naive ``now`` or visit start, no changes, or two changes of one
    visit.
    """
    _require_aware(now, "now")
    for visit in visits:
        _require_aware(visit.start, f"visit {visit.id} start")
    targeted = [change.visit_id for change in changes if change.visit_id is not None]
    if not changes or len(set(targeted)) < len(targeted):
        raise ValueError("changes asked for together are one or more, each of its own visit")
    tz = rules.tz
    # Sorting by start and id makes the verdict independent of the order of ``visits``.
    ordered = sorted(visits, key=_visit_key)

    after = ordered
    reasons: list[Reason] = []
    days: list[date] = []
    lowest = min(0, min((visit.id for visit in ordered), default=0))
    for index, change in enumerate(changes):
        target: VisitState | None = None
        new_visit_id = lowest - 1 - index
        if change.kind is not ChangeKind.EXTRA:
            target = next((visit for visit in ordered if visit.id == change.visit_id), None)
            if target is None:
                return _not_found(frame, change, local_date(now, tz))
        after = apply_change(after, change, new_visit_id=new_visit_id)
        changed_id = new_visit_id if target is None else target.id
        changed = next(visit for visit in after if visit.id == changed_id)

        if target is not None:
            reasons += _target_reasons(target, now)
            if target.id in waiting_visits:
                reasons.append(Reason(code=ReasonCode.ALREADY_ASKED))
        reasons += _new_time_reasons(frame, change, now, tz)
        reasons += _notice_reasons(target, change, now, rules)
        reasons += _service_hours_reasons(changed, change, rules)
        reasons += _duration_reasons(change, rules)
        reasons += _overlap_reasons(changed, after, change, tz)
        reasons += _service_reasons(frame, target, change)
        reasons += _no_change_reasons(target, change)
        # The reported period is where the visit lands; a move also leaves its old period.
        days.append(local_date(changed.start, tz))
        if target is not None:
            days.append(local_date(target.start, tz))

    periods = list(dict.fromkeys(period_bounds(frame.period, day) for day in days))
    # Each period's performed and planned minutes, before and after the changes.
    counted = [(_period_minutes(ordered, b, tz), _period_minutes(after, b, tz)) for b in periods]
    for before_change, after_change in counted:
        reasons += _over_frame_reasons(frame, sum(before_change), sum(after_change))
    (performed, planned), after_change = counted[0]
    delta = sum(after_change) - performed - planned

    reasons += _frequency_reasons(frame, ordered, after, list(dict.fromkeys(days)), tz)
    # Help declined for one occasion (a day away) is one decline, as each request then sent
    # is judged on its own.
    declined = any(change.kind in DECLINE_KINDS for change in changes)
    reasons += _decline_reasons(declines_last_3_months, declined)
    reasons += _already_over_reasons(frame, reasons, performed + planned + delta, delta)

    unique: list[Reason] = []
    for reason in _soonest_notice(reasons):
        if reason not in unique:
            unique.append(reason)
    unique.sort(key=lambda reason: (reason.code.value, repr(reason.numbers)))

    if any(reason.code in OUTSIDE_CODES for reason in unique):
        outcome = Outcome.OUTSIDE
    elif unique:
        outcome = Outcome.NEEDS_REVIEW
    else:
        outcome = Outcome.WITHIN
    period_start, period_end = periods[0]
    pending_count, total_if_pending = pending_effect(after, pending, periods[0], tz)
    others = [
        PeriodFigures(
            period_start=bounds[0],
            period_end=bounds[1],
            performed_minutes=before_change[0],
            planned_minutes=before_change[1],
            delta_minutes=sum(after_change) - sum(before_change),
            total_after=sum(after_change),
        )
        for bounds, (before_change, after_change) in zip(periods[1:], counted[1:], strict=True)
    ]
    return Verdict(
        outcome=outcome,
        reasons=unique,
        period=frame.period,
        period_start=period_start,
        period_end=period_end,
        frame_minutes=frame.frame_minutes,
        performed_minutes=performed,
        planned_minutes=planned,
        delta_minutes=delta,
        total_after=performed + planned + delta,
        pending_count=pending_count,
        total_if_pending=total_if_pending,
        other_periods=others,
    )


def _not_found(frame: Frame, change: Change, today: date) -> Verdict:
    period_start, period_end = period_bounds(frame.period, today)
    reason = Reason(code=ReasonCode.VISIT_NOT_FOUND, numbers={"visit_id": change.visit})
    return Verdict(
        outcome=Outcome.OUTSIDE,
        reasons=[reason],
        period=frame.period,
        period_start=period_start,
        period_end=period_end,
        frame_minutes=frame.frame_minutes,
        performed_minutes=0,
        planned_minutes=0,
        delta_minutes=0,
        total_after=0,
    )


def _soonest_notice(reasons: list[Reason]) -> list[Reason]:
    """Several changes at short notice are one reason, told with the soonest of them."""
    notices = [r for r in reasons if r.code is ReasonCode.SHORT_NOTICE]
    if len(notices) < 2:
        return reasons
    soonest = min(notices, key=lambda r: r.numbers["minutes_until"])
    return [r for r in reasons if r.code is not ReasonCode.SHORT_NOTICE or r is soonest]


_STARTED = frozenset({VisitStatus.ON_THE_WAY, VisitStatus.IN_PROGRESS, VisitStatus.DONE})
_NEW_TIME_KINDS = frozenset({ChangeKind.MOVE, ChangeKind.EXTRA})
_TIMING_KINDS = frozenset({ChangeKind.MOVE, ChangeKind.RESIZE, ChangeKind.EXTRA})
_MINUTE = timedelta(minutes=1)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


# The change has validated the fields its kind needs (contract.Change); these only narrow
# the types for the fields a kind is known to have.
def _new_start(change: Change) -> datetime:
    if change.new_start is None:
        raise ValueError(f"a {change.kind} change needs new_start")
    return change.new_start


def _new_duration(change: Change) -> int:
    if change.new_duration is None:
        raise ValueError(f"a {change.kind} change needs new_duration")
    return change.new_duration


def _service(change: Change) -> str:
    if change.service is None:
        raise ValueError(f"a {change.kind} change needs service")
    return change.service


def _new_service(change: Change) -> str:
    if change.new_service is None:
        raise ValueError(f"a {change.kind} change needs new_service")
    return change.new_service


def _visit_key(visit: VisitState) -> tuple[datetime, int]:
    return visit.start, visit.id  # ids are unique (projected visits count down from -1)


def _period_minutes(
    visits: list[VisitState], bounds: tuple[date, date], tz: ZoneInfo
) -> tuple[int, int]:
    """Rule 2, the one place a period is counted (the frame, the check, the plan budget):
    performed (done) and planned (not done, cancelled or missed) minutes in ``bounds``."""
    performed = planned = 0
    begins, ends = local_days(*bounds, tz)
    for visit in visits:
        if not begins <= visit.start < ends:
            continue
        if visit.status is VisitStatus.DONE:
            performed += visit_minutes(visit)
        elif counts_as_planned(visit.status):
            planned += visit_minutes(visit)
    return performed, planned


def _over_frame_reasons(frame: Frame, total_before: int, total_after: int) -> list[Reason]:
    """Rule 2: performed + planned in a period after the change may not exceed the frame."""
    # A change that adds no minutes is never over the frame, even in a period already over.
    if total_after <= total_before or total_after <= frame.frame_minutes:
        return []
    return [_over(ReasonCode.OVER_FRAME, frame, total_after)]


def _already_over_reasons(
    frame: Frame, reasons: list[Reason], total_after: int, delta: int
) -> list[Reason]:
    """Rule 2's figures, told to the decider: a change that adds no time is not refused in a
    period already over its frame, but it is not "within the frame" either; what it frees
    (``freed``, when it does) is said first."""
    if total_after <= frame.frame_minutes or any(r.code in OUTSIDE_CODES for r in reasons):
        return []
    over = _over(ReasonCode.ALREADY_OVER_FRAME, frame, total_after)
    if delta < 0:
        over = Reason(code=over.code, numbers={**over.numbers, "freed": -delta})
    return [over]


def _over(code: ReasonCode, frame: Frame, total_after: int) -> Reason:
    """A period over its frame, in the figures every reader of it is shown."""
    numbers: dict[str, int | str] = {
        "frame_minutes": frame.frame_minutes,
        "total_after": total_after,
        "over_by": total_after - frame.frame_minutes,
    }
    return Reason(code=code, numbers=numbers)


def _target_reasons(target: VisitState, now: datetime) -> list[Reason]:
    """Rule 4: a cancelled, started or passed visit cannot be changed."""
    reasons = []
    if target.status is VisitStatus.CANCELLED:
        reasons.append(Reason(code=ReasonCode.VISIT_CANCELLED, numbers={"visit_id": target.id}))
    if target.status in _STARTED or target.start <= now:
        reasons.append(Reason(code=ReasonCode.VISIT_STARTED, numbers={"visit_id": target.id}))
    return reasons


def _new_time_reasons(frame: Frame, change: Change, now: datetime, tz: ZoneInfo) -> list[Reason]:
    """A new start must be in the future and inside the order's validity."""
    if change.kind not in _NEW_TIME_KINDS:
        return []
    new_start = _new_start(change)
    reasons = []
    if new_start <= now:
        reasons.append(Reason(code=ReasonCode.IN_PAST))
    day = local_date(new_start, tz)
    if day < frame.valid_from or (frame.valid_to is not None and day > frame.valid_to):
        numbers: dict[str, int | str] = {
            "valid_from": frame.valid_from.isoformat(),
            "valid_to": "" if frame.valid_to is None else frame.valid_to.isoformat(),
        }
        reasons.append(Reason(code=ReasonCode.OUTSIDE_ORDER_VALIDITY, numbers=numbers))
    return reasons


def _notice_reasons(
    target: VisitState | None, change: Change, now: datetime, rules: Rules
) -> list[Reason]:
    """Rule 4: touching a visit (old or new time) within the notice period is flagged."""
    notice = timedelta(minutes=rules.notice_minutes)
    starts = [] if target is None else [target.start]
    if change.kind in _NEW_TIME_KINDS:
        starts.append(_new_start(change))
    untils = [start - now for start in starts if timedelta(0) < start - now < notice]
    if not untils:
        return []
    numbers: dict[str, int | str] = {
        "notice_minutes": rules.notice_minutes,
        "minutes_until": min(untils) // _MINUTE,
    }
    return [Reason(code=ReasonCode.SHORT_NOTICE, numbers=numbers)]


def _service_hours_reasons(changed: VisitState, change: Change, rules: Rules) -> list[Reason]:
    """Rule 5: the visit must start and end within the unit's hours on its local date."""
    if change.kind not in _TIMING_KINDS:
        return []
    start = changed.start.astimezone(rules.tz)
    end = changed.end.astimezone(rules.tz)
    if (
        start.time() >= rules.service_start
        and end.date() == start.date()
        and end.time() <= rules.service_end
    ):
        return []
    numbers: dict[str, int | str] = {
        "service_start": rules.service_start.strftime("%H:%M"),
        "service_end": rules.service_end.strftime("%H:%M"),
    }
    return [Reason(code=ReasonCode.OUTSIDE_SERVICE_HOURS, numbers=numbers)]


def _duration_reasons(change: Change, rules: Rules) -> list[Reason]:
    """Rule 6: a requested length must be within sane bounds."""
    if change.kind not in (ChangeKind.RESIZE, ChangeKind.EXTRA):
        return []
    requested = _new_duration(change)
    if rules.min_duration <= requested <= rules.max_duration:
        return []
    numbers: dict[str, int | str] = {
        "requested": requested,
        "min": rules.min_duration,
        "max": rules.max_duration,
    }
    return [Reason(code=ReasonCode.DURATION_OUT_OF_BOUNDS, numbers=numbers)]


def _overlap_reasons(
    changed: VisitState, after: list[VisitState], change: Change, tz: ZoneInfo
) -> list[Reason]:
    """Rule 6: the changed visit may not overlap another (not cancelled) visit."""
    if change.kind not in _TIMING_KINDS:
        return []
    reasons = []
    begins, ends = changed.start, changed.end
    for other in after:
        # Most visits start after the changed one ends: those are passed over first.
        if other.start >= ends or other.id == changed.id or other.status is VisitStatus.CANCELLED:
            continue
        if max(begins, other.start) < min(ends, other.end):
            numbers: dict[str, int | str] = {
                "other_visit_id": other.id,
                "other_start": other.start.astimezone(tz).strftime("%H:%M"),
            }
            reasons.append(Reason(code=ReasonCode.OVERLAP, numbers=numbers))
    return reasons


def _service_reasons(frame: Frame, target: VisitState | None, change: Change) -> list[Reason]:
    """Rule 1: only granted services, and only services the visit has, can be requested."""
    granted = {service.code for service in frame.services}
    requested: list[str] = []
    if change.kind is ChangeKind.SWAP:
        requested = [_new_service(change)]
    elif change.kind is ChangeKind.EXTRA:
        requested = list(change.services)
    reasons = [
        Reason(code=ReasonCode.SERVICE_NOT_GRANTED, numbers={"service": code})
        for code in requested
        if code not in granted
    ]
    if target is not None and change.kind in (ChangeKind.SWAP, ChangeKind.SKIP_SERVICE):
        code = _service(change)
        if code not in target.services or code in target.declined_services:
            reasons.append(Reason(code=ReasonCode.SERVICE_NOT_IN_VISIT, numbers={"service": code}))
    return reasons


def _no_change_reasons(target: VisitState | None, change: Change) -> list[Reason]:
    if target is None:
        return []
    kind = change.kind
    unchanged = (
        (kind is ChangeKind.SWAP and change.service == change.new_service)
        or (kind is ChangeKind.MOVE and change.new_start == target.start)
        or (kind is ChangeKind.RESIZE and change.new_duration == target.duration_minutes)
    )
    return [Reason(code=ReasonCode.NO_CHANGE)] if unchanged else []


def _frequency_window(per: FrequencyUnit, day: date) -> tuple[date, date]:
    if per is FrequencyUnit.DAY:
        return day, day
    return period_bounds(Period.WEEK if per is FrequencyUnit.WEEK else Period.MONTH, day)


def _occurrences(
    visits: list[VisitState], code: str, window: tuple[date, date], tz: ZoneInfo
) -> int:
    begins, ends = local_days(*window, tz)
    return sum(
        1
        for visit in visits
        if begins <= visit.start < ends
        and visit.status is not VisitStatus.CANCELLED
        and code in visit.services
        and code not in visit.declined_services
    )


def _frequency_reasons(
    frame: Frame,
    before: list[VisitState],
    after: list[VisitState],
    days: list[date],
    tz: ZoneInfo,
) -> list[Reason]:
    """Rule 3: a drop below the granted frequency is never silent (flagged, not refused);
    told once per granted service, at its lowest of the windows the days touch (a week
    away drops the meals of seven days)."""
    reasons = []
    for service in frame.services:
        windows = dict.fromkeys(_frequency_window(service.per, day) for day in days)
        dropped = [
            after_count
            for window in windows
            if (after_count := _occurrences(after, service.code, window, tz)) < service.count
            and after_count < _occurrences(before, service.code, window, tz)
        ]
        if dropped:
            numbers: dict[str, int | str] = {
                "service": service.code,
                "granted": service.count,
                "per": service.per.value,
                "planned_after": min(dropped),
            }
            reasons.append(Reason(code=ReasonCode.BELOW_FREQUENCY, numbers=numbers))
    return reasons


def _decline_reasons(declines_last_3_months: int, declined: bool) -> list[Reason]:
    """Rule 8: the third decline in three months (91 days) is shown to the assessor
    (``declined``: help is declined now)."""
    if not declined:
        return []
    declines = declines_last_3_months + 1
    if declines < REPEATED_DECLINES:
        return []
    return [Reason(code=ReasonCode.REPEATED_DECLINES, numbers={"declines": declines})]


# --- a weekly plan projected over days (the plan page's budget, and days not yet generated) ---


@dataclass(frozen=True)
class PlannedSlot:
    """One recurring visit of a care plan: every ``weekday`` (0 = Monday) at ``start``."""

    weekday: int
    start: time
    duration_minutes: int
    services: frozenset[str]


def project_plan(
    slots: list[PlannedSlot], start: date, end: date, tz: ZoneInfo = TZ, *, ids_after: int = 0
) -> list[VisitState]:
    """Rule 2: a weekly plan as the visits it makes on local days ``start``..``end``
    (inclusive), so a period counts the plan over the days that have no visits yet. The
    projected visits have negative ids, counting down from ``-(ids_after + 1)`` (so several
    projections can sit side by side); wall times are Stockholm's (DST-safe)."""
    visits: list[VisitState] = []
    day = start
    while day <= end:
        for slot in slots:
            if slot.weekday == day.weekday():
                begins = datetime.combine(day, slot.start, tzinfo=tz).astimezone(UTC)
                visits.append(
                    VisitState(
                        id=-(ids_after + len(visits) + 1),
                        start=begins,
                        duration_minutes=slot.duration_minutes,
                        services=slot.services,
                    )
                )
        day += timedelta(days=1)
    return visits


@dataclass(frozen=True)
class PeriodBudget:
    """One period of the order: the plan's minutes (with the visits that stay) vs the frame."""

    period_start: date
    period_end: date
    counted_from: date  # the plan counts from here (later than period_start in a first period)
    counted_to: date
    frame_minutes: int
    performed_minutes: int  # visits that stay: done before the plan starts
    planned_minutes: int  # visits that stay and the plan's projected visits

    @property
    def total_minutes(self) -> int:
        return self.performed_minutes + self.planned_minutes

    @property
    def over_by(self) -> int:
        return max(0, self.total_minutes - self.frame_minutes)

    @property
    def partial(self) -> bool:
        return (self.counted_from, self.counted_to) != (self.period_start, self.period_end)


@dataclass(frozen=True)
class ServiceFrequency:
    """A granted service: how often the weekly plan does it against the grant (rule 3)."""

    code: str
    granted: int
    per: FrequencyUnit
    planned_least: int  # the fewest times in any whole window (day, week or month)
    planned_most: int

    @property
    def below(self) -> bool:
        return self.planned_least < self.granted


@dataclass(frozen=True)
class PlanBudget:
    periods: tuple[PeriodBudget, ...]
    frequencies: tuple[ServiceFrequency, ...]
    reasons: tuple[Reason, ...]  # over the frame, not granted, overlaps, hours, lengths

    @property
    def outcome(self) -> Outcome:
        if any(reason.code in OUTSIDE_CODES for reason in self.reasons):
            return Outcome.OUTSIDE
        return Outcome.NEEDS_REVIEW if self.reasons else Outcome.WITHIN


def plan_budget(
    frame: Frame,
    slots: list[PlannedSlot],
    *,
    start: date,
    periods: int,
    rules: Rules = Rules(),
    staying: tuple[VisitState, ...] = (),
    from_day: date | None = None,
) -> PlanBudget:
    """Rules 1, 2, 3, 5 and 6 for a whole weekly plan in force from ``start``: each of the
    next ``periods`` periods of the order (clipped to its validity) counts the visits that
    stay (``staying``: done or planned before ``start``, and visits not made by a plan) plus
    the plan projected over its days, against the frame (periods before the one holding
    ``from_day`` are left out); each granted service's planned
    frequency against the grant; slots that overlap, fall outside the unit's hours, are of
    an impossible length or do a service that is not granted."""
    tz = rules.tz
    reasons: list[Reason] = []
    budgets: list[PeriodBudget] = []
    day = max(start, frame.valid_from, from_day or start)
    for _ in range(periods):
        if frame.valid_to is not None and day > frame.valid_to:
            break
        period_start, period_end = period_bounds(frame.period, day)
        counted_to = period_end if frame.valid_to is None else min(period_end, frame.valid_to)
        counted_from = max(period_start, frame.valid_from)
        projected = project_plan(slots, max(counted_from, start), counted_to, tz)
        kept = [
            visit for visit in staying if counted_from <= local_date(visit.start, tz) <= counted_to
        ]
        performed, planned = _period_minutes([*kept, *projected], (counted_from, counted_to), tz)
        budget = PeriodBudget(
            period_start=period_start,
            period_end=period_end,
            counted_from=counted_from,
            counted_to=counted_to,
            frame_minutes=frame.frame_minutes,
            performed_minutes=performed,
            planned_minutes=planned,
        )
        budgets.append(budget)
        if budget.over_by:
            numbers: dict[str, int | str] = {
                "frame_minutes": frame.frame_minutes,
                "total_after": budget.total_minutes,
                "over_by": budget.over_by,
                "period_start": period_start.isoformat(),
            }
            reasons.append(Reason(code=ReasonCode.OVER_FRAME, numbers=numbers))
        day = period_end + timedelta(days=1)

    frequencies = tuple(_plan_frequency(service, slots) for service in frame.services)
    for frequency in frequencies:
        if frequency.below:
            numbers = {
                "service": frequency.code,
                "granted": frequency.granted,
                "per": frequency.per.value,
                "planned_after": frequency.planned_least,
            }
            reasons.append(Reason(code=ReasonCode.BELOW_FREQUENCY, numbers=numbers))
    reasons += _slot_reasons(frame, slots, rules)
    return PlanBudget(periods=tuple(budgets), frequencies=frequencies, reasons=tuple(reasons))


def weekly_minutes(slots: list[PlannedSlot]) -> int:
    """A week of the plan, in minutes."""
    return sum(slot.duration_minutes for slot in slots)


def _plan_frequency(service: GrantedService, slots: list[PlannedSlot]) -> ServiceFrequency:
    """Rule 3 for a weekly template: per day, the fewest and most on any weekday; per week,
    the week's count; per month, the count in a 28-day and a 31-day month (the least and the
    most a calendar month can hold)."""
    per_weekday = [
        sum(1 for slot in slots if slot.weekday == weekday and service.code in slot.services)
        for weekday in range(7)
    ]
    week = sum(per_weekday)
    if service.per is FrequencyUnit.DAY:
        least, most = min(per_weekday), max(per_weekday)
    elif service.per is FrequencyUnit.WEEK:
        least = most = week
    else:
        least = 4 * week
        most = 4 * week + sum(sorted(per_weekday, reverse=True)[:3])
    return ServiceFrequency(service.code, service.count, service.per, least, most)


def _slot_reasons(frame: Frame, slots: list[PlannedSlot], rules: Rules) -> list[Reason]:
    """Rules 1, 5 and 6 for each slot of the template."""
    granted = {service.code for service in frame.services}
    reasons: list[Reason] = []
    for code in sorted({code for slot in slots for code in slot.services} - granted):
        reasons.append(Reason(code=ReasonCode.SERVICE_NOT_GRANTED, numbers={"service": code}))
    ordered = sorted(slots, key=lambda s: (s.weekday, s.start, s.duration_minutes))
    for index, slot in enumerate(ordered):
        begins = slot.start.hour * 60 + slot.start.minute
        ends = begins + slot.duration_minutes
        if not rules.min_duration <= slot.duration_minutes <= rules.max_duration:
            numbers: dict[str, int | str] = {
                "requested": slot.duration_minutes,
                "min": rules.min_duration,
                "max": rules.max_duration,
                "weekday": slot.weekday,
                "start": slot.start.strftime("%H:%M"),
            }
            reasons.append(Reason(code=ReasonCode.DURATION_OUT_OF_BOUNDS, numbers=numbers))
        service_start = rules.service_start.hour * 60 + rules.service_start.minute
        service_end = rules.service_end.hour * 60 + rules.service_end.minute
        if begins < service_start or ends > service_end:
            numbers = {
                "service_start": rules.service_start.strftime("%H:%M"),
                "service_end": rules.service_end.strftime("%H:%M"),
                "weekday": slot.weekday,
                "start": slot.start.strftime("%H:%M"),
            }
            reasons.append(Reason(code=ReasonCode.OUTSIDE_SERVICE_HOURS, numbers=numbers))
        for other in ordered[index + 1 :]:
            if other.weekday != slot.weekday:
                continue
            other_begins = other.start.hour * 60 + other.start.minute
            if other_begins < ends:
                numbers = {
                    "weekday": slot.weekday,
                    "start": slot.start.strftime("%H:%M"),
                    "other_start": other.start.strftime("%H:%M"),
                }
                reasons.append(Reason(code=ReasonCode.OVERLAP, numbers=numbers))
    return reasons

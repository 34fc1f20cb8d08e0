"""Follow-up for the assessor (DESIGN section 3, "Follow-up"): performed against ordered time.

Pure and deterministic: no I/O, no clock reads (``today`` is passed in), no database. Every
month the assessor compares performed with ordered time; a deviation of more than ±10 %
several months in a row calls for an individual follow-up. New frames are followed up within
3 months, plans are signed within 15 days, and a client who declines help repeatedly is
shown for re-assessment (rule 8). Answers are codes and numbers, never sentences.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from backend.domain import frame_check as fc
from backend.domain.frame_check import (
    DECLINE_WINDOW_DAYS,
    REPEATED_DECLINES,
    Period,
    VisitStatus,
)
from contract import DeviationReason

DEVIATION_REASONS = tuple(reason.value for reason in DeviationReason)
FLAG_PERCENT = 10  # more than ±10 % is a deviation
LOOKBACK_MONTHS = 12  # "months in a row" counts at most this many, this month included
PLAN_SIGN_DAYS = 15  # the plan must be signed within 15 days
FOLLOW_UP_DAYS = 92  # new frames are followed up within 3 months
# A monthly report must show a follow-up falling due before the next report is read.
FOLLOW_UP_NOTICE_DAYS = 31

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class Direction(StrEnum):
    OVER = "over"
    UNDER = "under"


# --- facts in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientFacts:
    id: int
    first_name: str


@dataclass(frozen=True)
class OrderFacts:
    """A frame decision: ``frame_minutes`` per ``period``, valid ``valid_from``..``valid_to``."""

    id: int
    client_id: int
    period: Period
    frame_minutes: int
    valid_from: date
    decided_on: date
    valid_to: date | None = None  # inclusive; None = until further notice
    followed_up_on: date | None = None


@dataclass(frozen=True)
class VisitFacts:
    id: int
    client_id: int
    day: date  # local (Stockholm) date of the planned start
    status: VisitStatus
    duration_minutes: int  # planned
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    services: frozenset[str] = frozenset()
    declined_services: frozenset[str] = frozenset()
    deviation_reason: str | None = None


@dataclass(frozen=True)
class PlanFacts:
    id: int
    client_id: int
    draft: bool
    created_on: date
    signed_on: date | None = None


@dataclass(frozen=True)
class DeclineFacts:
    """An approved ``cancel`` or ``skip_service`` request: the client declined granted help."""

    client_id: int
    requested_on: date


@dataclass(frozen=True)
class ChangedNeed:
    """A wish outside the frame that the client sent on to the assessor as a changed need
    (providers must tell the assessor when needs change, up or down)."""

    request_id: int
    client_id: int
    requested_on: date
    kind: str
    reasons: tuple[str, ...]  # the frame check's codes, e.g. over_frame


# --- answers out --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceMinutes:
    service: str
    minutes: int


@dataclass(frozen=True)
class MonthPoint:
    """One month of a client's history: ordered and performed minutes, and whether any visit
    was recorded that month (without one there is no data, and nothing is claimed)."""

    month: date  # first day
    ordered_minutes: int
    performed_minutes: int
    has_data: bool

    @property
    def flagged(self) -> bool:
        return self.has_data and is_flagged(self.ordered_minutes, self.performed_minutes)


@dataclass(frozen=True)
class ClientMonth:
    client_id: int
    first_name: str
    month: date  # first day
    ordered_minutes: int
    performed_minutes: int
    deviation_percent: float | None  # None without a frame
    flagged: bool
    direction: Direction | None  # None when performed equals ordered (or no frame)
    consecutive_months: int  # flagged months in a row, same direction, this one included
    per_service: tuple[ServiceMinutes, ...]
    deviation_reasons: dict[str, int] = field(default_factory=dict, hash=False, compare=True)
    has_data: bool = True  # False: no visit at all was recorded this month
    history: tuple[MonthPoint, ...] = ()  # the 12 months up to this one, oldest first


@dataclass(frozen=True)
class LatePlan:
    plan_id: int
    client_id: int
    draft: bool
    created_on: date
    signed_on: date | None
    days: int  # to the signature, or waited so far for a draft


@dataclass(frozen=True)
class FrameDue:
    order_id: int
    client_id: int
    decided_on: date
    followed_up_on: date | None
    due_on: date
    overdue: bool  # more than 92 days since the decision (or the last follow-up)


@dataclass(frozen=True)
class Decliner:
    client_id: int
    declines: int
    first_on: date
    last_on: date


@dataclass(frozen=True)
class FollowupReport:
    month: date  # first day
    month_end: date  # last day
    today: date
    complete: bool  # the month is over; before that, performed time is still growing
    clients: tuple[ClientMonth, ...]
    late_plans: tuple[LatePlan, ...]
    frames_to_follow_up: tuple[FrameDue, ...]
    repeated_decliners: tuple[Decliner, ...]
    changed_needs: tuple[ChangedNeed, ...] = ()


# --- months -------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


def add_months(month: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; ValueError for anything else."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise ValueError(f"not a month: {text!r}")
    return date(int(match[1]), int(match[2]), 1)


# --- ordered and performed ----------------------------------------------------------------


def ordered_minutes(orders: Iterable[OrderFacts], month: date) -> int:
    """Follow-up: the frame for a calendar month, prorated by the days an order is in force.

    A monthly frame counts ``frame_minutes × days / days in the month``; a weekly frame
    (Gothenburg) ``frame_minutes × days / 7``. On a day two orders are valid, the one that
    started last is in force (as in the frame check). Rounded once, to the nearest minute.
    """
    candidates = sorted(orders, key=lambda o: (o.valid_from, o.id), reverse=True)
    first, last = month_start(month), month_end(month)
    days_in_month = last.day
    total = Fraction(0)
    day = first
    while day <= last:
        order = next((o for o in candidates if _in_force(o, day)), None)
        if order is not None:
            per_day = days_in_month if order.period is Period.MONTH else 7
            total += Fraction(order.frame_minutes, per_day)
        day += timedelta(days=1)
    return math.floor(total + Fraction(1, 2))


def performed_minutes(visit: VisitFacts) -> int:
    """Follow-up: a done visit's performed time, ``actual_end - actual_start`` in whole minutes.

    Rounded to the nearest minute as in the frame the client sees; a done visit without
    check-in/out times counts its planned length there too, and so here. Others count 0.
    """
    if visit.status is not VisitStatus.DONE:
        return 0
    performed = fc.performed_minutes(visit.actual_start, visit.actual_end)
    return visit.duration_minutes if performed is None else performed


def minutes_by_service(visits: Iterable[VisitFacts]) -> tuple[ServiceMinutes, ...]:
    """Follow-up per service: each done visit's minutes split evenly over its services.

    Declined services get nothing; whole minutes, the remainder to the first service in
    sorted order, so a visit's parts add up exactly to its performed minutes. A visit whose
    every service was declined is not attributed to any service.
    """
    totals: dict[str, int] = defaultdict(int)
    for visit in visits:
        minutes = performed_minutes(visit)
        services = sorted(visit.services - visit.declined_services)
        if visit.status is not VisitStatus.DONE or not services:
            continue
        share, remainder = divmod(minutes, len(services))
        for index, service in enumerate(services):
            totals[service] += share + (remainder if index == 0 else 0)
    return tuple(ServiceMinutes(code, totals[code]) for code in sorted(totals))


def deviation_percent(ordered: int, performed: int) -> float | None:
    """Follow-up: (performed - ordered) / ordered × 100, to one decimal (half away from 0).

    None when nothing was ordered: without a frame there is no percentage.
    """
    if ordered <= 0:
        return None
    tenths = Fraction(abs(performed - ordered) * 1000, ordered)
    rounded = math.floor(tenths + Fraction(1, 2)) / 10
    return -rounded if performed < ordered else rounded


def is_flagged(ordered: int, performed: int) -> bool:
    """Follow-up: a deviation of more than ±10 % of the ordered time.

    Decided on the exact minutes, not the rounded percentage: 2159 of 2400 minutes is shown
    as -10.0 % but is more than 10 % under.
    """
    return ordered > 0 and abs(performed - ordered) * 100 > FLAG_PERCENT * ordered


def direction_of(ordered: int, performed: int) -> Direction | None:
    """Follow-up: over or under the ordered time (None when equal, or without a frame)."""
    if ordered <= 0 or performed == ordered:
        return None
    return Direction.OVER if performed > ordered else Direction.UNDER


def consecutive_months(
    history: Sequence[tuple[int, int]], with_data: Sequence[bool] | None = None
) -> int:
    """Follow-up: flagged months in a row in the same direction, ending with the last month.

    ``history`` is (ordered, performed) per month, oldest first, the reported month last;
    at most the last 12 months count. 0 when the reported month is not flagged. A month
    without data (``with_data`` False: no visit recorded at all) ends the row: a month
    nobody recorded is not a month "under", and the report says so instead.
    """
    data = [True] * len(history) if with_data is None else list(with_data)
    recent = list(zip(history, data, strict=True))[-LOOKBACK_MONTHS:]
    count = 0
    direction = None
    for (ordered, performed), has_data in reversed(recent):
        if not has_data or not is_flagged(ordered, performed):
            break
        if direction is None:
            direction = direction_of(ordered, performed)
        elif direction_of(ordered, performed) != direction:
            break
        count += 1
    return count


def reason_counts(visits: Iterable[VisitFacts]) -> dict[str, int]:
    """Follow-up: every deviation carries a reason; visits counted per deviation reason.

    All reason codes are present (0 when none); an unknown code is counted as ``other``.
    """
    counts = dict.fromkeys(DEVIATION_REASONS, 0)
    for visit in visits:
        if visit.deviation_reason is None:
            continue
        reason = visit.deviation_reason if visit.deviation_reason in counts else "other"
        counts[reason] += 1
    return counts


# --- lists for the assessor ---------------------------------------------------------------


def late_plans(plans: Iterable[PlanFacts], today: date) -> tuple[LatePlan, ...]:
    """Follow-up: the plan must be signed within 15 days.

    A draft created more than 15 days before ``today``, or a plan signed more than 15 days
    after it was created. Oldest first.
    """
    late = []
    for plan in plans:
        if plan.draft:
            days = (today - plan.created_on).days
        elif plan.signed_on is not None:
            days = (plan.signed_on - plan.created_on).days
        else:
            continue
        if days > PLAN_SIGN_DAYS:
            late.append(
                LatePlan(
                    plan_id=plan.id,
                    client_id=plan.client_id,
                    draft=plan.draft,
                    created_on=plan.created_on,
                    signed_on=None if plan.draft else plan.signed_on,
                    days=days,
                )
            )
    return tuple(sorted(late, key=lambda p: (p.created_on, p.plan_id)))


def frames_to_follow_up(orders: Iterable[OrderFacts], today: date) -> tuple[FrameDue, ...]:
    """Follow-up: new frame decisions are followed up within 3 months (92 days).

    A frame in force (today or later) is due 92 days after its decision or its last
    follow-up, whichever is later; it is overdue once ``today`` is past that. Listed when
    overdue or due within the next 31 days, i.e. before the next monthly report. Earliest
    due first.
    """
    by_client: dict[int, list[OrderFacts]] = defaultdict(list)
    for order in orders:
        by_client[order.client_id].append(order)
    due = []
    for client_orders in by_client.values():
        current = _order_in_force(client_orders, today)
        for order in client_orders:
            if order is not current and order.valid_from <= today:
                continue  # ended, or replaced by a later frame
            last_look = max(order.decided_on, order.followed_up_on or order.decided_on)
            due_on = last_look + timedelta(days=FOLLOW_UP_DAYS)
            if due_on <= today + timedelta(days=FOLLOW_UP_NOTICE_DAYS):
                due.append(
                    FrameDue(
                        order_id=order.id,
                        client_id=order.client_id,
                        decided_on=order.decided_on,
                        followed_up_on=order.followed_up_on,
                        due_on=due_on,
                        overdue=today > due_on,
                    )
                )
    return tuple(sorted(due, key=lambda d: (d.due_on, d.order_id)))


def repeated_decliners(declines: Iterable[DeclineFacts], today: date) -> tuple[Decliner, ...]:
    """Rule 8 (Denmark's bytteret): declining granted help 3 times in 3 months (91 days).

    Counts the days on which approved declines were requested, in the 91 days up to and
    including ``today``: every visit of a day away, asked for at once, is one occasion.
    """
    window_start = today - timedelta(days=DECLINE_WINDOW_DAYS)
    by_client: dict[int, set[date]] = defaultdict(set)
    for decline in declines:
        if window_start <= decline.requested_on <= today:
            by_client[decline.client_id].add(decline.requested_on)
    return tuple(
        Decliner(client_id=cid, declines=len(days), first_on=min(days), last_on=max(days))
        for cid, days in sorted(by_client.items())
        if len(days) >= REPEATED_DECLINES
    )


# --- the report ---------------------------------------------------------------------------


def client_month(
    client: ClientFacts,
    orders: Sequence[OrderFacts],
    visits: Sequence[VisitFacts],
    month: date,
    months_with_visits: Iterable[date] | None = None,
) -> ClientMonth:
    """Follow-up for one client and month: ordered vs performed, the ±10 % rule, months in a
    row (from the 11 months before, when their visits are given), services and reasons.

    ``months_with_visits``: the months in which the client had any visit at all (by default
    the months of ``visits``); a month without is "no data", never a deviation."""
    month = month_start(month)
    by_month: dict[date, list[VisitFacts]] = defaultdict(list)
    for visit in visits:
        if visit.client_id == client.id:
            by_month[month_start(visit.day)].append(visit)
    with_data = set(by_month) if months_with_visits is None else set(months_with_visits)
    own_orders = [o for o in orders if o.client_id == client.id]
    history = tuple(
        MonthPoint(
            month=past,
            ordered_minutes=ordered_minutes(own_orders, past),
            performed_minutes=sum(performed_minutes(v) for v in by_month.get(past, [])),
            has_data=past in with_data,
        )
        for past in (add_months(month, -back) for back in range(LOOKBACK_MONTHS - 1, -1, -1))
    )
    this = history[-1]
    ordered, performed = this.ordered_minutes, this.performed_minutes
    this_month = by_month.get(month, [])
    return ClientMonth(
        client_id=client.id,
        first_name=client.first_name,
        month=month,
        ordered_minutes=ordered,
        performed_minutes=performed,
        deviation_percent=deviation_percent(ordered, performed) if this.has_data else None,
        flagged=this.flagged,
        direction=direction_of(ordered, performed) if this.has_data else None,
        consecutive_months=consecutive_months(
            [(p.ordered_minutes, p.performed_minutes) for p in history],
            [p.has_data for p in history],
        ),
        per_service=minutes_by_service(this_month),
        deviation_reasons=reason_counts(this_month),
        has_data=this.has_data,
        history=history,
    )


def build_report(
    *,
    month: date,
    today: date,
    clients: Sequence[ClientFacts],
    orders: Sequence[OrderFacts],
    visits: Sequence[VisitFacts],
    plans: Sequence[PlanFacts],
    declines: Sequence[DeclineFacts],
    changed_needs: Sequence[ChangedNeed] = (),
    months_with_visits: Iterable[tuple[int, date]] | None = None,
) -> FollowupReport:
    """The assessor's monthly follow-up of a unit: one row per client (in id order), plans
    not signed within 15 days, frames due for their 3-month follow-up, repeated decliners."""
    month = month_start(month)
    orders_by_client: dict[int, list[OrderFacts]] = defaultdict(list)
    for order in orders:
        orders_by_client[order.client_id].append(order)
    visits_by_client: dict[int, list[VisitFacts]] = defaultdict(list)
    for visit in visits:
        visits_by_client[visit.client_id].append(visit)
    active: dict[int, set[date]] | None = None
    if months_with_visits is not None:
        active = defaultdict(set)
        for client_id, day in months_with_visits:
            active[client_id].add(month_start(day))
    rows = tuple(
        client_month(
            client,
            orders_by_client.get(client.id, []),
            visits_by_client.get(client.id, []),
            month,
            None if active is None else active.get(client.id, set()),
        )
        for client in sorted(clients, key=lambda c: c.id)
    )
    return FollowupReport(
        month=month,
        month_end=month_end(month),
        today=today,
        complete=today > month_end(month),
        clients=rows,
        late_plans=late_plans(plans, today),
        frames_to_follow_up=frames_to_follow_up(orders, today),
        repeated_decliners=repeated_decliners(declines, today),
        changed_needs=tuple(
            sorted(
                (n for n in changed_needs if month_start(n.requested_on) == month),
                key=lambda n: (n.requested_on, n.request_id),
            )
        ),
    )


def _in_force(order: OrderFacts, day: date) -> bool:
    return order.valid_from <= day and (order.valid_to is None or day <= order.valid_to)


def _order_in_force(orders: Iterable[OrderFacts], day: date) -> OrderFacts | None:
    valid = [o for o in orders if _in_force(o, day)]
    return max(valid, key=lambda o: (o.valid_from, o.id), default=None)

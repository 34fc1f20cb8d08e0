"""The frame check's reasons and the plan budget in words for staff (codes and numbers come
from ``backend.domain.frame_check``; the sentences are the page's)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain import frame_check as fc
from backend.models import Order
from backend.web.i18n import Words
from contract import Outcome, Period, Reason, ReasonCode


@dataclass(frozen=True)
class PeriodLine:
    label: str
    note: str
    total: int
    frame: int
    over_by: int
    percent: int


@dataclass(frozen=True)
class FrequencyLine:
    service: str
    granted: str
    planned: str
    below: bool


@dataclass(frozen=True)
class BudgetView:
    outcome: Outcome
    headline: str
    weekly: int
    periods: list[PeriodLine]
    frequencies: list[FrequencyLine]
    problems: list[str]  # refusals: must be fixed before signing
    warnings: list[str]


def reason_words(reason: Reason, words: Words) -> str:
    n = reason.numbers
    code = reason.code
    when = ""
    if "weekday" in n:
        when = words.gettext(
            "{weekday} at {time}", weekday=words.weekday(int(n["weekday"])), time=str(n["start"])
        )
    if code is ReasonCode.OVER_FRAME:
        return words.gettext(
            "{period}: {total} planned, {over} more than the frame of {frame}.",
            period=words.date(fc.date.fromisoformat(str(n["period_start"])), "MMMM y")
            if "period_start" in n
            else "",
            total=words.minutes(int(n["total_after"])),
            over=words.minutes(int(n["over_by"])),
            frame=words.minutes(int(n["frame_minutes"])),
        )
    if code is ReasonCode.SERVICE_NOT_GRANTED:
        return words.gettext(
            "{service} is not granted in the order.", service=words.service(str(n["service"]))
        )
    if code is ReasonCode.OVERLAP:
        return words.gettext(
            "{when} overlaps the visit at {other}.", when=when, other=str(n["other_start"])
        )
    if code is ReasonCode.DURATION_OUT_OF_BOUNDS:
        return words.gettext(
            "{when}: a visit must be {min}–{max} minutes long.",
            when=when,
            min=n["min"],
            max=n["max"],
        )
    if code is ReasonCode.OUTSIDE_SERVICE_HOURS:
        return words.gettext(
            "{when} is outside the unit's hours ({start}–{end}).",
            when=when,
            start=str(n["service_start"]),
            end=str(n["service_end"]),
        )
    if code is ReasonCode.BELOW_FREQUENCY:
        return words.gettext(
            "{service}: granted {granted} {per}, the plan has {planned}.",
            service=words.service(str(n["service"])),
            granted=n["granted"],
            per=words.per(str(n["per"])),
            planned=n["planned_after"],
        )
    return words.gettext("Something in the plan does not fit.")


def budget_view(budget: fc.PlanBudget, order: Order, words: Words, *, weekly: int) -> BudgetView:
    periods = []
    for p in budget.periods:
        if order.period is Period.MONTH:
            label = words.date(p.period_start, "LLLL y").capitalize()
        else:
            label = words.gettext(
                "Week {week} ({start} – {end})",
                week=p.period_start.isocalendar()[1],
                start=words.date(p.period_start, "d MMM"),
                end=words.date(p.period_end, "d MMM"),
            )
        note = ""
        if p.partial:
            note = words.gettext(
                "counted {start} – {end}",
                start=words.date(p.counted_from, "d MMM"),
                end=words.date(p.counted_to, "d MMM"),
            )
        percent = round(100 * p.total_minutes / p.frame_minutes) if p.frame_minutes else 0
        periods.append(
            PeriodLine(label, note, p.total_minutes, p.frame_minutes, p.over_by, percent)
        )
    frequencies = []
    for f in budget.frequencies:
        planned = (
            str(f.planned_least)
            if f.planned_least == f.planned_most
            else f"{f.planned_least}–{f.planned_most}"
        )
        frequencies.append(
            FrequencyLine(
                words.service(f.code).capitalize(),
                f"{f.granted} {words.per(f.per)}",
                f"{planned} {words.per(f.per)}",
                f.below,
            )
        )
    problems = [reason_words(r, words) for r in budget.reasons if r.code in fc.OUTSIDE_CODES]
    warnings = [reason_words(r, words) for r in budget.reasons if r.code not in fc.OUTSIDE_CODES]
    headline = {
        Outcome.WITHIN: words.gettext("Within the frame."),
        Outcome.NEEDS_REVIEW: words.gettext("Within the frame, with warnings to check."),
        Outcome.OUTSIDE: words.gettext("Over the frame or not possible."),
    }[budget.outcome]
    return BudgetView(
        budget.outcome,
        headline,
        weekly,
        periods,
        frequencies,
        problems,
        warnings,
    )

"""The frame (the granted hours) and the frame check's verdict and reasons, put into words
from the backend's codes and numbers."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date

from bot.texts.formatting import escape, fmt_clock, fmt_duration, locale, per_unit, service_name
from contract import (
    OUTSIDE_CODES,
    FramePublic,
    Outcome,
    Period,
    PeriodFigures,
    Reason,
    ReasonCode,
    Verdict,
    a_changed_need,
)


def period_name(period: Period) -> str:
    return _("this week") if period is Period.WEEK else _("this month")


def frame_heading(
    period: Period,
    start: date,
    end: date,
    frame_minutes: int,
    today: date | None,
    *,
    theirs: bool = False,
) -> str:
    """ "Your frame this month: 40 h", or for another period "…in December" / "…in week 49":
    the words say which period the figures are for. ``theirs``: read by someone other than
    the client (a relative), under words that already say whose time it is."""
    frame = fmt_duration(frame_minutes)
    if today is None or start <= today <= end:
        line = _("Granted time {period}: {frame}") if theirs else _("Your frame {period}: {frame}")
        return line.format(period=period_name(period), frame=frame)
    if period is Period.WEEK:
        line = (
            _("Granted time in week {week}: {frame}")
            if theirs
            else _("Your frame in week {week}: {frame}")
        )
        return line.format(week=start.isocalendar().week, frame=frame)
    month = format_date(start, "LLLL", locale=locale())
    if start.year != today.year:
        month = f"{month} {start.year}"
    line = _("Granted time in {month}: {frame}") if theirs else _("Your frame in {month}: {frame}")
    return line.format(month=month, frame=frame)


def pending_line(
    count: int, total: int | None, frame_minutes: int, *, theirs: bool = False
) -> str | None:
    """Rule 2: waiting wishes are not counted, but shown."""
    if not count or total is None:
        return None
    if theirs:
        line = ngettext(
            "If the waiting wish is approved too: {total} of {frame}.",
            "If the waiting wishes are approved too: {total} of {frame}.",
            count,
        )
    else:
        line = ngettext(
            "If your waiting wish is approved too: {total} of {frame}.",
            "If your waiting wishes are approved too: {total} of {frame}.",
            count,
        )
    return line.format(total=fmt_duration(total), frame=fmt_duration(frame_minutes))


def left_line(left: int) -> str:
    if left >= 0:
        return _("Left: {minutes}").format(minutes=fmt_duration(left))
    return _("Over the frame by {minutes}").format(minutes=fmt_duration(-left))


def frame_bar(used: int, frame: int, width: int = 10) -> str:
    filled = 0 if frame <= 0 else min(width, width * used // frame)
    return "▓" * filled + "░" * (width - filled)


def frame_text(frame: FramePublic, *, whose: str | None = None, today: date | None = None) -> str:
    used = frame.performed_minutes + frame.planned_minutes
    theirs = whose is not None
    lines = []
    if whose:
        lines.append(_("{name}'s granted time").format(name=escape(whose)))
    lines += [
        frame_heading(
            frame.period,
            frame.period_start,
            frame.period_end,
            frame.frame_minutes,
            today,
            theirs=theirs,
        ),
        frame_bar(used, frame.frame_minutes),
        _("Done: {minutes}").format(minutes=fmt_duration(frame.performed_minutes)),
        _("Planned: {minutes}").format(minutes=fmt_duration(frame.planned_minutes)),
        left_line(frame.left_minutes),
    ]
    pending = pending_line(
        frame.pending_count, frame.total_if_pending, frame.frame_minutes, theirs=theirs
    )
    if pending:
        lines.append(pending)
    return "\n".join(lines)


def reason_text(reason: Reason, whose: str | None = None) -> str:
    """Why, in words. ``whose``: the client's first name, when someone else reads it (a
    relative asking for them, or staff): "Lisa's granted help", not "your"."""
    code, n = reason.code, reason.numbers
    name = escape(whose) if whose else None
    if code is ReasonCode.OVER_FRAME:
        over_frame = (
            _("That would be {total} of {name}'s {frame} – {over} more than the frame.")
            if name
            else _("That would be {total} of your {frame} – {over} more than your frame.")
        )
        return over_frame.format(
            name=name,
            total=fmt_duration(int(n["total_after"])),
            frame=fmt_duration(int(n["frame_minutes"])),
            over=fmt_duration(int(n["over_by"])),
        )
    if code is ReasonCode.SERVICE_NOT_GRANTED:
        if not n.get("service"):
            return _("Please choose what should be done.")
        not_granted = (
            _("{service} is not part of {name}'s granted help.")
            if name
            else _("{service} is not part of your granted help.")
        )
        return not_granted.format(name=name, service=service_name(str(n["service"])).capitalize())
    if code is ReasonCode.OVERLAP:
        overlap = (
            _("It would overlap {name}'s visit at {time}.")
            if name
            else _("It would overlap your visit at {time}.")
        )
        return overlap.format(name=name, time=fmt_clock(str(n.get("other_start", ""))))
    if code is ReasonCode.IN_PAST:
        return _("That time has already passed.")
    if code is ReasonCode.VISIT_STARTED:
        return _("That visit has already started or passed.")
    if code is ReasonCode.DURATION_OUT_OF_BOUNDS:
        return _("A visit must be between {min} and {max} long.").format(
            min=fmt_duration(int(n["min"])), max=fmt_duration(int(n["max"]))
        )
    if code is ReasonCode.OUTSIDE_ORDER_VALIDITY:
        if name:
            return _("{name}'s granted help does not cover that date.").format(name=name)
        return _("Your granted help does not cover that date.")
    if code is ReasonCode.VISIT_NOT_FOUND:
        return _("That visit no longer exists.")
    if code is ReasonCode.VISIT_CANCELLED:
        return _("That visit is cancelled.")
    if code is ReasonCode.SERVICE_NOT_IN_VISIT:
        return _("{service} is not part of that visit.").format(
            service=service_name(str(n.get("service", ""))).capitalize()
        )
    if code is ReasonCode.NO_CHANGE:
        return _("That is already how the visit is planned.")
    if code is ReasonCode.ALREADY_ASKED:
        # where the waiting wish is withdrawn: the client's "My requests", a relative's "Requests"
        if name:
            return _(
                "A wish about this visit is already waiting for an answer. To ask for "
                "something else, first withdraw it under “Requests”."
            )
        return _(
            "A wish about this visit is already waiting for an answer. To ask for something "
            "else, first withdraw it under “My requests”."
        )
    if code is ReasonCode.SHORT_NOTICE:
        return _("Short notice: the visit is in less than {hours}.").format(
            hours=fmt_duration(int(n["notice_minutes"]))
        )
    if code is ReasonCode.BELOW_FREQUENCY:
        granted = int(n["granted"])
        per = per_unit(str(n["per"]))
        if name:
            below = ngettext(
                "{name} is granted {service} {n} time {per}; the contact person will check this.",
                "{name} is granted {service} {n} times {per}; the contact person will check this.",
                granted,
            )
        else:
            below = ngettext(
                "You are granted {service} {n} time {per}; your contact person will check this.",
                "You are granted {service} {n} times {per}; your contact person will check this.",
                granted,
            )
        return below.format(name=name, service=service_name(str(n["service"])), n=granted, per=per)
    if code is ReasonCode.OUTSIDE_SERVICE_HOURS:
        return _("Outside the unit's hours ({start}–{end}).").format(
            start=fmt_clock(str(n.get("service_start", ""))),
            end=fmt_clock(str(n.get("service_end", ""))),
        )
    if code is ReasonCode.REPEATED_DECLINES:
        if name:
            return _(
                "{name} has said no to help several times lately; the assessor may ask how "
                "{name} is."
            ).format(name=name)
        return _(
            "You have said no to help several times lately; your assessor may ask how you are."
        )
    if code is ReasonCode.ALREADY_OVER_FRAME:
        already = (
            _("The period is already over {name}'s frame: {total} of {frame}.")
            if name
            else _("The period is already over your frame: {total} of {frame}.")
        )
        return already.format(
            name=name,
            total=fmt_duration(int(n["total_after"])),
            frame=fmt_duration(int(n["frame_minutes"])),
        )
    return _("Something in the request does not fit.")


def reason_lines(reasons: list[Reason], whose: str | None = None) -> list[str]:
    return ["• " + reason_text(r, whose) for r in reasons]


def outside_text(reasons: list[Reason], whose: str | None = None) -> str:
    """Why a change cannot be sent: the frame (or the order) says no, or it cannot be asked
    for like that at all (a time already past, an overlap: not the frame's matter)."""
    if not a_changed_need(reasons):
        # Only what stands in the way: "short notice" beside "that time has passed" is noise.
        reasons = [r for r in reasons if r.code in OUTSIDE_CODES]
        heading = _("This cannot be asked for like that:")
    elif whose:
        heading = _("This does not fit within {name}'s frame:").format(name=escape(whose))
    else:
        heading = _("This does not fit within your frame:")
    return "\n".join([heading, *reason_lines(reasons, whose)])


def verdict_figures(
    verdict: Verdict, today: date | None, *, theirs: bool = False, several: bool = False
) -> list[str]:
    """Rule 7, in numbers: which period, what is used (done), planned, what the change (or
    the ``several`` changes asked for together) does, and what is left after it; waiting
    wishes shown apart."""
    lines = _period_figures(verdict, verdict, today, theirs=theirs, several=several)
    pending = pending_line(
        verdict.pending_count, verdict.total_if_pending, verdict.frame_minutes, theirs=theirs
    )
    if pending:
        lines.append(pending)
    for other in verdict.other_periods:  # a move into next month, a week away over its end
        lines += _period_figures(verdict, other, today, theirs=theirs, several=several)
    return lines


def _period_figures(
    verdict: Verdict,
    figures: Verdict | PeriodFigures,
    today: date | None,
    *,
    theirs: bool,
    several: bool,
) -> list[str]:
    with_it = (
        _("With these changes: {total} of {frame}.")
        if several
        else _("With this change: {total} of {frame}.")
    )
    return [
        frame_heading(
            verdict.period,
            figures.period_start,
            figures.period_end,
            verdict.frame_minutes,
            today,
            theirs=theirs,
        ),
        _("Done: {minutes}").format(minutes=fmt_duration(figures.performed_minutes)),
        _("Planned: {minutes}").format(minutes=fmt_duration(figures.planned_minutes)),
        with_it.format(
            total=fmt_duration(figures.total_after), frame=fmt_duration(verdict.frame_minutes)
        ),
        left_line(verdict.frame_minutes - figures.total_after),
    ]


def verdict_text(
    verdict: Verdict, today: date | None = None, whose: str | None = None, *, several: bool = False
) -> str:
    """The frame check's verdict and its figures; ``whose``: the client's first name when a
    relative asks for them; ``several``: the verdict is of changes asked for together."""
    theirs = whose is not None
    name = escape(whose) if whose else None
    if verdict.outcome is Outcome.OUTSIDE:
        if not a_changed_need(verdict.reasons):
            return outside_text(verdict.reasons, whose)  # not the frame's matter: no figures
        return "\n\n".join(
            [
                outside_text(verdict.reasons, whose),
                "\n".join(verdict_figures(verdict, today, theirs=theirs, several=several)),
            ]
        )
    over = verdict.total_after > verdict.frame_minutes
    freed = fmt_duration(-verdict.delta_minutes)
    # What the change does in every period it touches ("frees 9 h 35 min" for a week away
    # over a month's end); each period's figures follow.
    delta = verdict.delta_minutes + sum(p.delta_minutes for p in verdict.other_periods)
    if over and verdict.delta_minutes < 0:
        if several:
            still_over = (
                _("These changes free {minutes}, but the period is still over {name}'s frame.")
                if name
                else _("These changes free {minutes}, but the period is still over your frame.")
            )
        else:
            still_over = (
                _("This change frees {minutes}, but the period is still over {name}'s frame.")
                if name
                else _("This change frees {minutes}, but the period is still over your frame.")
            )
        lines = [still_over.format(name=name, minutes=freed)]
    elif over:
        # Not refused (it adds no time), but "fits" would contradict the figures below.
        if several:
            already_over = (
                _("These changes add no time, but the period is already over {name}'s frame.")
                if name
                else _("These changes add no time, but the period is already over your frame.")
            )
        else:
            already_over = (
                _("This change adds no time, but the period is already over {name}'s frame.")
                if name
                else _("This change adds no time, but the period is already over your frame.")
            )
        lines = [already_over.format(name=name)]
    else:
        lines = [
            _("This fits within {name}'s frame.").format(name=name)
            if name
            else _("This fits within your frame.")
        ]
    if delta > 0:
        adds = _("These changes add {minutes}.") if several else _("This change adds {minutes}.")
        lines.append(adds.format(minutes=fmt_duration(delta)))
    elif delta < 0 and not over:
        frees = (
            _("These changes free {minutes}.") if several else _("This change frees {minutes}.")
        )
        lines.append(frees.format(minutes=fmt_duration(-delta)))
    lines += verdict_figures(verdict, today, theirs=theirs, several=several)
    # The first line already says the period is over the frame, with the figures under it.
    others = [r for r in verdict.reasons if r.code is not ReasonCode.ALREADY_OVER_FRAME]
    if others:
        lines.append(
            _("{name}'s contact person will look at this:").format(name=name)
            if name
            else _("Your contact person will look at this:")
        )
        lines += reason_lines(others, whose)
    return "\n".join(lines)

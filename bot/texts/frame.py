"""The frame (the granted hours) and the frame check's verdict and reasons, put into words
from the backend's codes and numbers."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.texts.formatting import escape, fmt_clock, fmt_duration, service_name
from contract import FramePublic, FrequencyUnit, Outcome, Period, Reason, ReasonCode, Verdict


def period_name(period: Period) -> str:
    return _("this week") if period is Period.WEEK else _("this month")


def frame_bar(used: int, frame: int, width: int = 10) -> str:
    filled = 0 if frame <= 0 else min(width, width * used // frame)
    return "▓" * filled + "░" * (width - filled)


def frame_text(frame: FramePublic, *, whose: str | None = None) -> str:
    used = frame.performed_minutes + frame.planned_minutes
    lines = []
    if whose:
        lines.append(_("{name}'s granted time").format(name=escape(whose)))
    lines += [
        _("Your frame {period}: {frame}").format(
            period=period_name(frame.period), frame=fmt_duration(frame.frame_minutes)
        ),
        frame_bar(used, frame.frame_minutes),
        _("Done: {minutes}").format(minutes=fmt_duration(frame.performed_minutes)),
        _("Planned: {minutes}").format(minutes=fmt_duration(frame.planned_minutes)),
    ]
    left = frame.left_minutes
    if left >= 0:
        lines.append(_("Left: {minutes}").format(minutes=fmt_duration(left)))
    else:
        lines.append(_("Over the frame by {minutes}").format(minutes=fmt_duration(-left)))
    return "\n".join(lines)


def reason_text(reason: Reason) -> str:
    code, n = reason.code, reason.numbers
    if code is ReasonCode.OVER_FRAME:
        return _("That would be {total} of your {frame} – {over} more than your frame.").format(
            total=fmt_duration(int(n["total_after"])),
            frame=fmt_duration(int(n["frame_minutes"])),
            over=fmt_duration(int(n["over_by"])),
        )
    if code is ReasonCode.SERVICE_NOT_GRANTED:
        if not n.get("service"):
            return _("Please choose what should be done.")
        return _("{service} is not part of your granted help.").format(
            service=service_name(str(n["service"])).capitalize()
        )
    if code is ReasonCode.OVERLAP:
        return _("It would overlap your visit at {time}.").format(
            time=fmt_clock(str(n.get("other_start", "")))
        )
    if code is ReasonCode.IN_PAST:
        return _("That time has already passed.")
    if code is ReasonCode.VISIT_STARTED:
        return _("That visit has already started or passed.")
    if code is ReasonCode.DURATION_OUT_OF_BOUNDS:
        return _("A visit must be between {min} and {max} long.").format(
            min=fmt_duration(int(n["min"])), max=fmt_duration(int(n["max"]))
        )
    if code is ReasonCode.OUTSIDE_ORDER_VALIDITY:
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
    if code is ReasonCode.SHORT_NOTICE:
        return _("Short notice: the visit is in less than {hours}.").format(
            hours=fmt_duration(int(n["notice_minutes"]))
        )
    if code is ReasonCode.BELOW_FREQUENCY:
        granted = int(n["granted"])
        per = {
            FrequencyUnit.DAY: _("per day"),
            FrequencyUnit.WEEK: _("per week"),
            FrequencyUnit.MONTH: _("per month"),
        }.get(FrequencyUnit(str(n["per"])), "")
        return ngettext(
            "You are granted {service} {n} time {per}; your contact person will check this.",
            "You are granted {service} {n} times {per}; your contact person will check this.",
            granted,
        ).format(service=service_name(str(n["service"])), n=granted, per=per)
    if code is ReasonCode.OUTSIDE_SERVICE_HOURS:
        return _("Outside the unit's hours ({start}–{end}).").format(
            start=fmt_clock(str(n.get("service_start", ""))),
            end=fmt_clock(str(n.get("service_end", ""))),
        )
    if code is ReasonCode.REPEATED_DECLINES:
        return _(
            "You have said no to help several times lately; your assessor may ask how you are."
        )
    return _("Something in the request does not fit.")


def reason_lines(reasons: list[Reason]) -> list[str]:
    return ["• " + reason_text(r) for r in reasons]


def outside_text(reasons: list[Reason]) -> str:
    return "\n".join([_("This does not fit within your frame:"), *reason_lines(reasons)])


def verdict_text(verdict: Verdict) -> str:
    if verdict.outcome is Outcome.OUTSIDE:
        return outside_text(verdict.reasons)
    lines = [
        _("This fits within your frame: {total} of {frame} {period}.").format(
            total=fmt_duration(verdict.total_after),
            frame=fmt_duration(verdict.frame_minutes),
            period=period_name(verdict.period),
        )
    ]
    if verdict.delta_minutes > 0:
        lines.append(
            _("This change adds {minutes}.").format(minutes=fmt_duration(verdict.delta_minutes))
        )
    elif verdict.delta_minutes < 0:
        lines.append(
            _("This change frees {minutes}.").format(minutes=fmt_duration(-verdict.delta_minutes))
        )
    if verdict.reasons:
        lines.append(_("Your contact person will look at this:"))
        lines += reason_lines(verdict.reasons)
    return "\n".join(lines)

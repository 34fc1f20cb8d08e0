"""Everything the bot says, in the user's language: the backend's codes and numbers put into
words, and dates, times and durations formatted by Babel for the current locale."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from html import escape

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.support import LazyProxy
from babel.units import format_unit

from contract import (
    TZ,
    Change,
    ChangeKind,
    ErrorCode,
    FramePublic,
    FrequencyUnit,
    NotifyLevel,
    Outcome,
    Period,
    Reason,
    ReasonCode,
    RejectReason,
    RequestPublic,
    RequestStatus,
    Scope,
    ServiceCode,
    Verdict,
    VisitPublic,
    VisitStatus,
)

LANGUAGES = {"sv": "Svenska", "fi": "Suomi", "ar": "العربية", "en": "English"}

# Keyed by ServiceCode; a plain code string finds its name too (a StrEnum is a str).
SERVICE_NAMES: dict[str, LazyProxy] = {
    ServiceCode.CLEANING: __("cleaning"),
    ServiceCode.LAUNDRY: __("laundry"),
    ServiceCode.SHOPPING: __("shopping"),
    ServiceCode.MEAL: __("meal"),
    ServiceCode.HYGIENE: __("personal hygiene"),
    ServiceCode.SHOWER: __("shower"),
    ServiceCode.DRESSING: __("dressing"),
    ServiceCode.WALK: __("walk"),
    ServiceCode.COMPANY: __("companionship"),
    ServiceCode.SUPERVISION: __("safety check"),
}

REJECT_REASONS = {
    RejectReason.NO_STAFF: __("no staff available at that time"),
    RejectReason.OUTSIDE_SERVICE_HOURS: __("outside the unit's service hours"),
    RejectReason.SAFETY: __("for safety reasons"),
    RejectReason.OTHER: __("other reason"),
}

NOTIFY_LEVELS = {
    NotifyLevel.ALL: __("Everything"),
    NotifyLevel.CHANGES: __("Only changes"),
    NotifyLevel.URGENT: __("Only urgent"),
}


# English here is English as used in Sweden: 24-hour clock, day before month.
BABEL_LOCALES = {"en": "en_SE"}


def locale() -> str:
    """The Babel locale for the user's language."""
    code = get_i18n().current_locale
    return BABEL_LOCALES.get(code, code)


def local(moment: datetime) -> datetime:
    return moment.astimezone(TZ)


def fmt_time(moment: datetime) -> str:
    return format_time(local(moment), format="short", locale=locale())


# Weekday, day and month as each language writes them (Finnish: "tiistai 24. marraskuuta").
DAY_PATTERNS = {"fi": "cccc d. MMMM", "ar": "EEEE، d MMMM"}


def fmt_day(day: date | datetime) -> str:
    if isinstance(day, datetime):
        day = local(day).date()
    code = get_i18n().current_locale
    return format_date(day, format=DAY_PATTERNS.get(code, "EEEE d MMMM"), locale=locale())


def fmt_clock(hhmm: str) -> str:
    """A wall-clock time from the backend ("07:00") in the user's format."""
    try:
        return format_time(time.fromisoformat(hhmm), format="short", locale=locale())
    except ValueError:
        return hhmm


def fmt_duration(minutes: int) -> str:
    """'1 h 20 min' in the user's language (Babel's unit data)."""
    minutes = abs(int(minutes))
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=locale()))
    if rest or not hours:
        parts.append(format_unit(rest, "duration-minute", length="short", locale=locale()))
    return " ".join(parts)


def service_name(code: str) -> str:
    name = SERVICE_NAMES.get(code)
    return str(name) if name is not None else code


def services_text(codes: Sequence[str], declined: Sequence[str] = ()) -> str:
    names = [service_name(c) for c in codes if c not in declined]
    return format_list(names, locale=locale()) if names else _("nothing planned")


def frame_bar(used: int, frame: int, width: int = 10) -> str:
    filled = 0 if frame <= 0 else min(width, width * used // frame)
    return "▓" * filled + "░" * (width - filled)


# --- visits -------------------------------------------------------------------------------


def visit_status(visit: VisitPublic) -> str:
    status = visit.status
    if status is VisitStatus.CANCELLED:
        return _("cancelled")
    if status is VisitStatus.DONE:
        return _("done")
    if status is VisitStatus.IN_PROGRESS:
        return _("staff are with you now")
    if status is VisitStatus.ON_THE_WAY:
        return _("on the way")
    if visit.late_minutes:
        n = visit.late_minutes
        return ngettext("late by {n} minute", "late by {n} minutes", n).format(n=n)
    return _("planned")


def visit_time(visit: VisitPublic) -> str:
    return f"{fmt_time(visit.start)}–{fmt_time(visit.end)}"


def who_is_coming(visit: VisitPublic) -> str:
    name = visit.staff_first_name
    if not name:
        return _("Staff not yet assigned")
    if visit.staff_is_new:
        return _("{name} is coming – someone new to you").format(name=escape(name))
    return _("{name} is coming").format(name=escape(name))


def visit_block(visit: VisitPublic) -> str:
    """One visit, in short lines: time and length, what will be done, who, status."""
    lines = [
        f"<b>{visit_time(visit)}</b> ({fmt_duration(visit.duration_minutes)})",
        services_text(visit.services, visit.declined_services),
    ]
    if visit.status not in (VisitStatus.DONE, VisitStatus.CANCELLED):
        lines.append(who_is_coming(visit))
    lines.append(_("Status: {status}").format(status=visit_status(visit)))
    return "\n".join(lines)


def visit_button(visit: VisitPublic) -> str:
    return "{day} {time} · {services}".format(
        day=format_date(local(visit.start).date(), format="EEE d/M", locale=locale()),
        time=fmt_time(visit.start),
        services=services_text(visit.services, visit.declined_services),
    )[:60]


# --- the frame ----------------------------------------------------------------------------


def period_name(period: Period) -> str:
    return _("this week") if period is Period.WEEK else _("this month")


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


# --- the frame check ----------------------------------------------------------------------


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


def outside_text(reasons: list[Reason]) -> str:
    lines = [_("This does not fit within your frame:")]
    lines += ["• " + reason_text(r) for r in reasons]
    return "\n".join(lines)


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
        lines += ["• " + reason_text(r) for r in verdict.reasons]
    return "\n".join(lines)


# --- changes and requests -----------------------------------------------------------------


def scope_text(scope: Scope) -> str:
    """What a relative's consent lets them do, as a phrase."""
    return {
        Scope.VISITS: _("see your visits"),
        Scope.REQUESTS: _("ask for changes for you"),
        Scope.NOTES: _("read the visit notes"),
    }[scope]


def change_text(change: Change, visit_start: datetime | None) -> str:
    """What the user asked for, in one sentence: the visit as it was (``visit_start``) and
    what it should become."""
    kind = change.kind
    when = (
        _("the visit {day} at {time}").format(day=fmt_day(visit_start), time=fmt_time(visit_start))
        if visit_start is not None
        else ""
    )
    if kind is ChangeKind.MOVE:
        assert change.new_start is not None
        return _("Move {visit} to {day} at {time}.").format(
            visit=when, day=fmt_day(change.new_start), time=fmt_time(change.new_start)
        )
    if kind is ChangeKind.RESIZE:
        assert change.new_duration is not None
        return _("Change the length of {visit} to {length}.").format(
            visit=when, length=fmt_duration(change.new_duration)
        )
    if kind is ChangeKind.SWAP:
        assert change.service is not None and change.new_service is not None
        return _("{new} instead of {old} at {visit}.").format(
            new=service_name(change.new_service).capitalize(),
            old=service_name(change.service),
            visit=when,
        )
    if kind is ChangeKind.SKIP_SERVICE:
        assert change.service is not None
        return _("Skip {service} at {visit}.").format(
            service=service_name(change.service), visit=when
        )
    if kind is ChangeKind.CANCEL:
        return _("Cancel {visit}.").format(visit=when)
    assert change.new_start is not None and change.new_duration is not None
    return _("An extra visit {day} at {time}, {length}: {services}.").format(
        day=fmt_day(change.new_start),
        time=fmt_time(change.new_start),
        length=fmt_duration(change.new_duration),
        services=services_text(change.services),
    )


def request_text(request: RequestPublic) -> str:
    """The request as it was asked: from the visit it was then (``before``), to its change."""
    before = request.before
    return change_text(request.change, before.start if before is not None else None)


def request_status(request: RequestPublic) -> str:
    status = request.status
    if status is RequestStatus.PENDING:
        who = request.assigned_first_name
        if who:
            return _("Waiting for {name}").format(name=escape(who))
        return _("Waiting for the planner")
    if status is RequestStatus.APPROVED:
        return _("Approved by {name}").format(name=escape(request.decided_by_first_name or ""))
    if status is RequestStatus.REJECTED:
        reason = REJECT_REASONS.get(request.reject_reason or RejectReason.OTHER, "")
        text = _("Not possible: {reason}").format(reason=reason)
        if request.reject_text:
            text += " – " + escape(request.reject_text)
        return text
    if status is RequestStatus.WITHDRAWN:
        return _("You withdrew it")
    if status is RequestStatus.EXPIRED:
        return _("Not decided before the visit")
    return _("Sent to your assessor as a changed need")


def request_block(request: RequestPublic) -> str:
    return "{change}\n{status}".format(
        change=request_text(request),
        status="<i>" + request_status(request) + "</i>",
    )


def sent_text(request: RequestPublic) -> str:
    if request.status is RequestStatus.TO_ASSESSOR:
        return _(
            "Sent to your assessor as a changed need. They will contact you; you will also "
            "hear from us here."
        )
    name = request.assigned_first_name
    if name:
        return _("Sent to your contact person {name}. You will get the answer here.").format(
            name=escape(name)
        )
    return _("Sent to the unit's planner. You will get the answer here.")


# --- staff --------------------------------------------------------------------------------


def queue_item(request: RequestPublic) -> str:
    outcome = {
        Outcome.WITHIN: _("Within the frame"),
        Outcome.NEEDS_REVIEW: _("Within the frame, but check:"),
        Outcome.OUTSIDE: _("Outside the frame"),
    }[request.outcome]
    lines = [
        "<b>{name}</b> · {asked}".format(
            name=escape(request.client_first_name),
            asked=_("asked {day} {time}").format(
                day=fmt_day(request.created_at), time=fmt_time(request.created_at)
            ),
        ),
        request_text(request),
        outcome,
    ]
    lines += ["• " + reason_text(r) for r in request.reasons]
    if request.note:
        lines.append(f"“{escape(request.note)}”")
    if request.escalated:
        lines.append(_("Waited too long: escalated to the planner."))
    return "\n".join(lines)


def staff_visit_block(visit: VisitPublic) -> str:
    lines = [
        "<b>{time}</b> {name} · {area}".format(
            time=visit_time(visit),
            name=escape(visit.client_first_name or ""),
            area=escape(visit.address_area or ""),
        ),
        services_text(visit.services, visit.declined_services),
    ]
    if visit.how:
        lines.append(f"<i>{escape(visit.how)}</i>")
    lines.append(_("Status: {status}").format(status=visit_status(visit)))
    return "\n".join(lines)


# --- errors -------------------------------------------------------------------------------


def error_text(code: ErrorCode) -> str:
    texts = {
        ErrorCode.BACKEND_UNAVAILABLE: _(
            "Sorry, I cannot reach the home-care system right now. Nothing was changed. "
            "Please try again in a few minutes."
        ),
        ErrorCode.INVALID_CODE: _("That code is not right. Please check it and try again."),
        ErrorCode.CODE_USED: _(
            "That code has already been used. Ask your contact person for a new one."
        ),
        ErrorCode.CODE_EXPIRED: _("That code has expired. Ask your contact person for a new one."),
        ErrorCode.TOO_MANY_ATTEMPTS: _(
            "Too many wrong codes. Please wait 15 minutes and try again."
        ),
        ErrorCode.ALREADY_LINKED: _("This account is already linked."),
        ErrorCode.VIEW_ONLY: _("You may see this, but not ask for changes."),
        ErrorCode.NO_ACCESS: _("You do not have access to this any more."),
        ErrorCode.SCOPE_NOT_GRANTED: _("You have not been given access to this."),
        ErrorCode.ALREADY_DECIDED: _("This request has already been decided."),
        ErrorCode.REQUEST_CHANGED: _("This request has changed. Here is how it looks now."),
        ErrorCode.NO_LONGER_FITS: _(
            "This no longer fits within the frame, so it cannot be approved."
        ),
        ErrorCode.NOT_YOUR_CLIENT: _(
            "Only the contact person, deputy or planner can decide this."
        ),
        ErrorCode.VISIT_NOT_FOUND: _("That visit no longer exists."),
        ErrorCode.NO_ORDER: _("There is no granted help for that date."),
        ErrorCode.TOO_EARLY_TO_CHECK_IN: _("It is too early to check in to that visit."),
        ErrorCode.NOT_CHECKED_IN: _("Check in to the visit first."),
        ErrorCode.NOT_YOUR_VISIT: _("That is not your visit."),
        ErrorCode.VISIT_CANCELLED: _("That visit is cancelled."),
        ErrorCode.ALREADY_MARKED_WRONG: _("That note has already been corrected."),
        ErrorCode.NOT_YOUR_NOTE: _("Only the author or a planner can correct that note."),
    }
    return texts.get(code, _("Sorry, that did not work. Nothing was changed."))


def current_language_name() -> str:
    code = get_i18n().current_locale
    return LANGUAGES.get(code, code)

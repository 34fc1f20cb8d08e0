"""Everything the bot says, in the user's language: the backend's codes and numbers put into
words, and dates, times and durations formatted by Babel for the current locale."""

from __future__ import annotations

from datetime import date, datetime, time
from html import escape
from typing import Any

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.units import format_unit

from contract import TZ

Json = dict[str, Any]

LANGUAGES = {"sv": "Svenska", "fi": "Suomi", "ar": "العربية", "en": "English"}

SERVICE_NAMES = {
    "cleaning": __("cleaning"),
    "laundry": __("laundry"),
    "shopping": __("shopping"),
    "meal": __("meal"),
    "hygiene": __("personal hygiene"),
    "shower": __("shower"),
    "dressing": __("dressing"),
    "walk": __("walk"),
    "company": __("companionship"),
    "supervision": __("safety check"),
}

REJECT_REASONS = {
    "no_staff": __("no staff available at that time"),
    "outside_service_hours": __("outside the unit's service hours"),
    "safety": __("for safety reasons"),
    "other": __("other reason"),
}

NOTIFY_LEVELS = {
    "all": __("Everything"),
    "changes": __("Only changes"),
    "urgent": __("Only urgent"),
}


# English here is English as used in Sweden: 24-hour clock, day before month.
BABEL_LOCALES = {"en": "en_SE"}


def locale() -> str:
    """The Babel locale for the user's language."""
    code = get_i18n().current_locale
    return BABEL_LOCALES.get(code, code)


def local(moment: str | datetime) -> datetime:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(TZ)


def fmt_time(moment: str | datetime) -> str:
    return format_time(local(moment), format="short", locale=locale())


# Weekday, day and month as each language writes them (Finnish: "tiistai 24. marraskuuta").
DAY_PATTERNS = {"fi": "cccc d. MMMM", "ar": "EEEE، d MMMM"}


def fmt_day(day: date | str | datetime) -> str:
    if isinstance(day, datetime) or (isinstance(day, str) and "T" in day):
        day = local(day).date()
    elif isinstance(day, str):
        day = date.fromisoformat(day)
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


def services_text(codes: list[str], declined: list[str] | None = None) -> str:
    declined = declined or []
    names = [service_name(c) for c in codes if c not in declined]
    return format_list(names, locale=locale()) if names else _("nothing planned")


def frame_bar(used: int, frame: int, width: int = 10) -> str:
    filled = 0 if frame <= 0 else min(width, width * used // frame)
    return "▓" * filled + "░" * (width - filled)


# --- visits -------------------------------------------------------------------------------


def visit_status(visit: Json) -> str:
    status = visit["status"]
    if status == "cancelled":
        return _("cancelled")
    if status == "done":
        return _("done")
    if status == "in_progress":
        return _("staff are with you now")
    if status == "on_the_way":
        return _("on the way")
    if visit.get("late_minutes"):
        n = visit["late_minutes"]
        return ngettext("late by {n} minute", "late by {n} minutes", n).format(n=n)
    return _("planned")


def visit_time(visit: Json) -> str:
    return "{start}–{end}".format(start=fmt_time(visit["start"]), end=fmt_time(visit["end"]))


def who_is_coming(visit: Json) -> str:
    name = visit.get("staff_first_name")
    if not name:
        return _("Staff not yet assigned")
    if visit.get("staff_is_new"):
        return _("{name} is coming – someone new to you").format(name=escape(name))
    return _("{name} is coming").format(name=escape(name))


def visit_block(visit: Json) -> str:
    """One visit, in short lines: time and length, what will be done, who, status."""
    lines = [
        "<b>{time}</b> ({length})".format(
            time=visit_time(visit), length=fmt_duration(visit["duration_minutes"])
        ),
        services_text(visit["services"], visit.get("declined_services")),
    ]
    if visit["status"] not in ("done", "cancelled"):
        lines.append(who_is_coming(visit))
    lines.append(_("Status: {status}").format(status=visit_status(visit)))
    return "\n".join(lines)


def visit_button(visit: Json) -> str:
    return "{day} {time} · {services}".format(
        day=format_date(local(visit["start"]).date(), format="EEE d/M", locale=locale()),
        time=fmt_time(visit["start"]),
        services=services_text(visit["services"], visit.get("declined_services")),
    )[:60]


# --- the frame ----------------------------------------------------------------------------


def period_name(frame: Json) -> str:
    return _("this week") if frame["period"] == "week" else _("this month")


def frame_text(frame: Json, *, whose: str | None = None) -> str:
    used = frame["performed_minutes"] + frame["planned_minutes"]
    lines = []
    if whose:
        lines.append(_("{name}'s granted time").format(name=escape(whose)))
    lines += [
        _("Your frame {period}: {frame}").format(
            period=period_name(frame), frame=fmt_duration(frame["frame_minutes"])
        ),
        frame_bar(used, frame["frame_minutes"]),
        _("Done: {minutes}").format(minutes=fmt_duration(frame["performed_minutes"])),
        _("Planned: {minutes}").format(minutes=fmt_duration(frame["planned_minutes"])),
    ]
    left = frame["left_minutes"]
    if left >= 0:
        lines.append(_("Left: {minutes}").format(minutes=fmt_duration(left)))
    else:
        lines.append(_("Over the frame by {minutes}").format(minutes=fmt_duration(-left)))
    return "\n".join(lines)


# --- the frame check ----------------------------------------------------------------------


def reason_text(reason: Json) -> str:
    code, n = reason["code"], reason.get("numbers", {})
    if code == "over_frame":
        return _("That would be {total} of your {frame} – {over} more than your frame.").format(
            total=fmt_duration(int(n["total_after"])),
            frame=fmt_duration(int(n["frame_minutes"])),
            over=fmt_duration(int(n["over_by"])),
        )
    if code == "service_not_granted":
        if not n.get("service"):
            return _("Please choose what should be done.")
        return _("{service} is not part of your granted help.").format(
            service=service_name(str(n["service"])).capitalize()
        )
    if code == "overlap":
        return _("It would overlap your visit at {time}.").format(
            time=fmt_clock(str(n.get("other_start", "")))
        )
    if code == "in_past":
        return _("That time has already passed.")
    if code == "visit_started":
        return _("That visit has already started or passed.")
    if code == "duration_out_of_bounds":
        return _("A visit must be between {min} and {max} long.").format(
            min=fmt_duration(int(n["min"])), max=fmt_duration(int(n["max"]))
        )
    if code == "outside_order_validity":
        return _("Your granted help does not cover that date.")
    if code == "visit_not_found":
        return _("That visit no longer exists.")
    if code == "visit_cancelled":
        return _("That visit is cancelled.")
    if code == "service_not_in_visit":
        return _("{service} is not part of that visit.").format(
            service=service_name(str(n.get("service", ""))).capitalize()
        )
    if code == "no_change":
        return _("That is already how the visit is planned.")
    if code == "short_notice":
        return _("Short notice: the visit is in less than {hours}.").format(
            hours=fmt_duration(int(n["notice_minutes"]))
        )
    if code == "below_frequency":
        granted = int(n["granted"])
        per = {"day": _("per day"), "week": _("per week"), "month": _("per month")}.get(
            str(n["per"]), ""
        )
        return ngettext(
            "You are granted {service} {n} time {per}; your contact person will check this.",
            "You are granted {service} {n} times {per}; your contact person will check this.",
            granted,
        ).format(service=service_name(str(n["service"])), n=granted, per=per)
    if code == "outside_service_hours":
        return _("Outside the unit's hours ({start}–{end}).").format(
            start=fmt_clock(str(n.get("service_start", ""))),
            end=fmt_clock(str(n.get("service_end", ""))),
        )
    if code == "repeated_declines":
        return _(
            "You have said no to help several times lately; your assessor may ask how you are."
        )
    return _("Something in the request does not fit.")


def verdict_text(verdict: Json) -> str:
    total = verdict["total_after"]
    frame = verdict["frame_minutes"]
    period = _("this week") if _is_week(verdict) else _("this month")
    if verdict["outcome"] == "outside":
        lines = [_("This does not fit within your frame:")]
        lines += ["• " + reason_text(r) for r in verdict["reasons"]]
        return "\n".join(lines)
    lines = [
        _("This fits within your frame: {total} of {frame} {period}.").format(
            total=fmt_duration(total), frame=fmt_duration(frame), period=period
        )
    ]
    if verdict["delta_minutes"] > 0:
        lines.append(
            _("This change adds {minutes}.").format(minutes=fmt_duration(verdict["delta_minutes"]))
        )
    elif verdict["delta_minutes"] < 0:
        lines.append(
            _("This change frees {minutes}.").format(
                minutes=fmt_duration(-verdict["delta_minutes"])
            )
        )
    if verdict["reasons"]:
        lines.append(_("Your contact person will look at this:"))
        lines += ["• " + reason_text(r) for r in verdict["reasons"]]
    return "\n".join(lines)


def _is_week(verdict: Json) -> bool:
    start = date.fromisoformat(verdict["period_start"])
    end = date.fromisoformat(verdict["period_end"])
    return (end - start).days == 6 and start.weekday() == 0


# --- changes and requests -----------------------------------------------------------------


def change_text(change: Json, visit: Json | None) -> str:
    """What the user asked for, in one sentence, for confirmation."""
    kind = change["kind"]
    when = (
        _("the visit {day} at {time}").format(
            day=fmt_day(visit["start"]), time=fmt_time(visit["start"])
        )
        if visit
        else ""
    )
    if kind == "move":
        return _("Move {visit} to {day} at {time}.").format(
            visit=when, day=fmt_day(change["new_start"]), time=fmt_time(change["new_start"])
        )
    if kind == "resize":
        return _("Change the length of {visit} to {length}.").format(
            visit=when, length=fmt_duration(change["new_duration"])
        )
    if kind == "swap":
        return _("{new} instead of {old} at {visit}.").format(
            new=service_name(change["new_service"]).capitalize(),
            old=service_name(change["service"]),
            visit=when,
        )
    if kind == "skip_service":
        return _("Skip {service} at {visit}.").format(
            service=service_name(change["service"]), visit=when
        )
    if kind == "cancel":
        return _("Cancel {visit}.").format(visit=when)
    return _("An extra visit {day} at {time}, {length}: {services}.").format(
        day=fmt_day(change["new_start"]),
        time=fmt_time(change["new_start"]),
        length=fmt_duration(change["new_duration"]),
        services=services_text(change.get("services", [])),
    )


def request_change(request: Json) -> Json:
    return {
        "kind": request["kind"],
        "new_start": request.get("new_start"),
        "new_duration": request.get("new_duration"),
        "service": request.get("service"),
        "new_service": request.get("new_service"),
        "services": request.get("services", []),
    }


def request_visit(request: Json) -> Json | None:
    if not request.get("visit_start"):
        return None
    return {"start": request["visit_start"]}


def request_status(request: Json) -> str:
    status = request["status"]
    if status == "pending":
        who = request.get("assigned_first_name")
        if who:
            return _("Waiting for {name}").format(name=escape(who))
        return _("Waiting for the planner")
    if status == "approved":
        return _("Approved by {name}").format(
            name=escape(request.get("decided_by_first_name") or "")
        )
    if status == "rejected":
        reason = REJECT_REASONS.get(request.get("reject_reason") or "other", "")
        text = _("Not possible: {reason}").format(reason=reason)
        if request.get("reject_text"):
            text += " – " + escape(request["reject_text"])
        return text
    if status == "withdrawn":
        return _("You withdrew it")
    if status == "expired":
        return _("Not decided before the visit")
    return _("Sent to your assessor as a changed need")


def request_block(request: Json) -> str:
    return "{change}\n{status}".format(
        change=change_text(request_change(request), request_visit(request)),
        status="<i>" + request_status(request) + "</i>",
    )


def sent_text(request: Json) -> str:
    if request["status"] == "to_assessor":
        return _(
            "Sent to your assessor as a changed need. They will contact you; you will also "
            "hear from us here."
        )
    name = request.get("assigned_first_name")
    if name:
        return _("Sent to your contact person {name}. You will get the answer here.").format(
            name=escape(name)
        )
    return _("Sent to the unit's planner. You will get the answer here.")


# --- staff --------------------------------------------------------------------------------


def queue_item(request: Json) -> str:
    outcome = {
        "within": _("Within the frame"),
        "needs_review": _("Within the frame, but check:"),
        "outside": _("Outside the frame"),
    }[request["outcome"]]
    lines = [
        "<b>{name}</b> · {asked}".format(
            name=escape(request["client_first_name"]),
            asked=_("asked {day} {time}").format(
                day=fmt_day(request["created_at"]), time=fmt_time(request["created_at"])
            ),
        ),
        change_text(request_change(request), request_visit(request)),
        outcome,
    ]
    lines += ["• " + reason_text(r) for r in request.get("reasons", [])]
    if request.get("note"):
        lines.append("“{note}”".format(note=escape(request["note"])))
    if request.get("escalated"):
        lines.append(_("Waited too long: escalated to the planner."))
    return "\n".join(lines)


def staff_visit_block(visit: Json) -> str:
    lines = [
        "<b>{time}</b> {name} · {area}".format(
            time=visit_time(visit),
            name=escape(visit.get("client_first_name") or ""),
            area=escape(visit.get("address_area") or ""),
        ),
        services_text(visit["services"], visit.get("declined_services")),
    ]
    if visit.get("how"):
        lines.append("<i>{how}</i>".format(how=escape(visit["how"])))
    lines.append(_("Status: {status}").format(status=visit_status(visit)))
    return "\n".join(lines)


# --- errors -------------------------------------------------------------------------------


def error_text(code: str) -> str:
    texts = {
        "backend_unavailable": _(
            "Sorry, I cannot reach the home-care system right now. Nothing was changed. "
            "Please try again in a few minutes."
        ),
        "invalid_code": _("That code is not right. Please check it and try again."),
        "code_used": _("That code has already been used. Ask your contact person for a new one."),
        "code_expired": _("That code has expired. Ask your contact person for a new one."),
        "too_many_attempts": _("Too many wrong codes. Please wait 15 minutes and try again."),
        "already_linked": _("This account is already linked."),
        "view_only": _("You may see this, but not ask for changes."),
        "no_access": _("You do not have access to this any more."),
        "already_decided": _("This request has already been decided."),
        "request_changed": _("This request has changed. Here is how it looks now."),
        "no_longer_fits": _("This no longer fits within the frame, so it cannot be approved."),
        "not_your_client": _("Only the contact person, deputy or planner can decide this."),
        "visit_not_found": _("That visit no longer exists."),
        "no_order": _("There is no granted help for that date."),
        "too_early_to_check_in": _("It is too early to check in to that visit."),
        "not_checked_in": _("Check in to the visit first."),
        "not_your_visit": _("That is not your visit."),
        "visit_cancelled": _("That visit is cancelled."),
        "already_marked_wrong": _("That note has already been corrected."),
        "not_your_note": _("Only the author or a planner can correct that note."),
    }
    return texts.get(code, _("Sorry, that did not work. Nothing was changed."))


def current_language_name() -> str:
    code = get_i18n().current_locale
    return LANGUAGES.get(code, code)

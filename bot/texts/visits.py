"""Visits as a client or relative reads them: today, the week, one visit, the notes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.texts.formatting import (
    escape,
    fmt_day,
    fmt_duration,
    fmt_short_day,
    fmt_time,
    services_text,
)
from bot.texts.messages import MESSAGE_LIMIT, pack, pieces
from contract import DayPublic, DeviationReason, NotePublic, VisitPublic, VisitStatus


def expected_arrival(visit: VisitPublic) -> datetime:
    """When staff reported late are expected: the planned start plus the lateness."""
    return visit.start + timedelta(minutes=visit.late_minutes)


def visit_status(visit: VisitPublic, whose: str | None = None) -> str:
    """``whose``: the client's first name when a relative reads it."""
    status = visit.status
    if status is VisitStatus.CANCELLED:
        if visit.deviation_reason is DeviationReason.CLIENT_DECLINED:
            return _("cancelled, as asked")  # the client's own wish, approved
        if visit.deviation_reason is DeviationReason.CANCELLED_BY_PROVIDER:
            return _("cancelled by the unit")
        return _("cancelled")
    if status is VisitStatus.MISSED:
        return _("did not happen")
    if status is VisitStatus.DONE:
        if visit.performed_minutes is not None:
            return _("done, {length}").format(length=fmt_duration(visit.performed_minutes))
        return _("done")
    if status is VisitStatus.IN_PROGRESS:
        if whose:
            return _("staff are with {name} now").format(name=escape(whose))
        return _("staff are with you now")
    if status is VisitStatus.ON_THE_WAY:
        return _("on the way")
    if visit.late_minutes:
        n = visit.late_minutes
        return ngettext(
            "late by {n} minute, expected about {time}",
            "late by {n} minutes, expected about {time}",
            n,
        ).format(n=n, time=fmt_time(expected_arrival(visit)))
    return _("planned")


def visit_time(visit: VisitPublic) -> str:
    return f"{fmt_time(visit.start)}–{fmt_time(visit.end)}"


def who_is_coming(visit: VisitPublic, whose: str | None = None) -> str:
    name = visit.staff_first_name
    if not name:
        return _("Staff not yet assigned")
    if visit.staff_is_new and whose:
        return _("{name} is coming – someone new to {client}").format(
            name=escape(name), client=escape(whose)
        )
    if visit.staff_is_new:
        return _("{name} is coming – someone new to you").format(name=escape(name))
    return _("{name} is coming").format(name=escape(name))


def visit_block(visit: VisitPublic, whose: str | None = None) -> str:
    """One visit, in short lines: time and length, what will be done, who, status;
    ``whose``: the client's first name when a relative reads it."""
    lines = [
        f"<b>{visit_time(visit)}</b> ({fmt_duration(visit.duration_minutes)})",
        services_text(visit.services, visit.declined_services),
    ]
    if visit.status not in (VisitStatus.DONE, VisitStatus.CANCELLED, VisitStatus.MISSED):
        lines.append(who_is_coming(visit, whose))
    lines.append(_("Status: {status}").format(status=visit_status(visit, whose)))
    return "\n".join(lines)


def visit_button(visit: VisitPublic) -> str:
    """A visit on a button: "tis 24/11 12:00 · måltid"."""
    services = services_text(visit.services, visit.declined_services)
    return f"{fmt_short_day(visit.start)} {fmt_time(visit.start)} · {services}"[:60]


def visit_label(visit: VisitPublic) -> str:
    """A visit named by its day and time: "tisdag 24 november 12:00"."""
    return f"{fmt_day(visit.start)} {fmt_time(visit.start)}"


def care_ended_text(last_day: date, whose: str | None = None) -> str:
    if whose:
        return _(
            "Home care for {name} ended on {day}, so no visits are planned. Call the home-care "
            "unit if {name} needs help again."
        ).format(name=escape(whose), day=fmt_day(last_day))
    return _(
        "Home care ended on {day}, so no visits are planned. Call your home-care unit if "
        "you need help again."
    ).format(day=fmt_day(last_day))


def today_text(day: DayPublic, *, whose: str | None = None) -> str:
    """Today's visits; ``whose`` names the client when a relative is looking."""
    heading = (
        _("{name}'s visits today, {day}").format(name=escape(whose), day=fmt_day(day.start))
        if whose
        else _("Today, {day}").format(day=fmt_day(day.start))
    )
    if not any(v.status is not VisitStatus.CANCELLED for v in day.visits):
        lines = [heading, _("There are no visits today.")]
        if day.care_ended_on is not None:
            lines.append(care_ended_text(day.care_ended_on, whose))
        upcoming = day.next_visit
        if upcoming:
            lines.append(
                _("The next visit is {day} at {time}.").format(
                    day=fmt_day(upcoming.start), time=fmt_time(upcoming.start)
                )
            )
        return "\n".join(lines)
    return "\n\n".join([heading] + [visit_block(v, whose) for v in day.visits])


def week_messages(
    week: DayPublic, *, whose: str | None = None, seven_days: bool = True
) -> list[str]:
    """The coming days' visits, one line each, grouped by day: as many messages as the days
    take (a day is never split). ``whose`` names the client when a relative is looking (in a
    heading, unless these are not the seven days but one day asked about)."""
    by_day: dict[date, list[VisitPublic]] = {}
    for visit in week.visits:
        by_day.setdefault(visit.day, []).append(visit)
    ended = week.care_ended_on
    if ended is not None and ended < week.end:
        by_day = {day: visits for day, visits in by_day.items() if day <= ended}
    if not by_day:
        text = _("There are no visits in the coming seven days.")
        return [text + ("\n" + care_ended_text(ended, whose) if ended is not None else "")]
    parts = []
    for day, visits in by_day.items():
        lines = [f"<b>{fmt_day(day).capitalize()}</b>"]
        for visit in visits:
            services = services_text(visit.services, visit.declined_services)
            lines.append(f"{visit_time(visit)} · {services} · {visit_status(visit, whose)}")
            if visit.staff_is_new and visit.status is VisitStatus.PLANNED:
                lines.append("  " + who_is_coming(visit, whose))
        parts.append("\n".join(lines))
    if whose and seven_days:
        parts.insert(0, _("{name}'s visits in the coming seven days:").format(name=escape(whose)))
    if ended is not None and ended < week.end:
        parts.append(care_ended_text(ended, whose))
    return pack(parts)


def notes_messages(notes: list[NotePublic], *, whose: str | None = None) -> list[str]:
    """Notes about the visits, newest first, each whole (a long one goes on in the next
    message); a wrong note is shown struck through. ``whose`` names the client when a
    relative is reading."""
    if not notes:
        if whose:
            return [_("There are no notes about {name}'s visits yet.").format(name=escape(whose))]
        return [_("There are no notes about your visits yet.")]
    blocks = []
    for note in notes:
        head = _("{day} {time}, written by {name}").format(
            day=fmt_day(note.event_time),
            time=fmt_time(note.event_time),
            name=escape(note.author_first_name or ""),
        )
        head = f"<b>{head}</b>"
        mark = " ({mark})".format(mark=_("marked as wrong")) if note.marked_wrong else ""
        room = MESSAGE_LIMIT - len(head) - len(mark) - len("\n<s></s>")
        parts = pieces(note.text, room)
        for i, piece in enumerate(parts):
            body = f"<s>{escape(piece)}</s>" if note.marked_wrong else escape(piece)
            if i == len(parts) - 1:
                body += mark
            blocks.append(f"{head}\n{body}" if i == 0 else body)
    return pack(blocks)


def no_visits_on(day: date) -> str:
    return _("There are no visits on {day}.").format(day=fmt_day(day))


def no_one_followed() -> str:
    return _("You do not follow anyone's visits any more.")

"""What staff read: the queue and its decisions, the day's visits, running late, notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.texts.errors import error_text
from bot.texts.formatting import (
    escape,
    fmt_day,
    fmt_duration,
    fmt_list,
    fmt_time,
    per_unit,
    service_name,
    services_text,
)
from bot.texts.frame import reason_text
from bot.texts.messages import MESSAGE_LIMIT, pack
from bot.texts.requests import REJECT_REASONS, request_text
from bot.texts.visits import expected_arrival, visit_status, visit_time
from contract import (
    DeviationReason,
    ErrorCode,
    Outcome,
    PerformedCorrection,
    PersonKind,
    Reason,
    ReasonCode,
    RejectReason,
    RequestPublic,
    RequestStatus,
    VisitPublic,
    VisitStatus,
    freed_in_a_period_over,
)

# --- the queue ----------------------------------------------------------------------------


def staff_reason_text(reason: Reason, client: str | None = None) -> str:
    """The frame check's reason as staff read it: about the client (``client``, her first
    name), not to her."""
    code, n = reason.code, reason.numbers
    if code in (ReasonCode.OVER_FRAME, ReasonCode.ALREADY_OVER_FRAME):
        over = (
            _("{total} of the frame's {frame}: {over} over.")
            if code is ReasonCode.OVER_FRAME
            else _("The period is already over the frame: {total} of {frame}, {over} over.")
        )
        return over.format(
            total=fmt_duration(int(n["total_after"])),
            frame=fmt_duration(int(n["frame_minutes"])),
            over=fmt_duration(int(n["over_by"])),
        )
    if code is ReasonCode.BELOW_FREQUENCY:
        granted = int(n["granted"])
        per = per_unit(str(n["per"]))
        return ngettext(
            "Below the granted frequency: {service} {n} time {per}.",
            "Below the granted frequency: {service} {n} times {per}.",
            granted,
        ).format(service=service_name(str(n["service"])), n=granted, per=per)
    if code is ReasonCode.REPEATED_DECLINES:
        return _("The client has declined help several times lately: tell the assessor.")
    return reason_text(reason, client)


def staff_reason_lines(reasons: list[Reason], client: str | None = None) -> list[str]:
    return ["• " + staff_reason_text(r, client) for r in reasons]


def queue_heading(count: int) -> str:
    return ngettext(
        "{n} request is waiting, oldest first:", "{n} requests are waiting, oldest first:", count
    ).format(n=count)


def nothing_waiting() -> str:
    return _("No requests are waiting for you.")


def more_waiting() -> str:
    return _("More requests are waiting.")


def no_more_waiting() -> str:
    return _("No more requests are waiting after these.")


def outcome_label(request: RequestPublic) -> str:
    """What the frame check said, in a few words; "within" only where the figures agree."""
    freed = freed_in_a_period_over(request.reasons)
    if freed:
        return _("Frees {duration}, but check:").format(duration=fmt_duration(freed))
    if freed is not None:
        return _("Adds no time, but check:")
    return {
        Outcome.WITHIN: _("Within the frame"),
        Outcome.NEEDS_REVIEW: _("Within the frame, but check:"),
        Outcome.OUTSIDE: _("Outside the frame"),
    }[request.outcome]


def _card_head(request: RequestPublic) -> list[str]:
    """Whose request, who asked it when, and what it asks."""
    day, time = fmt_day(request.created_at), fmt_time(request.created_at)
    asker = escape(request.asked_by_first_name or "")
    if request.asked_by is PersonKind.RELATIVE and asker:
        asked = _("{name} (relative) asked {day} {time}").format(name=asker, day=day, time=time)
    elif request.asked_by is PersonKind.STAFF and asker:
        asked = _("{name} (staff) asked {day} {time}").format(name=asker, day=day, time=time)
    else:
        asked = _("asked {day} {time}").format(day=day, time=time)
    return [f"<b>{escape(request.client_first_name)}</b> · {asked}", request_text(request)]


def queue_item(request: RequestPublic) -> str:
    lines = [*_card_head(request), outcome_label(request)]
    lines += staff_reason_lines(request.reasons, request.client_first_name)
    if request.note:
        lines.append(f"“{escape(request.note)}”")
    if request.escalated:
        lines.append(_("Waited too long: escalated to the planner."))
    return "\n".join(lines)


def _told(request: RequestPublic) -> str:
    """Who will be told of a decision: the client, and a relative who asked for them."""
    names = [escape(request.client_first_name)]
    if request.asked_by is PersonKind.RELATIVE and request.asked_by_first_name:
        names.append(escape(request.asked_by_first_name))
    return fmt_list(names)


def why_not() -> str:
    return _("Why is it not possible?")


def write_the_reason() -> str:
    return _("Write the reason in a few words; the client will see it.")


def approved_alert() -> str:
    return _("Approved.")


def approved(request: RequestPublic) -> str:
    return _("✅ Approved. {name} will be told.").format(name=_told(request))


def rejected_alert() -> str:
    return _("Rejected.")


def rejected(request: RequestPublic, reason: RejectReason) -> str:
    return _("Rejected: {reason}. {name} will be told.").format(
        reason=REJECT_REASONS[reason], name=_told(request)
    )


def rejected_with_words(request: RequestPublic) -> str:
    return _("Rejected. {name} will be told why.").format(name=_told(request))


def handed_over_alert() -> str:
    return _("Passed to the planner.")


def handed_over(request: RequestPublic) -> str:
    return _("➡️ Passed to the planners. {name} will be told who decides now.").format(
        name=_told(request)
    )


def no_longer_fits(request: RequestPublic, reasons: list[Reason]) -> str:
    """The request, and why approving it was refused: the frame check's reasons now, about the
    client by name (what the request said when it was sent no longer holds)."""
    return "\n".join(
        [
            *_card_head(request),
            error_text(ErrorCode.NO_LONGER_FITS),
            *staff_reason_lines(reasons, request.client_first_name),
        ]
    )


def already_decided_text(details: dict[str, Any]) -> str:
    """A request someone else already decided (or that ended): who, when, or how."""
    name = details.get("decided_by_first_name")
    status = details.get("status")
    if name and details.get("decided_at"):
        at = datetime.fromisoformat(details["decided_at"])
        said_by_status: dict[str, str] = {
            RequestStatus.APPROVED: _("Already approved by {name} on {day} at {time}."),
            RequestStatus.REJECTED: _("Already rejected by {name} on {day} at {time}."),
        }
        said = said_by_status.get(str(status), _("Already decided by {name} on {day} at {time}."))
        return said.format(name=escape(name), day=fmt_day(at), time=fmt_time(at))
    if status == RequestStatus.WITHDRAWN:
        withdrawer = details.get("withdrawn_by_first_name")
        if withdrawer:
            return _("{name} has withdrawn this request.").format(name=escape(withdrawer))
        return _("The client has withdrawn this request.")
    if status == RequestStatus.EXPIRED:
        return _("The visit has passed; this request has expired.")
    return error_text(ErrorCode.ALREADY_DECIDED)


# --- the day --------------------------------------------------------------------------------


def staff_status(visit: VisitPublic) -> str:
    """A visit's status as staff read it: "checked in", not the client's "staff are with
    you now"."""
    return _("checked in") if visit.status is VisitStatus.IN_PROGRESS else visit_status(visit)


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
    lines.append(_("Status: {status}").format(status=staff_status(visit)))
    if visit.status is VisitStatus.MISSED and visit.deviation_reason is None:
        lines.append(_("Nobody checked in. Why did the visit not happen?"))
    elif visit.deviation_reason is not None:
        lines.append(
            _("Reason: {reason}").format(reason=deviation_reasons()[visit.deviation_reason])
        )
    return "\n".join(lines)


def deviation_reasons() -> dict[DeviationReason, str]:
    """Why a visit did not happen, as staff choose it."""
    return {
        DeviationReason.CLIENT_DECLINED: _("The client declined"),
        DeviationReason.HOSPITAL_STAY: _("The client was in hospital"),
        DeviationReason.CANCELLED_BY_PROVIDER: _("No staff could come"),
        DeviationReason.TRAVEL: _("The client was away"),
        DeviationReason.OTHER: _("Another reason"),
    }


def deviation_saved(reason: DeviationReason) -> str:
    return _("Saved: {reason}.").format(reason=deviation_reasons()[reason])


def correction_reasons() -> dict[PerformedCorrection, str]:
    return {
        PerformedCorrection.DOUBLE_TAP: _("I checked out by mistake"),
        PerformedCorrection.FORGOT_TO_CHECK_OUT: _("I forgot to check out"),
        PerformedCorrection.FORGOT_TO_CHECK_IN: _("I checked in late"),
        PerformedCorrection.OTHER: _("Another reason"),
    }


def check_out_so_soon(minutes: int) -> str:
    """A check-out a few minutes after the check-in: probably a double tap."""
    return ngettext(
        "You checked in only {n} minute ago. Check out now anyway?",
        "You checked in only {n} minutes ago. Check out now anyway?",
        minutes,
    ).format(n=minutes)


def still_checked_in() -> str:
    return _("You are still checked in.")


def how_many_minutes_performed() -> str:
    return _("How many minutes did the visit really take? Write a number, for example 25.")


def performed_minutes_not_understood() -> str:
    return _("Write the minutes as a number from 0 to 600, for example 25.")


def why_correct(minutes: int) -> str:
    return _("Why should it be {length}?").format(length=fmt_duration(minutes))


def performed_corrected(visit: VisitPublic) -> str:
    assert visit.performed_minutes is not None
    return _("Corrected: {length} performed. The change and its reason are saved.").format(
        length=fmt_duration(visit.performed_minutes)
    )


def your_visits_today() -> str:
    return _("Your visits today:")


def day_list(visits: list[VisitPublic]) -> list[str]:
    """A long day in one list, a line a visit (time, client, area, status), and what to do
    with it; as many messages as it takes."""
    lines = [
        "<b>{time}</b> {name} · {area} · {status}".format(
            time=visit_time(visit),
            name=escape(visit.client_first_name or ""),
            area=escape(visit.address_area or ""),
            status=staff_status(visit),
        )
        for visit in visits
    ]
    heading = ngettext("Your {n} visit today:", "Your {n} visits today:", len(visits)).format(
        n=len(visits)
    )
    hint = _(
        "Press a visit's time to check in, check out or write a note. The visits to act on "
        "now follow below."
    )
    room = MESSAGE_LIMIT - len(heading) - len(hint) - 3
    messages = pack(lines, limit=room, between="\n")
    messages[0] = f"{heading}\n{messages[0]}"
    messages[-1] += f"\n\n{hint}"
    return messages


def visit_on_button(visit: VisitPublic) -> str:
    """A visit of the day on a button: "08:00 Lisa"."""
    return f"{fmt_time(visit.start)} {visit.client_first_name or ''}"[:40]


def not_in_your_day() -> str:
    return _("That visit is no longer in your day. Open your day again.")


def no_visits_today() -> str:
    return _("You have no visits today.")


def checked_in(visit: VisitPublic) -> str:
    assert visit.actual_start is not None
    return _("Checked in at {time}.").format(time=fmt_time(visit.actual_start))


def checked_out(visit: VisitPublic) -> str:
    """When the visit ended and the time performed (the backend's figure)."""
    assert visit.actual_end is not None and visit.performed_minutes is not None
    return _("Checked out at {time}: {length} performed.").format(
        time=fmt_time(visit.actual_end), length=fmt_duration(visit.performed_minutes)
    )


# --- running late ---------------------------------------------------------------------------


def late_for_which_visit() -> str:
    return _("Which visit will you be late for?")


def how_late(visit: VisitPublic) -> str:
    """The question, and that the minutes may be written instead of pressed."""
    question = _("How late will you be for {name} at {time}?").format(
        name=escape(visit.client_first_name or ""), time=fmt_time(visit.start)
    )
    return question + "\n" + _("Or write how many minutes, for example 25.")


def late_minutes_out_of_range() -> str:
    return _("Write the minutes as a number from 1 to 240, for example 25.")


def told_late(affected: list[VisitPublic]) -> str:
    """Who was told, and when each can expect you (the visit itself and those it pushes)."""
    if not affected:
        return _("You have no more visits today to be late for.")
    lines = [_("I have told them when to expect you:")]
    for visit in affected:
        lines.append(
            _("{name} (planned {time}): about {arrival}").format(
                name=escape(visit.client_first_name or ""),
                time=fmt_time(visit.start),
                arrival=fmt_time(expected_arrival(visit)),
            )
        )
    return "\n".join(lines)


# --- notes ----------------------------------------------------------------------------------


def dictation_text(text: str, visit: VisitPublic | None) -> str:
    """A dictated (or corrected) note shown back before it is saved."""
    lines = [_("Your note:"), quoted(text), ""]
    if visit is None:
        lines.append(_("You have no visit today to attach it to."))
    else:
        lines.append(
            _("For the visit at {time} with {name}.").format(
                time=fmt_time(visit.start), name=escape(visit.client_first_name or "")
            )
        )
        lines.append(_("Save it, or write the corrected text."))
    return "\n".join(lines)


def write_the_note(visit: VisitPublic | None) -> str:
    """A note is asked for in writing: the next message is the note."""
    if visit is None:
        return _("Write the note as a message. You will see it before it is saved.")
    return _(
        "Write the note for the visit at {time} with {name} as a message. "
        "You will see it before it is saved."
    ).format(time=fmt_time(visit.start), name=escape(visit.client_first_name or ""))


def no_speech_write_the_note() -> str:
    """A voice note in a language with no speech model: writing is offered at once."""
    return _("I cannot understand speech in your language yet.")


def note_length_hint(longest: int) -> str:
    return _("Write the note as text, at most {n} characters.").format(n=longest)


def quoted(text: str) -> str:
    """The person's own words, read back."""
    return f"<i>{escape(text)}</i>"


def which_visit_is_the_note_about() -> str:
    return _("Which visit is the note about?")


def choose_a_visit_first() -> str:
    return _("Choose a visit first.")


def saved_alert() -> str:
    return _("Saved.")


def note_saved(visit: VisitPublic) -> str:
    return _("The note is saved for the visit at {time} with {name}.").format(
        time=fmt_time(visit.start), name=escape(visit.client_first_name or "")
    )


def write_the_correction() -> str:
    return _("Write the corrected note. The old one is kept and marked as wrong.")


def corrected() -> str:
    return _("Corrected. The old note is kept and marked as wrong.")


def web_signin_text(url: str, minutes: int) -> str:
    """The one-time link to the web pages (also as a button below it)."""
    return (
        _(
            "Here is your sign-in link for the web pages. It works once, for {minutes} "
            "minutes. Do not forward it: it signs in as you."
        ).format(minutes=minutes)
        + "\n"
        + escape(url)
    )

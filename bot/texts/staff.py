"""What staff read: the queue and its decisions, the day's visits, running late, notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.texts.errors import error_text
from bot.texts.formatting import escape, fmt_day, fmt_duration, fmt_time, services_text
from bot.texts.frame import reason_lines
from bot.texts.requests import REJECT_REASONS, request_text
from bot.texts.visits import visit_status, visit_time
from contract import (
    ErrorCode,
    Outcome,
    Reason,
    RejectReason,
    RequestPublic,
    RequestStatus,
    VisitPublic,
)

# --- the queue ----------------------------------------------------------------------------


def queue_heading(count: int) -> str:
    return ngettext(
        "{n} request is waiting, oldest first:", "{n} requests are waiting, oldest first:", count
    ).format(n=count)


def nothing_waiting() -> str:
    return _("No requests are waiting for you.")


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
    lines += reason_lines(request.reasons)
    if request.note:
        lines.append(f"“{escape(request.note)}”")
    if request.escalated:
        lines.append(_("Waited too long: escalated to the planner."))
    return "\n".join(lines)


def why_not() -> str:
    return _("Why is it not possible?")


def write_the_reason() -> str:
    return _("Write the reason in a few words; the client will see it.")


def approved_alert() -> str:
    return _("Approved.")


def approved(request: RequestPublic) -> str:
    return _("✅ Approved. {name} will be told.").format(name=escape(request.client_first_name))


def rejected_alert() -> str:
    return _("Rejected.")


def rejected(request: RequestPublic, reason: RejectReason) -> str:
    return _("Rejected: {reason}. {name} will be told.").format(
        reason=REJECT_REASONS[reason], name=escape(request.client_first_name)
    )


def rejected_with_words(request: RequestPublic) -> str:
    return _("Rejected. {name} will be told why.").format(name=escape(request.client_first_name))


def handed_over_alert() -> str:
    return _("Passed to the planner.")


def handed_over() -> str:
    return _("➡️ Passed to the planner.")


def no_longer_fits(reasons: list[Reason]) -> str:
    """An approval refused because the change no longer fits the frame, and why."""
    return "\n".join([error_text(ErrorCode.NO_LONGER_FITS), *reason_lines(reasons)])


def already_decided_text(details: dict[str, Any]) -> str:
    """A request someone else already decided (or that ended): who, when, or how."""
    name = details.get("decided_by_first_name")
    status = details.get("status")
    if name and details.get("decided_at"):
        return _("Already decided by {name} at {time}.").format(
            name=escape(name),
            time=fmt_time(datetime.fromisoformat(details["decided_at"])),
        )
    if status == RequestStatus.WITHDRAWN:
        return _("The client has withdrawn this request.")
    if status == RequestStatus.EXPIRED:
        return _("The visit has passed; this request has expired.")
    return error_text(ErrorCode.ALREADY_DECIDED)


# --- the day --------------------------------------------------------------------------------


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


def your_visits_today() -> str:
    return _("Your visits today:")


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


def how_late() -> str:
    return _("How late are you?")


def told_late(clients: int) -> str:
    if not clients:
        return _("You have no more visits today to be late for.")
    return ngettext(
        "I have told {n} client that you are running late.",
        "I have told {n} clients that you are running late.",
        clients,
    ).format(n=clients)


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

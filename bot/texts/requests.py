"""Asking for a change, step by step, and the request it becomes: what was asked (from what
the visit was, to what it should be), where the request stands, and what happened to it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from bot.texts.formatting import (
    escape,
    fmt_day,
    fmt_duration,
    fmt_short_day,
    fmt_time,
    service_name,
    services_text,
)
from bot.texts.frame import verdict_text
from bot.texts.visits import visit_label
from bot.wishes import MinutesFor, ServiceFor
from contract import (
    DECLINE_KINDS,
    Change,
    ChangeKind,
    Outcome,
    PersonKind,
    RejectReason,
    RequestPublic,
    RequestStatus,
    ServiceCode,
    Verdict,
    VisitPublic,
    a_changed_need,
)

REJECT_REASONS = {
    RejectReason.NO_STAFF: __("no staff available at that time"),
    RejectReason.OUTSIDE_SERVICE_HOURS: __("outside the unit's service hours"),
    RejectReason.SAFETY: __("for safety reasons"),
    RejectReason.OTHER: __("other reason"),
}
# The reasons that can be true of each kind of request: staffing and service hours say
# nothing about declining help (a cancellation or a skipped service). "Other" is always
# there, and always asks for the reason in words.
DECLINE_REJECT_REASONS = (RejectReason.SAFETY, RejectReason.OTHER)
NO_NEW_TIME_REJECT_REASONS = (RejectReason.NO_STAFF, RejectReason.SAFETY, RejectReason.OTHER)


def reject_reasons_for(kind: ChangeKind) -> tuple[RejectReason, ...]:
    """The reasons offered when rejecting a request of this kind."""
    if kind in DECLINE_KINDS:
        return DECLINE_REJECT_REASONS
    if kind in (ChangeKind.SWAP, ChangeKind.RESIZE):
        return NO_NEW_TIME_REJECT_REASONS
    return tuple(REJECT_REASONS)


def reject_reason_text(reason: RejectReason | None, text: str | None) -> str:
    """Why it was not possible: the staff member's own words for "other", else the reason."""
    if reason in (None, RejectReason.OTHER) and text:
        return escape(text)
    line = str(REJECT_REASONS.get(reason or RejectReason.OTHER, ""))
    if text:
        line += " – " + escape(text)
    return line


def asked_by_line(request: RequestPublic, *, viewer: PersonKind, viewer_name: str) -> str | None:
    """Who asked, when it was not the one reading: "Eva asked for this for you"."""
    kind, name = request.asked_by, request.asked_by_first_name
    if kind is None or not name:
        return None
    if _is_viewer(kind, name, viewer, viewer_name):
        return None
    if viewer is PersonKind.CLIENT:
        return _("{name} asked for this for you").format(name=escape(name))
    return _("Asked by {name}").format(name=escape(name))


# --- what was asked -----------------------------------------------------------------------


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


def _is_viewer(
    kind: PersonKind | None, name: str | None, viewer: PersonKind, viewer_name: str
) -> bool:
    """Whether the person (``kind``, ``name``) is the one reading: the client, or a relative
    by her first name."""
    return kind is viewer and (kind is PersonKind.CLIENT or name == viewer_name)


def request_status(
    request: RequestPublic, viewer: PersonKind = PersonKind.CLIENT, viewer_name: str = ""
) -> str:
    """Where the request stands, said to the client (``viewer``) or to a relative
    (``viewer_name``: her first name)."""
    status = request.status
    if status is RequestStatus.PENDING:
        who = request.assigned_first_name
        if who:
            return _("Waiting for {name}").format(name=escape(who))
        return _("Waiting for the planner")
    if status is RequestStatus.APPROVED:
        return _("Approved by {name}").format(name=escape(request.decided_by_first_name or ""))
    if status is RequestStatus.REJECTED:
        reason = reject_reason_text(request.reject_reason, request.reject_text)
        return _("Not possible: {reason}").format(reason=reason)
    if status is RequestStatus.WITHDRAWN:
        who, name = request.withdrawn_by, request.withdrawn_by_first_name
        if who is None or not name:
            return _("Withdrawn")  # before who withdrew was kept, or not done in a chat
        if _is_viewer(who, name, viewer, viewer_name):
            return _("You withdrew it")
        return _("Withdrawn by {name}").format(name=escape(name))
    if status is RequestStatus.EXPIRED:
        return _("Not decided before the visit")
    if viewer is not PersonKind.CLIENT:
        assessor = _("Saved as a changed need: the unit passes it on to {name}'s needs assessor")
        return assessor.format(name=escape(request.client_first_name))
    return _("Saved as a changed need: the unit passes it on to your needs assessor")


def request_block(
    request: RequestPublic, *, viewer: PersonKind = PersonKind.CLIENT, viewer_name: str = ""
) -> str:
    lines = [request_text(request)]
    asked = asked_by_line(request, viewer=viewer, viewer_name=viewer_name)
    if asked:
        lines.append(asked)
    lines.append("<i>" + request_status(request, viewer, viewer_name) + "</i>")
    return "\n".join(lines)


def requests_heading(whose: str | None = None) -> str:
    """``whose``: the client a relative follows (a relative reads "Lisa's requests")."""
    if whose:
        return _("{name}'s requests:").format(name=escape(whose))
    return _("Your requests:")


def no_requests(whose: str | None = None) -> str:
    if whose:
        return _("No changes have been asked for {name} yet.").format(name=escape(whose))
    return _("You have not asked for any changes yet.")


def withdrawn() -> str:
    return _("Withdrawn.")


def waiting_count(n: int) -> str:
    """Under the list, when several wait: they can be withdrawn in one go."""
    return ngettext(
        "{n} request is waiting for an answer.", "{n} requests are waiting for an answer.", n
    ).format(n=n)


def withdraw_all_sure(n: int) -> str:
    return ngettext(
        "Withdraw the {n} waiting request? The contact person is told.",
        "Withdraw all {n} waiting requests? The contact person is told.",
        n,
    ).format(n=n)


def withdrawn_all(n: int) -> str:
    return ngettext("{n} request withdrawn.", "{n} requests withdrawn.", n).format(n=n)


# --- asking, one question at a time -------------------------------------------------------


def which_visit(visits: list[VisitPublic], *, paged: bool = False, speech: bool = True) -> str:
    """The first question of the change flow: about which visit (or an extra one);
    ``paged``: later days are buttons of their own; ``speech``: voice is understood."""
    question = _("Which visit is it about?") if visits else _("There are no visits to change.")
    if paged:
        question += "\n" + choose_the_day()
    if not speech:
        return (
            question
            + "\n"
            + _("You can also write what you want, for example “tomorrow at 10 instead”.")
        )
    return (
        question
        + "\n"
        + _("You can also write or say what you want, for example “tomorrow at 10 instead”.")
    )


def choose_the_day() -> str:
    """Said when later days are buttons of their own (too many visits for one list)."""
    return _("For a later day, choose the day first.")


def which_visit_on(day: date) -> str:
    return _("Which visit on {day}?").format(day=fmt_day(day))


def which_visit_do_you_mean() -> str:
    return _("Which visit do you mean?")


def no_visit_found() -> str:
    return _("I could not find a visit that this could be about.")


def already_that_day(visit: VisitPublic, service: ServiceCode) -> str:
    """ "flytta duschen till onsdag" when it is on Wednesday: say so, rather than that no
    visit fits."""
    return _("{service} is on {day} at {time} already.").format(
        service=service_name(service).capitalize(),
        day=fmt_day(visit.start),
        time=fmt_time(visit.start),
    )


def already_asked(n: int, whose: str | None = None) -> str:
    """Every visit a wish fits already has a wish waiting (it was sent before): say so,
    rather than ask which one."""
    if n == 1 and whose:
        return _(
            "A wish about this visit is already waiting for an answer. It is under “Requests”."
        )
    if n == 1:
        return _(
            "You have already asked about this visit: your wish is waiting for an answer. It "
            "is under “My requests”."
        )
    if whose:
        return ngettext(
            "Wishes about these {n} visit are already waiting for an answer. They are under "
            "“Requests”.",
            "Wishes about these {n} visits are already waiting for an answer. They are under "
            "“Requests”.",
            n,
        ).format(n=n)
    return ngettext(
        "You have already asked about these {n} visit: your wishes are waiting for an answer. "
        "They are under “My requests”.",
        "You have already asked about these {n} visits: your wishes are waiting for an "
        "answer. They are under “My requests”.",
        n,
    ).format(n=n)


def visit_gone() -> str:
    return _("That visit can no longer be changed. Please choose another.")


def choose_a_visit_first() -> str:
    return _("Please choose a visit first.")


def what_to_change(visit: VisitPublic) -> str:
    return _("What would you like to change about the visit {when}?").format(
        when=visit_label(visit)
    )


def new_time(visit: VisitPublic | None) -> str:
    """The new time of ``visit``, or when the extra visit should be (``visit`` None)."""
    if visit is None:
        return _(
            "When would you like the extra visit? "
            "Write the day and time, for example “Friday at 14”."
        )
    return _("Which new time? Write it, for example “10:30” or “tomorrow at 10”, or choose:")


def how_many_minutes(what: MinutesFor) -> str:
    if what is MinutesFor.LONGER:
        return _("How much longer?")
    if what is MinutesFor.SHORTER:
        return _("How much shorter?")
    return _("How long should the extra visit be?")


def which_service(what: ServiceFor) -> str:
    return {
        ServiceFor.SKIP: _("What should be skipped this time?"),
        ServiceFor.GIVE_UP: _("What should be replaced?"),
        ServiceFor.GET_INSTEAD: _("What would you like instead?"),
        ServiceFor.EXTRA: _("What should be done at the extra visit?"),
    }[what]


def nothing_else_granted(whose: str | None = None) -> str:
    if whose:
        return _("All of {name}'s granted help is already part of this visit.").format(
            name=escape(whose)
        )
    return _("All your granted help is already part of this visit.")


def heard(text: str) -> str:
    """A spoken wish, as it was understood, before it is read as a wish."""
    return _("I heard: “{text}”").format(text=escape(text))


# --- the preview, and sending -------------------------------------------------------------


def preview_text(
    change: Change,
    visit_start: datetime | None,
    verdict: Verdict,
    today: date | None = None,
    whose: str | None = None,
) -> str:
    """What was understood and the frame check's verdict on it; nothing is sent yet.
    ``whose``: the client's first name, when a relative asks for them."""
    return _previewed([change_text(change, visit_start)], verdict, today, whose)


def whole_days_button(n: int, days: Sequence[date]) -> str:
    """The button that cancels every visit of a day, or of the days away, at once: "Alla 3
    besök lör 5/12", "Alla 6 besök lör 5/12–sön 6/12", "Alla 4 besök mån 7/12, ons 9/12"."""
    label = ngettext("All {n} visit {day}", "All {n} visits {day}", n)
    first, last = days[0], days[-1]
    if len(days) == 1:
        said = fmt_short_day(first)
    elif (last - first).days == len(days) - 1:
        said = f"{fmt_short_day(first)}–{fmt_short_day(last)}"
    else:
        said = ", ".join(fmt_short_day(day) for day in days)
    return label.format(n=n, day=said)


def together_preview_text(
    changes: list[tuple[Change, datetime | None]],
    verdict: Verdict,
    today: date | None = None,
    whose: str | None = None,
) -> str:
    """Changes asked for together (each with the start of its visit), and the one frame
    check of them all."""
    return _previewed([change_text(c, start) for c, start in changes], verdict, today, whose)


def _previewed(asked: list[str], verdict: Verdict, today: date | None, whose: str | None) -> str:
    text = "{understood}\n{changes}\n\n{verdict}".format(
        understood=_("You asked:"),
        changes="\n".join(asked),
        verdict=verdict_text(verdict, today, whose, several=len(asked) > 1),
    )
    if verdict.outcome is Outcome.OUTSIDE and not a_changed_need(verdict.reasons):
        text += "\n\n" + _("To ask for something else, press “Back”.")
    elif verdict.outcome is Outcome.OUTSIDE and whose:
        text += "\n\n" + _(
            "If {name}'s need for help has changed, I can pass this on as a changed need. "
            "{name}'s contact person takes it to the person at the municipality who decides "
            "about the help (the needs assessor)."
        ).format(name=escape(whose))
    elif verdict.outcome is Outcome.OUTSIDE:
        text += "\n\n" + _(
            "If your need for help has changed, I can pass this on as a changed need. Your "
            "contact person takes it to the person at the municipality who decides about your "
            "help (the needs assessor)."
        )
    return text


def cannot_send_outside(whose: str | None = None) -> str:
    if whose:
        theirs = _("This does not fit within {name}'s frame, so it cannot be sent like that.")
        return theirs.format(name=escape(whose))
    return _("This does not fit within your frame, so it cannot be sent like that.")


def sent_together(n: int) -> str:
    """Before ``sent_text``: changes asked for together go as a request each."""
    return ngettext(
        "{n} request, one for each visit.", "{n} requests, one for each visit.", n
    ).format(n=n)


def sent_text(request: RequestPublic, whose: str | None = None) -> str:
    """Where the request went; ``whose``: the client's first name, when a relative asked."""
    name = request.assigned_first_name
    if whose and request.status is RequestStatus.TO_ASSESSOR:
        return _(
            "Saved as a changed need. {name}'s home-care unit collects it, and the contact "
            "person passes it on to the needs assessor at the municipality, who decides about "
            "the help. Nothing changes until then."
        ).format(name=escape(whose))
    if whose and name:
        sent = _("Sent to {name}'s contact person {contact}. You will get the answer here.")
        return sent.format(name=escape(whose), contact=escape(name))
    if request.status is RequestStatus.TO_ASSESSOR:
        return _(
            "Saved as a changed need. Your home-care unit collects it, and your contact person "
            "passes it on to the needs assessor at the municipality, who decides about your "
            "help. Nothing changes until then."
        )
    if name:
        return _("Sent to your contact person {name}. You will get the answer here.").format(
            name=escape(name)
        )
    return _("Sent to the unit's planner. You will get the answer here.")

"""The outbox's notifications put into words for the person they are for (the notifier calls
``render`` inside ``i18n.use_locale(notification.locale)``)."""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import gettext as _

from bot.backend_client import UnknownNotification
from bot.texts.formatting import escape, fmt_day, fmt_duration, fmt_list, fmt_time
from bot.texts.requests import change_text, reject_reason_text
from bot.texts.settings import scope_text
from contract import (
    ActedForClient,
    Message,
    NotificationKind,
    NotificationPublic,
    OnBehalf,
    PersonKind,
    RelativeAccessChanged,
    RelativeLinked,
    RequestDecided,
    RequestExpired,
    RequestForStaff,
    RequestPassedOn,
    RequestStatus,
    SomeoneNew,
    StaffLate,
    VisitForStaff,
)


def render(notification: NotificationPublic | UnknownNotification) -> str:
    """The notification in the recipient's language (call inside ``i18n.use_locale``)."""
    if isinstance(notification, UnknownNotification):
        return _("There is news about your home care. Look at “Today”.")
    return render_message(
        notification.message, notification.recipient, chat_id=notification.chat_id
    )


def _about(name: str, recipient: PersonKind) -> str:
    """Relatives follow someone else: say whose visit it is."""
    if recipient is PersonKind.RELATIVE and name:
        return _("About {name}:").format(name=escape(name)) + "\n"
    return ""


def _whose_request(m: RequestDecided, recipient: PersonKind, chat_id: int | None) -> str | None:
    """Who asked, when it was not the one reading: None for "your request"."""
    name = m.asked_by_first_name
    if m.asked_by is None or not name:
        return None
    if m.asked_by_chat_id is not None and m.asked_by_chat_id == chat_id:
        return None
    if recipient is PersonKind.CLIENT and m.asked_by is PersonKind.CLIENT:
        return None
    return escape(name)


def _visit_for_staff(m: VisitForStaff) -> str:
    """To the staff member whose visit changed or changed hands."""
    name = escape(m.client_first_name)
    when = f"{fmt_day(m.visit_start)} {fmt_time(m.visit_start)}"
    if m.kind is NotificationKind.VISIT_ASSIGNED:
        return _("You have been given a visit: {name}, {when}.").format(name=name, when=when)
    if m.kind is NotificationKind.VISIT_UNASSIGNED:
        return _("Your visit to {name} {when} has been given to {other}.").format(
            name=name, when=when, other=escape(m.other_staff_first_name or "")
        )
    assert m.change is not None
    change = change_text(m.change, m.before.start if m.before else None)
    return _("Your visit to {name} has changed (approved):\n{change}").format(
        name=name, change=change
    )


def render_message(m: Message, recipient: PersonKind, *, chat_id: int | None = None) -> str:
    if isinstance(m, RequestDecided):
        # What was asked, from the visit as it was then: the visit itself may have moved.
        change = change_text(m.change, m.before.start if m.before else None)
        about = _about(m.client_first_name, recipient)
        asker = _whose_request(m, recipient, chat_id)
        by = escape(m.decided_by_first_name)
        if m.status is RequestStatus.APPROVED:
            if asker is None:
                said = _("Good news: {name} approved your request.\n{change}")
            elif recipient is PersonKind.CLIENT:
                said = _("Good news: {name} approved the request {asker} made for you.\n{change}")
            else:
                said = _("Good news: {name} approved the request {asker} made.\n{change}")
            return about + said.format(name=by, asker=asker, change=change)
        reason = reject_reason_text(m.reject_reason, m.reject_text)
        if asker is None:
            said = _("{name} could not arrange your request: {reason}.\n{change}")
        elif recipient is PersonKind.CLIENT:
            said = _(
                "{name} could not arrange the request {asker} made for you: {reason}.\n{change}"
            )
        else:
            said = _("{name} could not arrange the request {asker} made: {reason}.\n{change}")
        return about + said.format(name=by, asker=asker, reason=reason, change=change)
    if isinstance(m, RequestPassedOn):
        change = change_text(m.change, m.before.start if m.before else None)
        relative = recipient is PersonKind.RELATIVE  # who asked is not said: "the request"
        planners = fmt_list(escape(n) for n in m.planner_first_names)
        if m.by_first_name is None:  # nobody answered in time: it went on by itself
            said = (
                _("The request has waited a while, so it has gone to the unit's planners.")
                if relative
                else _("Your request has waited a while, so it has gone to the unit's planners.")
            )
            if m.planner_first_names:
                said += " " + _("{planners} decides it now.").format(planners=planners)
            return _about(m.client_first_name, recipient) + said + "\n" + change
        if m.planner_first_names:
            said = (
                _("{by} has passed the request on to the planner {planners}, who decides it now.")
                if relative
                else _(
                    "{by} has passed your request on to the planner {planners}, "
                    "who decides it now."
                )
            )
        else:
            said = (
                _("{by} has passed the request on to the unit's planners, who decide it now.")
                if relative
                else _(
                    "{by} has passed your request on to the unit's planners, who decide it now."
                )
            )
        return (
            _about(m.client_first_name, recipient)
            + said.format(by=escape(m.by_first_name), planners=planners)
            + "\n"
            + change
        )
    if isinstance(m, RequestExpired):
        start = m.before.start if m.before else m.change.new_start
        assert start is not None  # an extra visit has a new start
        return _about(m.client_first_name, recipient) + _(
            "The visit {day} at {time} has passed before your request was decided."
        ).format(day=fmt_day(start), time=fmt_time(start))
    if isinstance(m, StaffLate):
        return _about(m.client_first_name, recipient) + _(
            "{name} is running late for the visit at {time} and expects to be there at about "
            "{arrival} ({minutes} late)."
        ).format(
            name=escape(m.staff_first_name),
            minutes=fmt_duration(m.late_minutes),
            time=fmt_time(m.visit_start),
            arrival=fmt_time(m.visit_start + timedelta(minutes=m.late_minutes)),
        )
    if isinstance(m, VisitForStaff):
        return _visit_for_staff(m)
    if isinstance(m, SomeoneNew):
        return _about(m.client_first_name, recipient) + _(
            "Someone new is coming: {name} will come on {day} at {time}."
        ).format(
            name=escape(m.staff_first_name),
            day=fmt_day(m.visit_start),
            time=fmt_time(m.visit_start),
        )
    if isinstance(m, RelativeLinked):
        return _("{name} can now see your visits. You can change this in Settings.").format(
            name=escape(m.relative_first_name)
        )
    if isinstance(m, ActedForClient):
        change = change_text(m.change, m.before.start if m.before else None)
        done = (
            _("{name} asked for a change for you:\n{change}")
            if m.action is OnBehalf.REQUEST_SUBMITTED
            else _("{name} withdrew a request of yours:\n{change}")
        )
        return done.format(name=escape(m.by_first_name), change=change)
    if isinstance(m, RelativeAccessChanged):
        name, by = escape(m.relative_first_name), escape(m.by_first_name)
        if not m.scopes:
            return _("{by} has ended {name}'s access to your data.").format(by=by, name=name)
        return _("{by} changed what {name} may do: {scopes}.").format(
            by=by, name=name, scopes=", ".join(scope_text(s) for s in m.scopes)
        )
    assert isinstance(m, RequestForStaff)
    name = escape(m.client_first_name)
    if m.kind is NotificationKind.REQUEST_TO_DECIDE:
        return _(
            "A new request from {name} is waiting for you. Open “Requests to decide”."
        ).format(name=name)
    if m.kind is NotificationKind.REQUEST_HANDED_OVER:
        return _("A request from {name} was passed to the planners.").format(name=name)
    if m.kind is NotificationKind.REQUEST_ESCALATED:
        return _("A request from {name} has waited too long and needs a decision.").format(
            name=name
        )
    if m.by_first_name:
        return _("{by} withdrew a request for {name}.").format(
            by=escape(m.by_first_name), name=name
        )
    return _("{name} withdrew a request.").format(name=name)

"""Keyboards: a persistent main menu with large, worded buttons, and inline choices.

Callback data stays far below Telegram's 64 bytes: short prefixes and ids only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder
from babel.support import LazyProxy

from bot import texts
from bot.keyboard_cache import per_language
from bot.wish_parser import WishKind
from bot.wishes import all_of_the_days
from contract import (
    MAX_TOGETHER,
    Assignee,
    ClientAccess,
    DeviationReason,
    MePublic,
    NotifyLevel,
    Outcome,
    PerformedCorrection,
    PersonKind,
    Reason,
    RejectReason,
    RelativePublic,
    RequestPublic,
    Scope,
    ServiceCode,
    StaffRole,
    VisitPublic,
    VisitStatus,
    a_changed_need,
)


class Keyboard(InlineKeyboardBuilder):
    """aiogram's inline keyboard builder without its deep copies: it copied the whole
    keyboard for every button added and again for the markup (0.8 ms for ten buttons, six
    times what building them costs). A button is never changed once made, so only the rows
    are copied."""

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]


# Main-menu buttons (lazy: matched in the user's language by the handlers' filters).
TODAY = __("📅 Today")
WEEK = __("🗓 This week")
FRAME = __("⏱ My hours")
CHANGE = __("✏️ Ask for a change")
MY_REQUESTS = __("📨 My requests")
# A relative's words for the same two: the hours and requests are the client's, not hers.
GRANTED_TIME = __("⏱ Granted time")
REQUESTS = __("📨 Requests")
SETTINGS = __("⚙️ Settings")
HELP = __("❓ Help")
NOTES = __("📝 Notes")
QUEUE = __("📥 Requests to decide")
MY_DAY = __("🚶 My visits today")
LATE = __("⏰ I am running late")
WEB_SIGNIN = __("🔑 Sign in on the web")  # handlers/web_signin.py
FOLLOWUP = __("📊 Follow-up")  # handlers/oversight.py: planners and managers
OVERSIGHT = __("🛡 Oversight")  # handlers/oversight.py: managers
MENU = (
    TODAY,
    WEEK,
    FRAME,
    CHANGE,
    MY_REQUESTS,
    GRANTED_TIME,
    REQUESTS,
    SETTINGS,
    HELP,
    NOTES,
    QUEUE,
    MY_DAY,
    LATE,
    WEB_SIGNIN,
    FOLLOWUP,
    OVERSIGHT,
)


class VisitPick(CallbackData, prefix="v"):
    visit_id: int


class DayPick(CallbackData, prefix="dp"):
    day: str  # ISO date of the visits to show; "" = the days again


class WholeDay(CallbackData, prefix="wd"):
    """Every visit of the days the change flow keeps (``Conversation.whole_days``)."""


class KindPick(CallbackData, prefix="k"):
    kind: WishKind


class MinutesPick(CallbackData, prefix="m"):
    minutes: int


class ShiftPick(CallbackData, prefix="sh"):
    minutes: int


class ServicePick(CallbackData, prefix="s"):
    code: ServiceCode


class Confirm(CallbackData, prefix="c"):
    action: str  # send | assessor


class Nav(CallbackData, prefix="n"):
    to: str  # back | cancel | keep (a relative, not removed after all)


class Withdraw(CallbackData, prefix="w"):
    request_id: int


class WithdrawAll(CallbackData, prefix="wa"):
    """Every waiting request of the client at once (a week away changed its mind); asked
    again (``sure``) before anything is withdrawn."""

    client_id: int
    sure: bool = False


class Decide(CallbackData, prefix="d"):
    action: str  # approve | reject | handover
    request_id: int
    version: int


class QueueMore(CallbackData, prefix="qm"):
    after: int  # the last request shown: the next page starts after it


class RejectWith(CallbackData, prefix="rr"):
    request_id: int
    version: int
    reason: RejectReason


class VisitAction(CallbackData, prefix="va"):
    # in | out | sure (check out though it is soon) | keep | fix (performed time) | note |
    # open (show the visit with its actions: a long day's list)
    action: str
    visit_id: int


class LateFor(CallbackData, prefix="lf"):
    visit_id: int


class LatePick(CallbackData, prefix="late"):
    minutes: int
    visit_id: int = 0  # 0: the next visit today


class DeviationPick(CallbackData, prefix="dv"):
    visit_id: int
    reason: DeviationReason


class PerformedPick(CallbackData, prefix="pf"):
    visit_id: int
    minutes: int
    reason: PerformedCorrection


class Language(CallbackData, prefix="lang"):
    code: str


class Level(CallbackData, prefix="lvl"):
    level: NotifyLevel


class SettingsPick(CallbackData, prefix="set"):
    what: str  # language | level | relatives | invite


class ScopePick(CallbackData, prefix="sc"):
    """What a new relative may do: 0 see the visits, 1 also ask for changes, 2 also read
    the visit notes (``INVITE_SCOPES``)."""

    level: int


# What each ``ScopePick.level`` grants a new relative.
INVITE_SCOPES = (
    {Scope.VISITS},
    {Scope.VISITS, Scope.REQUESTS},
    {Scope.VISITS, Scope.REQUESTS, Scope.NOTES},
)


class Revoke(CallbackData, prefix="rv"):
    """ "Remove Eva": asks first (``RevokeSure``)."""

    client_id: int
    link_id: int


class RevokeSure(CallbackData, prefix="rvy"):
    client_id: int
    link_id: int


class ScopeToggle(CallbackData, prefix="st"):
    """The client lets a relative do one thing more (``on``) or one thing less."""

    client_id: int
    link_id: int
    scope: Scope
    on: bool


class ClientPick(CallbackData, prefix="cl"):
    client_id: int


class NoteAction(CallbackData, prefix="na"):
    action: str  # save | visit


class NoteVisit(CallbackData, prefix="nv"):
    visit_id: int


class NoteCorrect(CallbackData, prefix="nc"):
    note_id: int


def staff_menu_labels(me: MePublic) -> list[LazyProxy]:
    """What each staff role's menu offers, for its own work: a carer their day; a contact
    person also their clients' requests and the web pages (plans); a planner the unit's
    queue, the day and the follow-up; a manager the follow-up, the oversight and the web;
    an assessor (read-only) only the way to their page of changed needs on the web."""
    if me.staff_role is StaffRole.ASSESSOR:
        return [WEB_SIGNIN, SETTINGS, HELP]
    if me.staff_role is StaffRole.MANAGER:
        return [FOLLOWUP, OVERSIGHT, QUEUE, WEB_SIGNIN, SETTINGS, HELP]
    if me.staff_role is StaffRole.PLANNER:
        return [QUEUE, MY_DAY, FOLLOWUP, WEB_SIGNIN, SETTINGS, HELP]
    if me.contact_person:
        return [QUEUE, MY_DAY, LATE, WEB_SIGNIN, SETTINGS, HELP]
    return [MY_DAY, LATE, SETTINGS, HELP]


def client_menu_labels(me: MePublic | None) -> list[LazyProxy]:
    """A client's menu; a relative's holds only what the client consented to, in words
    about the client ("Granted time", not "My hours")."""
    client = me is None or me.kind is PersonKind.CLIENT
    scopes = set(Scope) if me is None or client else {s for c in me.clients for s in c.scopes}
    labels: list[LazyProxy] = []
    if Scope.VISITS in scopes:
        labels += [TODAY, WEEK, FRAME if client else GRANTED_TIME]
    if Scope.REQUESTS in scopes:
        labels += [CHANGE, MY_REQUESTS if client else REQUESTS]
    if Scope.NOTES in scopes:
        labels.append(NOTES)
    return [*labels, SETTINGS, HELP]


def main_menu(me: MePublic | None) -> ReplyKeyboardMarkup:
    """The persistent menu for who this is (``no_menu`` for someone not linked)."""
    staff = me is not None and me.kind is PersonKind.STAFF
    labels = staff_menu_labels(me) if me is not None and staff else client_menu_labels(me)
    return _menu_of(tuple(str(label) for label in labels))


def _menu_of(labels: tuple[str, ...]) -> ReplyKeyboardMarkup:
    """The menu with these buttons: built once (it goes with nearly every reply)."""
    builder = ReplyKeyboardBuilder()
    for label in labels:
        builder.button(text=label)
    builder.adjust(2)
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def no_menu() -> ReplyKeyboardRemove:
    """Someone not linked (or a relative no client lets in any more): no menu, only linking
    with a code."""
    return ReplyKeyboardRemove()


def _nav(builder: Keyboard, *, back: bool = True) -> None:
    if back:
        builder.button(text=_("⬅️ Back"), callback_data=Nav(to="back"))
    builder.button(text=_("✖️ Cancel"), callback_data=Nav(to="cancel"))


VISIT_BUTTONS = 8  # more visits than this are offered day by day


def paged(visits: Sequence[VisitPublic]) -> bool:
    """True when the visits are too many for one keyboard: the day is chosen first."""
    return len(visits) > VISIT_BUTTONS


def visits_keyboard(
    visits: Sequence[VisitPublic], whole_days: Sequence[date] = (), waiting: Sequence[int] = ()
) -> InlineKeyboardMarkup:
    """The visits to choose from, an extra visit. When there are many, the first days'
    visits are buttons and each later day is a button that shows its visits. ``whole_days``:
    first, every visit of those days at once (a cancellation: the client is away), but for
    those a wish already waits about (``waiting``), when two or more are left."""
    builder = Keyboard()
    direct, later = _split_by_day(visits)
    n = len(all_of_the_days(visits, whole_days, waiting))
    all_at_once = bool(whole_days) and 2 <= n <= MAX_TOGETHER
    if all_at_once:
        builder.button(
            text=texts.requests.whole_days_button(n, whole_days), callback_data=WholeDay()
        )
    for visit in direct:
        builder.button(
            text=texts.visits.visit_button(visit), callback_data=VisitPick(visit_id=visit.id)
        )
    for day in later:
        builder.button(
            text=texts.formatting.fmt_short_day(day),  # as the visit buttons write it
            callback_data=DayPick(day=day.isoformat()),
        )
    builder.button(text=_("➕ An extra visit"), callback_data=KindPick(kind=WishKind.EXTRA))
    _nav(builder, back=False)
    first = [1] * (len(direct) + all_at_once)
    builder.adjust(*first, *([2] * ((len(later) + 1) // 2)), 1, 1)
    return builder.as_markup()


def _split_by_day(visits: Sequence[VisitPublic]) -> tuple[list[VisitPublic], list[date]]:
    """(visits shown as buttons, later days shown as day buttons)."""
    if not paged(visits):
        return list(visits), []
    days = sorted({visit.day for visit in visits})
    for first in (2, 1, 0):
        direct = [v for v in visits if v.day in days[:first]]
        if len(direct) <= VISIT_BUTTONS:
            return direct, days[first:]
    return [], days


def day_visits_keyboard(visits: Sequence[VisitPublic]) -> InlineKeyboardMarkup:
    """The visits of one day, and the way back to the days."""
    builder = Keyboard()
    for visit in visits:
        builder.button(
            text=texts.visits.visit_button(visit), callback_data=VisitPick(visit_id=visit.id)
        )
    builder.button(text=_("⬅️ Other days"), callback_data=DayPick(day=""))
    builder.button(text=_("✖️ Cancel"), callback_data=Nav(to="cancel"))
    builder.adjust(*([1] * len(visits)), 2)
    return builder.as_markup()


def kinds_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    for kind, label in (
        (WishKind.MOVE, _("Another time")),
        (WishKind.LONGER, _("Longer")),
        (WishKind.SHORTER, _("Shorter")),
        (WishKind.SWAP, _("Something else instead")),
        (WishKind.SKIP_SERVICE, _("Skip one thing")),
        (WishKind.CANCEL, _("Cancel this visit")),
    ):
        builder.button(text=label, callback_data=KindPick(kind=kind))
    _nav(builder)
    builder.adjust(2, 2, 2, 2)
    return builder.as_markup()


def minutes_keyboard(options: Sequence[int]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for minutes in options:
        builder.button(
            text=texts.formatting.fmt_duration(minutes), callback_data=MinutesPick(minutes=minutes)
        )
    _nav(builder)
    builder.adjust(2, 2, 2)
    return builder.as_markup()


def shift_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    for minutes, label in (
        (-60, _("1 hour earlier")),
        (-30, _("30 minutes earlier")),
        (30, _("30 minutes later")),
        (60, _("1 hour later")),
    ):
        builder.button(text=label, callback_data=ShiftPick(minutes=minutes))
    _nav(builder)
    builder.adjust(2, 2, 2)
    return builder.as_markup()


def services_keyboard(codes: Sequence[ServiceCode]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for code in codes:
        builder.button(
            text=texts.formatting.service_name(code).capitalize(),
            callback_data=ServicePick(code=code),
        )
    _nav(builder)
    builder.adjust(2)
    return builder.as_markup()


def confirm_keyboard(outcome: Outcome, reasons: Sequence[Reason] = ()) -> InlineKeyboardMarkup:
    """Send; or, outside the frame, pass it on as a changed need when ``reasons`` are what a
    new decision could change (not a time already past); else only back and cancel."""
    builder = Keyboard()
    offer: Confirm | None = None
    if outcome is not Outcome.OUTSIDE:
        offer, label = Confirm(action="send"), _("✅ Send")
    elif a_changed_need(reasons):
        offer, label = Confirm(action="assessor"), _("Pass it on as a changed need")
    if offer is not None:
        builder.button(text=label, callback_data=offer)
    _nav(builder)
    builder.adjust(*((1, 2) if offer is not None else (2,)))
    return builder.as_markup()


def withdraw_keyboard(request_id: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("Withdraw this request"), callback_data=Withdraw(request_id=request_id))
    return builder.as_markup()


def withdraw_all_keyboard(client_id: int, n: int, *, sure: bool = False) -> InlineKeyboardMarkup:
    builder = Keyboard()
    label = (
        ngettext("Yes, withdraw the {n} waiting request", "Yes, withdraw all {n}", n)
        if sure
        else ngettext("Withdraw the {n} waiting request", "Withdraw all {n} waiting requests", n)
    )
    builder.button(
        text=label.format(n=n), callback_data=WithdrawAll(client_id=client_id, sure=sure)
    )
    return builder.as_markup()


def more_keyboard(after: int) -> InlineKeyboardMarkup:
    """The next requests of the queue, after the last one shown."""
    builder = Keyboard()
    builder.button(text=_("Show more"), callback_data=QueueMore(after=after))
    return builder.as_markup()


def decide_keyboard(
    request: RequestPublic, *, can_hand_over: bool = True, can_approve: bool = True
) -> InlineKeyboardMarkup:
    """Approve (unless it no longer fits), reject, and hand over to the planners unless it
    is with them already (a planner does not hand a request to himself)."""
    builder = Keyboard()
    rid, version = request.id, request.version
    if can_approve:
        builder.button(
            text=_("✅ Approve"),
            callback_data=Decide(action="approve", request_id=rid, version=version),
        )
    builder.button(
        text=_("✖️ Reject"), callback_data=Decide(action="reject", request_id=rid, version=version)
    )
    with_planners = request.assignee is Assignee.PLANNERS or request.escalated
    if can_hand_over and not with_planners:
        builder.button(
            text=_("➡️ To the planner"),
            callback_data=Decide(action="handover", request_id=rid, version=version),
        )
    builder.adjust(2, 1)
    return builder.as_markup()


def reject_reasons_keyboard(request: RequestPublic) -> InlineKeyboardMarkup:
    """The reasons that fit the request's kind; "another reason" asks for it in words."""
    builder = Keyboard()
    for code in texts.requests.reject_reasons_for(request.change.kind):
        label = (
            _("Another reason (write it)")
            if code is RejectReason.OTHER
            else str(texts.requests.REJECT_REASONS[code]).capitalize()
        )
        builder.button(
            text=label,
            callback_data=RejectWith(request_id=request.id, version=request.version, reason=code),
        )
    builder.adjust(1)
    return builder.as_markup()


def visit_actions_keyboard(visit: VisitPublic) -> InlineKeyboardMarkup | None:
    """Check in, check out, or, once the window passed unchecked-in, why it did not happen;
    a done visit's performed time can be corrected; a note can be written on any visit
    that was not cancelled."""
    builder = Keyboard()
    if visit.status is VisitStatus.MISSED:
        if visit.deviation_reason is not None:
            return None
        return deviation_keyboard(visit.id)
    if visit.status in (VisitStatus.PLANNED, VisitStatus.ON_THE_WAY):
        builder.button(
            text=_("Check in"), callback_data=VisitAction(action="in", visit_id=visit.id)
        )
    elif visit.status is VisitStatus.IN_PROGRESS:
        builder.button(
            text=_("Check out"), callback_data=VisitAction(action="out", visit_id=visit.id)
        )
    elif visit.status is VisitStatus.DONE:
        builder.button(
            text=_("Correct the performed time"),
            callback_data=VisitAction(action="fix", visit_id=visit.id),
        )
    elif visit.status is VisitStatus.CANCELLED:
        return None
    # A note can be written about any visit of the day, before, during or after it.
    builder.button(
        text=_("📝 Write a note"), callback_data=VisitAction(action="note", visit_id=visit.id)
    )
    builder.adjust(1)
    return builder.as_markup()


def day_keyboard(visits: Sequence[VisitPublic]) -> InlineKeyboardMarkup:
    """Every visit of a long day by its time and client: a press opens it with its
    actions."""
    builder = Keyboard()
    for visit in visits:
        builder.button(
            text=texts.staff.visit_on_button(visit),
            callback_data=VisitAction(action="open", visit_id=visit.id),
        )
    builder.adjust(3)
    return builder.as_markup()


def stop_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✖️ Cancel"), callback_data=Nav(to="cancel"))
    return builder.as_markup()


def check_out_sure_keyboard(visit_id: int) -> InlineKeyboardMarkup:
    """A check-out a few minutes after the check-in: really, or stay checked in."""
    builder = Keyboard()
    builder.button(
        text=_("Yes, check out"), callback_data=VisitAction(action="sure", visit_id=visit_id)
    )
    builder.button(
        text=_("No, I am still there"), callback_data=VisitAction(action="keep", visit_id=visit_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def deviation_keyboard(visit_id: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for reason, words in texts.staff.deviation_reasons().items():
        builder.button(text=words, callback_data=DeviationPick(visit_id=visit_id, reason=reason))
    builder.adjust(1)
    return builder.as_markup()


def performed_reason_keyboard(visit_id: int, minutes: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for reason, words in texts.staff.correction_reasons().items():
        builder.button(
            text=words,
            callback_data=PerformedPick(visit_id=visit_id, minutes=minutes, reason=reason),
        )
    builder.button(text=_("✖️ Cancel"), callback_data=Nav(to="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def late_visits_keyboard(visits: Sequence[VisitPublic]) -> InlineKeyboardMarkup:
    """Which visit the lateness is for: the staff member's visits still to come today."""
    builder = Keyboard()
    for visit in visits:
        label = "{time} {name}".format(
            time=texts.formatting.fmt_time(visit.start), name=visit.client_first_name or ""
        )
        builder.button(text=label[:60], callback_data=LateFor(visit_id=visit.id))
    builder.button(text=_("✖️ Cancel"), callback_data=Nav(to="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def late_keyboard(visit_id: int = 0) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for minutes in (10, 20, 30, 45, 60):
        builder.button(
            text=texts.formatting.fmt_duration(minutes),
            callback_data=LatePick(minutes=minutes, visit_id=visit_id),
        )
    builder.button(text=_("✖️ Cancel"), callback_data=Nav(to="cancel"))
    builder.adjust(3, 2, 1)
    return builder.as_markup()


def settings_keyboard(me: MePublic) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("Language"), callback_data=SettingsPick(what="language"))
    builder.button(text=_("Messages"), callback_data=SettingsPick(what="level"))
    if me.kind is PersonKind.CLIENT:
        builder.button(
            text=_("My relatives and what they may do"),
            callback_data=SettingsPick(what="relatives"),
        )
        builder.button(text=_("Invite a relative"), callback_data=SettingsPick(what="invite"))
        builder.button(
            text=_("Who has looked at my information"), callback_data=SettingsPick(what="reads")
        )
    if me.kind is PersonKind.RELATIVE and len(me.clients) > 1:
        builder.button(text=_("Choose person"), callback_data=SettingsPick(what="client"))
    builder.adjust(1)
    return builder.as_markup()


def languages_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    for code, name in texts.formatting.LANGUAGES.items():
        builder.button(text=name, callback_data=Language(code=code))
    builder.adjust(2)
    return builder.as_markup()


def levels_keyboard(current: NotifyLevel) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for level, label in texts.settings.NOTIFY_LEVELS.items():
        mark = "● " if level == current else ""
        builder.button(text=mark + str(label), callback_data=Level(level=level))
    builder.adjust(1)
    return builder.as_markup()


def scope_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    for level, label in enumerate(
        (
            _("May see the visits"),
            _("May see the visits and ask for changes"),
            _("May see the visits, ask for changes and read the notes"),
        )
    ):
        builder.button(text=label, callback_data=ScopePick(level=level))
    _nav(builder, back=False)
    builder.adjust(1)
    return builder.as_markup()


def relatives_keyboard(client_id: int, links: list[RelativePublic]) -> InlineKeyboardMarkup | None:
    """For each relative, each thing they may or may not do as a switch, and removing them."""
    if not links:
        return None
    builder = Keyboard()
    for link in links:
        for scope in Scope:
            allowed = scope in link.scopes
            builder.button(
                text="{mark} {name}: {what}".format(
                    mark="✅" if allowed else "⬜",
                    name=link.first_name,
                    what=texts.settings.scope_text(scope),
                ),
                callback_data=ScopeToggle(
                    client_id=client_id, link_id=link.link_id, scope=scope, on=not allowed
                ),
            )
        builder.button(
            text=_("Remove {name}").format(name=link.first_name),
            callback_data=Revoke(client_id=client_id, link_id=link.link_id),
        )
    builder.adjust(1)
    return builder.as_markup()


def revoke_sure_keyboard(client_id: int, link_id: int, name: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(
        text=_("Yes, remove {name}").format(name=name),
        callback_data=RevokeSure(client_id=client_id, link_id=link_id),
    )
    builder.button(text=_("No, keep {name}").format(name=name), callback_data=Nav(to="keep"))
    builder.adjust(1)
    return builder.as_markup()


def clients_keyboard(clients: list[ClientAccess]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for client in clients:
        builder.button(
            text=client.first_name, callback_data=ClientPick(client_id=client.client_id)
        )
    builder.adjust(1)
    return builder.as_markup()


def dictation_keyboard(has_visit: bool, can_choose: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if has_visit:
        builder.button(text=_("✅ Save the note"), callback_data=NoteAction(action="save"))
    if can_choose or not has_visit:
        builder.button(text=_("Another visit"), callback_data=NoteAction(action="visit"))
    builder.button(text=_("✖️ Cancel"), callback_data=Nav(to="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def note_visits_keyboard(day: list[VisitPublic]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for visit in day:
        label = "{time} {name}".format(
            time=texts.formatting.fmt_time(visit.start), name=visit.client_first_name or ""
        )
        builder.button(text=label, callback_data=NoteVisit(visit_id=visit.id))
    builder.adjust(1)
    return builder.as_markup()


def correct_note_keyboard(note_id: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✏️ Correct this note"), callback_data=NoteCorrect(note_id=note_id))
    return builder.as_markup()


def web_signin_keyboard(url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("Open the web pages"), url=url)]]
    )


# Built once per language and arguments (bot.keyboard_cache), not on every reply: the same
# buttons the builders above make.
_menu_of = per_language(_menu_of)  # keyed by the labels, not by the whole MePublic
kinds_keyboard = per_language(kinds_keyboard)
shift_keyboard = per_language(shift_keyboard)
late_keyboard = per_language(late_keyboard)
languages_keyboard = per_language(languages_keyboard)
scope_keyboard = per_language(scope_keyboard)
settings_keyboard = per_language(settings_keyboard)

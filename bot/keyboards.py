"""Keyboards: a persistent main menu with large, worded buttons, and inline choices.

Callback data stays far below Telegram's 64 bytes: short prefixes and ids only.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot import texts
from bot.keyboard_cache import per_language
from bot.wish_parser import WishKind
from contract import (
    ClientAccess,
    MePublic,
    NotifyLevel,
    Outcome,
    PersonKind,
    RejectReason,
    RelativePublic,
    RequestPublic,
    ServiceCode,
    VisitPublic,
    VisitStatus,
)

# Main-menu buttons (lazy: matched in the user's language by the handlers' filters).
TODAY = __("📅 Today")
WEEK = __("🗓 This week")
FRAME = __("⏱ My hours")
CHANGE = __("✏️ Ask for a change")
MY_REQUESTS = __("📨 My requests")
SETTINGS = __("⚙️ Settings")
HELP = __("❓ Help")
NOTES = __("📝 Notes")
QUEUE = __("📥 Requests to decide")
MY_DAY = __("🚶 My visits today")
LATE = __("⏰ I am running late")
WEB_SIGNIN = __("🔑 Sign in on the web")  # handlers/web_signin.py
MENU = (
    TODAY,
    WEEK,
    FRAME,
    CHANGE,
    MY_REQUESTS,
    SETTINGS,
    HELP,
    NOTES,
    QUEUE,
    MY_DAY,
    LATE,
    WEB_SIGNIN,
)


class VisitPick(CallbackData, prefix="v"):
    visit_id: int


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
    to: str  # back | cancel


class Withdraw(CallbackData, prefix="w"):
    request_id: int


class Decide(CallbackData, prefix="d"):
    action: str  # approve | reject | handover
    request_id: int
    version: int


class RejectWith(CallbackData, prefix="rr"):
    request_id: int
    version: int
    reason: RejectReason


class VisitAction(CallbackData, prefix="va"):
    action: str  # in | out
    visit_id: int


class LatePick(CallbackData, prefix="late"):
    minutes: int


class Language(CallbackData, prefix="lang"):
    code: str


class Level(CallbackData, prefix="lvl"):
    level: NotifyLevel


class SettingsPick(CallbackData, prefix="set"):
    what: str  # language | level | relatives | invite


class ScopePick(CallbackData, prefix="sc"):
    """What a new relative may do: see the visits, and (``requests``) also ask for changes."""

    requests: bool


class Revoke(CallbackData, prefix="rv"):
    client_id: int
    link_id: int


class ClientPick(CallbackData, prefix="cl"):
    client_id: int


class NoteAction(CallbackData, prefix="na"):
    action: str  # save | visit


class NoteVisit(CallbackData, prefix="nv"):
    visit_id: int


class NoteCorrect(CallbackData, prefix="nc"):
    note_id: int


def main_menu(me: MePublic | None) -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    if me is not None and me.kind is PersonKind.STAFF:
        for label in (QUEUE, MY_DAY, LATE, SETTINGS, HELP, WEB_SIGNIN):
            builder.button(text=str(label))
        builder.adjust(1, 2, 2, 1)
    else:
        for label in (TODAY, WEEK, FRAME, CHANGE, MY_REQUESTS, NOTES, SETTINGS, HELP):
            builder.button(text=str(label))
        builder.adjust(2, 2, 1, 1, 2)
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def _nav(builder: InlineKeyboardBuilder, *, back: bool = True) -> None:
    if back:
        builder.button(text=_("⬅️ Back"), callback_data=Nav(to="back"))
    builder.button(text=_("✖️ Stop"), callback_data=Nav(to="cancel"))


def visits_keyboard(visits: Sequence[VisitPublic]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for visit in visits[:10]:
        builder.button(
            text=texts.visits.visit_button(visit), callback_data=VisitPick(visit_id=visit.id)
        )
    builder.button(text=_("➕ An extra visit"), callback_data=KindPick(kind=WishKind.EXTRA))
    _nav(builder, back=False)
    builder.adjust(*([1] * (min(len(visits), 10) + 1)), 1)
    return builder.as_markup()


def kinds_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
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
    builder = InlineKeyboardBuilder()
    for minutes in options:
        builder.button(
            text=texts.formatting.fmt_duration(minutes), callback_data=MinutesPick(minutes=minutes)
        )
    _nav(builder)
    builder.adjust(2, 2, 2)
    return builder.as_markup()


def shift_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
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
    builder = InlineKeyboardBuilder()
    for code in codes:
        builder.button(
            text=texts.formatting.service_name(code).capitalize(),
            callback_data=ServicePick(code=code),
        )
    _nav(builder)
    builder.adjust(2)
    return builder.as_markup()


def confirm_keyboard(outcome: Outcome) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if outcome is Outcome.OUTSIDE:
        builder.button(text=_("Send to my assessor"), callback_data=Confirm(action="assessor"))
    else:
        builder.button(text=_("✅ Send"), callback_data=Confirm(action="send"))
    _nav(builder)
    builder.adjust(1, 2)
    return builder.as_markup()


def withdraw_keyboard(request_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Withdraw this request"), callback_data=Withdraw(request_id=request_id))
    return builder.as_markup()


def decide_keyboard(request: RequestPublic) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    rid, version = request.id, request.version
    builder.button(
        text=_("✅ Approve"),
        callback_data=Decide(action="approve", request_id=rid, version=version),
    )
    builder.button(
        text=_("✖️ Reject"), callback_data=Decide(action="reject", request_id=rid, version=version)
    )
    builder.button(
        text=_("➡️ To the planner"),
        callback_data=Decide(action="handover", request_id=rid, version=version),
    )
    builder.adjust(2, 1)
    return builder.as_markup()


def reject_reasons_keyboard(request_id: int, version: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, label in texts.requests.REJECT_REASONS.items():
        builder.button(
            text=str(label).capitalize(),
            callback_data=RejectWith(request_id=request_id, version=version, reason=code),
        )
    builder.adjust(1)
    return builder.as_markup()


def visit_actions_keyboard(visit: VisitPublic) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    if visit.status in (VisitStatus.PLANNED, VisitStatus.ON_THE_WAY):
        builder.button(
            text=_("Check in"), callback_data=VisitAction(action="in", visit_id=visit.id)
        )
    elif visit.status is VisitStatus.IN_PROGRESS:
        builder.button(
            text=_("Check out"), callback_data=VisitAction(action="out", visit_id=visit.id)
        )
    else:
        return None
    return builder.as_markup()


def late_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for minutes in (10, 20, 30, 45, 60):
        builder.button(
            text=texts.formatting.fmt_duration(minutes), callback_data=LatePick(minutes=minutes)
        )
    builder.button(text=_("✖️ Stop"), callback_data=Nav(to="cancel"))
    builder.adjust(3, 2, 1)
    return builder.as_markup()


def settings_keyboard(me: MePublic) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Language"), callback_data=SettingsPick(what="language"))
    builder.button(text=_("Messages"), callback_data=SettingsPick(what="level"))
    if me.kind is PersonKind.CLIENT:
        builder.button(
            text=_("Who can see my visits"), callback_data=SettingsPick(what="relatives")
        )
        builder.button(text=_("Invite a relative"), callback_data=SettingsPick(what="invite"))
    if me.kind is PersonKind.RELATIVE and len(me.clients) > 1:
        builder.button(text=_("Choose person"), callback_data=SettingsPick(what="client"))
    builder.adjust(1)
    return builder.as_markup()


def languages_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name in texts.formatting.LANGUAGES.items():
        builder.button(text=name, callback_data=Language(code=code))
    builder.adjust(2)
    return builder.as_markup()


def levels_keyboard(current: NotifyLevel) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for level, label in texts.settings.NOTIFY_LEVELS.items():
        mark = "● " if level == current else ""
        builder.button(text=mark + str(label), callback_data=Level(level=level))
    builder.adjust(1)
    return builder.as_markup()


def scope_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("May only see"), callback_data=ScopePick(requests=False))
    builder.button(text=_("May see and ask for changes"), callback_data=ScopePick(requests=True))
    _nav(builder, back=False)
    builder.adjust(1)
    return builder.as_markup()


def relatives_keyboard(client_id: int, links: list[RelativePublic]) -> InlineKeyboardMarkup | None:
    if not links:
        return None
    builder = InlineKeyboardBuilder()
    for link in links:
        builder.button(
            text=_("Remove {name}").format(name=link.first_name),
            callback_data=Revoke(client_id=client_id, link_id=link.link_id),
        )
    builder.adjust(1)
    return builder.as_markup()


def clients_keyboard(clients: list[ClientAccess]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for client in clients:
        builder.button(
            text=client.first_name, callback_data=ClientPick(client_id=client.client_id)
        )
    builder.adjust(1)
    return builder.as_markup()


def dictation_keyboard(has_visit: bool, can_choose: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if has_visit:
        builder.button(text=_("✅ Save the note"), callback_data=NoteAction(action="save"))
    if can_choose or not has_visit:
        builder.button(text=_("Another visit"), callback_data=NoteAction(action="visit"))
    builder.button(text=_("✖️ Stop"), callback_data=Nav(to="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def note_visits_keyboard(day: list[VisitPublic]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for visit in day:
        label = "{time} {name}".format(
            time=texts.formatting.fmt_time(visit.start), name=visit.client_first_name or ""
        )
        builder.button(text=label, callback_data=NoteVisit(visit_id=visit.id))
    builder.adjust(1)
    return builder.as_markup()


def correct_note_keyboard(note_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✏️ Correct this note"), callback_data=NoteCorrect(note_id=note_id))
    return builder.as_markup()


def web_signin_keyboard(url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("Open the web pages"), url=url)]]
    )


# Built once per language and arguments (bot.keyboard_cache), not on every reply: the same
# buttons the builders above make.
main_menu = per_language(main_menu)
kinds_keyboard = per_language(kinds_keyboard)
shift_keyboard = per_language(shift_keyboard)
late_keyboard = per_language(late_keyboard)
languages_keyboard = per_language(languages_keyboard)
scope_keyboard = per_language(scope_keyboard)
settings_keyboard = per_language(settings_keyboard)

"""Settings: language, how much to be told, whose visits a relative sees, and the client's
consent to relatives."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from bot.texts.formatting import current_language_name, escape, fmt_day
from contract import MePublic, NotifyLevel, RelativePublic, Scope, StaffReadPublic, StaffRole

NOTIFY_LEVELS = {
    NotifyLevel.ALL: __("Everything"),
    NotifyLevel.CHANGES: __("Only changes"),
    NotifyLevel.URGENT: __("Only urgent"),
}


def level_name(level: NotifyLevel) -> str:
    return str(NOTIFY_LEVELS[level]).lower()


def settings_text(me: MePublic) -> str:
    return _("Language: {language}\nMessages: {level}").format(
        language=current_language_name(), level=level_name(me.notify_level)
    )


def choose_language() -> str:
    return _("Choose your language:")


def language_set() -> str:
    """Said in the newly chosen language."""
    return _("I will write to you in {language} from now on.").format(
        language=current_language_name()
    )


def how_much_to_be_told() -> str:
    return _("How much do you want to be told?")


def level_saved(level: NotifyLevel) -> str:
    return _("Saved. Messages: {level}").format(level=level_name(level))


def whose_visits() -> str:
    return _("Whose visits do you want to see?")


def now_following(name: str) -> str:
    return _("You now see {name}'s visits.").format(name=escape(name))


def relatives_text(links: list[RelativePublic]) -> str:
    """Who the client lets in, and what each may and may not do (the buttons switch each)."""
    if not links:
        return _("Nobody else can see your visits.")
    lines = [_("These people can follow your home care here:")]
    for link in links:
        lines.append(f"<b>{escape(link.first_name)}</b>")
        for scope in Scope:
            mark = "✅" if scope in link.scopes else "✖️"
            said = _("may {what}") if scope in link.scopes else _("may not {what}")
            lines.append(f"  {mark} " + said.format(what=scope_text(scope)))
    lines.append(_("Press a button to allow or stop one thing."))
    return "\n".join(lines)


def scope_text(scope: Scope) -> str:
    """What a relative's consent lets them do, as a phrase."""
    return {
        Scope.VISITS: _("see your visits"),
        Scope.REQUESTS: _("ask for changes for you"),
        Scope.NOTES: _("read the visit notes"),
    }[scope]


def revoked(name: str) -> str:
    return _(
        "Done. {name} can no longer see anything of yours. You can invite {name} again "
        "with a new code in Settings."
    ).format(name=escape(name))


def remove_sure(name: str) -> str:
    return _(
        "Do you want to remove {name}? {name} will no longer see your visits, ask for "
        "changes or read notes."
    ).format(name=escape(name))


def already_removed() -> str:
    return _("That person has already been removed.")


def nothing_changed() -> str:
    return _("Good, nothing was changed.")


def saved() -> str:
    return _("Saved.")


def relatives_name() -> str:
    return _("What is your relative's first name?")


def what_may_they_do() -> str:
    return _("What may they do?")


def invitation(name: str, code: str) -> str:
    return _(
        "Give this code to {name}: <b>{code}</b>\n"
        "They write it to this bot. The code works once, for 7 days. "
        "You can remove their access at any time in Settings."
    ).format(name=escape(name), code=code)


STAFF_ROLES = {
    StaffRole.CARER: __("carer"),
    StaffRole.PLANNER: __("planner"),
    StaffRole.MANAGER: __("manager"),
    StaffRole.ASSESSOR: __("assessor"),
}


def staff_reads_text(reads: list[StaffReadPublic]) -> str:
    """For the client: who on the staff looked at her information, day by day (who and
    when, not what); the backend keeps the last 90 days."""
    if not reads:
        return _("Nobody on the staff has looked at your information in the last 90 days.")
    lines = [_("Staff who looked at your information in the last 90 days:")]
    for read in reads:
        times = ngettext("{n} time", "{n} times", read.times).format(n=read.times)
        lines.append(
            _("• {day}: {name} ({role}), {times}").format(
                day=fmt_day(read.day),
                name=escape(read.staff_first_name),
                role=STAFF_ROLES[read.staff_role],
                times=times,
            )
        )
    return "\n".join(lines)

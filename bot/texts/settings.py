"""Settings: language, how much to be told, whose visits a relative sees, and the client's
consent to relatives."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.texts.formatting import current_language_name, escape
from contract import MePublic, NotifyLevel, RelativePublic, Scope

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
    """Who may see the client's visits, and what each may do."""
    if not links:
        return _("Nobody else can see your visits.")
    lines = [_("These people can see your visits:")]
    for link in links:
        scope = (
            _("may see and ask for changes")
            if Scope.REQUESTS in link.scopes
            else _("may only see")
        )
        lines.append(f"• {escape(link.first_name)} – {scope}")
    return "\n".join(lines)


def scope_text(scope: Scope) -> str:
    """What a relative's consent lets them do, as a phrase."""
    return {
        Scope.VISITS: _("see your visits"),
        Scope.REQUESTS: _("ask for changes for you"),
        Scope.NOTES: _("read the visit notes"),
    }[scope]


def revoked() -> str:
    return _("Done. That person can no longer see your visits.")


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

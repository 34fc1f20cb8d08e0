"""Welcome, linking, help, stopping, and what is said when nothing else fits."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.texts.formatting import escape, fmt_list
from contract import MePublic, PersonKind


def welcome() -> str:
    """/start from someone not linked yet."""
    return _(
        "Welcome! This is the home-care assistant.\n"
        "Please write the code you got from your contact person."
    )


def welcome_back(me: MePublic) -> str:
    return _("Hello {name}! Choose what you want to do with the buttons below.").format(
        name=escape(me.first_name)
    )


def linked(me: MePublic) -> str:
    if me.kind is PersonKind.RELATIVE:
        names = fmt_list(escape(c.first_name) for c in me.clients)
        text = _("You are now linked and can follow {names}.").format(names=names)
    else:
        text = _("You are now linked, {name}.").format(name=escape(me.first_name))
    return text + "\n" + welcome_back(me)


def not_linked() -> str:
    """Anything but a code (or /help) from someone not linked yet."""
    return _("I do not know you yet. Please write the code you got from your contact person.")


def help_for_strangers() -> str:
    """/help from someone not linked yet: what this is, and how to begin."""
    return _(
        "This is the home-care assistant. Clients of home care, their relatives and the "
        "staff use it to see visits, ask for changes and answer them.\n"
        "To begin, write the code you got from your contact person. If you have no code, "
        "ask your home-care unit for one."
    )


def private_chats_only() -> str:
    """Said in a group or channel, where the bot does nothing."""
    return _("I only talk in private chats. Please write to me directly.")


def help_text(me: MePublic, *, speech: bool = False) -> str:
    """What the bot does for this person; voice messages are offered only when speech is
    understood in their language (``speech``)."""
    if me.kind is PersonKind.STAFF:
        lines = [
            _(
                "What I can do for you:\n"
                "• Requests to decide: approve, reject or pass on clients' wishes.\n"
                "• My visits today: check in and out of each visit.\n"
                "• I am running late: your clients are told at once.\n"
                "• Notes: press “📝 Write a note” on a visit, or just write the note here "
                "after the visit. You see it before it is saved."
            )
        ]
        if speech:
            lines.append(_("• You can also send a voice message to dictate a note."))
        lines.append(_("Write /cancel to stop what you are doing."))
        return "\n".join(lines)
    if not speech:
        return _(
            "What I can do for you:\n"
            "• Today and This week: your visits, who is coming and when.\n"
            "• My hours: how much of your granted time is used.\n"
            "• Ask for a change: another time, longer, shorter, something else, or an extra "
            "visit. You can also just write it, for example "
            "“Can you come at ten tomorrow instead?”.\n"
            "• My requests: see the answers from your contact person.\n"
            "Write /cancel to stop what you are doing.\n"
            "If something is urgent, call your home-care unit."
        )
    return _(
        "What I can do for you:\n"
        "• Today and This week: your visits, who is coming and when.\n"
        "• My hours: how much of your granted time is used.\n"
        "• Ask for a change: another time, longer, shorter, something else, or an extra "
        "visit. You can also just write or say it, for example "
        "“Can you come at ten tomorrow instead?”.\n"
        "• My requests: see the answers from your contact person.\n"
        "Write /cancel to stop what you are doing.\n"
        "If something is urgent, call your home-care unit."
    )


def you_are_welcome() -> str:
    return _("You are welcome! Write or choose below if there is anything else.")


def stopped() -> str:
    return _("Okay, I stopped. Nothing was sent.")


def use_the_buttons() -> str:
    return _("Please use the buttons below, or write /help.")


def stale_button() -> str:
    return _("That button is no longer active. Please start again from the menu.")

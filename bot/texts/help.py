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


def no_longer_following() -> str:
    """A relative whose access every client has ended: what they can do now."""
    return _(
        "You can no longer see anyone's visits here: the access has been ended. "
        "If you get a new code, write it here."
    )


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


def help_text(me: MePublic) -> str:
    if me.kind is PersonKind.STAFF:
        return _(
            "What I can do for you:\n"
            "• Requests to decide: approve, reject or pass on clients' wishes.\n"
            "• My visits today: check in and out of each visit.\n"
            "• I am running late: your clients are told at once.\n"
            "• Send a voice message after a visit to dictate a note.\n"
            "Write /cancel to stop what you are doing."
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


def stopped() -> str:
    return _("Okay, I stopped. Nothing was sent.")


def use_the_buttons() -> str:
    return _("Please use the buttons below, or write /help.")


def stale_button() -> str:
    return _("That button is no longer active. Please start again from the menu.")

"""What to write instead, when a wish (typed or spoken) was not understood."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.wish_parser import Hint


def hint_text(hint: Hint) -> str:
    if hint is Hint.BAD_TIME:
        return _("There is no such time. Please write a time like 10:30.")
    if hint is Hint.PAST_DATE:
        return _("That time has already passed. Please choose a time in the future.")
    if hint is Hint.NO_TIME:
        return _("Please also write the time, for example “at 10” or “10:30”.")
    return _(
        "Sorry, I did not understand. You can write for example:\n"
        "• “tomorrow at 10 instead”\n"
        "• “15 minutes longer today”\n"
        "• “no cleaning on Friday”\n"
        "• “a walk instead of cleaning”\n"
        "• “the shower on Thursday instead of Wednesday”\n"
        "Or use the button “Ask for a change”."
    )

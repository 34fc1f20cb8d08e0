"""What went wrong, in words: the backend's error codes, a voice note that cannot be heard,
and the unexpected."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from contract import ErrorCode


def error_text(code: ErrorCode) -> str:
    texts = {
        ErrorCode.BACKEND_UNAVAILABLE: _(
            "Sorry, I cannot reach the home-care system right now. Nothing was changed. "
            "Please try again in a few minutes."
        ),
        ErrorCode.INVALID_CODE: _("That code is not right. Please check it and try again."),
        ErrorCode.CODE_USED: _(
            "That code has already been used. Ask your contact person for a new one."
        ),
        ErrorCode.CODE_EXPIRED: _("That code has expired. Ask your contact person for a new one."),
        ErrorCode.TOO_MANY_ATTEMPTS: _(
            "Too many wrong codes. Please wait 15 minutes and try again."
        ),
        ErrorCode.ALREADY_LINKED: _("This account is already linked."),
        ErrorCode.VIEW_ONLY: _("You may see this, but not ask for changes."),
        ErrorCode.NO_ACCESS: _("You do not have access to this any more."),
        ErrorCode.SCOPE_NOT_GRANTED: _("You have not been given access to this."),
        ErrorCode.ALREADY_DECIDED: _("This request has already been decided."),
        ErrorCode.ALREADY_WITH_PLANNERS: _("This request is already with the planners."),
        ErrorCode.REQUEST_CHANGED: _("This request has changed. Here is how it looks now."),
        ErrorCode.NO_LONGER_FITS: _(
            "This no longer fits within the frame, so it cannot be approved."
        ),
        ErrorCode.NOT_YOUR_CLIENT: _(
            "Only the contact person, deputy or planner can decide this."
        ),
        ErrorCode.VISIT_NOT_FOUND: _("That visit no longer exists."),
        ErrorCode.NO_ORDER: _("There is no granted help for that date."),
        ErrorCode.TOO_EARLY_TO_CHECK_IN: _("It is too early to check in to that visit."),
        ErrorCode.NOT_CHECKED_IN: _("Check in to the visit first."),
        ErrorCode.NOT_YOUR_VISIT: _("That is not your visit."),
        ErrorCode.VISIT_CANCELLED: _("That visit is cancelled."),
        ErrorCode.VISIT_MISSED: _(
            "The time for that visit has passed without a check-in. Choose why it did not "
            "happen instead."
        ),
        ErrorCode.VISIT_ALREADY_STARTED: _("That visit has already started."),
        ErrorCode.NOT_CHECKED_OUT: _("Check out of the visit first."),
        ErrorCode.PERFORMED_OUT_OF_BOUNDS: _(
            "That is more time than has passed since the check-in."
        ),
        ErrorCode.ALREADY_MARKED_WRONG: _("That note has already been corrected."),
        ErrorCode.NOT_YOUR_NOTE: _("Only the author or a planner can correct that note."),
    }
    return texts.get(code, _("Sorry, that did not work. Nothing was changed."))


def speech_error_text(code: ErrorCode) -> str:
    """Why a voice note could not be understood, with advice on what to do."""
    texts = {
        ErrorCode.NO_MODEL_FOR_LANGUAGE: _(
            "I cannot understand speech in your language yet. Please write instead."
        ),
        ErrorCode.AUDIO_TOO_LONG: _(
            "The voice message is longer than 2 minutes. Please keep it shorter."
        ),
        ErrorCode.AUDIO_TOO_LARGE: _("The voice message is too large. Please keep it shorter."),
        ErrorCode.AUDIO_EMPTY: _("The voice message was empty. Please try again."),
        ErrorCode.AUDIO_SILENT: _(
            "I could not hear anything. Please speak a little louder and closer."
        ),
        ErrorCode.AUDIO_CORRUPT: _("I could not play the voice message. Please send it again."),
    }
    return texts.get(code, _("I could not understand the voice message. Please write instead."))


def something_went_wrong() -> str:
    return _("Sorry, something went wrong. Please try again.")

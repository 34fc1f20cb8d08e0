"""Everything the bot says, in the user's language: the backend's codes and numbers put into
words, and dates, times, durations and lists formatted by Babel for the current locale.

One module per concern; handlers, keyboards and the notifier only call into them:

- ``formatting``: dates, times, durations, lists, names of services and languages
- ``visits``: today, the week, one visit, the notes
- ``frame``: the frame and the frame check's verdict and reasons
- ``requests``: asking for a change step by step, and the request it becomes
- ``notifications``: the outbox's messages
- ``errors``: the backend's error codes, voice notes that cannot be heard, the unexpected
- ``hints``: what to write when a wish was not understood
- ``staff``: the queue and decisions, the day, running late, notes
- ``settings``: language, messages, relatives' consent
- ``oversight``: the follow-up and the oversight for planners and managers
- ``help``: welcome, linking, help, stopping, and what is said when nothing else fits
"""

from bot.texts import (
    errors,
    formatting,
    frame,
    help,
    hints,
    notifications,
    oversight,
    requests,
    settings,
    staff,
    visits,
)

__all__ = [
    "errors",
    "formatting",
    "frame",
    "help",
    "hints",
    "notifications",
    "oversight",
    "requests",
    "settings",
    "staff",
    "visits",
]

"""What planners and managers read: the month's follow-up in short, and the oversight."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date

from bot.texts.formatting import escape, fmt_duration, locale
from contract import FollowupOverview

LIMIT = "10 %"  # the ±10 % rule (DESIGN section 3), as the report flags it


def followup_text(report: FollowupOverview) -> str:
    """Each client's performed against ordered time this month; beyond ±10 % is marked."""
    month = format_date(report.start, format="LLLL y", locale=locale())
    lines = [
        _("Follow-up for {month}: performed against ordered time").format(month=month)
        if report.complete
        else _("Follow-up for {month} so far: performed against ordered time").format(month=month)
    ]
    if not report.clients:
        lines.append(_("No client has ordered time this month."))
    for row in report.clients:
        line = _("{name}: {performed} of {ordered}").format(
            name=escape(row.first_name),
            performed=fmt_duration(row.performed_minutes),
            ordered=fmt_duration(row.ordered_minutes),
        )
        if row.deviation_percent is not None:
            line += " ({sign}{percent} %)".format(
                sign="+" if row.deviation_percent > 0 else "",
                percent=round(row.deviation_percent),
            )
        if row.flagged:
            line = "⚠️ " + line
        lines.append("• " + line)
    flagged = sum(1 for row in report.clients if row.flagged)
    lines.append(
        ngettext(
            "{n} client is more than {limit} off the ordered time.",
            "{n} clients are more than {limit} off the ordered time.",
            flagged,
        ).format(n=flagged, limit=LIMIT)
    )
    lines.append(_("The charts and the plans are on the web pages."))
    return "\n".join(lines)


def oversight_text(undelivered: int, minutes: int) -> str:
    """A manager's oversight: what could not be delivered, and the audit on the web."""
    lines = [
        ngettext(
            "{n} message could not be delivered.",
            "{n} messages could not be delivered.",
            undelivered,
        ).format(n=undelivered)
        if undelivered
        else _("Every message has been delivered."),
        _(
            "Who read or changed what (the audit) is on the web pages. The button signs you "
            "in once, for {minutes} minutes."
        ).format(minutes=minutes),
    ]
    return "\n".join(lines)


def not_for_you() -> str:
    return _("That is for planners and managers.")

"""Welcome, linking, help, stopping, and what is said when nothing else fits."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.texts.formatting import escape, fmt_list
from contract import MePublic, PersonKind, Scope, StaffRole


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


def _staff_help(me: MePublic, *, speech: bool) -> list[str]:
    """What each staff role's menu does (``keyboards.staff_menu_labels``); voice notes only
    where speech is understood in their language."""
    lines: list[str] = []
    role = me.staff_role
    if role is StaffRole.ASSESSOR:
        return [_("• Sign in on the web: your clients' changed needs, to read.")]
    if role in (StaffRole.PLANNER, StaffRole.MANAGER):
        lines.append(_("• Follow-up: this month's performed time against ordered time."))
    if role is StaffRole.MANAGER:
        lines.append(_("• Oversight: messages that could not be delivered, and the audit."))
    if role in (StaffRole.PLANNER, StaffRole.MANAGER) or me.contact_person:
        lines.append(_("• Requests to decide: approve, reject or pass on clients' wishes."))
    if role is not StaffRole.MANAGER:
        lines.append(_("• My visits today: check in and out of each visit."))
    if role is StaffRole.CARER or role is None:
        lines.append(_("• I am running late: your clients are told at once."))
    if role is not StaffRole.MANAGER:
        lines.append(
            _(
                "• Notes: press “📝 Write a note” on a visit, or just write the note here "
                "after the visit. You see it before it is saved."
            )
        )
        if speech:
            lines.append(_("• You can also send a voice message to dictate a note."))
    if role is not StaffRole.CARER or me.contact_person:
        lines.append(_("• Sign in on the web: plans, the queue and the follow-up at a computer."))
    return lines


def _client_help(me: MePublic, *, speech: bool) -> list[str]:
    """What the client's (or a relative's) menu does: a relative only what is allowed."""
    relative = me.kind is PersonKind.RELATIVE
    scopes = {s for c in me.clients for s in c.scopes} if relative else set(Scope)
    whose = fmt_list(escape(c.first_name) for c in me.clients)
    lines: list[str] = []
    if Scope.VISITS in scopes:
        lines.append(
            _("• Today and This week: {name}'s visits, who is coming and when.").format(name=whose)
            if relative
            else _("• Today and This week: your visits, who is coming and when.")
        )
        lines.append(
            _("• Granted time: how much of {name}'s granted time is used.").format(name=whose)
            if relative
            else _("• My hours: how much of your granted time is used.")
        )
    if Scope.REQUESTS in scopes:
        lines.append(
            _(
                "• Ask for a change: another time, longer, shorter, something else, or an "
                "extra visit. You can also just write or say it, for example "
                "“Can you come at ten tomorrow instead?”."
            )
            if speech
            else _(
                "• Ask for a change: another time, longer, shorter, something else, or an "
                "extra visit. You can also just write it, for example "
                "“Can you come at ten tomorrow instead?”."
            )
        )
        lines.append(
            _("• Requests: see the answers from the contact person.")
            if relative
            else _("• My requests: see the answers from the contact person.")
        )
    if Scope.NOTES in scopes:
        lines.append(_("• Notes: what the staff wrote about the visits."))
    return lines


def help_text(me: MePublic, *, speech: bool = False) -> str:
    """What the menu's buttons do, how to stop, and whom to call; voice messages are offered
    only when speech is understood in their language (``speech``)."""
    staff = me.kind is PersonKind.STAFF
    lines = [_("What I can do for you:")]
    lines += _staff_help(me, speech=speech) if staff else _client_help(me, speech=speech)
    lines.append(_("To stop what you are doing, press “Cancel”."))
    if not staff:
        lines += _urgent(me)
    return "\n".join(lines)


def _urgent(me: MePublic) -> list[str]:
    """Whom to call when it is urgent; to a relative, the unit is the client's, not hers, and
    a relative following clients of different units is given each client's number."""
    relative = me.kind is PersonKind.RELATIVE
    if relative and len({c.unit_phone for c in me.clients}) > 1:
        return [_urgent_for(c.first_name, c.unit_phone) for c in me.clients]
    return [_urgent_line(me)]


def _urgent_for(name: str, phone: str | None) -> str:
    if phone:
        return _("If something is urgent for {name}, call the home-care unit: {phone}.").format(
            name=escape(name), phone=escape(phone)
        )
    return _("If something is urgent for {name}, call the home-care unit.").format(
        name=escape(name)
    )


def _urgent_line(me: MePublic) -> str:
    relative = me.kind is PersonKind.RELATIVE
    if me.unit_phone:
        call = (
            _("If something is urgent, call the home-care unit: {phone}.")
            if relative
            else _("If something is urgent, call your home-care unit: {phone}.")
        )
        return call.format(phone=escape(me.unit_phone))
    if relative:
        return _("If something is urgent, call the home-care unit.")
    return _("If something is urgent, call your home-care unit.")


def you_are_welcome() -> str:
    return _("You are welcome! Write or choose below if there is anything else.")


def stopped() -> str:
    return _("Okay, I stopped. Nothing was sent.")


def use_the_buttons() -> str:
    return _("Please use the buttons below, or press “Help”.")


def stale_button() -> str:
    return _("That button is no longer active. Please start again from the menu.")

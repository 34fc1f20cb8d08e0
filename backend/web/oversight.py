"""The audit for managers: who read or changed what for a client, filtered by client, staff
member and days. The events are ``audit.entries`` (the oversight API's own), kept to the
manager's unit; looking at a client's events is itself recorded as a read of that client."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRouter
from starlette.datastructures import FormData, UploadFile

from backend.models import AuditEvent
from backend.routes.deps import SessionDep
from backend.services import access, audit, records
from backend.web.auth import User
from backend.web.common import page
from backend.web.forms import Form as Fields
from backend.web.i18n import N_, Words
from contract import TZ, PersonKind

router = APIRouter(prefix="/web")
SHOWN = 200

# What was done, in words (``AuditEvent.action``); an action not here is shown as its code.
ACTIONS = {
    "client.read": N_("read"),
    "followup.read": N_("read the follow-up"),
    "client.export": N_("exported everything held"),
    "client.create": N_("created the client"),
    "client.update": N_("changed the client's details"),
    "client.end_care": N_("ended the care"),
    "client.resume_care": N_("resumed the care"),
    "client.erase": N_("erased the client"),
    "request.submit": N_("sent a request"),
    "request.approve": N_("approved a request"),
    "request.reject": N_("rejected a request"),
    "request.hand_over": N_("passed a request to the planners"),
    "request.withdraw": N_("withdrew a request"),
    "request.expire": N_("a request expired"),
    "request.escalate": N_("a request waited too long"),
    "visit.check_in": N_("checked in at a visit"),
    "visit.check_out": N_("checked out"),
    "visit.late": N_("said they are late"),
    "visit.deviation": N_("gave a deviation reason"),
    "visit.assign": N_("assigned a visit"),
    "visit.performed_corrected": N_("corrected the performed time"),
    "chat.move": N_("moved a chat account"),
    "notification.send_again": N_("sent a message again"),
    "absence.add": N_("entered an absence"),
    "absence.remove": N_("removed an absence"),
    "staff.create": N_("added a staff member"),
    "staff.update": N_("changed a staff member"),
    "staff.deactivate": N_("deactivated a staff member"),
    "unit.update": N_("changed the unit's settings"),
    "session.open": N_("signed in"),
    "session.revoke": N_("ended a sign-in"),
    "signin_link.create": N_("asked for a sign-in link"),
    "note.add": N_("wrote a visit note"),
    "note.mark_wrong": N_("marked a note as wrong"),
    "order.create": N_("entered an order"),
    "plan.create": N_("made a plan version"),
    "plan.slots_add": N_("added visits to a plan"),
    "plan.slot_update": N_("changed a plan's visit"),
    "plan.slot_delete": N_("removed a plan's visit"),
    "plan.sign": N_("signed a plan"),
    "relative.revoke": N_("ended a relative's access"),
    "invitation.create": N_("made an invitation code"),
    "invitation.redeem": N_("linked a chat account"),
}
# What was read (``details["what"]`` of a read).
READS = {
    "client": N_("the client's details"),
    "plan": N_("the plan"),
    "visits": N_("the visits"),
    "requests": N_("the requests"),
    "request": N_("a request"),
    "relatives": N_("the relatives"),
    "preview": N_("a frame check"),
    "notes": N_("the visit notes"),
    "frame": N_("the frame"),
    "queue": N_("the queue"),
    "audit": N_("the audit"),
    "followup": N_("the follow-up"),
    "day": N_("the day's visits"),
    "needs": N_("the changed needs"),
}


def action_words(event: AuditEvent, words: Words) -> str:
    """What an event did, in words: "read: the visit notes", "approved a request"."""
    action = ACTIONS.get(event.action)
    if action is None:
        return event.action
    what = READS.get(str(event.details.get("what", ""))) if event.action == "client.read" else None
    if what:
        return words.gettext("read: {what}", what=words.gettext(what))
    return words.gettext(action)


def who_words(entry: audit.Entry, words: Words) -> str:
    if entry.event.staff_id is not None:
        return entry.staff_first_name or "#" + str(entry.event.staff_id)
    if entry.chat_person is PersonKind.CLIENT:
        return words.gettext("{name} (the client)", name=entry.chat_first_name or "")
    if entry.chat_person is PersonKind.RELATIVE:
        return words.gettext("{name} (relative)", name=entry.chat_first_name or "")
    if entry.event.actor.startswith("chat:"):
        return words.gettext("in the bot (client or relative)")
    return words.gettext("the system")


@router.get("/audit")
async def audit_page(request: Request, user: User, session: SessionDep) -> Response:
    """Newest first, at most ``SHOWN``; the filters are a GET form so a view can be linked."""
    manager = access.require_manager(user.actor)
    form = Fields(FormData(list[tuple[str, str | UploadFile]](request.query_params.multi_items())))
    client_id = form.optional_id("client")
    staff_id = form.optional_id("staff")
    first = form.optional_date("from")
    last = form.optional_date("to")
    if first and last and last < first:
        form.fail("to", "ends_before_start")
    clients = [
        row.client
        for row in await records.unit_clients(session, actor=user.actor, include_ended=True)
    ]
    people = await records.unit_staff(session, actor=user.actor, include_left=True)
    if client_id is not None and client_id not in {c.id for c in clients}:
        form.fail("client", "not_a_choice")
    if staff_id is not None and staff_id not in {s.id for s in people}:
        form.fail("staff", "not_a_choice")
    found: list[audit.Entry] = []
    if form.ok:
        found = await audit.entries(
            session,
            client_id=client_id,
            staff_id=staff_id,
            unit_id=manager.unit_id,
            since=datetime.combine(first, time(0), tzinfo=TZ) if first else None,
            until=datetime.combine(last + timedelta(days=1), time(0), tzinfo=TZ) if last else None,
            limit=SHOWN,
        )
        await audit.record_reads(
            session,
            actor=user.actor.label,
            client_ids=[e.event.client_id for e in found if e.event.client_id is not None],
            what="audit",
        )
    names = {c.id: f"{c.first_name} {c.last_name}" for c in clients}
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    return page(
        request,
        user,
        "audit.html",
        status_code=200 if form.ok else 422,
        entries=found,
        shown=SHOWN,
        clients=clients,
        people=people,
        names=names,
        values=values,
        errors=form.errors,
        action_words=action_words,
        who_words=who_words,
    )

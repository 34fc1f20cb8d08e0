"""Notifications: the outbox's messages, one payload shape per kind.

The backend writes them with the change that causes them; the bot's notifier renders each
in the recipient's language. Names are first names only: relatives may follow several
people, so every message about a client says whose it is.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from contract.changes import Change, VisitBefore
from contract.enums import OnBehalf, PersonKind, RejectReason, RequestStatus, Scope, Urgency


class NotificationKind(StrEnum):
    REQUEST_DECIDED = "request_decided"
    REQUEST_EXPIRED = "request_expired"
    STAFF_LATE = "staff_late"
    SOMEONE_NEW = "someone_new"
    RELATIVE_LINKED = "relative_linked"
    REQUEST_TO_DECIDE = "request_to_decide"
    REQUEST_HANDED_OVER = "request_handed_over"
    REQUEST_ESCALATED = "request_escalated"
    REQUEST_WITHDRAWN = "request_withdrawn"
    ACTED_FOR_CLIENT = "acted_for_client"
    RELATIVE_ACCESS_CHANGED = "relative_access_changed"
    REQUEST_PASSED_ON = "request_passed_on"
    VISIT_CHANGED = "visit_changed"  # to the assigned staff: an approved request changed it
    VISIT_ASSIGNED = "visit_assigned"  # to staff: a visit was given to them
    VISIT_UNASSIGNED = "visit_unassigned"  # to staff: a visit was given to someone else


class RequestDecided(BaseModel):
    """To the client and their relatives: a request was approved or rejected."""

    kind: Literal[NotificationKind.REQUEST_DECIDED] = NotificationKind.REQUEST_DECIDED
    request_id: int
    client_id: int
    client_first_name: str
    status: Literal[RequestStatus.APPROVED, RequestStatus.REJECTED]
    change: Change
    before: VisitBefore | None
    decided_by_first_name: str
    reject_reason: RejectReason | None = None
    reject_text: str | None = None
    # Who asked: the client, or a relative or staff on the client's behalf (None: unknown).
    # The asker's chat tells "your request" from "Eva's request" when it is rendered.
    asked_by: PersonKind | None = None
    asked_by_first_name: str | None = None
    asked_by_chat_id: int | None = None


class RequestPassedOn(BaseModel):
    """To the client and their relatives: the contact person handed a request to the unit's
    planners, who decide it now (their first names; none if the unit has no planner).
    ``by_first_name`` is None when nobody handed it on: it waited too long and went by itself."""

    kind: Literal[NotificationKind.REQUEST_PASSED_ON] = NotificationKind.REQUEST_PASSED_ON
    request_id: int
    client_first_name: str
    change: Change
    before: VisitBefore | None
    by_first_name: str | None
    planner_first_names: list[str]


class RequestExpired(BaseModel):
    """To the client: the visit began before anyone decided."""

    kind: Literal[NotificationKind.REQUEST_EXPIRED] = NotificationKind.REQUEST_EXPIRED
    request_id: int
    client_first_name: str
    change: Change
    before: VisitBefore | None


class StaffLate(BaseModel):
    """To the client: staff will be late for this visit (dignity guarantee)."""

    kind: Literal[NotificationKind.STAFF_LATE] = NotificationKind.STAFF_LATE
    visit_id: int
    visit_start: AwareDatetime
    late_minutes: int
    staff_first_name: str
    client_first_name: str


class SomeoneNew(BaseModel):
    """To the client: someone they have not met will come (dignity guarantee)."""

    kind: Literal[NotificationKind.SOMEONE_NEW] = NotificationKind.SOMEONE_NEW
    visit_id: int
    visit_start: AwareDatetime
    staff_first_name: str
    client_first_name: str


class RelativeLinked(BaseModel):
    """To the client alone: who was given access to their data."""

    kind: Literal[NotificationKind.RELATIVE_LINKED] = NotificationKind.RELATIVE_LINKED
    relative_first_name: str


class ActedForClient(BaseModel):
    """To the client alone: someone else (a relative or staff) asked for a change, or
    withdrew one, on the client's behalf."""

    kind: Literal[NotificationKind.ACTED_FOR_CLIENT] = NotificationKind.ACTED_FOR_CLIENT
    action: OnBehalf
    by: PersonKind
    by_first_name: str
    request_id: int
    change: Change
    before: VisitBefore | None


class RelativeAccessChanged(BaseModel):
    """To the client alone: what a relative may do now, after someone other than the client
    (staff acting on the client's word) changed it. No scopes left: no access at all."""

    kind: Literal[NotificationKind.RELATIVE_ACCESS_CHANGED] = (
        NotificationKind.RELATIVE_ACCESS_CHANGED
    )
    relative_first_name: str
    scopes: list[Scope]
    by_first_name: str


class RequestForStaff(BaseModel):
    """To staff: a request waits for them, was handed over, waited too long or was withdrawn."""

    kind: Literal[
        NotificationKind.REQUEST_TO_DECIDE,
        NotificationKind.REQUEST_HANDED_OVER,
        NotificationKind.REQUEST_ESCALATED,
        NotificationKind.REQUEST_WITHDRAWN,
    ]
    request_id: int
    client_first_name: str
    by_first_name: str | None = None  # who withdrew it, when not the client herself


class VisitForStaff(BaseModel):
    """To the staff member a visit is (or was) assigned to: it changed, or changed hands.
    ``change``/``before`` say what an approved request did; ``visit_start`` is the visit's
    start now."""

    kind: Literal[
        NotificationKind.VISIT_CHANGED,
        NotificationKind.VISIT_ASSIGNED,
        NotificationKind.VISIT_UNASSIGNED,
    ]
    visit_id: int
    visit_start: AwareDatetime
    client_first_name: str
    change: Change | None = None
    before: VisitBefore | None = None
    other_staff_first_name: str | None = None  # who has it now (unassigned)


Message = Annotated[
    RequestDecided
    | RequestExpired
    | StaffLate
    | SomeoneNew
    | RelativeLinked
    | ActedForClient
    | RelativeAccessChanged
    | RequestPassedOn
    | RequestForStaff
    | VisitForStaff,
    Field(discriminator="kind"),
]


class NotificationPublic(BaseModel):
    """One outbox row leased to a notifier, with where and in which language to send it."""

    id: int
    chat_id: int
    recipient: PersonKind
    locale: str
    urgency: Urgency
    attempts: int
    created_at: datetime
    message: Message

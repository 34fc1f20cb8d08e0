"""What the backend answers with: visits, the frame, requests, who is asking, notes, speech."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from contract.changes import Change, Reason, VisitBefore
from contract.enums import (
    Assignee,
    DeliveryFailure,
    DeviationReason,
    FrequencyUnit,
    InvitationKind,
    NoteSource,
    NotifyLevel,
    Outcome,
    Period,
    PersonKind,
    RejectReason,
    RequestStatus,
    Scope,
    ServiceCode,
    StaffRole,
    VisitStatus,
)


class VisitPublic(BaseModel):
    id: int
    client_id: int
    day: date  # local date of the start
    start: datetime
    end: datetime
    duration_minutes: int
    services: list[ServiceCode]
    declined_services: list[ServiceCode]
    how: str  # the client's wishes on how it is done
    status: VisitStatus
    late_minutes: int
    staff_first_name: str | None
    staff_is_new: bool  # someone the client has not met before
    actual_start: datetime | None
    actual_end: datetime | None
    performed_minutes: int | None  # set once checked out
    client_first_name: str | None = None  # staff views
    address_area: str | None = None  # staff views
    version: int
    deviation_reason: DeviationReason | None = (
        None  # why a missed or cancelled visit did not happen
    )


class DayPublic(BaseModel):
    """Visits on local days ``start``..``end``, and the first one after them."""

    start: date
    end: date
    visits: list[VisitPublic]
    next_visit: VisitPublic | None = None
    care_ended_on: date | None = None  # the client's care ended after this day


class ChangeablePublic(BaseModel):
    """What a change can be asked for: the visits still planned and not begun on the days
    asked for (when and what; not who comes or how it is done), and the services the order
    in force grants (none without an order)."""

    visits: list[VisitPublic]
    granted: list[ServiceCode]
    # Those of ``visits`` a wish waits for an answer about: another is not sent for them.
    waiting: list[int] = Field(default_factory=list)


class GrantedPublic(BaseModel):
    code: ServiceCode
    count: int
    per: FrequencyUnit


class FramePublic(BaseModel):
    period: Period
    period_start: date
    period_end: date
    frame_minutes: int
    performed_minutes: int
    planned_minutes: int
    left_minutes: int
    services: list[GrantedPublic]
    pending_count: int = 0  # waiting requests touching this period (not counted above)
    total_if_pending: int | None = None  # performed + planned if they were all approved


class RequestPublic(BaseModel):
    """A change request: what it changes from and to, the frame check, where it stands."""

    id: int
    client_id: int
    client_first_name: str
    change: Change
    before: VisitBefore | None  # the visit as it was when asked (None for an extra visit)
    note: str
    status: RequestStatus
    outcome: Outcome
    reasons: list[Reason]
    assignee: Assignee
    assigned_first_name: str | None
    escalated: bool
    created_at: datetime
    decided_at: datetime | None
    decided_by_first_name: str | None
    reject_reason: RejectReason | None
    reject_text: str | None
    version: int
    # Who asked (the client, or a relative or staff on the client's behalf); None: unknown.
    asked_by: PersonKind | None = None
    asked_by_first_name: str | None = None
    # Who withdrew it, when it was withdrawn in a chat; None: not withdrawn, or not known.
    withdrawn_by: PersonKind | None = None
    withdrawn_by_first_name: str | None = None


class QueuePublic(BaseModel):
    """A staff member's queue: how many requests wait, and the oldest of them (all of them
    unless a limit was asked for)."""

    total: int
    requests: list[RequestPublic]
    more: bool = False  # others wait after those listed (a page was asked for)


class ClientAccess(BaseModel):
    """A client this chat account may follow, and what it may do (a client: everything)."""

    client_id: int
    first_name: str
    scopes: list[Scope]  # in scope order: visits, requests, notes
    unit_phone: str | None = None  # whom to call about this client, if the unit has a phone


class MePublic(BaseModel):
    """Who a chat account is, and whose visits it may see."""

    chat_account_id: int
    kind: PersonKind
    first_name: str
    locale: str
    notify_level: NotifyLevel
    clients: list[ClientAccess]
    staff_id: int | None = None
    staff_role: StaffRole | None = None
    contact_person: bool = False  # staff: contact person or deputy of at least one client
    unit_phone: str | None = None  # whom to call: the unit's phone number, if it has one


class InvitationPublic(BaseModel):
    code: str
    kind: InvitationKind
    expires_at: datetime


class WebSignInPublic(BaseModel):
    """A one-time link that signs a staff member in on the web pages."""

    url: str
    minutes: int  # how long the link works


class RelativePublic(BaseModel):
    """A relative the client has let in, and what they may do; no scopes left means the
    access has ended."""

    link_id: int
    first_name: str
    scopes: list[Scope]  # in scope order: visits, requests, notes
    granted_at: datetime


class StaffReadPublic(BaseModel):
    """For the client: one staff member who looked at the client's data on one day (who
    and when, not what)."""

    staff_first_name: str
    staff_role: StaffRole
    day: date
    last_at: datetime
    times: int


class AuditEntryPublic(BaseModel):
    """One audit event, for a manager: who did what to which record, when. Never a name or
    a text: actions, ids and codes."""

    id: int
    at: datetime
    actor: str  # staff:7, chat:12, system, cli
    staff_id: int | None
    staff_first_name: str | None
    action: str
    entity: str
    entity_id: int | None
    client_id: int | None
    details: dict[str, Any]


class DeadLetterPublic(BaseModel):
    """For a manager: a notification that could not be delivered after every attempt."""

    id: int
    kind: str
    recipient: PersonKind
    client_id: int | None
    created_at: datetime
    dead_at: datetime
    attempts: int
    reason: DeliveryFailure | None


class NotePublic(BaseModel):
    id: int
    visit_id: int
    visit_start: datetime | None = None
    author_first_name: str | None = None
    text: str
    source: NoteSource
    confidence: float | None
    event_time: datetime
    entry_time: datetime
    marked_wrong: bool
    corrects_note_id: int | None


class WordPublic(BaseModel):
    word: str
    start_s: float
    end_s: float
    confidence: float


class TranscriptPublic(BaseModel):
    text: str
    confidence: float
    duration_s: float
    language: str
    words: list[WordPublic]


class DeviationPublic(BaseModel):
    visit_id: int
    client_id: int
    status: VisitStatus
    deviation_reason: DeviationReason | None
    version: int


class FollowupOverviewClient(BaseModel):
    """One client's line of the month's follow-up, as the bot shows it to a planner or a
    manager (a subset of the staff follow-up report)."""

    client_id: int
    first_name: str
    ordered_minutes: int
    performed_minutes: int
    deviation_percent: float | None
    flagged: bool  # beyond the ±10 % rule


class FollowupOverview(BaseModel):
    """The month's follow-up, in short: the bot reads this much of ``GET /staff/followup``."""

    month: str  # YYYY-MM
    start: date
    end: date
    complete: bool  # the month has ended
    clients: list[FollowupOverviewClient]

"""SQLModel tables. Times are stored in UTC (aware); plans are in Europe/Stockholm wall time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import JSON, BigInteger, Column, Dialect, Index, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from contract import (
    Assignee,
    Change,
    ChangeKind,
    DeliveryFailure,
    DeviationReason,
    FrequencyUnit,
    InvitationKind,
    Message,
    NoteSource,
    NotifyLevel,
    Outcome,
    Period,
    Reason,
    RejectReason,
    RequestStatus,
    Scope,
    StaffRole,
    Urgency,
    VisitBefore,
    VisitStatus,
)

__all__ = [
    "Assignee",
    "AuditEvent",
    "CarePlan",
    "ChangeKind",
    "ChangeRequest",
    "ChatAccount",
    "Client",
    "ContractJSON",
    "DeviationReason",
    "FrequencyUnit",
    "GrantedService",
    "Invitation",
    "InvitationKind",
    "NoteSource",
    "Notification",
    "NotifyLevel",
    "Order",
    "Outcome",
    "Period",
    "PlanSlot",
    "PlanStatus",
    "RejectReason",
    "Relative",
    "RelativeLink",
    "RequestStatus",
    "Scope",
    "SessionKind",
    "SignInTicket",
    "Staff",
    "StaffAbsence",
    "StaffRole",
    "StaffSession",
    "Unit",
    "Urgency",
    "Visit",
    "VisitNote",
    "now_utc",
]


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time, which SQLite gives back without its zone: every column holds UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class SessionKind(StrEnum):
    WEB = "web"  # a browser's cookie
    API = "api"  # a bearer token for staff tools


class ContractJSON(TypeDecorator[Any]):
    """A JSON column that holds a contract model: written as its JSON, validated on load, so
    a row never hands out a shape the contract would refuse."""

    impl = JSON
    cache_ok = True

    def __init__(self, shape: Any) -> None:
        super().__init__()
        self.shape = shape  # the cache key: a class or a typing form, hashable
        self.adapter: TypeAdapter[Any] = TypeAdapter(shape)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.adapter.dump_python(value, mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.adapter.validate_python(value)


# Default factories are functions of ours, not the builtins: SQLModel asks pydantic, for every
# row object made without the field, whether the factory takes an argument, and
# ``inspect.signature(list)`` parses the builtin's text signature each time (0.2 ms here, 15
# times a function's; 1 600 visits generated paid 0.3 s for it).
def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[str, Any]:
    return {}


def json_column() -> Any:
    return Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))


def json_object_column() -> Any:
    return Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    municipality: str
    notice_minutes: int = 180
    service_start: time = time(7, 0)
    service_end: time = time(22, 0)
    late_window_minutes: int = 30
    phone: str = ""  # printed on invitation letters: whom the client calls
    escalate_near_minutes: int = 120  # visit today or tomorrow
    escalate_far_minutes: int = 1440


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    first_name: str
    last_name: str
    role: StaffRole = StaffRole.CARER
    # The identity provider's e-mail claim for sign-in with OpenID Connect.
    email: str | None = Field(default=None, unique=True, index=True)
    active: bool = True  # False once they have left: no way in, no requests routed to them
    left_on: date | None = None
    web_locale: str | None = None  # the language they chose for the web pages


class StaffSession(SQLModel, table=True):
    """A staff member's way in: a web session (cookie) or an API token. Only the token's hash
    is stored; it expires (absolute, and after ``idle_minutes`` unused) and can be revoked."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: SessionKind
    token_hash: str = Field(unique=True, index=True)
    csrf_token: str = ""  # web sessions: every form and HTMX request sends it back
    label: str = ""  # what an API token is for, as its owner named it
    created_at: datetime = Field(default_factory=now_utc)
    last_used_at: datetime = Field(default_factory=now_utc)
    expires_at: datetime
    idle_minutes: int | None = None
    revoked_at: datetime | None = None


class SignInTicket(SQLModel, table=True):
    """A one-time start of a web session: a sign-in link the bot sent (``staff_id`` known) or
    a sign-in at the identity provider under way (its nonce and PKCE verifier)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    purpose: str  # "link" | "oidc"
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    nonce: str = ""
    code_verifier: str = ""
    created_at: datetime = Field(default_factory=now_utc)
    expires_at: datetime
    used_at: datetime | None = None


class StaffAbsence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    starts_on: date
    ends_on: date  # inclusive


class Client(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    first_name: str
    last_name: str
    personal_number: str | None = None
    address_area: str = ""
    preferred_language: str = "sv"
    contact_person_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    deputy_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    # Erased on request: what the law does not require is gone, the rest is kept restricted
    # (backend.services.personal_data).
    erased_at: datetime | None = None
    care_ended_on: date | None = None  # no new visits after this day; history is kept


class Relative(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    first_name: str
    last_name: str = ""


class RelativeLink(SQLModel, table=True):
    """The client's documented, revocable consent for one relative: each scope is granted
    and revoked on its own; the link ends (``revoked_at``) when none is left."""

    id: int | None = Field(default=None, primary_key=True)
    relative_id: int = Field(foreign_key="relative.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    scopes: list[Scope] = Field(
        default_factory=empty_list, sa_column=Column(ContractJSON(list[Scope]), nullable=False)
    )
    granted_at: datetime = Field(default_factory=now_utc)
    revoked_at: datetime | None = None


class Order(SQLModel, table=True):
    """The frame (rambeställning) granted by the assessor."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    needs: str = ""
    purpose: str = ""
    period: Period = Period.MONTH
    frame_minutes: int
    valid_from: date
    valid_to: date | None = None
    decided_on: date
    followed_up_on: date | None = None
    # The assessor who granted it: they read the client's changed needs and follow-up flags.
    assessor_staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)


class GrantedService(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    code: str  # a contract.ServiceCode
    count: int
    per: FrequencyUnit


class CarePlan(SQLModel, table=True):
    """Genomförandeplan: a weekly template in force from ``valid_from``."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    order_id: int = Field(foreign_key="order.id")
    status: PlanStatus = PlanStatus.DRAFT
    created_on: date
    signed_on: date | None = None
    valid_from: date
    version: int = 1  # per client; a new version is a copy of the one before, edited
    based_on_plan_id: int | None = Field(default=None, foreign_key="careplan.id")
    signed_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    client_took_part: bool = False  # the client (or their representative) took part


class PlanSlot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    care_plan_id: int = Field(foreign_key="careplan.id", index=True)
    weekday: int  # 0 = Monday
    start_local: time
    duration_minutes: int
    services: list[str] = json_column()
    how: str = ""  # the client's wishes on how it is done
    staff_id: int | None = Field(default=None, foreign_key="staff.id")


class Visit(SQLModel, table=True):
    # A visit generated from a plan slot remembers the date it was generated for, so that
    # moving it to another day never makes the generator create it again.
    __table_args__ = (
        UniqueConstraint("plan_slot_id", "slot_day"),
        # A client's days and the frame check; a carer's day (migration 0006).
        Index("ix_visit_client_id_planned_start", "client_id", "planned_start"),
        Index("ix_visit_staff_id_day", "staff_id", "day"),
        # Has this staff member been with this client before (migration 0008).
        Index("ix_visit_client_staff_status", "client_id", "staff_id", "status"),
        # A client's last generated day, for the frame check's projection (migration 0009).
        Index("ix_visit_client_id_slot_day", "client_id", "slot_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    plan_slot_id: int | None = Field(default=None, foreign_key="planslot.id")
    slot_day: date | None = None
    day: date = Field(index=True)  # local date of planned_start
    planned_start: datetime = Field(index=True)
    duration_minutes: int
    services: list[str] = json_column()
    declined_services: list[str] = json_column()
    how: str = ""
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    status: VisitStatus = VisitStatus.PLANNED
    late_minutes: int = 0
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    deviation_reason: DeviationReason | None = None
    version: int = 1


class ChatAccount(SQLModel, table=True):
    """A Telegram account linked to exactly one person: a client, a relative or staff."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    chat_id: int = Field(sa_type=BigInteger)
    locale: str = "sv"
    notify_level: NotifyLevel = NotifyLevel.ALL
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    relative_id: int | None = Field(default=None, foreign_key="relative.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    linked_at: datetime = Field(default_factory=now_utc)
    blocked_at: datetime | None = None


class Invitation(SQLModel, table=True):
    """A one-time code to link a chat account. Only its hash is stored: whoever reads the
    database cannot link with it."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(unique=True, index=True)
    kind: InvitationKind
    client_id: int | None = Field(default=None, foreign_key="client.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    scopes: list[Scope] | None = Field(  # what a relative will be let in to do
        default=None, sa_column=Column(ContractJSON(list[Scope] | None), nullable=True)
    )
    relative_first_name: str | None = None
    created_at: datetime = Field(default_factory=now_utc)
    expires_at: datetime
    used_at: datetime | None = None
    used_by_chat_account_id: int | None = Field(default=None, foreign_key="chataccount.id")


class ChangeRequest(SQLModel, table=True):
    """A client's wish: what it changes (``change``) and what the visit was when asked
    (``before``), both kept as asked; never re-derived from the visit afterwards."""

    # A contact person's queue, oldest first (migration 0006).
    __table_args__ = (
        Index("ix_changerequest_queue", "assigned_staff_id", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    # kind, visit_id and starts_at repeat parts of ``change`` and ``before`` for queries.
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    kind: ChangeKind
    starts_at: datetime  # the visit's start when asked, or the extra visit's new start
    change: Change = Field(sa_column=Column(ContractJSON(Change), nullable=False))
    before: VisitBefore | None = Field(
        default=None, sa_column=Column(ContractJSON(VisitBefore | None), nullable=True)
    )
    note: str = ""  # the client's own words, if typed or spoken
    requested_by_chat_account_id: int | None = Field(default=None, foreign_key="chataccount.id")
    created_at: datetime = Field(default_factory=now_utc, index=True)
    status: RequestStatus = Field(default=RequestStatus.PENDING, index=True)
    outcome: Outcome
    reasons: list[Reason] = Field(
        default_factory=empty_list, sa_column=Column(ContractJSON(list[Reason]), nullable=False)
    )
    assignee: Assignee = Assignee.CONTACT_PERSON
    assigned_staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    escalated_at: datetime | None = None
    decided_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    decided_at: datetime | None = None
    # Who took it back, when it was done in a chat (the client, a relative or staff).
    withdrawn_by_chat_account_id: int | None = Field(default=None, foreign_key="chataccount.id")
    reject_reason: RejectReason | None = None
    reject_text: str | None = None
    version: int = 1

    @classmethod
    def asking(cls, change: Change, before: VisitBefore | None, **fields: Any) -> ChangeRequest:
        """A request for ``change`` to a visit that was ``before`` when asked; the columns for
        queries are filled from these two, so they always agree with them."""
        starts_at = before.start if before is not None else change.new_start
        assert starts_at is not None  # an extra visit has a new start (contract.Change)
        return cls(
            kind=change.kind,
            visit_id=change.visit_id,
            starts_at=starts_at,
            change=change,
            before=before,
            **fields,
        )


class VisitNote(SQLModel, table=True):
    """Social documentation. Never deleted: a wrong note is marked and a new one written."""

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    author_staff_id: int = Field(foreign_key="staff.id")
    event_time: datetime
    entry_time: datetime = Field(default_factory=now_utc)
    source: NoteSource = NoteSource.TYPED
    confidence: float | None = None
    text: str
    corrects_note_id: int | None = Field(default=None, foreign_key="visitnote.id")
    marked_wrong_at: datetime | None = None
    marked_wrong_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now_utc, index=True)
    actor: str  # "staff:7", "chat:12", "system", "cli"
    staff_id: int | None = Field(default=None, index=True)  # the staff member acting, if any
    action: str = Field(index=True)
    entity: str
    entity_id: int | None = None
    client_id: int | None = Field(default=None, index=True)
    details: dict[str, Any] = json_object_column()


# A notification still to be delivered (not delivered, dropped or given up on).
NOTIFICATION_WAITING = "delivered_at IS NULL AND dropped_reason IS NULL AND dead_at IS NULL"


class Notification(SQLModel, table=True):
    """The outbox: written in the same transaction as the change, delivered at least once."""

    __table_args__ = (
        # A chat's notifications are claimed one after another (migration 0007).
        Index(
            "ix_notification_waiting_per_chat",
            "chat_account_id",
            "id",
            postgresql_where=text(NOTIFICATION_WAITING),
            sqlite_where=text(NOTIFICATION_WAITING),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_account_id: int = Field(foreign_key="chataccount.id", index=True)
    # What it is about (erasure removes it with the client) and whose unit's manager sees
    # it if it cannot be delivered.
    client_id: int | None = Field(default=None, index=True)
    unit_id: int | None = Field(default=None, index=True)
    kind: str  # message.kind, for queries
    urgency: Urgency = Urgency.CHANGE
    message: Message = Field(sa_column=Column(ContractJSON(Message), nullable=False))
    created_at: datetime = Field(default_factory=now_utc)
    available_at: datetime = Field(default_factory=now_utc, index=True)
    claimed_until: datetime | None = None
    attempts: int = 0
    delivered_at: datetime | None = Field(default=None, index=True)
    dropped_reason: str | None = None
    # Given up after every attempt (a dead letter): a manager of ``unit_id`` sees it.
    failure: DeliveryFailure | None = None
    dead_at: datetime | None = Field(default=None, index=True)

"""What the HTTP API reads and returns. Codes and numbers only: the bot writes the sentences."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from backend.domain import followup as fu
from backend.domain import frame_check as fc
from backend.errors import InvalidInput
from backend.models import (
    Assignee,
    DeviationReason,
    InvitationKind,
    NotifyLevel,
    RejectReason,
    RequestStatus,
    Scope,
    StaffRole,
)
from backend.services.requests import RequestView
from backend.services.visits import VisitView
from contract import ServiceCode


class VisitPublic(BaseModel):
    id: int
    client_id: int
    day: date
    start: datetime
    end: datetime
    duration_minutes: int
    services: list[str]
    declined_services: list[str]
    how: str
    status: fc.VisitStatus
    late_minutes: int
    staff_first_name: str | None
    staff_is_new: bool
    actual_start: datetime | None
    actual_end: datetime | None
    client_first_name: str | None = None
    address_area: str | None = None
    version: int

    @classmethod
    def of(cls, view: VisitView) -> VisitPublic:
        v = view.visit
        assert v.id is not None
        return cls(
            id=v.id,
            client_id=v.client_id,
            day=v.day,
            start=v.planned_start,
            end=v.planned_start + timedelta(minutes=v.duration_minutes),
            duration_minutes=v.duration_minutes,
            services=v.services,
            declined_services=v.declined_services,
            how=v.how,
            status=v.status,
            late_minutes=v.late_minutes,
            staff_first_name=view.staff_first_name,
            staff_is_new=view.staff_is_new,
            actual_start=v.actual_start,
            actual_end=v.actual_end,
            client_first_name=view.client_first_name,
            address_area=view.address_area,
            version=v.version,
        )


class DayPublic(BaseModel):
    start: date
    end: date
    visits: list[VisitPublic]
    next_visit: VisitPublic | None = None


class GrantedPublic(BaseModel):
    code: str
    count: int
    per: fc.FrequencyUnit


class FramePublic(BaseModel):
    period: fc.Period
    period_start: date
    period_end: date
    frame_minutes: int
    performed_minutes: int
    planned_minutes: int
    left_minutes: int
    services: list[GrantedPublic]

    @classmethod
    def of(cls, frame: fc.Frame, status: fc.FrameStatus) -> FramePublic:
        return cls(
            period=frame.period,
            services=[
                GrantedPublic(code=s.code, count=s.count, per=s.per) for s in frame.services
            ],
            period_start=status.period_start,
            period_end=status.period_end,
            frame_minutes=status.frame_minutes,
            performed_minutes=status.performed_minutes,
            planned_minutes=status.planned_minutes,
            left_minutes=status.left_minutes,
        )


class ChangeIn(BaseModel):
    kind: fc.ChangeKind
    visit_id: int | None = Field(default=None, ge=1)
    new_start: AwareDatetime | None = None
    new_duration: int | None = Field(default=None, ge=0, le=24 * 60)
    service: str | None = Field(default=None, max_length=40)
    new_service: str | None = Field(default=None, max_length=40)
    services: list[str] = Field(default_factory=list, max_length=10)

    def to_change(self) -> fc.Change:
        for code in [self.service, self.new_service, *self.services]:
            if code is not None and code not in set(ServiceCode):
                raise InvalidInput("unknown_service", service=code)
        try:
            fields = self.model_dump(include=set(ChangeIn.model_fields), exclude_unset=True)
            return fc.Change.model_validate(fields)
        except ValidationError as exc:
            missing = [e for e in exc.errors() if e["type"] == "missing_fields"]
            if missing:
                raise InvalidInput("missing_fields", fields=missing[0]["ctx"]["fields"]) from None
            raise


class SubmitIn(ChangeIn):
    idempotency_key: str = Field(min_length=8, max_length=64)
    note: str = Field(default="", max_length=1000)
    to_assessor: bool = False


class ReasonPublic(BaseModel):
    code: str
    numbers: dict[str, int | str]


class VerdictPublic(BaseModel):
    outcome: fc.Outcome
    reasons: list[ReasonPublic]
    period_start: date
    period_end: date
    frame_minutes: int
    performed_minutes: int
    planned_minutes: int
    delta_minutes: int
    total_after: int

    @classmethod
    def of(cls, v: fc.Verdict) -> VerdictPublic:
        return cls(
            outcome=v.outcome,
            reasons=[ReasonPublic(code=r.code.value, numbers=dict(r.numbers)) for r in v.reasons],
            period_start=v.period_start,
            period_end=v.period_end,
            frame_minutes=v.frame_minutes,
            performed_minutes=v.performed_minutes,
            planned_minutes=v.planned_minutes,
            delta_minutes=v.delta_minutes,
            total_after=v.total_after,
        )


class RequestPublic(BaseModel):
    id: int
    client_id: int
    client_first_name: str
    kind: fc.ChangeKind
    visit_id: int | None
    visit_start: datetime | None
    visit_duration_minutes: int | None
    visit_services: list[str]
    new_start: datetime | None
    new_duration: int | None
    service: str | None
    new_service: str | None
    services: list[str]
    note: str
    status: RequestStatus
    outcome: fc.Outcome
    reasons: list[ReasonPublic]
    assignee: Assignee
    assigned_first_name: str | None
    escalated: bool
    created_at: datetime
    decided_at: datetime | None
    decided_by_first_name: str | None
    reject_reason: RejectReason | None
    reject_text: str | None
    version: int

    @classmethod
    def of(cls, view: RequestView) -> RequestPublic:
        r, v = view.request, view.visit
        assert r.id is not None
        return cls(
            id=r.id,
            client_id=r.client_id,
            client_first_name=view.client_first_name,
            kind=r.kind,
            visit_id=r.visit_id,
            visit_start=v.planned_start if v else None,
            visit_duration_minutes=v.duration_minutes if v else None,
            visit_services=v.services if v else [],
            new_start=r.new_start,
            new_duration=r.new_duration,
            service=r.service,
            new_service=r.new_service,
            services=r.services,
            note=r.note,
            status=r.status,
            outcome=r.outcome,
            reasons=[ReasonPublic(**reason) for reason in r.reasons],
            assignee=r.assignee,
            assigned_first_name=view.assigned_first_name,
            escalated=r.escalated_at is not None,
            created_at=r.created_at,
            decided_at=r.decided_at,
            decided_by_first_name=view.decided_by_first_name,
            reject_reason=r.reject_reason,
            reject_text=r.reject_text,
            version=r.version,
        )


class DecisionIn(BaseModel):
    version: int | None = Field(default=None, ge=1)


class RejectIn(DecisionIn):
    reason: RejectReason
    text: str | None = Field(default=None, max_length=500)


class LinkIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    telegram_user_id: int
    chat_id: int
    locale: str | None = Field(default=None, max_length=8)
    first_name: str | None = Field(default=None, max_length=64)


class ClientAccess(BaseModel):
    client_id: int
    first_name: str
    scope: Scope


class MePublic(BaseModel):
    chat_account_id: int
    kind: str  # client | relative | staff
    first_name: str
    locale: str
    notify_level: NotifyLevel
    clients: list[ClientAccess]
    staff_id: int | None = None
    staff_role: StaffRole | None = None


class PreferencesIn(BaseModel):
    locale: str | None = Field(default=None, max_length=8)
    notify_level: NotifyLevel | None = None


class InvitationIn(BaseModel):
    kind: InvitationKind
    client_id: int | None = None
    staff_id: int | None = None
    scope: Scope | None = None
    relative_first_name: str | None = Field(default=None, max_length=64)


class InvitationPublic(BaseModel):
    code: str
    kind: InvitationKind
    expires_at: datetime


class RelativePublic(BaseModel):
    link_id: int
    first_name: str
    scope: Scope
    granted_at: datetime


class LateIn(BaseModel):
    minutes: int = Field(ge=1, le=240)


class NotificationPublic(BaseModel):
    id: int
    chat_id: int
    recipient: str  # client | relative | staff
    locale: str
    kind: str
    urgency: str
    payload: dict[str, Any]
    attempts: int


class ClaimIn(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    lease_seconds: int = Field(default=60, ge=5, le=3600)


class FailureIn(BaseModel):
    retry_after: float | None = Field(default=None, ge=0, le=86_400)
    blocked: bool = False


# --- follow-up for the assessor (backend.domain.followup) -----------------------------------


class ServiceMinutesPublic(BaseModel):
    service: str
    performed_minutes: int


class FollowupClientPublic(BaseModel):
    client_id: int
    first_name: str
    ordered_minutes: int
    performed_minutes: int
    deviation_percent: float | None
    flagged: bool
    direction: str | None  # over | under
    consecutive_months: int
    per_service: list[ServiceMinutesPublic]
    deviation_reasons: dict[str, int]


class LatePlanPublic(BaseModel):
    plan_id: int
    client_id: int
    first_name: str
    status: str  # draft | signed
    created_on: date
    signed_on: date | None
    days: int


class FrameDuePublic(BaseModel):
    order_id: int
    client_id: int
    first_name: str
    decided_on: date
    followed_up_on: date | None
    due_on: date
    overdue: bool


class DeclinerPublic(BaseModel):
    client_id: int
    first_name: str
    declines: int
    first_on: date
    last_on: date


class ChangedNeedPublic(BaseModel):
    request_id: int
    client_id: int
    first_name: str
    requested_on: date
    kind: str
    reasons: list[str]


class FollowupPublic(BaseModel):
    unit_id: int
    month: str  # YYYY-MM
    start: date
    end: date
    today: date
    complete: bool
    clients: list[FollowupClientPublic]
    late_plans: list[LatePlanPublic]
    frames_to_follow_up: list[FrameDuePublic]
    repeated_decliners: list[DeclinerPublic]
    changed_needs: list[ChangedNeedPublic]

    @classmethod
    def of(cls, report: fu.FollowupReport, *, unit_id: int) -> FollowupPublic:
        names = {row.client_id: row.first_name for row in report.clients}
        return cls(
            unit_id=unit_id,
            month=report.month.strftime("%Y-%m"),
            start=report.month,
            end=report.month_end,
            today=report.today,
            complete=report.complete,
            clients=[
                FollowupClientPublic(
                    client_id=row.client_id,
                    first_name=row.first_name,
                    ordered_minutes=row.ordered_minutes,
                    performed_minutes=row.performed_minutes,
                    deviation_percent=row.deviation_percent,
                    flagged=row.flagged,
                    direction=None if row.direction is None else row.direction.value,
                    consecutive_months=row.consecutive_months,
                    per_service=[
                        ServiceMinutesPublic(service=s.service, performed_minutes=s.minutes)
                        for s in row.per_service
                    ],
                    deviation_reasons=dict(row.deviation_reasons),
                )
                for row in report.clients
            ],
            late_plans=[
                LatePlanPublic(
                    plan_id=p.plan_id,
                    client_id=p.client_id,
                    first_name=names.get(p.client_id, ""),
                    status="draft" if p.draft else "signed",
                    created_on=p.created_on,
                    signed_on=p.signed_on,
                    days=p.days,
                )
                for p in report.late_plans
            ],
            frames_to_follow_up=[
                FrameDuePublic(
                    order_id=f.order_id,
                    client_id=f.client_id,
                    first_name=names.get(f.client_id, ""),
                    decided_on=f.decided_on,
                    followed_up_on=f.followed_up_on,
                    due_on=f.due_on,
                    overdue=f.overdue,
                )
                for f in report.frames_to_follow_up
            ],
            repeated_decliners=[
                DeclinerPublic(
                    client_id=d.client_id,
                    first_name=names.get(d.client_id, ""),
                    declines=d.declines,
                    first_on=d.first_on,
                    last_on=d.last_on,
                )
                for d in report.repeated_decliners
            ],
            changed_needs=[
                ChangedNeedPublic(
                    request_id=n.request_id,
                    client_id=n.client_id,
                    first_name=names.get(n.client_id, ""),
                    requested_on=n.requested_on,
                    kind=n.kind,
                    reasons=list(n.reasons),
                )
                for n in report.changed_needs
            ],
        )


class DeviationIn(BaseModel):
    reason: DeviationReason | None  # null clears a mistaken reason


class DeviationPublic(BaseModel):
    visit_id: int
    client_id: int
    status: fc.VisitStatus
    deviation_reason: DeviationReason | None
    version: int

"""From the services' rows and views to the contract's models (``contract/``), which are what
the HTTP API reads and returns; and the follow-up report, which only the staff side reads.
Codes and numbers only: the bot writes the sentences."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from backend.domain import followup as fu
from backend.domain import frame_check as fc
from backend.models import ChatAccount, Notification, VisitNote
from backend.services.requests import RequestView
from backend.services.visits import VisitView, performed_minutes, status_now
from contract import (
    FramePublic,
    GrantedPublic,
    Id,
    NotePublic,
    NotificationPublic,
    PersonKind,
    RequestPublic,
    ServiceCode,
    VisitPublic,
)


def visit_public(view: VisitView, now: datetime | None = None) -> VisitPublic:
    """The visit as it stands at ``now`` (missed once its window passed unchecked-in)."""
    v = view.visit
    assert v.id is not None
    return VisitPublic(
        id=v.id,
        client_id=v.client_id,
        day=v.day,
        start=v.planned_start,
        end=v.planned_start + timedelta(minutes=v.duration_minutes),
        duration_minutes=v.duration_minutes,
        services=[ServiceCode(code) for code in v.services],
        declined_services=[ServiceCode(code) for code in v.declined_services],
        how=v.how,
        status=status_now(v, now),
        late_minutes=v.late_minutes,
        staff_first_name=view.staff_first_name,
        staff_is_new=view.staff_is_new,
        actual_start=v.actual_start,
        actual_end=v.actual_end,
        performed_minutes=performed_minutes(v),
        client_first_name=view.client_first_name,
        address_area=view.address_area,
        version=v.version,
        deviation_reason=v.deviation_reason,
    )


def frame_public(frame: fc.Frame, status: fc.FrameStatus) -> FramePublic:
    return FramePublic(
        period=frame.period,
        services=[
            GrantedPublic(code=ServiceCode(s.code), count=s.count, per=s.per)
            for s in frame.services
        ],
        period_start=status.period_start,
        period_end=status.period_end,
        frame_minutes=status.frame_minutes,
        performed_minutes=status.performed_minutes,
        planned_minutes=status.planned_minutes,
        left_minutes=status.left_minutes,
        pending_count=status.pending_count,
        total_if_pending=status.total_if_pending,
    )


def request_public(view: RequestView) -> RequestPublic:
    """A request as it was asked: its own change and ``before``, whatever the visit is now."""
    r = view.request
    assert r.id is not None
    return RequestPublic(
        id=r.id,
        client_id=r.client_id,
        client_first_name=view.client_first_name,
        change=r.change,
        before=r.before,
        note=r.note,
        status=r.status,
        outcome=r.outcome,
        reasons=r.reasons,
        assignee=r.assignee,
        assigned_first_name=view.assigned_first_name,
        escalated=r.escalated_at is not None,
        created_at=r.created_at,
        decided_at=r.decided_at,
        decided_by_first_name=view.decided_by_first_name,
        reject_reason=r.reject_reason,
        reject_text=r.reject_text,
        version=r.version,
        asked_by=view.asked_by,
        asked_by_first_name=view.asked_by_first_name,
        withdrawn_by=view.withdrawn_by,
        withdrawn_by_first_name=view.withdrawn_by_first_name,
    )


def note_public(
    note: VisitNote, author: str | None = None, start: datetime | None = None
) -> NotePublic:
    assert note.id is not None
    return NotePublic(
        id=note.id,
        visit_id=note.visit_id,
        visit_start=start,
        author_first_name=author,
        text=note.text,
        source=note.source,
        confidence=note.confidence,
        event_time=note.event_time,
        entry_time=note.entry_time,
        marked_wrong=note.marked_wrong_at is not None,
        corrects_note_id=note.corrects_note_id,
    )


def person_kind(account: ChatAccount) -> PersonKind:
    if account.client_id is not None:
        return PersonKind.CLIENT
    if account.relative_id is not None:
        return PersonKind.RELATIVE
    return PersonKind.STAFF


def notification_public(notification: Notification, account: ChatAccount) -> NotificationPublic:
    assert notification.id is not None
    return NotificationPublic(
        id=notification.id,
        chat_id=account.chat_id,
        recipient=person_kind(account),
        locale=account.locale,
        urgency=notification.urgency,
        attempts=notification.attempts,
        created_at=notification.created_at,
        message=notification.message,
    )


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
    has_data: bool = True  # False: no visit recorded this month, so no deviation is claimed
    months_without_data: list[str] = []  # YYYY-MM, of the 12 months up to this one, with a frame


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
                    has_data=row.has_data,
                    months_without_data=[
                        p.month.strftime("%Y-%m")
                        for p in row.history
                        if not p.has_data and p.ordered_minutes > 0
                    ],
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


# --- the client's data: erasure (backend.services.personal_data) -----------------------------


class ErasureIn(BaseModel):
    """The client's id a second time: an erasure cannot be undone."""

    confirm_client_id: Id


class ErasurePublic(BaseModel):
    """What an erasure removes (or removed) and what it keeps for the law, counted."""

    client_id: int
    erased: bool  # False: a preview, nothing was changed
    chat_accounts: int
    relatives: int
    relative_links: int
    invitations: int
    notifications: int
    requests_withdrawn: int
    request_texts: int
    future_visits: int
    kept_visits: int
    kept_notes: int
    kept_requests: int
    kept_audit_events: int

"""What the API takes, besides a change: bounded, so bad input is a 4xx and never a 5xx."""

from __future__ import annotations

from pydantic import BaseModel, Field

from contract.bounds import Id, Line, Moment, TelegramId, Text
from contract.enums import (
    DeliveryFailure,
    DeviationReason,
    InvitationKind,
    NoteSource,
    NotifyLevel,
    PerformedCorrection,
    RejectReason,
    Scope,
)

MAX_NOTE = 4000


class LinkIn(BaseModel):
    code: Line = Field(min_length=1, max_length=64)
    telegram_user_id: TelegramId
    chat_id: TelegramId
    locale: Line | None = Field(default=None, max_length=8)
    first_name: Line | None = Field(default=None, max_length=64)


class PreferencesIn(BaseModel):
    locale: Line | None = Field(default=None, max_length=8)
    notify_level: NotifyLevel | None = None


class InvitationIn(BaseModel):
    kind: InvitationKind
    client_id: Id | None = None
    staff_id: Id | None = None
    # A relative's consent: each scope granted on its own (at least one).
    scopes: set[Scope] | None = Field(default=None, min_length=1)
    relative_first_name: Line | None = Field(default=None, max_length=64)


class DecisionIn(BaseModel):
    """The version the decider saw: a decision on a changed request is refused."""

    version: Id | None = None


class RejectIn(DecisionIn):
    reason: RejectReason
    text: Text | None = Field(default=None, max_length=500)


class LateIn(BaseModel):
    minutes: int = Field(ge=1, le=240)
    # The visit the lateness is for; none: the staff member's next visit today.
    visit_id: Id | None = None


class CheckOutIn(BaseModel):
    # A check-out a few minutes after the check-in is refused unless confirmed.
    confirm: bool = False


class PerformedIn(BaseModel):
    """Staff correct a visit's performed time, with the reason (audited)."""

    minutes: int = Field(ge=0, le=600)
    reason: PerformedCorrection


class ClaimIn(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    lease_seconds: int = Field(default=60, ge=5, le=3600)


class FailureIn(BaseModel):
    """A delivery that failed: when to try again, whether the chat blocked the bot, and what
    Telegram said (for the manager's list of notifications that could not be delivered)."""

    retry_after: float | None = Field(default=None, ge=0, le=86_400)
    blocked: bool = False
    reason: DeliveryFailure | None = None


class NoteIn(BaseModel):
    text: Text = Field(min_length=1, max_length=MAX_NOTE)
    source: NoteSource = NoteSource.TYPED
    confidence: float | None = Field(default=None, ge=0, le=1)
    event_time: Moment | None = None


class CorrectionIn(BaseModel):
    text: Text = Field(min_length=1, max_length=MAX_NOTE)


class DeviationIn(BaseModel):
    reason: DeviationReason | None  # null clears a mistaken reason

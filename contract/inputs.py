"""What the API takes, besides a change: bounded, so bad input is a 4xx and never a 5xx."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from contract.changes import Id
from contract.enums import (
    DeviationReason,
    InvitationKind,
    NoteSource,
    NotifyLevel,
    RejectReason,
    Scope,
)

# Telegram ids are 64-bit (and fit in a double, as Telegram promises).
TelegramId = Annotated[int, Field(ge=-(2**53), le=2**53)]
MAX_NOTE = 4000


class LinkIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    telegram_user_id: TelegramId
    chat_id: TelegramId
    locale: str | None = Field(default=None, max_length=8)
    first_name: str | None = Field(default=None, max_length=64)


class PreferencesIn(BaseModel):
    locale: str | None = Field(default=None, max_length=8)
    notify_level: NotifyLevel | None = None


class InvitationIn(BaseModel):
    kind: InvitationKind
    client_id: Id | None = None
    staff_id: Id | None = None
    scope: Scope | None = None
    relative_first_name: str | None = Field(default=None, max_length=64)


class DecisionIn(BaseModel):
    """The version the decider saw: a decision on a changed request is refused."""

    version: Id | None = None


class RejectIn(DecisionIn):
    reason: RejectReason
    text: str | None = Field(default=None, max_length=500)


class LateIn(BaseModel):
    minutes: int = Field(ge=1, le=240)


class ClaimIn(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    lease_seconds: int = Field(default=60, ge=5, le=3600)


class FailureIn(BaseModel):
    retry_after: float | None = Field(default=None, ge=0, le=86_400)
    blocked: bool = False


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NOTE)
    source: NoteSource = NoteSource.TYPED
    confidence: float | None = Field(default=None, ge=0, le=1)
    event_time: AwareDatetime | None = None


class CorrectionIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NOTE)


class DeviationIn(BaseModel):
    reason: DeviationReason | None  # null clears a mistaken reason

"""A change to the client's visits, what it changes from, and the frame check's verdict on it.

``Change`` is the one shape of a change: the bot builds it, the API takes it, the frame check
judges it, a request stores it, a notification tells about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from contract.bounds import Id, Minutes, Moment, Text
from contract.enums import ChangeKind, Outcome, Period, ReasonCode, ServiceCode

# What each kind of change needs (the rule lives here and nowhere else).
REQUIRED_FIELDS: dict[ChangeKind, tuple[str, ...]] = {
    ChangeKind.MOVE: ("visit_id", "new_start"),
    ChangeKind.RESIZE: ("visit_id", "new_duration"),
    ChangeKind.SWAP: ("visit_id", "service", "new_service"),
    ChangeKind.SKIP_SERVICE: ("visit_id", "service"),
    ChangeKind.CANCEL: ("visit_id",),
    ChangeKind.EXTRA: ("new_start", "new_duration", "services"),
}
# At most this many changes asked for together: a week away at five visits a day.
MAX_TOGETHER = 35
_FIELDS = ("visit_id", "new_start", "new_duration", "service", "new_service", "services")


class Change(BaseModel):
    """What the client asks for. A change carries exactly the fields its kind uses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ChangeKind
    visit_id: Id | None = None
    new_start: Moment | None = None
    new_duration: Minutes | None = None
    service: ServiceCode | None = None  # swap: the one given up; skip_service: the one skipped
    new_service: ServiceCode | None = None  # swap: the one wanted instead
    services: tuple[ServiceCode, ...] = Field(default=(), max_length=10)  # extra visit

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> Self:
        needed = REQUIRED_FIELDS[self.kind]
        missing = [name for name in needed if getattr(self, name) in (None, ())]
        if missing:
            raise PydanticCustomError(
                "missing_fields",
                "a {kind} change needs {fields}",
                {"kind": self.kind.value, "fields": missing},
            )
        for name in _FIELDS:
            if name not in needed and getattr(self, name) not in (None, ()):
                object.__setattr__(self, name, () if name == "services" else None)
        if self.services:
            object.__setattr__(self, "services", tuple(sorted(set(self.services))))
        return self

    @property
    def visit(self) -> int:
        """The visit this change is about (every kind but ``extra`` has one)."""
        if self.visit_id is None:
            raise ValueError(f"a {self.kind} change has no visit")
        return self.visit_id


class VisitBefore(BaseModel):
    """The visit as it was when the change was asked for: what a request changes *from*."""

    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    duration_minutes: int
    services: tuple[ServiceCode, ...] = ()
    declined_services: tuple[ServiceCode, ...] = ()


class Reason(BaseModel):
    """One finding of the frame check: a code and the numbers that explain it."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    numbers: dict[str, int | str] = Field(default_factory=dict)


# What a changed need can answer: the frame, a service not granted, the order's dates.
NEED_CODES = frozenset(
    {ReasonCode.OVER_FRAME, ReasonCode.SERVICE_NOT_GRANTED, ReasonCode.OUTSIDE_ORDER_VALIDITY}
)
# What no decision can change: a time already past, a visit begun, gone or cancelled, a change
# that changes nothing, a service the visit does not have, or a visit already asked about.
CANNOT_BE_CODES = frozenset(
    {
        ReasonCode.IN_PAST,
        ReasonCode.VISIT_STARTED,
        ReasonCode.VISIT_NOT_FOUND,
        ReasonCode.VISIT_CANCELLED,
        ReasonCode.NO_CHANGE,
        ReasonCode.SERVICE_NOT_IN_VISIT,
        ReasonCode.ALREADY_ASKED,
    }
)


def a_changed_need(reasons: Iterable[Reason]) -> bool:
    """Whether a change outside the frame may be passed on to the needs assessor: the frame
    (or a service, or the order's dates) is in the way, and nothing no decision could change
    is (a time already past is no matter for the assessor)."""
    codes = {reason.code for reason in reasons}
    return bool(codes & NEED_CODES) and not codes & CANNOT_BE_CODES


def freed_in_a_period_over(reasons: list[Reason]) -> int | None:
    """For a change in a period already over its frame (``ALREADY_OVER_FRAME``): the minutes
    it frees (0 if none); None when the period is not over. What a decider is told first."""
    for reason in reasons:
        if reason.code is ReasonCode.ALREADY_OVER_FRAME:
            freed = reason.numbers.get("freed", 0)
            return freed if isinstance(freed, int) else 0
    return None


class PeriodFigures(BaseModel):
    """Another period a change touches (a visit moved into the next month, a week away over
    a month's end), in its own figures."""

    period_start: date
    period_end: date  # inclusive
    performed_minutes: int
    planned_minutes: int
    delta_minutes: int
    total_after: int


class Verdict(BaseModel):
    """The frame check of a change (DESIGN section 3), in codes and numbers (rule 7): the
    figures of the period it lands in, and of each other period it touches."""

    outcome: Outcome
    reasons: list[Reason]
    period: Period
    period_start: date
    period_end: date  # inclusive
    frame_minutes: int
    performed_minutes: int  # done in the period so far
    planned_minutes: int  # still planned in the period, before the change
    delta_minutes: int  # how the change alters the period's total
    total_after: int
    # Waiting (pending) requests are not counted, but shown: how many touch this period,
    # and the period's total if they were approved as well as this change.
    pending_count: int = 0
    total_if_pending: int | None = None
    other_periods: list[PeriodFigures] = Field(default_factory=list)


class ChangesTogether(BaseModel):
    """Changes the client asks for together, each of a visit of its own (all of a day's
    visits cancelled when they are away): judged as one, then each sent as a request."""

    changes: list[Change] = Field(min_length=1, max_length=MAX_TOGETHER)

    @model_validator(mode="after")
    def _each_of_its_own_visit(self) -> Self:
        ids = [change.visit_id for change in self.changes if change.visit_id is not None]
        if len(set(ids)) < len(ids):
            raise PydanticCustomError("one_visit_twice", "Two changes of one visit")
        return self


class Submission(BaseModel):
    """A change sent for decision. The same idempotency key always yields the same request."""

    change: Change
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    note: Text = Field(default="", max_length=1000)  # the client's own words, typed or spoken
    to_assessor: bool = False  # outside the frame: send it on as a changed need
